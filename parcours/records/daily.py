"""The person's day, written by the team: presence and the agenda (activities and appointments).

What the team writes here is what the person and their family follow in their space
(parcours.portal, "Aujourd'hui"): the presence of the day, the activities and appointments the team
left visible to the family. Presence and agenda belong to the "services" category of the record.

Rules:
- Presence is noted by the establishment that expects the person: one row per person, establishment
  and day; noting it again the same day corrects that row (and its time of recording). A day to come
  is never noted. A person present has an arrival (and maybe a departure) time; a person absent has
  a reason and no times.
- An agenda entry is never deleted: a cancelled activity keeps its row, dated (`cancelled_at`), and
  disappears from the family's view.
- Only a professional of the establishment's team or direction writes in its name; the access policy
  decides and logs each write (a gestionnaire's direction, a consent or an emergency access reads and
  never writes).
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.access.api import Action, Actor, Category, atomic_service, require
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.people.services import professional_of, require_writable_establishment
from parcours.records.enums import PresenceStatus
from parcours.records.models import Admission, AgendaEntry, Presence


def expected_persons(establishment: Establishment, day: datetime.date):
    """The persons the establishment supports on this day (their admission is current then)."""
    admitted = Admission.objects.active(on=day).filter(establishment=establishment).values("person_id")
    return Person.objects.filter(pk__in=admitted)


def _check_supported(person: Person, establishment: Establishment, day: datetime.date) -> None:
    if not Admission.objects.active(on=day).filter(person=person, establishment=establishment).exists():
        raise ValidationError(
            {"establishment": "La personne n'est pas accompagnée par cet établissement ce jour-là."}
        )


@atomic_service
def record_presence(
    person: Person,
    *,
    establishment: Establishment,
    date: datetime.date,
    status: str,
    actor: Actor,
    arrived_at: datetime.time | None = None,
    left_at: datetime.time | None = None,
    absence_reason: str = "",
) -> Presence:
    """Note whether the person is there on this day, in the name of this establishment. A second
    note for the same day updates the day's row."""
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    presence = (
        Presence.objects.select_for_update()
        .filter(person=person, establishment=establishment, date=date)
        .first()
    )
    action = Action.UPDATE if presence else Action.CREATE
    if presence is None:
        presence = Presence(person=person, establishment=establishment, date=date)
    require(actor, person, Category.SERVICES, action, obj=presence)
    if date and date > timezone.localdate():
        raise ValidationError({"date": "La présence ne se note pas pour un jour à venir."})
    _check_supported(person, establishment, date)
    if status == PresenceStatus.PRESENT and arrived_at is None:
        raise ValidationError({"arrived_at": "Indiquez l'heure d'arrivée."})
    presence.status = status
    presence.arrived_at = arrived_at
    presence.left_at = left_at
    presence.absence_reason = absence_reason or ""
    presence.recorded_by = professional
    presence.recorded_at = timezone.now()
    presence.full_clean()
    presence.save()
    return presence


@dataclass
class PresenceInput:
    """One line of the presence sheet."""

    person: Person
    status: str
    arrived_at: datetime.time | None = None
    left_at: datetime.time | None = None
    absence_reason: str = ""


@atomic_service
def record_presences(
    establishment: Establishment, *, date: datetime.date, lines: list[PresenceInput], actor: Actor
) -> list[Presence]:
    """The presence sheet of a group: every line is noted, or none when one is refused."""
    saved = []
    for line in lines:
        try:
            saved.append(
                record_presence(
                    line.person,
                    establishment=establishment,
                    date=date,
                    status=line.status,
                    arrived_at=line.arrived_at,
                    left_at=line.left_at,
                    absence_reason=line.absence_reason,
                    actor=actor,
                )
            )
        except ValidationError as exc:
            raise ValidationError(f"{line.person.display_name} : {' '.join(exc.messages)}") from exc
    return saved


@atomic_service
def add_agenda_entry(
    person: Person,
    *,
    establishment: Establishment,
    kind: str,
    starts_at: datetime.datetime,
    title: str,
    actor: Actor,
    ends_at: datetime.datetime | None = None,
    place: str = "",
    shareable: bool = True,
) -> AgendaEntry:
    """Plan an activity or an appointment. Visible to the person and their family unless the team
    says otherwise."""
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    entry = AgendaEntry(
        person=person,
        establishment=establishment,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        title=title,
        place=place,
        shareable=shareable,
        created_by=professional,
    )
    require(actor, person, Category.SERVICES, Action.CREATE, obj=entry)
    entry.full_clean()
    entry.save()
    return entry


@atomic_service
def cancel_agenda_entry(entry: AgendaEntry, *, actor: Actor) -> AgendaEntry:
    """Cancel an activity or an appointment: the row stays, dated; the family no longer sees it."""
    professional_of(actor)
    require(actor, entry.person, Category.SERVICES, Action.UPDATE, obj=entry)
    require_writable_establishment(actor, entry.establishment)
    entry = AgendaEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.cancelled_at is not None:
        raise ValidationError("Cette activité est déjà annulée.")
    entry.cancelled_at = timezone.now()
    entry.save(update_fields=["cancelled_at"])
    return entry
