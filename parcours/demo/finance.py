"""Demonstration financial statements: for each establishment, the realised statements of the last
three complete years, plausible and internally coherent (FRNG − BFR = treasury, to the cent).

The orders of magnitude below (cost of a place per year by mode of support, opening days, margins,
balance-sheet ratios) are demonstration choices of Parcours, not figures from a reference: they make
the finance pages and indicators look like something, nothing more.

Two ways in:
- `plan_finance(generator)`: adds the rows to the demo generator's tables, after its establishments
  (call it once `plan_stays()` has set the places); the generator's writer then writes them with
  the other tables (bulk_create, or COPY at department scale).
- `write_statements(capacities, rng, today=...)`: builds and writes them at once with bulk_create,
  for establishments already in the database.
"""

import random
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from parcours.finance.models import FinancialStatement
from parcours.organisations.enums import SupportMode

YEARS = 3
BATCH_SIZE = 1000
CENT = Decimal("0.01")

# Cost of one place for a year, in euros (low, high), and the days a place is open in a year;
# a mode whose support is counted in acts rather than days (milieu ordinaire) realises no days.
COST_PER_PLACE = {
    SupportMode.INTERNAT: (60_000, 95_000),
    SupportMode.ACCUEIL_TEMPORAIRE: (50_000, 80_000),
    SupportMode.SEMI_INTERNAT: (25_000, 45_000),
    SupportMode.EXTERNAT: (25_000, 45_000),
    SupportMode.MILIEU_ORDINAIRE: (12_000, 25_000),
}
OPENING_DAYS = {
    SupportMode.INTERNAT: 365,
    SupportMode.ACCUEIL_TEMPORAIRE: 365,
    SupportMode.SEMI_INTERNAT: 210,
    SupportMode.EXTERNAT: 210,
    SupportMode.MILIEU_ORDINAIRE: 0,
}
YEARLY_DRIFT = 1.015  # charges grow by about 1.5 % a year

COLUMNS = (
    "uuid",
    "establishment_id",
    "year",
    "total_revenue",
    "total_expenses",
    "depreciation_provisions",
    "reversals",
    "disposed_assets_book_value",
    "asset_disposal_proceeds",
    "investment_subsidies_share",
    "equity",
    "provisions",
    "long_term_debt",
    "net_fixed_assets",
    "operating_assets",
    "short_term_liabilities",
    "cash",
    "bank_overdrafts",
    "days_realised",
    "funded_places",
    "imported_at",
)


def euros(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(CENT)


def statement_rows(
    establishments: Iterable[tuple[int, Mapping[str, int], float]],
    rng: random.Random,
    *,
    today: date,
    imported_at: datetime,
) -> list[tuple]:
    """One row (values in the order of COLUMNS) per establishment and year, for the last three
    complete years before `today`. Each establishment is given as (id, {mode: places}, occupancy
    between 0 and 1)."""
    years = range(today.year - YEARS, today.year)
    rows = []
    for establishment_id, places, occupancy in establishments:
        places = {mode: n for mode, n in places.items() if n > 0}
        funded = sum(places.values())
        base_expenses = sum(
            n * rng.uniform(*COST_PER_PLACE.get(mode, (30_000, 60_000))) for mode, n in places.items()
        )
        base_expenses = max(base_expenses, 50_000.0)
        fixed_share = rng.uniform(0.4, 1.2)
        equity_share = rng.uniform(0.35, 0.8)
        debt_share = rng.uniform(0.2, 0.6)
        for index, year in enumerate(years):
            expenses = base_expenses * YEARLY_DRIFT**index * rng.uniform(0.97, 1.03)
            margin = min(0.05, max(-0.05, rng.gauss(0.005, 0.02)))
            revenue = expenses * (1 + margin)
            depreciation = expenses * rng.uniform(0.03, 0.07)
            disposed = rng.uniform(1_000, 20_000) if rng.random() < 0.15 else 0.0
            fixed = expenses * fixed_share * rng.uniform(0.95, 1.05)
            values = {
                "total_revenue": euros(revenue),
                "total_expenses": euros(expenses),
                "depreciation_provisions": euros(depreciation),
                "reversals": euros(depreciation * rng.uniform(0, 0.15)),
                "disposed_assets_book_value": euros(disposed),
                "asset_disposal_proceeds": euros(disposed * rng.uniform(0.5, 1.5)),
                "investment_subsidies_share": euros(depreciation * rng.uniform(0.05, 0.2)),
                "equity": euros(fixed * equity_share * rng.uniform(0.95, 1.05)),
                "provisions": euros(expenses * rng.uniform(0.01, 0.05)),
                "long_term_debt": euros(fixed * debt_share * rng.uniform(0.9, 1.0)),
                "net_fixed_assets": euros(fixed),
                "operating_assets": euros(expenses * rng.uniform(0.08, 0.2)),
                "short_term_liabilities": euros(expenses * rng.uniform(0.08, 0.18)),
            }
            frng = (
                values["equity"]
                + values["provisions"]
                + values["long_term_debt"]
                - values["net_fixed_assets"]
            )
            bfr = values["operating_assets"] - values["short_term_liabilities"]
            treasury = frng - bfr
            # Cash minus overdrafts equals FRNG − BFR exactly: the balance check holds.
            if treasury >= 0:
                overdrafts = euros(rng.uniform(0, 5_000)) if rng.random() < 0.1 else Decimal("0.00")
            else:
                overdrafts = -treasury + euros(rng.uniform(1_000, 10_000))
            values["cash"] = treasury + overdrafts
            values["bank_overdrafts"] = overdrafts
            days = sum(
                round(n * OPENING_DAYS.get(mode, 0) * occupancy * rng.uniform(0.97, 1.0))
                for mode, n in places.items()
            )
            rows.append(
                (
                    uuid.UUID(int=rng.getrandbits(128), version=4),
                    establishment_id,
                    year,
                    *(values[name] for name in COLUMNS[3:18]),
                    days,
                    funded,
                    imported_at,
                )
            )
    return rows


def plan_finance(generator) -> int:
    """Add the statements of every establishment of the demo generator (`parcours.demo.generator.
    DemoGenerator`) to its tables, with its own seeded random stream; returns how many. Call after
    `plan_stays()` (which sets the places) and before the tables are written."""
    rng = generator.rng("finance")
    establishments = [
        (est.id, est.places or est.base_places, est.occupancy) for est in generator.establishments
    ]
    rows = statement_rows(establishments, rng, today=generator.today, imported_at=generator.now)
    generator.table(FinancialStatement, COLUMNS).rows.extend(rows)
    return len(rows)


def build_statements(
    capacities: Mapping[int, Mapping[str, int]],
    rng: random.Random,
    *,
    today: date | None = None,
    occupancy: Mapping[int, float] | None = None,
) -> list[FinancialStatement]:
    """Unsaved statements for {establishment id: {mode: places}}; occupancy by establishment id
    defaults to a draw between 86 and 99 %."""
    today = today or timezone.localdate()
    establishments = [
        (pk, places, (occupancy or {}).get(pk) or rng.uniform(0.86, 0.99))
        for pk, places in capacities.items()
    ]
    rows = statement_rows(establishments, rng, today=today, imported_at=timezone.now())
    return [FinancialStatement(**dict(zip(COLUMNS, row, strict=True))) for row in rows]


def write_statements(
    capacities: Mapping[int, Mapping[str, int]],
    rng: random.Random,
    *,
    today: date | None = None,
    occupancy: Mapping[int, float] | None = None,
) -> int:
    """Build and write (bulk_create) the statements of establishments already in the database;
    returns how many."""
    statements = build_statements(capacities, rng, today=today, occupancy=occupancy)
    FinancialStatement.objects.bulk_create(statements, batch_size=BATCH_SIZE)
    return len(statements)
