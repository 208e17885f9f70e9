"""Matrix rows of the person's day: the team's pages (records:day, presence, agenda, presence sheet)
and the person's space (portal:day and its live region)."""

import datetime

from django.urls import reverse
from django.utils import timezone

from parcours.access.journal import Actor
from parcours.records import daily
from parcours.records.models import AgendaEntry, Presence
from tests.security.matrix import (
    HX,
    LOGIN,
    N404,
    NO_LINK,
    OK,
    READ_P_NOT_CONSENTED,
    WRITE_P,
    Row,
    day,
    record,
)

# The presence sheet of A: those who write in A's name (its team and its direction); anyone else,
# the gestionnaire's direction included (it reads, never notes), gets a 404.
SHEET_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def plan_entry(w) -> None:
    """An activity of P planned by A's team, for the cancellation rows."""
    daily.add_agenda_entry(
        w.person,
        establishment=w.a,
        kind="activity",
        starts_at=timezone.now() + datetime.timedelta(hours=2),
        title="Atelier poterie",
        actor=Actor(user=w.users["pro_a"], ip_address="127.0.0.1"),
    )


def the_entry(w) -> dict:
    return record(w, entry_uuid=AgendaEntry.objects.filter(person=w.person).latest("pk").uuid)


def to_day(w) -> str:
    return reverse("records:day", args=[w.person.uuid])


def sheet(w) -> dict:
    return {"establishment_uuid": w.a.uuid}


def sheet_success(w) -> str:
    return reverse("records:presence_sheet", args=[w.a.uuid]) + f"?jour={timezone.localdate().isoformat()}"


def presences(w):
    return sorted(Presence.objects.values_list("person_id", "status", "absence_reason", "arrived_at"))


ROWS = [
    # The team's side
    Row("records:day", "GET", READ_P_NOT_CONSENTED, record),
    Row(
        "records:presence",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "establishment": w.a.pk,
            "date": day(0),
            "status": "present",
            "arrived_at": "09:05",
        },
        success=to_day,
        probe=presences,
    ),
    Row("records:agenda_create", "GET", WRITE_P, record),
    Row(
        "records:agenda_create",
        "POST",
        WRITE_P,
        record,
        data=lambda w: {
            "establishment": w.a.pk,
            "kind": "appointment",
            "title": "Orthophoniste",
            "starts_at": f"{day(3)}T10:30",
            "shareable": "on",
        },
        success=to_day,
        probe=lambda w: AgendaEntry.objects.count(),
    ),
    Row("records:agenda_cancel", "GET", WRITE_P, the_entry, setup=plan_entry),
    Row(
        "records:agenda_cancel",
        "POST",
        WRITE_P,
        the_entry,
        data=lambda w: {},
        success=to_day,
        probe=lambda w: list(AgendaEntry.objects.values_list("cancelled_at", flat=True)),
        setup=plan_entry,
    ),
    Row("records:presence_sheet", "GET", SHEET_A, sheet),
    Row(
        "records:presence_sheet",
        "POST",
        SHEET_A,
        sheet,
        data=lambda w: {f"status_{w.person.uuid.hex}": "absent", f"reason_{w.person.uuid.hex}": "illness"},
        success=sheet_success,
        probe=presences,
    ),
    # The person's space: nobody of the team holds a link
    Row("portal:day", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
    Row("portal:day_live", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}, headers=HX),
]
