"""Read-side queries of the staff home: today's persons and recent notes, scoped by `access`.

Nothing here writes except the access-log entries, and every person shown goes through
`visible_persons(user)`; query counts stay bounded whatever the data size.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Prefetch, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf, Upper
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import visible_persons
from parcours.access.enums import Category
from parcours.people.models import Person
from parcours.records.models import Admission, Note

# "Recent" notes: the home looks this far back. Bounding the window keeps the sort small
# (notes have an index on (establishment, written_at)) even with millions of notes.
RECENT_NOTES_DAYS = 30
RECENT_NOTES_COUNT = 10
# Notes are fetched with some margin, then filtered on what the user may see.
RECENT_NOTES_CANDIDATES = 40


def active_admissions(establishment_ids, on=None) -> QuerySet[Admission]:
    return Admission.objects.active(on).filter(establishment_id__in=establishment_ids)


def persons_present(user, establishment_ids, on=None) -> QuerySet[Person]:
    """Visible persons with an admission active today in these establishments, each carrying
    `current_admissions` (their admissions there, with establishment and unit)."""
    admissions = active_admissions(establishment_ids, on)
    return (
        visible_persons(user)
        .filter(pk__in=admissions.values("person_id"))
        # In the order of the names shown: the used name when there is one.
        .order_by(Upper(Coalesce(NullIf("used_name", Value("")), "birth_name")), "first_names", "pk")
        .prefetch_related(
            Prefetch(
                "admissions",
                queryset=admissions.select_related("establishment", "unit").order_by("establishment__name"),
                to_attr="current_admissions",
            )
        )
    )


@dataclass(frozen=True)
class NoteRow:
    note: Note
    # The basis on which the user may read the note's text; "" when the policy hides notes
    # from them (gestionnaire direction): the list then shows only who, when and what kind.
    basis: str

    @property
    def text_allowed(self) -> bool:
        return bool(self.basis)


def notes_bases(user, person_ids) -> dict[int, str]:
    """For each of these persons the user may see, the basis on which they may read notes
    ('' when they may not), in one query."""
    return policy.bases_for_many(user, person_ids, Category.NOTES)


def recent_notes(user, establishment_ids, *, now=None) -> list[NoteRow]:
    """The latest notes written in these establishments about persons the user may see."""
    if not establishment_ids:
        return []
    since = (now or timezone.now()) - timedelta(days=RECENT_NOTES_DAYS)
    candidates = list(
        Note.objects.filter(establishment_id__in=establishment_ids, written_at__gte=since)
        .select_related("person", "author", "establishment")
        .order_by("-written_at", "-pk")[:RECENT_NOTES_CANDIDATES]
    )
    if not candidates:
        return []
    bases = notes_bases(user, {note.person_id for note in candidates})
    rows = [NoteRow(note, bases[note.person_id]) for note in candidates if note.person_id in bases]
    return rows[:RECENT_NOTES_COUNT]


def persons_by_basis(rows: list[NoteRow]) -> dict[str, list[Person]]:
    """The persons whose note text is shown, grouped by basis (one access-log insert per basis)."""
    grouped: dict[str, dict[int, Person]] = {}
    for row in rows:
        if row.text_allowed:
            grouped.setdefault(row.basis, {})[row.note.person_id] = row.note.person
    return {basis: list(persons.values()) for basis, persons in grouped.items()}


def unique_persons(*lists) -> list[Person]:
    seen: dict[int, Person] = {}
    for persons in lists:
        for person in persons:
            seen.setdefault(person.pk, person)
    return list(seen.values())
