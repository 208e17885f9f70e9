"""Matrix rows of the coordination of the parcours: the circle's conversations and the user's notices.

The circle's conversations: P's circle counts A's professional and B's professional (B joined it while
the person consented; membership alone decides afterwards, whatever the column's scenario). They read
and write every conversation of the circle; nobody else does, however close to P: A's director and
G's direction, B's director, the DPO, the superuser get a 404 (being in the team or the direction is
not enough). The family's side is in tests/security/portal_rows/circle.py.

The notices: every signed-in user reads their own list and marks it read; a notice is opened (and
followed to its page) by its user only, a 404 to anyone else."""

from django.urls import reverse

from parcours.coordination import circle_messages
from parcours.coordination.enums import CircleRole, NotificationKind, ThreadAudience
from parcours.coordination.models import CircleMember, CircleMessage, CircleThread, Notification
from parcours.coordination.notifications import notify
from tests.security.matrix import EVERY_USER, LOGIN, N404, OK, POST_ONLY, Outcome, Row

# Members of P's circle: A's professional and B's professional (in every scenario, the emergency
# access included: it is the membership that counts).
CIRCLE_OF_P = (LOGIN, OK, N404, N404, OK, OK, OK, N404, N404, N404, N404, N404, OK)
# Opening A's professional's notice: sent to its page.
TO_NOTICE = Outcome("TO_NOTICE", True, 302, "success")
NOTICE_OF_PRO_A = (LOGIN, TO_NOTICE, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def circle_of_p(w) -> CircleThread:
    """P's circle (A's and B's professionals) and a conversation between its professionals, started by
    A's professional through the service (idempotent: rows may set it up more than once)."""
    for role, establishment in (("pro_a", w.a), ("pro_b", w.b)):
        user = w.users[role]
        if not CircleMember.objects.active().filter(person=w.person, user=user).exists():
            CircleMember.objects.create(
                person=w.person, user=user, establishment=establishment, role=CircleRole.PROFESSIONAL,
                added_by=w.users["pro_a"],
            )  # fmt: skip
    thread = CircleThread.objects.filter(person=w.person).order_by("pk").first()
    if thread is None:
        thread = circle_messages.start_circle_thread(
            w.person, actor=w.actor("pro_a"), audience=ThreadAudience.TEAM, subject="Point du mois",
            body="Où en est la recherche d'ESAT ?",
        )  # fmt: skip
    return thread


def thread_of_p(w) -> dict:
    return {"person_uuid": w.person.uuid, "thread_uuid": circle_of_p(w).uuid}


def messages_of_p(w) -> int:
    return CircleMessage.objects.filter(thread__person=w.person).count()


def newest_thread(w) -> str:
    thread = CircleThread.objects.filter(person=w.person).order_by("-pk").first()
    return reverse("coordination:circle_thread", args=[w.person.uuid, thread.uuid])


NOTICE_URL = "/coordination/notifications/"


def notices_for_everyone(w) -> None:
    """One unread notice for each user of the world."""
    if not Notification.objects.filter(kind=NotificationKind.REQUEST_DECIDED).exists():
        notify(list(w.users.values()), NotificationKind.REQUEST_DECIDED, NOTICE_URL)


def notice_of_pro_a(w) -> Notification:
    notice = Notification.objects.filter(user=w.users["pro_a"], kind=NotificationKind.TASK_DUE).first()
    if notice is None:
        notice = notify([w.users["pro_a"]], NotificationKind.TASK_DUE, circle_thread_list(w))[0]
    return notice


def circle_thread_list(w) -> str:
    return reverse("coordination:circle_threads", args=[w.person.uuid])


def unread(w) -> int:
    return Notification.objects.filter(read_at__isnull=True).count()


ROWS = [
    Row(
        "coordination:circle_threads",
        "GET",
        CIRCLE_OF_P,
        lambda w: {"person_uuid": w.person.uuid},
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_thread_create",
        "GET",
        CIRCLE_OF_P,
        lambda w: {"person_uuid": w.person.uuid},
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_thread_create",
        "POST",
        CIRCLE_OF_P,
        lambda w: {"person_uuid": w.person.uuid},
        setup=circle_of_p,
        data=lambda w: {"audience": ThreadAudience.FAMILY, "subject": "Visite", "body": "Mardi à 14 h ?"},
        success=newest_thread,
        probe=messages_of_p,
    ),
    Row("coordination:circle_thread", "GET", CIRCLE_OF_P, thread_of_p, setup=circle_of_p),
    Row(
        "coordination:circle_thread",
        "POST",
        CIRCLE_OF_P,
        thread_of_p,
        setup=circle_of_p,
        data=lambda w: {"body": "Le SAVS a répondu."},
        success=lambda w: reverse("coordination:circle_thread", kwargs=thread_of_p(w)),
        probe=messages_of_p,
    ),
    Row("coordination:notifications", "GET", EVERY_USER, setup=notices_for_everyone),
    Row("coordination:notifications_read_all", "GET", POST_ONLY),
    Row(
        "coordination:notifications_read_all",
        "POST",
        EVERY_USER,
        setup=notices_for_everyone,
        data=lambda w: {},
        success=lambda w: reverse("coordination:notifications"),
        probe=unread,
    ),
    Row(
        "coordination:notification",
        "GET",
        NOTICE_OF_PRO_A,
        lambda w: {"uuid": notice_of_pro_a(w).uuid},
        setup=notice_of_pro_a,
        success=circle_thread_list,
    ),
]
