"""Pages of the access log: who opened a person's record, what a user opened, and the data protection
officer's view of unusual access. Read-only; the persons they show are written to the log."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from parcours.access import audit
from parcours.access.api import Actor, get_person_or_404, log_listing, visible_persons
from parcours.access.forms import AuditPeriodForm
from parcours.access.models import AccessLogEntry
from parcours.access.policy import may_audit, readable_user_logs, scope_of
from parcours.staff.models import Membership

ENTRIES_PER_PAGE = 50
# Rows shown per section of the audit view (most significant first).
AUDIT_ROWS = 100


@require_GET
def person_log(request, uuid):
    """ "Qui a consulté ce dossier": every entry about the person, newest first, for anyone who may
    read the person's identity. Opening this page is itself written to the log."""
    person, _ = get_person_or_404(Actor.from_request(request), uuid, details={"view": "access:person_log"})
    entries = AccessLogEntry.objects.for_person(person).order_by("-at", "-sequence")
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    rows = audit.log_rows(list(page.object_list))
    return render(request, "access/person_log.html", {"person": person, "page": page, "rows": rows})


@require_GET
def user_log(request, uuid):
    """What a user opened, newest first: for the user ("Mes accès"), the direction of the
    establishments where they work, and the data protection officer. Persons the reader may not
    see are not named."""
    target = get_object_or_404(readable_user_logs(request.user), uuid=uuid)
    entries = (
        AccessLogEntry.objects.filter(actor=target).select_related("person").order_by("-at", "-sequence")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    entries = list(page.object_list)
    person_ids = {entry.person_id for entry in entries if entry.person_id}
    visible = (
        set(visible_persons(request.user).filter(pk__in=person_ids).values_list("pk", flat=True))
        if person_ids
        else set()
    )
    who = audit.describe_users({target.pk})
    rows = audit.log_rows(entries, visible_person_ids=visible, who=who)
    shown = list({row.person.pk: row.person for row in rows if row.person is not None}.values())
    if shown:
        log_listing(Actor.from_request(request), shown, details={"view": "access:user_log"})
    own = target.pk == request.user.pk
    return render(
        request,
        "access/user_log.html",
        {
            "target": who[target.pk],
            "own": own,
            "page": page,
            "rows": rows,
            "team": team_members(request.user) if own else [],
            "may_audit": may_audit(request.user),
        },
    )


def team_members(user) -> list[Membership]:
    """The current members of the teams of the establishments this user directs (their logs are
    readable from "Mes accès")."""
    scope = scope_of(user)
    directed = scope.directed | scope.gestionnaire_establishments
    if not directed:
        return []
    return list(
        Membership.objects.active()
        .filter(establishment_id__in=directed, professional__user__isnull=False)
        .exclude(professional__user=user)
        .select_related("professional__user", "establishment")
        .order_by("establishment__name", "professional__last_name", "professional__first_name", "pk")
    )


@require_GET
def unusual_access(request):
    """The data protection officer's view: unusual access over a period (permission access.view_audit)."""
    if not may_audit(request.user):
        raise PermissionDenied("Cette page est réservée au délégué à la protection des données.")
    form = AuditPeriodForm(request.GET)
    period = form.period
    sections = {
        "bursts": audit.bursts(period),
        "refusals": audit.refusals(period),
        "night": audit.night_access(period),
    }
    who = audit.describe_users({row.actor_id for rows in sections.values() for row in rows})
    context = {"form": form, "period": period, "who": who}
    for name, rows in sections.items():
        context[name] = [(row, who[row.actor_id]) for row in rows[:AUDIT_ROWS]]
        context[f"{name}_more"] = max(0, len(rows) - AUDIT_ROWS)
    context.update(
        burst_persons=settings.PARCOURS_AUDIT_BURST_PERSONS,
        burst_minutes=settings.PARCOURS_AUDIT_BURST_MINUTES,
        night_start=settings.PARCOURS_AUDIT_NIGHT_START,
        night_end=settings.PARCOURS_AUDIT_NIGHT_END,
    )
    return render(request, "access/audit.html", context)
