"""What an import will do, or did, row by row: the statements it creates and those it replaces,
with the former and the new figures."""

from dataclasses import dataclass
from decimal import Decimal

from parcours.finance.columns import BY_FIELD, FIGURE_FIELDS, Kind
from parcours.finance.enums import ImportStatus, RowAction
from parcours.finance.models import FinanceImport, FinancialStatement

# The figures shown in the summary columns of the preview; every figure is in the row's detail.
SUMMARY_FIELDS = ("total_revenue", "total_expenses")


@dataclass(frozen=True)
class Figure:
    field: str
    label: str
    old: Decimal | int | None
    new: Decimal | int

    @property
    def is_count(self) -> bool:
        return BY_FIELD[self.field].kind == Kind.COUNT

    @property
    def changed(self) -> bool:
        return self.old is not None and self.old != self.new


@dataclass(frozen=True)
class PreviewRow:
    line: int
    name: str
    finess: str
    year: int
    action: RowAction
    figures: tuple[Figure, ...]

    @property
    def summary(self) -> tuple[Figure, ...]:
        return tuple(figure for figure in self.figures if figure.field in SUMMARY_FIELDS)

    @property
    def changes(self) -> tuple[Figure, ...]:
        return tuple(figure for figure in self.figures if figure.changed)


def _number(field: str, value: str | None):
    if value is None:
        return None
    return int(value) if BY_FIELD[field].kind == Kind.COUNT else Decimal(value)


def preview_rows(finance_import: FinanceImport) -> list[PreviewRow]:
    """For a ready import, what confirming it would do now (one query); for an applied one, what it
    did (from the figures it recorded)."""
    rows = finance_import.rows
    if finance_import.status == ImportStatus.READY and rows:
        current = {
            (statement.establishment_id, statement.year): statement
            for statement in FinancialStatement.objects.filter(
                establishment_id__in={row["establishment_id"] for row in rows},
                year__in={row["year"] for row in rows},
            )
        }
        previous = {}
        for row in rows:
            statement = current.get((row["establishment_id"], row["year"]))
            if statement is not None:
                previous[row["line"]] = {name: str(getattr(statement, name)) for name in FIGURE_FIELDS}
    else:
        previous = {row["line"]: row["previous"] for row in rows if "previous" in row}
    result = []
    for row in rows:
        old = previous.get(row["line"])
        result.append(
            PreviewRow(
                line=row["line"],
                name=row["name"],
                finess=row["finess"],
                year=row["year"],
                action=RowAction.REPLACE if old is not None else RowAction.CREATE,
                figures=tuple(
                    Figure(
                        field=name,
                        label=BY_FIELD[name].label,
                        old=_number(name, old[name]) if old is not None else None,
                        new=_number(name, row["values"][name]),
                    )
                    for name in FIGURE_FIELDS
                ),
            )
        )
    return result
