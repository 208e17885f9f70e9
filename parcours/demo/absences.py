"""Plausible absences for the demonstration's contracts: sick leave, work injuries, parental leave,
training, unpaid leave and short absences for other reasons.

Each contract draws its absences one after the other over the part of the history it covers: a gap,
an absence whose reason and length are drawn, another gap... so the absences of one contract never
overlap and stay within the contract's dates. The frequencies and lengths below are orders of
magnitude chosen for a demonstration (sick leave and work injuries come to about 8 % of the days), not
statistics of the sector.

Runs once the contracts are in the database (it reads them, then writes with bulk_create), like the rest
of the demo it bypasses the services: the rows satisfy the model's rules (checked by a test with
full_clean). The same seed over the same contracts gives the same absences.
"""

import random
from datetime import date

from django.db.models import QuerySet

from parcours.staff.enums import AbsenceReason, Profession
from parcours.staff.models import Absence

YEAR = 365.25
BATCH = 5000

# Episodes per year under contract, whatever the FTE.
SICKNESS_RATE = 1.2
WORK_INJURY_RATE = 0.1
WORK_INJURY_RATE_CARE = 0.2  # staff who lift, wash and carry
TRAINING_RATE = 0.5
UNPAID_RATE = 0.03
OTHER_RATE = 0.2
MATERNITY_RATE = 0.07  # women aged 24 to 42
PATERNITY_RATE = 0.05  # men aged 24 to 45

# Lengths in calendar days, as ((weight, shortest, longest), ...).
LENGTHS = {
    AbsenceReason.SICKNESS: ((55, 1, 7), (30, 8, 30), (12, 31, 90), (3, 91, 270)),
    AbsenceReason.WORK_INJURY: ((50, 5, 20), (35, 21, 60), (15, 61, 180)),
    AbsenceReason.TRAINING: ((1, 1, 5),),
    AbsenceReason.UNPAID: ((1, 5, 60),),
    AbsenceReason.OTHER: ((1, 1, 3),),
}
MATERNITY_DAYS = (112, 126)  # about four months
PATERNITY_DAYS = (25, 28)  # about four weeks
HEAVY_WORK = {Profession.AIDE_SOIGNANT, Profession.AES, Profession.AGENT_SERVICE}


def _length(rng: random.Random, reason: str, female: bool) -> int:
    if reason == AbsenceReason.PARENTAL:
        return rng.randint(*(MATERNITY_DAYS if female else PATERNITY_DAYS))
    brackets = LENGTHS[reason]
    _weight, low, high = rng.choices(brackets, [weight for weight, _low, _high in brackets])[0]
    return rng.randint(low, high)


def _rates(profession: str, sex: str, age: float) -> tuple[list[str], list[float]]:
    rates = {
        AbsenceReason.SICKNESS: SICKNESS_RATE,
        AbsenceReason.WORK_INJURY: WORK_INJURY_RATE_CARE if profession in HEAVY_WORK else WORK_INJURY_RATE,
        AbsenceReason.TRAINING: TRAINING_RATE,
        AbsenceReason.UNPAID: UNPAID_RATE,
        AbsenceReason.OTHER: OTHER_RATE,
    }
    if sex == "F" and 24 <= age <= 42:
        rates[AbsenceReason.PARENTAL] = MATERNITY_RATE
    elif sex == "M" and 24 <= age <= 45:
        rates[AbsenceReason.PARENTAL] = PATERNITY_RATE
    return list(rates), list(rates.values())


def create_demo_absences(
    contracts: QuerySet, *, rng: random.Random, since: date, today: date, progress=None
) -> int:
    """Write absences for the given contracts, starting between `since` (or the contract's start) and
    `today` (or the contract's end); an absence under way today may end later, within its contract.
    Returns the number of absences written. `progress`, if given, has an `advance(count)` method."""
    since_o, today_o = since.toordinal(), today.toordinal()
    rows = contracts.order_by("pk").values_list(
        "pk",
        "start_date",
        "end_date",
        "professional__sex",
        "professional__birth_date",
        "professional__profession",
    )
    batch: list[Absence] = []
    written = 0
    for pk, start, end, sex, birth, profession in list(rows):
        first = max(start.toordinal(), since_o)
        last_start = min(end.toordinal(), today_o) if end else today_o
        if first > last_start:
            continue
        age = (first - birth.toordinal()) / YEAR if birth else 40.0
        reasons, rates = _rates(profession, sex, age)
        per_day = sum(rates) / YEAR
        day = first
        while True:
            day += int(rng.expovariate(per_day))
            if day > last_start:
                break
            reason = rng.choices(reasons, rates)[0]
            final = day + _length(rng, reason, sex == "F") - 1
            if end:
                final = min(final, end.toordinal())
            batch.append(
                Absence(
                    contract_id=pk,
                    reason=reason,
                    start_date=date.fromordinal(day),
                    end_date=date.fromordinal(final),
                )
            )
            day = final + 2  # back at work for a day at least
        if len(batch) >= BATCH:
            written += _write(batch, progress)
            batch = []
    return written + _write(batch, progress)


def _write(batch: list[Absence], progress) -> int:
    Absence.objects.bulk_create(batch, batch_size=BATCH)
    if progress is not None:
        progress.advance(len(batch))
    return len(batch)
