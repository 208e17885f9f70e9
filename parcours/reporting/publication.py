"""Publishing an indicator's value to a viewer: masked or in full, formatted in French.

Every page, export and report goes through `publish`, so a figure is masked the same way wherever it
appears. With `masked=True` (see `parcours.reporting.permissions`), by the indicator's `disclosure`:

- COUNT: a count below the disclosure threshold (`PARCOURS_DISCLOSURE_THRESHOLD`, 10 by default) is
  masked; in a breakdown, further counts are masked so that none can be recomputed from the others
  and the total (`parcours.reporting.disclosure.suppress`). Zeros are shown.
- MEASURE (a rate, an average, hours, FTE): masked wherever the population it is computed on (the
  indicator named by `base`, published masked itself) is masked or below the threshold; row by row
  when the base is a breakdown with the same rows, as a whole otherwise.
- PUBLIC (places, money): never masked.

A masked value is published as None, with the text « masqué »: its number never reaches a template,
a file or a chart.
"""

from dataclasses import dataclass, field

from parcours.reporting import disclosure, registry
from parcours.reporting.registry import Disclosure, Indicator, Period, Scope

NOT_COMPUTABLE = "—"
# Every masked value reads the same, whether it is a small count, a count masked so that a small
# one cannot be recomputed (which may be large), or a rate over a small population: telling them
# apart would tell which counts are small.
MASKED = "masqué"
EURO = "€"
PERCENT = "%"
THIN_SPACE = "\u202f"  # French thousands separator
NO_BREAK = "\u00a0"


def format_number(value: int | float, unit: str = "") -> str:
    """French formatting: 1234 → « 1 234 », 12.5 → « 12,5 », an amount in euros with its cents, and
    the unit after the number for % and €."""
    if isinstance(value, int):
        text = f"{value:,}"
    else:
        decimals = 2 if unit == EURO else (1 if round(value, 1) == round(value, 2) else 2)
        text = f"{value:,.{decimals}f}"
    text = text.replace(",", THIN_SPACE).replace(".", ",")
    if unit in (PERCENT, EURO):
        text = f"{text}{NO_BREAK}{unit}"
    return text


@dataclass(frozen=True)
class Cell:
    label: str
    value: int | float | None
    masked: bool = False
    unit: str = ""
    threshold: int = disclosure.DEFAULT_THRESHOLD

    @property
    def text(self) -> str:
        if self.masked:
            return MASKED
        if self.value is None:
            return NOT_COMPUTABLE
        return format_number(self.value, self.unit)


@dataclass(frozen=True)
class Published:
    indicator: Indicator
    scope: Scope
    period: Period
    masked_view: bool
    value: Cell | None = None
    rows: list[Cell] = field(default_factory=list)
    total: Cell | None = None

    @property
    def is_breakdown(self) -> bool:
        return self.value is None

    @property
    def cells(self) -> list[Cell]:
        """Every published cell: the value, or the rows and their total."""
        if not self.is_breakdown:
            return [self.value]
        return [*self.rows, *([self.total] if self.total else [])]

    @property
    def any_masked(self) -> bool:
        return any(cell.masked for cell in self.cells)


class Memo:
    """The values computed during one request (or one export), so that an indicator needed twice
    (shown, and as the base of a measure) is computed once."""

    def __init__(self):
        self._values: dict[tuple[str, Scope, Period], registry.Value] = {}

    def value(self, indicator: Indicator, scope: Scope, period: Period) -> registry.Value:
        key = (indicator.code, scope, period)
        if key not in self._values:
            self._values[key] = indicator.evaluate(scope, period)
        return self._values[key]


TOTAL_LABEL = "Total"


def publish(
    indicator: Indicator,
    scope: Scope,
    period: Period,
    *,
    masked: bool,
    memo: Memo | None = None,
    threshold: int | None = None,
) -> Published:
    """The indicator's value on the scope and period, as the viewer may see it."""
    memo = memo or Memo()
    threshold = disclosure.default_threshold() if threshold is None else threshold
    raw = memo.value(indicator, scope, period)
    unit = indicator.unit

    def cell(label: str, value, hidden: bool = False) -> Cell:
        return Cell(label, None if hidden else value, hidden, unit, threshold)

    def result(value: Cell | None = None, rows=(), total: Cell | None = None) -> Published:
        return Published(indicator, scope, period, masked, value, list(rows), total)

    mode = indicator.disclosure if masked else Disclosure.PUBLIC
    is_count = indicator.disclosure == Disclosure.COUNT

    if not isinstance(raw, list):
        if mode == Disclosure.COUNT:
            _check_count(indicator, raw)
            return result(cell(indicator.label, raw, raw is not None and 0 < raw < threshold))
        if mode == Disclosure.MEASURE:
            return result(
                cell(
                    indicator.label,
                    raw,
                    raw is not None and _base_hidden(indicator, scope, period, memo, threshold),
                )
            )
        return result(cell(indicator.label, raw))

    labels = [label for label, _value in raw]
    values = [value for _label, value in raw]
    if mode == Disclosure.COUNT:
        for value in values:
            _check_count(indicator, value)
        published = disclosure.suppress(disclosure.Series.from_counts(labels, values), threshold)
        rows = [
            cell(label, value, shown is None)
            for label, value, shown in zip(labels, values, published.counts, strict=True)
        ]
        return result(rows=rows, total=cell(TOTAL_LABEL, sum(values), published.total is None))
    if mode == Disclosure.MEASURE:
        hidden = _base_rows_hidden(indicator, scope, period, memo, threshold, labels)
        return result(
            rows=[
                cell(label, value, value is not None and h)
                for label, value, h in zip(labels, values, hidden, strict=True)
            ]
        )
    rows = [cell(label, value) for label, value in raw]
    total = None
    if is_count and all(isinstance(value, int) for value in values):
        total = cell(TOTAL_LABEL, sum(values))
    return result(rows=rows, total=total)


def _check_count(indicator: Indicator, value) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise TypeError(f"L'indicateur {indicator.code} est un effectif : {value!r} n'est pas un entier.")


def _base(indicator: Indicator) -> Indicator:
    base = registry.get(indicator.base)
    if base.disclosure != Disclosure.COUNT:
        raise ValueError(f"La base de {indicator.code} ({base.code}) doit être un effectif.")
    return base


def _is_small(cell: Cell | None, threshold: int) -> bool:
    return cell is None or cell.masked or cell.value is None or cell.value < threshold


def _base_hidden(indicator, scope, period, memo, threshold) -> bool:
    """Is the population of a scalar measure masked or below the threshold?"""
    base = publish(_base(indicator), scope, period, masked=True, memo=memo, threshold=threshold)
    return _is_small(base.total if base.is_breakdown else base.value, threshold)


def _base_rows_hidden(indicator, scope, period, memo, threshold, labels: list[str]) -> list[bool]:
    """For each row of a breakdown measure: is its population masked or below the threshold?"""
    base = publish(_base(indicator), scope, period, masked=True, memo=memo, threshold=threshold)
    if base.is_breakdown and [row.label for row in base.rows] == labels:
        # An empty population (0) is not a small group: the measure has nothing to say there.
        return [row.masked or (row.value is not None and 0 < row.value < threshold) for row in base.rows]
    whole = _is_small(base.total if base.is_breakdown else base.value, threshold)
    return [whole] * len(labels)
