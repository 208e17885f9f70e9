"""Disclosure control for the counts shown to authorities (ARS, département, MDPH).

Pure Python, no database. A published table holds counts, or ``None`` for a masked count.

Two shapes:

- ``Series``: a list of categories and their total (one dimension);
- ``Table``: a two-dimensional table with row totals, column totals and a grand total.

Algorithm of ``suppress(table, threshold)``:

1. Primary suppression: every count with ``0 < count < threshold`` is masked, totals included. A zero is
   not masked by default: "nobody in this category" is not a small group of people one could
   single out, and masking every zero would hide most of a sparse table. ``mask_zeros=True`` masks
   zeros too (when an empty cell is itself telling, e.g. "no one of this age in this commune").
2. Secondary suppression. A *line* is a row with its row total, a column with its column total, the
   line of column totals with the grand total, and the column of row totals with the grand total
   (a series has a single line: its categories and its total). Whenever a line holds exactly one
   masked cell, that cell is the line's total minus the visible cells (or the sum of the cells, when
   the masked one is the total), so a further cell of that line is masked: preferably one whose
   other line also holds exactly one masked cell (one mask then closes both lines), then the
   smallest non-zero count, a total only after the inner cells of equal value, ties broken by
   position. This repeats until no line holds exactly one masked cell.
3. Safety net: a masked cell can still be recomputed by combining several lines (e.g. two groups of
   masked cells joined by a single masked cell). The masked cells that the published values
   determine exactly are found by Gaussian elimination over the lines' equations; a further cell
   is masked in a line of each such cell, and step 2 resumes, until none is left.

Known limits: the result protects each table on its own against exact recomputation. It does not
solve the general linear-programming attack: bounds on a masked cell from the non-negativity of
counts (a masked cell is known to lie in an interval, which may be narrow), nor the combination of
several published tables that share cells (the same counts broken down two ways, or the same table
for two overlapping territories). Tables that share cells must be suppressed together, or built so
that they do not overlap.

``is_protected(table, threshold)`` checks a *published* table (counts already masked) and returns the
reasons it would leak; an empty list means it is protected in the sense above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

Count = int | None

DEFAULT_THRESHOLD = 10


def default_threshold() -> int:
    """The threshold set by ``PARCOURS_DISCLOSURE_THRESHOLD`` (10 when the setting is absent)."""
    from django.conf import settings

    return int(getattr(settings, "PARCOURS_DISCLOSURE_THRESHOLD", DEFAULT_THRESHOLD))


def display(cell: Count, threshold: int | None = None) -> str:
    """The French text of a published count: « < 10 » for a masked count, the number otherwise."""
    if cell is None:
        return f"< {default_threshold() if threshold is None else threshold}"
    return str(cell)


def _check_count(value: Count) -> None:
    if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
        raise ValueError(f"Un effectif est un entier positif ou nul, ou None (masqué) : {value!r}.")


@dataclass(frozen=True)
class Series:
    """Categories and their total; ``None`` is a masked count."""

    labels: tuple[str, ...]
    counts: tuple[Count, ...]
    total: Count

    def __post_init__(self):
        if len(self.labels) != len(self.counts):
            raise ValueError("Autant de libellés que d'effectifs.")
        for value in (*self.counts, self.total):
            _check_count(value)

    @classmethod
    def from_counts(cls, labels: Sequence[str], counts: Sequence[int]) -> Series:
        counts = tuple(counts)
        for value in counts:
            if value is None:
                raise ValueError("from_counts prend des effectifs non masqués.")
        return cls(tuple(labels), counts, sum(counts))


@dataclass(frozen=True)
class Table:
    """A two-dimensional table of counts with its margins; ``None`` is a masked count."""

    rows: tuple[str, ...]
    columns: tuple[str, ...]
    cells: tuple[tuple[Count, ...], ...]
    row_totals: tuple[Count, ...]
    column_totals: tuple[Count, ...]
    total: Count

    def __post_init__(self):
        if len(self.cells) != len(self.rows) or len(self.row_totals) != len(self.rows):
            raise ValueError("Autant de lignes de cases et de totaux que de libellés de lignes.")
        if len(self.column_totals) != len(self.columns) or any(
            len(row) != len(self.columns) for row in self.cells
        ):
            raise ValueError("Autant de cases et de totaux par ligne que de libellés de colonnes.")
        for row in self.cells:
            for value in row:
                _check_count(value)
        for value in (*self.row_totals, *self.column_totals, self.total):
            _check_count(value)

    @classmethod
    def from_counts(
        cls, rows: Sequence[str], columns: Sequence[str], counts: Sequence[Sequence[int]]
    ) -> Table:
        cells = tuple(tuple(row) for row in counts)
        if any(value is None for row in cells for value in row):
            raise ValueError("from_counts prend des effectifs non masqués.")
        if len(cells) != len(rows) or any(len(row) != len(columns) for row in cells):
            raise ValueError("Le tableau d'effectifs n'a pas les dimensions des libellés.")
        row_totals = tuple(sum(row) for row in cells)
        column_totals = tuple(sum(row[j] for row in cells) for j in range(len(columns)))
        return cls(tuple(rows), tuple(columns), cells, row_totals, column_totals, sum(row_totals))


# A table is handled as positions (keys), their values, and lines: (name, parts, total) where the
# values of the parts add up to the value of the total.
Key = tuple


@dataclass
class _Layout:
    values: dict[Key, Count]
    labels: dict[Key, str]
    lines: list[tuple[str, tuple[Key, ...], Key]]
    totals: frozenset[Key]


def _layout(table: Table | Series) -> _Layout:
    values: dict[Key, Count] = {}
    labels: dict[Key, str] = {}
    lines: list[tuple[str, tuple[Key, ...], Key]] = []
    if isinstance(table, Series):
        parts = tuple(("cell", i) for i in range(len(table.labels)))
        for i, label in enumerate(table.labels):
            values["cell", i] = table.counts[i]
            labels["cell", i] = label
        values["total",] = table.total
        labels["total",] = "Total"
        lines.append(("Total", parts, ("total",)))
        return _Layout(values, labels, lines, frozenset({("total",)}))
    if not isinstance(table, Table):
        raise TypeError(f"Un Table ou un Series est attendu, pas {type(table).__name__}.")
    n_rows, n_columns = len(table.rows), len(table.columns)
    for i, row in enumerate(table.rows):
        for j, column in enumerate(table.columns):
            values["cell", i, j] = table.cells[i][j]
            labels["cell", i, j] = f"{row} × {column}"
        values["row", i] = table.row_totals[i]
        labels["row", i] = f"{row} × Total"
    for j, column in enumerate(table.columns):
        values["column", j] = table.column_totals[j]
        labels["column", j] = f"Total × {column}"
    values["total",] = table.total
    labels["total",] = "Total"
    for i, row in enumerate(table.rows):
        lines.append((f"ligne {row}", tuple(("cell", i, j) for j in range(n_columns)), ("row", i)))
    for j, column in enumerate(table.columns):
        lines.append((f"colonne {column}", tuple(("cell", i, j) for i in range(n_rows)), ("column", j)))
    lines.append(("ligne Total", tuple(("column", j) for j in range(n_columns)), ("total",)))
    lines.append(("colonne Total", tuple(("row", i) for i in range(n_rows)), ("total",)))
    totals = frozenset({("total",), *(("row", i) for i in range(n_rows))}) | {
        ("column", j) for j in range(n_columns)
    }
    return _Layout(values, labels, lines, totals)


def _rebuild(table: Table | Series, masked: set[Key]) -> Table | Series:
    def value(key: Key) -> Count:
        return None if key in masked else layout.values[key]

    layout = _layout(table)
    if isinstance(table, Series):
        counts = tuple(value(("cell", i)) for i in range(len(table.labels)))
        return Series(table.labels, counts, value(("total",)))
    cells = tuple(
        tuple(value(("cell", i, j)) for j in range(len(table.columns))) for i in range(len(table.rows))
    )
    return Table(
        table.rows,
        table.columns,
        cells,
        tuple(value(("row", i)) for i in range(len(table.rows))),
        tuple(value(("column", j)) for j in range(len(table.columns))),
        value(("total",)),
    )


def _members(line: tuple[str, tuple[Key, ...], Key]) -> tuple[Key, ...]:
    return (*line[1], line[2])


def _is_sensitive(value: int, threshold: int, mask_zeros: bool) -> bool:
    return value < threshold and (value > 0 or mask_zeros)


def _determined(layout: _Layout, masked: set[Key]) -> list[Key]:
    """The masked positions whose value the published values fix exactly, whatever the lines one
    combines: Gaussian elimination (exact, over fractions) of the lines' equations restricted to the
    masked positions. A masked position is determined when every solution of the homogeneous system
    is zero there."""
    unknowns = sorted(masked)
    index = {key: n for n, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    for _name, parts, total in layout.lines:
        coefficients = [Fraction(0)] * len(unknowns)
        for key in parts:
            if key in index:
                coefficients[index[key]] += 1
        if total in index:
            coefficients[index[total]] -= 1
        if any(coefficients):
            rows.append(coefficients)
    pivots: list[int] = []
    rank = 0
    for column in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(rows)) if rows[r][column] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        lead = rows[rank][column]
        rows[rank] = [value / lead for value in rows[rank]]
        for r in range(len(rows)):
            if r != rank and rows[r][column] != 0:
                factor = rows[r][column]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[rank], strict=True)]
        pivots.append(column)
        rank += 1
    free = [column for column in range(len(unknowns)) if column not in set(pivots)]
    return [unknowns[column] for r, column in enumerate(pivots) if all(rows[r][f] == 0 for f in free)]


def suppress(table: Table | Series, threshold: int | None = None, *, mask_zeros: bool = False):
    """A copy of ``table`` with small counts masked (``None``) and enough further counts masked that
    no masked count can be recomputed from the published ones (see the module's docstring)."""
    if threshold is None:
        threshold = default_threshold()
    if threshold < 1:
        raise ValueError("Le seuil de diffusion est un entier au moins égal à 1.")
    layout = _layout(table)
    if any(value is None for value in layout.values.values()):
        raise ValueError("suppress prend un tableau dont aucun effectif n'est encore masqué.")
    values = layout.values  # no None here: checked just above
    order = {key: n for n, key in enumerate(values)}
    lines_of: dict[Key, list[int]] = {key: [] for key in values}
    for n, line in enumerate(layout.lines):
        for key in _members(line):
            lines_of[key].append(n)

    masked = {key for key, value in values.items() if _is_sensitive(value, threshold, mask_zeros)}

    def masked_count(n: int) -> int:
        return sum(1 for key in _members(layout.lines[n]) if key in masked)

    def pick(candidates: list[Key], current: int | None) -> Key | None:
        def rank(key: Key):
            closes = any(n != current and masked_count(n) == 1 for n in lines_of[key])
            value = values[key]
            return (not closes, value == 0, value, key in layout.totals, order[key])

        candidates = [key for key in candidates if key not in masked]
        return min(candidates, key=rank) if candidates else None

    while True:
        # A line of a single member (a table without columns) has no other cell to mask: skipped.
        choice = next(
            (
                pick(list(_members(layout.lines[n])), n)
                for n in range(len(layout.lines))
                if masked_count(n) == 1 and len(_members(layout.lines[n])) > 1
            ),
            None,
        )
        if choice is not None:
            masked.add(choice)
            continue
        determined = _determined(layout, masked)
        if not determined:
            break
        key = determined[0]
        choice = None
        for n in lines_of[key]:
            choice = pick(list(_members(layout.lines[n])), n)
            if choice is not None:
                break
        if choice is None:
            choice = pick(list(values), None)
        if choice is None:
            break  # everything is masked already
        masked.add(choice)
    return _rebuild(table, masked)


def is_protected(
    table: Table | Series, threshold: int | None = None, *, mask_zeros: bool = False
) -> list[str]:
    """The reasons why a published table would disclose a small count; empty when it does not.

    Checked: a visible count below the threshold (zero too when ``mask_zeros``); a line (row, column,
    line or column of totals) with exactly one masked count, which its total gives back; a masked
    count that a combination of several lines gives back exactly. Not checked: interval bounds and
    tables that share cells (see the module's docstring)."""
    if threshold is None:
        threshold = default_threshold()
    layout = _layout(table)
    reasons: list[str] = []
    for key, value in layout.values.items():
        if value is not None and _is_sensitive(value, threshold, mask_zeros):
            reasons.append(
                f"« {layout.labels[key]} » : effectif visible {value}, "
                f"sous le seuil de diffusion {threshold}."
            )
    masked = {key for key, value in layout.values.items() if value is None}
    singles: set[Key] = set()
    for line in layout.lines:
        hidden = [key for key in _members(line) if key in masked]
        if len(hidden) == 1:
            singles.add(hidden[0])
            reasons.append(
                f"{line[0].capitalize()} : seule case masquée « {layout.labels[hidden[0]]} », "
                "recalculable à partir du total."
            )
    for key in _determined(layout, masked):
        if key not in singles:
            reasons.append(
                f"« {layout.labels[key]} » : case masquée recalculable "
                "en combinant plusieurs lignes et colonnes."
            )
    return reasons
