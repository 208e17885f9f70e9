"""Notifications of the coordination: a notice in the application for each user concerned, announced by
an e-mail that names nobody (neither the person nor the establishment), pointing to the page to open.

`notify(users, kind, url)` is called by the services inside their transaction: the notices are written
with it, the e-mails leave once it is committed. A failure to send an e-mail loses nothing: the notice
is in the application."""

from functools import partial

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string

from parcours.coordination.models import Notification
from parcours.core.mail import send_each


def notify(users, kind: str, url: str) -> list[Notification]:
    """One notice per active user (each once), and one e-mail to each who has an address. `url`: a
    path of the application naming records by UUID only."""
    unique = {user.pk: user for user in users if user is not None and user.is_active}
    notices = Notification.objects.bulk_create(
        [Notification(user=user, kind=kind, url=url) for user in unique.values()]
    )
    addresses = [user.email for user in unique.values() if user.email]
    if addresses:
        link = settings.PARCOURS_SITE_URL.rstrip("/") + url
        subject = render_to_string("coordination/emails/notice_subject.txt").strip()
        body = render_to_string("coordination/emails/notice_body.txt", {"url": link})
        transaction.on_commit(partial(send_each, subject, body, addresses))
    return notices
