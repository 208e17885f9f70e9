"""A user's notices of the coordination: reading them, marking them read, and the notices of the circle's
tasks that fall due (sending is `parcours.coordination.notifications.notify`).

Rules (business words):
- A notice belongs to one user: nobody else reads it, opens it or marks it read.
- Opening a notice marks it read and leads to its page; a notice leads only to a page of the
  application (an internal path), never to another site.
- The owner of an open task of the circle due today or tomorrow gets one notice per task and per day,
  however many times the reminder runs. The notice leads to the circle's page, which is the team's:
  owners who left the circle, family carers and owners without a login get none.
"""

import datetime

from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme

from parcours.coordination.enums import NotificationKind, TaskStatus
from parcours.coordination.models import CircleTask, Notification
from parcours.coordination.notifications import notify

NOTICES_PER_PAGE = 20


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notices_page(user, page=None):
    """One page of the user's notices: unread first, then the newest."""
    notices = (
        Notification.objects.filter(user=user)
        .annotate(unread=ExpressionWrapper(Q(read_at__isnull=True), output_field=BooleanField()))
        .order_by("-unread", "-created_at", "-pk")
    )
    return Paginator(notices, NOTICES_PER_PAGE).get_page(page)


def is_internal_path(url: str) -> bool:
    """A path of this application: starts with one "/", names no host nor scheme."""
    return (
        bool(url)
        and url.startswith("/")
        and not url.startswith(("//", "/\\"))
        and url_has_allowed_host_and_scheme(url, allowed_hosts=set(), require_https=False)
    )


@transaction.atomic
def open_notice(notice: Notification, *, user) -> str | None:
    """Mark the user's notice read (the first opening is kept) and return where it leads, or None when
    its address is not a page of the application."""
    if notice.user_id != user.pk:
        raise Notification.DoesNotExist("Avis introuvable.")
    if notice.read_at is None:
        notice.read_at = timezone.now()
        Notification.objects.filter(pk=notice.pk, read_at__isnull=True).update(read_at=notice.read_at)
    return notice.url if is_internal_path(notice.url) else None


@transaction.atomic
def mark_all_read(*, user) -> int:
    """Mark every unread notice of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


def task_url(task: CircleTask) -> str:
    """The circle's page, where the task is shown (the team's page; the family's space has no tasks)."""
    try:
        return reverse("coordination:circle", args=[task.person.uuid]) + f"#tache-{task.uuid}"
    except NoReverseMatch:  # the circle's page is not there yet: its conversations are
        return reverse("coordination:circle_threads", args=[task.person.uuid]) + f"#tache-{task.uuid}"


@transaction.atomic
def notify_due_tasks(*, today: datetime.date | None = None) -> int:
    """Notify the owners of the circle's open tasks due today or tomorrow, once per task and day (a
    notice of this task already written today is not written again). Returns the notices written."""
    today = today or timezone.localdate()
    tasks = (
        CircleTask.objects.filter(
            status=TaskStatus.OPEN,
            due_on__gte=today,
            due_on__lte=today + datetime.timedelta(days=1),
            owner__left_at__isnull=True,
            owner__relative__isnull=True,
            owner__user__isnull=False,
            owner__user__is_active=True,
        )
        .select_related("person", "owner__user")
        .order_by("due_on", "pk")
    )
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    already = set(
        Notification.objects.filter(
            kind=NotificationKind.TASK_DUE, created_at__gte=start, created_at__lt=end
        ).values_list("user_id", "url")
    )
    written = 0
    for task in tasks:
        url = task_url(task)
        if (task.owner.user_id, url) in already:
            continue
        written += len(notify([task.owner.user], NotificationKind.TASK_DUE, url))
        already.add((task.owner.user_id, url))
    return written
