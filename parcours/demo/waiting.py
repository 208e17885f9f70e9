"""Plausible waiting lists for the demonstration's establishments.

Only the establishments that admit from a waiting list get one: those whose category calls for an
orientation by the MDPH, and the residences for elderly persons. Built from what is already in the
database, so that the lists agree with the admissions:
- most admissions of the history were preceded by an entry on the establishment's list, which left it
  the day of the admission ("admitted"); registered shortly after the person's MDPH orientation
  decision towards that category when there is one, some months before the admission otherwise;
- some of these persons had also registered with another establishment of the same category, which
  they left when admitted (oriented elsewhere), earlier (withdrawn), or at their death;
- the persons whose record is open but who are admitted nowhere wait for the establishment that opened
  it (and sometimes for a second one); a few persons supported today wait for another category of the
  same public (a child followed by a SESSAD waiting for an IME...).

Frequencies and delays are orders of magnitude chosen for a demonstration, not statistics. Writes
with bulk_create, bypassing the services like the rest of the demo: the rows satisfy the model's rules
(checked by a test with full_clean). The same seed over the same rows gives the same lists.
"""

import random
import uuid
from collections import defaultdict
from datetime import date

from django.db.models import QuerySet

from parcours.coordination.enums import WaitingListOutcome
from parcours.coordination.models import WaitingListEntry
from parcours.demo import profiles as pr
from parcours.demo.identifiers import uuid4_int
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision, Person
from parcours.records.enums import ExitReason
from parcours.records.models import Admission

BATCH = 5000
ADMITTED_SHARE = 0.6  # admissions preceded by an entry on the list
SECOND_LIST_SHARE = 0.3  # of those, persons also registered with another establishment
SECOND_WAIT_SHARE = 0.4  # persons waiting now, registered with two establishments
ONGOING_WAIT_SHARE = 0.04  # persons supported today, waiting for another category
MEAN_WAIT_DAYS = 240  # without an MDPH decision to start from
DECISION_TO_REGISTRATION = (0, 45)  # days from the MDPH decision to the registration
OLD_DECISION_DAYS = 730  # a decision older than this at admission is not what the person waited on


def has_waiting_list(profile: pr.CategoryProfile | None) -> bool:
    return profile is not None and (profile.mdph_orientation or profile.public == pr.ELDERLY)


def create_demo_waiting_lists(
    establishments: QuerySet, *, rng: random.Random, since: date, today: date, progress=None
) -> int:
    """Write waiting-list entries for the given establishments: entries left by an admission between
    `since` and `today`, and entries still waiting today. Returns the number of entries written.
    `progress`, if given, has an `advance(count)` method."""
    targets: dict[int, pr.CategoryProfile] = {}
    category: dict[int, str] = {}
    for pk, code in establishments.order_by("pk").values_list("pk", "category__code"):
        profile = pr.PROFILE_BY_CODE.get(code)
        if has_waiting_list(profile):
            targets[pk], category[pk] = profile, code
    if not targets:
        return 0
    modes: dict[int, list[str]] = defaultdict(list)
    for pk, mode in (
        Capacity.objects.filter(establishment__in=list(targets))
        .exclude(mode=SupportMode.ACCUEIL_TEMPORAIRE)
        .order_by("establishment", "mode")
        .values_list("establishment", "mode")
    ):
        modes[pk].append(mode)
    by_category: dict[str, list[int]] = defaultdict(list)
    by_public: dict[str, list[int]] = defaultdict(list)
    for pk, profile in targets.items():
        by_category[category[pk]].append(pk)
        by_public[profile.public].append(pk)

    decisions: dict[tuple[int, str], list[tuple[date, int]]] = defaultdict(list)
    for pk, person, code, decided in (
        MdphDecision.objects.filter(decision_type=MdphDecisionType.ORIENTATION_ESMS, decision_date__lte=today)
        .exclude(orientation_category=None)
        .order_by("decision_date", "pk")
        .values_list("pk", "person", "orientation_category__code", "decision_date")
    ):
        decisions[(person, code)].append((decided, pk))

    def decision_before(person: int, code: str, day: date) -> tuple[date, int] | None:
        found = [item for item in decisions.get((person, code), ()) if item[0] <= day]
        return found[-1] if found else None

    def registration(person: int, code: str, day: date, born: date) -> tuple[date, int | None]:
        """When the person registered to be admitted on `day`, and on which MDPH decision."""
        decision = decision_before(person, code, day)
        if decision and (day - decision[0]).days <= OLD_DECISION_DAYS:
            registered = date.fromordinal(decision[0].toordinal() + rng.randint(*DECISION_TO_REGISTRATION))
            return max(min(registered, day), born), decision[1]
        registered = date.fromordinal(day.toordinal() - int(rng.expovariate(1 / MEAN_WAIT_DAYS)))
        return max(registered, born), None

    def another(pk: int, choices: list[int]) -> int | None:
        others = [other for other in choices if other != pk and modes[other]]
        return others[int(rng.random() * len(others))] if others else None

    entries: list[WaitingListEntry] = []

    def add(person, est, mode, registered, decision=None, left=None, outcome=""):
        entries.append(
            WaitingListEntry(
                uuid=uuid.UUID(int=uuid4_int(rng)),
                person_id=person,
                establishment_id=est,
                mode=mode,
                registered_on=registered,
                mdph_decision_id=decision,
                left_on=left,
                outcome=outcome,
            )
        )

    admissions = (
        Admission.objects.filter(establishment__in=list(targets), start_date__lte=today)
        .exclude(mode=SupportMode.ACCUEIL_TEMPORAIRE)
        .order_by("pk")
        .values_list(
            "person", "establishment", "mode", "start_date", "end_date", "exit_reason", "person__birth_date"
        )
    )
    for person, est, mode, start, end, exit_reason, born in list(admissions):
        if end is None and rng.random() < ONGOING_WAIT_SHARE:
            # Supported here, waiting for a place of another category for the same public.
            profile = targets[est]
            choices = [pk for pk in by_public[profile.public] if category[pk] != category[est]]
            elsewhere = another(est, choices)
            if elsewhere is not None:
                registered = max(start, date.fromordinal(today.toordinal() - rng.randrange(30, 700)))
                decision = decision_before(person, category[elsewhere], today)
                add(person, elsewhere, rng.choice(modes[elsewhere]), registered, decision and decision[1])
        if start < since or rng.random() >= ADMITTED_SHARE:
            continue
        registered, decision = registration(person, category[est], start, born)
        add(person, est, mode, registered, decision, start, WaitingListOutcome.ADMITTED)
        if rng.random() >= SECOND_LIST_SHARE:
            continue
        elsewhere = another(est, by_category[category[est]])
        if elsewhere is None:
            continue
        second = min(start, date.fromordinal(registered.toordinal() + rng.randint(0, 30)))
        second_mode = mode if mode in modes[elsewhere] else modes[elsewhere][0]
        if exit_reason == ExitReason.DEATH and end and rng.random() < 0.5:
            # Still hoping for the other place, until their death.
            left, outcome = end, WaitingListOutcome.DECEASED
        elif rng.random() < 0.2:
            left = date.fromordinal(rng.randint(second.toordinal(), start.toordinal()))
            outcome = WaitingListOutcome.WITHDRAWN
        else:
            left, outcome = start, WaitingListOutcome.ORIENTED_ELSEWHERE
        add(person, elsewhere, second_mode, second, decision, left, outcome)

    waiting = (
        Person.objects.filter(opened_by__in=list(targets), admissions__isnull=True)
        .order_by("pk")
        .values_list("pk", "opened_by", "birth_date")
    )
    for person, est, born in list(waiting):
        if not modes[est]:
            continue
        registered, decision = registration(person, category[est], today, born)
        add(person, est, rng.choice(modes[est]), registered, decision)
        if rng.random() < SECOND_WAIT_SHARE:
            elsewhere = another(est, by_category[category[est]])
            if elsewhere is not None:
                second = min(today, date.fromordinal(registered.toordinal() + rng.randint(0, 60)))
                add(person, elsewhere, rng.choice(modes[elsewhere]), second, decision)

    for start in range(0, len(entries), BATCH):
        WaitingListEntry.objects.bulk_create(entries[start : start + BATCH])
        if progress is not None:
            progress.advance(len(entries[start : start + BATCH]))
    return len(entries)
