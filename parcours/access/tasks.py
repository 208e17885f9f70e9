"""Background tasks of the access module: the notice of an emergency access."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.urls import reverse
from django_tasks import task

from parcours.access.models import BreakGlass
from parcours.access.policy import AUDIT_PERMISSION, break_glass_directors

SUBJECT = "Parcours : un accès d'urgence à un dossier a été ouvert"


def break_glass_recipients(access: BreakGlass) -> list[str]:
    """The directors concerned and the data protection officer (every user holding the audit
    permission, and PARCOURS_DPO_EMAIL)."""
    User = get_user_model()
    dpos = User.objects.with_perm(AUDIT_PERMISSION, include_superusers=False).filter(is_active=True)
    addresses = {user.email for user in [*break_glass_directors(access), *dpos] if user.email}
    if settings.PARCOURS_DPO_EMAIL:
        addresses.add(settings.PARCOURS_DPO_EMAIL)
    return sorted(addresses)


@task()
def notify_break_glass(access_uuid: str) -> int:
    """E-mail the notice; it names nobody (no personal data in e-mails): the reader follows the link
    to the access, which the application shows only to its reviewers."""
    access = BreakGlass.objects.get(uuid=access_uuid)
    recipients = break_glass_recipients(access)
    if not recipients:
        return 0
    link = settings.PARCOURS_SITE_URL.rstrip("/") + reverse("access:break_glass_detail", args=[access.uuid])
    body = (
        "Bonjour,\n\n"
        f"Un accès d'urgence (bris de glace) a été ouvert le {access.opened_at:%d/%m/%Y à %H:%M} (UTC) "
        "à un dossier que le professionnel n'avait pas le droit de consulter. Il est limité dans le temps "
        "et tracé dans le journal des accès.\n\n"
        f"Examinez-le dans Parcours : {link}\n\n"
        "Ce message ne contient aucune donnée personnelle."
    )
    return send_mail(SUBJECT, body, None, recipients)
