"""The statement's computed figures and its checks, on the hand-computed figures of factories.py."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from parcours.finance.models import FinancialStatement
from tests.factories import EstablishmentFactory
from tests.finance.factories import FIGURES, FinancialStatementFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


def build(**changes) -> FinancialStatement:
    return FinancialStatement(establishment=EstablishmentFactory(), **{"year": 2025, **FIGURES, **changes})


def test_computed_figures():
    statement = build()
    statement.full_clean()
    assert statement.result == Decimal("50000.00")
    assert statement.caf == Decimal("80000.00")
    assert statement.caf_rate == Decimal("8.0")
    assert statement.frng == Decimal("100000.00")
    assert statement.bfr == Decimal("40000.00")
    assert statement.treasury == Decimal("60000.00")
    assert statement.cost_per_day == Decimal("100.00")
    assert statement.cost_per_place == Decimal("31666.67")


def test_ratios_over_zero_are_not_computed():
    statement = build(total_revenue=Decimal(0), days_realised=0, funded_places=0)
    assert statement.caf_rate is None
    assert statement.cost_per_day is None
    assert statement.cost_per_place is None


def test_the_balance_check_rejects_an_incoherent_statement():
    # Cash 70 000 → 80 000: the treasury (70 000) no longer equals FRNG − BFR (60 000).
    statement = build(cash=Decimal("80000.00"))
    with pytest.raises(ValidationError) as caught:
        statement.full_clean()
    assert caught.value.message_dict["__all__"] == [
        f"Le bilan n'est pas cohérent : FRNG − BFR = 60{NBSP}000,00 € mais la trésorerie vaut "
        f"70{NBSP}000,00 €."
    ]


def test_the_balance_check_allows_one_euro_of_rounding():
    build(cash=Decimal("70001.00")).full_clean()
    build(cash=Decimal("69999.00")).full_clean()
    with pytest.raises(ValidationError):
        build(cash=Decimal("70001.01")).full_clean()


def test_amounts_are_not_negative_but_equity_may_be():
    with pytest.raises(ValidationError) as caught:
        build(total_expenses=Decimal("-1.00")).full_clean()
    assert caught.value.message_dict == {"total_expenses": ["Ce montant ne peut pas être négatif."]}
    # Equity 300 000 → −100 000 and fixed assets 400 000 → 0: FRNG stays 100 000.
    build(equity=Decimal("-100000.00"), net_fixed_assets=Decimal("0.00")).full_clean()


def test_year_within_2000_and_the_current_year():
    this_year = timezone.localdate().year
    message = [f"L'exercice doit être compris entre 2000 et {this_year}."]
    for year in (1999, this_year + 1):
        with pytest.raises(ValidationError) as caught:
            build(year=year).full_clean()
        assert caught.value.message_dict == {"year": message}
    build(year=2000).full_clean()
    build(year=this_year).full_clean()


def test_one_statement_per_establishment_and_year():
    statement = FinancialStatementFactory(year=2024)
    FinancialStatementFactory(establishment=statement.establishment, year=2025)
    with pytest.raises(IntegrityError):
        FinancialStatementFactory(establishment=statement.establishment, year=2024)
