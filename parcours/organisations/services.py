"""Read-side figures of establishments: authorised capacity and occupancy today.

Occupancy counts admissions active on the day (a person cannot have two overlapping
admissions in the same establishment, so admissions = persons). It is a figure, not
personal data: computed from Admission counts, without reading any person.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count
from django.utils import timezone

from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity, Establishment
from parcours.records.models import Admission

# Below this rate an occupancy bar is drawn in the warning colour. A visual hint only.
LOW_OCCUPANCY = 0.80


@dataclass(frozen=True)
class OccupancyRow:
    mode: str
    label: str
    places: int
    present: int

    @property
    def rate(self) -> float | None:
        """present / places, None when no place is authorised for this mode."""
        return self.present / self.places if self.places else None

    @property
    def percent(self) -> int | None:
        return None if self.rate is None else round(100 * self.rate)

    @property
    def bar_value(self) -> int:
        return min(self.present, self.places)

    @property
    def level(self) -> str:
        """'over', 'low' or '' (normal), for the bar's colour."""
        if self.present > self.places:
            return "over"
        if self.places and self.present / self.places < LOW_OCCUPANCY:
            return "low"
        return ""


@dataclass(frozen=True)
class Occupancy:
    day: date
    rows: list[OccupancyRow] = field(default_factory=list)

    @property
    def total(self) -> OccupancyRow:
        return OccupancyRow(
            "total", "Ensemble", sum(row.places for row in self.rows), sum(row.present for row in self.rows)
        )


def _rows(places_by_mode: dict[str, int], present_by_mode: dict[str, int]) -> list[OccupancyRow]:
    labels = dict(SupportMode.choices)
    order = {value: index for index, value in enumerate(SupportMode.values)}
    modes = sorted(set(places_by_mode) | set(present_by_mode), key=lambda mode: order.get(mode, len(order)))
    return [
        OccupancyRow(mode, labels.get(mode, mode), places_by_mode.get(mode, 0), present_by_mode.get(mode, 0))
        for mode in modes
    ]


def occupancy(establishment: Establishment, on: date | None = None) -> Occupancy:
    """Authorised places and persons present on the day, by mode (two queries)."""
    day = on or timezone.localdate()
    places = dict(Capacity.objects.filter(establishment=establishment).values_list("mode", "places"))
    present = dict(
        Admission.objects.active(day)
        .filter(establishment=establishment)
        .values_list("mode")
        .annotate(count=Count("id"))
        .values_list("mode", "count")
    )
    return Occupancy(day, _rows(places, present))


def occupancies(establishments, on: date | None = None) -> dict[int, Occupancy]:
    """The occupancy of several establishments at once (two queries whatever their number)."""
    day = on or timezone.localdate()
    ids = [establishment.pk for establishment in establishments]
    places: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    for establishment_id, mode, count in Capacity.objects.filter(establishment_id__in=ids).values_list(
        "establishment_id", "mode", "places"
    ):
        places[establishment_id][mode] = count
    present: dict[int, dict[str, int]] = {pk: {} for pk in ids}
    rows = (
        Admission.objects.active(day)
        .filter(establishment_id__in=ids)
        .values_list("establishment_id", "mode")
        .annotate(count=Count("id"))
        .values_list("establishment_id", "mode", "count")
    )
    for establishment_id, mode, count in rows:
        present[establishment_id][mode] = count
    return {pk: Occupancy(day, _rows(places[pk], present[pk])) for pk in ids}
