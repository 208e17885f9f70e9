"""Reading the access log: who opened a record, what a user opened, and the data protection officer's
view of unusual access.

The detections are aggregate queries over a period of the log (indexed on `at` and on
(actor, at)); nothing here writes except the access-log entries of the persons a page shows.
- Many records in a short time: a user who opened (read, allowed) more than
  PARCOURS_AUDIT_BURST_PERSONS different persons' records within PARCOURS_AUDIT_BURST_MINUTES.
  Per user and fixed time slot (an hour, or a day for windows longer than an hour), the number of
  different persons is counted in SQL; a window of that length lies within two consecutive slots,
  so only users whose two consecutive slots add up to more than the threshold are checked exactly,
  by sliding the window over their entries of those slots.
- Refusals: entries the policy refused, that is access attempted outside the user's scope.
- Night access: entries between PARCOURS_AUDIT_NIGHT_START and PARCOURS_AUDIT_NIGHT_END o'clock,
  local time (the range may wrap past midnight).
- Break-glass: per user, the entries read through an emergency access.
"""

import datetime
from collections import Counter, deque
from dataclasses import dataclass, field
from itertools import groupby

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Min, Q
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone

from parcours.access.enums import Action, Basis
from parcours.access.models import AccessLogEntry
from parcours.staff.enums import Role
from parcours.staff.models import Membership

# Entries whose person counts as "opened": a read of any category, allowed.
OPENED = Q(action=Action.READ, allowed=True, person__isnull=False)
# Candidate (user, time range) pairs checked exactly per query.
RANGES_PER_QUERY = 100


@dataclass(frozen=True)
class Period:
    """Whole local days, `start` and `end` included."""

    start: datetime.date
    end: datetime.date

    @property
    def bounds(self) -> tuple[datetime.datetime, datetime.datetime]:
        zone = timezone.get_current_timezone()
        return (
            datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone),
            datetime.datetime.combine(self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone),
        )

    @classmethod
    def last_days(cls, days: int) -> "Period":
        today = timezone.localdate()
        return cls(today - datetime.timedelta(days=days - 1), today)


def in_period(period: Period):
    start, end = period.bounds
    return AccessLogEntry.objects.filter(at__gte=start, at__lt=end)


# Many records in a short time


@dataclass(frozen=True)
class Burst:
    actor_id: int
    persons: int  # different persons opened within the window
    first: datetime.datetime  # first and last entry of the window with the most persons
    last: datetime.datetime


def _slot(window: datetime.timedelta):
    if window <= datetime.timedelta(hours=1):
        return TruncHour("at", tzinfo=datetime.UTC), datetime.timedelta(hours=1)
    if window <= datetime.timedelta(days=1):
        return TruncDay("at", tzinfo=datetime.UTC), datetime.timedelta(days=1)
    return None, None


def _candidate_ranges(opened, window, threshold) -> dict[int, list[tuple]]:
    """For each user who may have opened more than `threshold` persons within `window`, the time
    ranges to check exactly (merged, in order)."""
    trunc, length = _slot(window)
    ranges: dict[int, list[tuple]] = {}
    if trunc is None:
        rows = opened.values("actor_id").annotate(persons=Count("person_id", distinct=True))
        for row in rows.filter(persons__gt=threshold).order_by():
            ranges[row["actor_id"]] = [(None, None)]
        return ranges
    rows = (
        opened.annotate(slot=trunc)
        .values("actor_id", "slot")
        .annotate(persons=Count("person_id", distinct=True))
        .order_by("actor_id", "slot")
    )
    for actor_id, slots in groupby(rows, key=lambda row: row["actor_id"]):
        slots = list(slots)
        found = []
        for index, row in enumerate(slots):
            start, persons = row["slot"], row["persons"]
            following = slots[index + 1] if index + 1 < len(slots) else None
            if (
                following
                and following["slot"] - start == length
                and persons + following["persons"] > threshold
            ):
                found.append((start, start + 2 * length))
            elif persons > threshold:
                found.append((start, start + length))
        merged: list[tuple] = []
        for start, end in found:
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        if merged:
            ranges[actor_id] = merged
    return ranges


def bursts(period: Period, *, persons: int | None = None, minutes: int | None = None) -> list[Burst]:
    """Users who opened more than `persons` different records within `minutes` minutes (defaults:
    the PARCOURS_AUDIT_BURST_* settings), with their busiest window; most persons first."""
    threshold = persons if persons is not None else settings.PARCOURS_AUDIT_BURST_PERSONS
    window = datetime.timedelta(
        minutes=minutes if minutes is not None else settings.PARCOURS_AUDIT_BURST_MINUTES
    )
    opened = in_period(period).filter(OPENED)
    ranges = _candidate_ranges(opened, window, threshold)
    conditions = []
    for actor_id, actor_ranges in ranges.items():
        for start, end in actor_ranges:
            condition = Q(actor_id=actor_id)
            if start is not None:
                condition &= Q(at__gte=start, at__lt=end)
            conditions.append(condition)
    found: dict[int, Burst] = {}
    for index in range(0, len(conditions), RANGES_PER_QUERY):
        combined = Q()
        for condition in conditions[index : index + RANGES_PER_QUERY]:
            combined |= condition
        rows = (
            opened.filter(combined)
            .order_by("actor_id", "at", "id")
            .values_list("actor_id", "at", "person_id")
        )
        for actor_id, entries in groupby(rows, key=lambda row: row[0]):
            burst = _busiest_window(actor_id, entries, window)
            if burst.persons > threshold and (
                actor_id not in found or burst.persons > found[actor_id].persons
            ):
                found[actor_id] = burst
    return sorted(found.values(), key=lambda burst: (-burst.persons, burst.first))


def _busiest_window(actor_id: int, entries, window: datetime.timedelta) -> Burst:
    inside: deque = deque()
    persons: Counter = Counter()
    best = None
    for _, at, person_id in entries:
        inside.append((at, person_id))
        persons[person_id] += 1
        while at - inside[0][0] >= window:
            _, leaving = inside.popleft()
            persons[leaving] -= 1
            if not persons[leaving]:
                del persons[leaving]
        if best is None or len(persons) > best.persons:
            best = Burst(actor_id, len(persons), inside[0][0], at)
    return best


# Refusals and night access


@dataclass(frozen=True)
class ActorSummary:
    actor_id: int
    entries: int
    persons: int
    first: datetime.datetime
    last: datetime.datetime


def _summaries(entries) -> list[ActorSummary]:
    rows = (
        entries.values("actor_id")
        .annotate(
            count=Count("id"), persons=Count("person_id", distinct=True), first=Min("at"), last=Max("at")
        )
        .order_by("-count", "actor_id")
    )
    return [
        ActorSummary(row["actor_id"], row["count"], row["persons"], row["first"], row["last"]) for row in rows
    ]


def refusals(period: Period) -> list[ActorSummary]:
    """Per user, the entries refused by the policy: records opened, or writes tried, outside their
    scope."""
    return _summaries(in_period(period).filter(allowed=False))


def night_hours(start: int | None = None, end: int | None = None) -> Q:
    start = settings.PARCOURS_AUDIT_NIGHT_START if start is None else start
    end = settings.PARCOURS_AUDIT_NIGHT_END if end is None else end
    if start > end:  # e.g. 22 to 6: wraps past midnight
        return Q(at__hour__gte=start) | Q(at__hour__lt=end)
    return Q(at__hour__gte=start, at__hour__lt=end)


def night_access(period: Period, *, start: int | None = None, end: int | None = None) -> list[ActorSummary]:
    """Per user, the entries about a person written at night (local time)."""
    return _summaries(in_period(period).filter(night_hours(start, end), person__isnull=False))


def break_glass(period: Period) -> list[ActorSummary]:
    """Per user, the entries read through an emergency access (break-glass)."""
    return _summaries(in_period(period).filter(basis=Basis.BREAK_GLASS))


# Who is who


@dataclass(frozen=True)
class Place:
    label: str
    start: datetime.date
    end: datetime.date | None

    def covers(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


@dataclass
class Who:
    """A user as the log pages show them: name, profession, and where they work."""

    user: object
    name: str
    profession: str = ""
    places: list[Place] = field(default_factory=list)

    def places_on(self, day: datetime.date) -> list[str]:
        return [place.label for place in self.places if place.covers(day)]

    @property
    def current_places(self) -> list[str]:
        return self.places_on(timezone.localdate())


def describe_users(user_ids) -> dict[int, Who]:
    """Name, profession and memberships of these users, in two queries."""
    user_ids = set(user_ids)
    if not user_ids:
        return {}
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("professional")
    described = {}
    for user in users:
        professional = getattr(user, "professional", None)
        if professional is not None:
            described[user.pk] = Who(user, str(professional), professional.get_profession_display())
        else:
            described[user.pk] = Who(user, user.get_full_name() or user.get_username())
    memberships = (
        Membership.objects.filter(professional__user_id__in=user_ids)
        .select_related("establishment", "gestionnaire", "professional")
        .order_by("start_date", "pk")
    )
    for membership in memberships:
        if membership.role == Role.GESTIONNAIRE_DIRECTOR:
            label = f"{membership.gestionnaire.name} (direction de l'organisme)"
        elif membership.role == Role.ESTABLISHMENT_DIRECTOR:
            label = f"{membership.establishment.name} (direction)"
        else:
            label = membership.establishment.name
        who = described.get(membership.professional.user_id)
        if who is not None:
            who.places.append(Place(label, membership.start_date, membership.end_date))
    return described


@dataclass(frozen=True)
class LogRow:
    entry: AccessLogEntry
    who: Who
    # Where the user worked on the day of the entry.
    places: list[str]
    # The person, when the reader of the page may see them; None otherwise (or no person).
    person: object = None

    @property
    def person_hidden(self) -> bool:
        return self.entry.person_id is not None and self.person is None


def log_rows(entries, *, visible_person_ids=frozenset(), who: dict[int, Who] | None = None) -> list[LogRow]:
    """Rows of a log page. Entries about a person the reader may not see (not in
    `visible_person_ids`) do not carry that person; the others need it loaded (select_related)."""
    who = dict(who or {})
    missing = {entry.actor_id for entry in entries} - who.keys()
    if missing:
        who.update(describe_users(missing))
    rows = []
    for entry in entries:
        actor = who[entry.actor_id]
        person = entry.person if entry.person_id in visible_person_ids else None
        rows.append(LogRow(entry, actor, actor.places_on(timezone.localtime(entry.at).date()), person))
    return rows
