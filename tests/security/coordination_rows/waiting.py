"""Matrix rows of the coordination of the parcours: waiting.

An establishment's waiting list is kept by its team and its direction: A's list by A's professional
and director. The gestionnaire's direction reads its figures on the dashboards, not the list; B's
team, even with P's consent or an emergency access to P's record, does not keep A's list: 404.
"""

from django.urls import reverse

from parcours.coordination.models import WaitingListEntry
from parcours.organisations.enums import SupportMode
from tests.security.matrix import LOGIN, N404, OK, Row, day
from tests.security.world import day as world_day

# A's waiting list: A's team and director only.
LIST_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def list_a(w) -> str:
    return reverse("coordination:waiting_list", args=[w.a.uuid])


def establishment_a(w) -> dict:
    return {"establishment_uuid": w.a.uuid}


def p_waits_in_a(w) -> None:
    """P waits for a place in A's externat (registered a month ago)."""
    WaitingListEntry.objects.get_or_create(
        person=w.person,
        establishment=w.a,
        mode=SupportMode.EXTERNAT,
        left_on=None,
        defaults={"registered_on": world_day(-30)},
    )


def entry(w) -> dict:
    waiting = WaitingListEntry.objects.get(person=w.person, establishment=w.a, left_on__isnull=True)
    return {"entry_uuid": waiting.uuid}


def entry_state(w):
    return list(
        WaitingListEntry.objects.filter(person=w.person, establishment=w.a)
        .order_by("pk")
        .values_list("priority", "left_on", "outcome")
    )


ROWS = [
    Row("coordination:waiting_list", "GET", LIST_A, kwargs=establishment_a, setup=p_waits_in_a),
    Row("coordination:waiting_register", "GET", LIST_A, kwargs=establishment_a),
    Row(
        "coordination:waiting_register",
        "POST",
        LIST_A,
        kwargs=establishment_a,
        data=lambda w: {
            "personne": str(w.person.uuid),
            "mode": SupportMode.INTERNAT,
            "registered_on": day(-3),
            "priority": "2",
        },
        success=list_a,
        probe=lambda w: WaitingListEntry.objects.filter(person=w.person).count(),
    ),
    Row(
        "coordination:waiting_priority",
        "POST",
        LIST_A,
        kwargs=entry,
        setup=p_waits_in_a,
        data=lambda w: {"priority": "1"},
        success=list_a,
        probe=entry_state,
    ),
    Row("coordination:waiting_decide", "GET", LIST_A, kwargs=entry, setup=p_waits_in_a),
    Row(
        "coordination:waiting_decide",
        "POST",
        LIST_A,
        kwargs=entry,
        setup=p_waits_in_a,
        data=lambda w: {
            "outcome": "withdrawn",
            "left_on": day(-1),
            "decision_note": "Souhaite attendre une autre place.",
            "confirm": "on",
        },
        success=list_a,
        probe=entry_state,
    ),
]
