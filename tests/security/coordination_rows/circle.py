"""Matrix rows of the coordination of the parcours: circle.

The world has no circle: each row's setup builds P's, through the real services, after the column's
scenario. A's director adds A's professional (coordinator) and, when P's consent to B is active (the
"consent" scenario), B's professional; A's professional gives themself a task and notes an
appointment.

- The circle's page and its writes (tasks, agenda) are for its members only (`CIRCLE_MEMBERS`): A's
  professional, and B's professional in the "consent" scenario. Everyone else gets a 404, A's director
  included (writing P's identity does not make them a member), as B's professional once the consent
  is withdrawn (never added) or through an emergency access (which opens the record, not the circle).
- The members' page and its writes are for those who write P's identity, members or not: WRITE_P
  (those who only read P get a 403).
- "Mes cercles" lists the circles of whoever asks: every signed-in user (an empty list for most).
"""

from django.urls import reverse
from django.utils import timezone

from parcours.access.models import Consent
from parcours.coordination import circle as services
from parcours.coordination.enums import CircleRole
from parcours.coordination.models import CircleEvent, CircleMember, CircleTask
from parcours.staff.models import Membership
from tests.security.matrix import EVERY_USER, LOGIN, N404, OK, WRITE_P, Row

CIRCLE_MEMBERS = (LOGIN, OK, N404, N404, N404, OK, N404, N404, N404, N404, N404, N404, N404)


def circle_of_p(w) -> None:
    director = w.actor("dir_a")
    w.circle_coordinator = services.add_member(
        w.person, actor=director, user=w.users["pro_a"], establishment=w.a, role=CircleRole.COORDINATOR
    )
    if Consent.objects.active().filter(person=w.person, establishment=w.b).exists():
        services.add_member(
            w.person, actor=director, user=w.users["pro_b"], establishment=w.b, role=CircleRole.PROFESSIONAL
        )
    services.add_task(w.person, actor=w.actor("pro_a"), title="Préparer le bilan", owner=w.circle_coordinator)
    services.add_event(w.person, actor=w.actor("pro_a"), title="Consultation", starts_at=timezone.now())


def person(w) -> dict:
    return {"person_uuid": w.person.uuid}


def task(w) -> dict:
    return person(w) | {"task_uuid": CircleTask.objects.get(person=w.person).uuid}


def event(w) -> dict:
    return person(w) | {"event_uuid": CircleEvent.objects.get(person=w.person).uuid}


def member(w) -> dict:
    return person(w) | {"member_uuid": w.circle_coordinator.uuid}


def circle_page(w) -> str:
    return reverse("coordination:circle", args=[w.person.uuid])


def members_page(w) -> str:
    return reverse("coordination:circle_members", args=[w.person.uuid])


def task_status(w):
    return CircleTask.objects.get(person=w.person).status


ROWS = [
    Row("coordination:my_circles", "GET", EVERY_USER, setup=circle_of_p),
    Row("coordination:circle", "GET", CIRCLE_MEMBERS, person, setup=circle_of_p),
    Row(
        "coordination:circle_task_add",
        "POST",
        CIRCLE_MEMBERS,
        person,
        data=lambda w: {
            "tache-title": "Appeler la MDPH",
            "tache-owner": str(w.circle_coordinator.uuid),
            "tache-due_on": "",
        },
        success=circle_page,
        probe=lambda w: CircleTask.objects.count(),
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_task_complete",
        "POST",
        CIRCLE_MEMBERS,
        task,
        data=lambda w: {},
        success=circle_page,
        probe=task_status,
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_task_cancel",
        "POST",
        CIRCLE_MEMBERS,
        task,
        data=lambda w: {},
        success=circle_page,
        probe=task_status,
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_event_add",
        "POST",
        CIRCLE_MEMBERS,
        person,
        data=lambda w: {"rdv-title": "Visite", "rdv-starts_at": "2030-01-15T10:00", "rdv-place": "Atelier"},
        success=circle_page,
        probe=lambda w: CircleEvent.objects.count(),
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_event_cancel",
        "POST",
        CIRCLE_MEMBERS,
        event,
        data=lambda w: {},
        success=circle_page,
        probe=lambda w: CircleEvent.objects.get(person=w.person).cancelled_at,
        setup=circle_of_p,
    ),
    Row("coordination:circle_members", "GET", WRITE_P, person, setup=circle_of_p),
    Row(
        "coordination:circle_member_add",
        "POST",
        WRITE_P,
        person,
        data=lambda w: {
            "pro-membership": Membership.objects.get(professional=w.professionals["dir_a"]).pk,
            "pro-role": "referent",
            "pro-role_detail": "",
        },
        success=members_page,
        probe=lambda w: CircleMember.objects.active().count(),
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_carer_add",
        "POST",
        WRITE_P,
        person,
        data=lambda w: {
            "famille-relative": w.relative.pk,
            "famille-role": "carer",
            "famille-role_detail": "",
        },
        success=members_page,
        probe=lambda w: CircleMember.objects.active().count(),
        setup=circle_of_p,
    ),
    Row(
        "coordination:circle_member_leave",
        "POST",
        WRITE_P,
        member,
        data=lambda w: {},
        success=members_page,
        probe=lambda w: CircleMember.objects.active().count(),
        setup=circle_of_p,
    ),
]
