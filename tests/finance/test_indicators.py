"""The finance indicators, on a small set of statements whose expected values are worked out by hand.

Establishments (gestionnaire, department):
    A  G, 69     statements 2024 and 2025
    B  G, 01     statement 2025 (a service: no days realised)
    C  H, 69     statement 2025 (another gestionnaire)

                     A 2025        A 2024        B 2025        C 2025
    produits      1 000 000       900 000       500 000       200 000
    charges         950 000       920 000       480 000    210 000,50
    résultat         50 000       −20 000        20 000    −10 000,50
    68 / 78    40 000 / 5 000   30 000 / 0  10 000 / 1 000   5 000 / 0
    675 / 775   2 000 / 3 000        0 / 0         0 / 0         0 / 0
    777               4 000         2 000         1 000             0
    CAF              80 000         8 000        28 000     −5 000,50
    capitaux propres 300 000       280 000       −10 000        50 000
    provisions        20 000        10 000             0             0
    dettes fin.      180 000       200 000        60 000             0
    actif immobilisé 400 000       420 000        30 000        40 000
    FRNG             100 000        70 000        20 000        10 000
    stocks/créances  150 000       120 000        50 000        20 000
    dettes CT        110 000       100 000        45 000        15 000
    BFR               40 000        20 000         5 000         5 000
    disponibilités    70 000        55 000     15 000,40         5 000
    concours          10 000         5 000             0             0
    trésorerie        60 000        50 000     15 000,40         5 000  (B: FRNG − BFR = 15 000, 0,40 € off)
    journées           9 500         9 000             0         4 000
    places                30            30            20            12
"""

import datetime
from decimal import Decimal

import pytest

from parcours.reporting import registry
from parcours.reporting.registry import OWN_DEFINITION, UNVERIFIED_ANAP, Disclosure, Period, Scope
from tests.factories import EstablishmentFactory, GestionnaireFactory
from tests.finance.factories import FinancialStatementFactory

pytestmark = pytest.mark.django_db

D = datetime.date
Y2025 = Period.year(2025)
CODES = (
    "resultat-de-l-exercice",
    "capacite-d-autofinancement",
    "taux-de-caf",
    "fonds-de-roulement",
    "besoin-en-fonds-de-roulement",
    "tresorerie",
    "cout-par-journee",
    "cout-par-place",
)


def statement(establishment, year, **figures):
    values = {key: Decimal(value) if isinstance(value, str) else value for key, value in figures.items()}
    made = FinancialStatementFactory(establishment=establishment, year=year, **values)
    made.full_clean()
    return made


@pytest.fixture
def data():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, department_code="69", region_code="84")
    b = EstablishmentFactory(gestionnaire=g, department_code="01", region_code="84")
    c = EstablishmentFactory(gestionnaire=h, department_code="69", region_code="84")
    statement(a, 2025)  # the factory's figures
    statement(
        a,
        2024,
        total_revenue="900000",
        total_expenses="920000",
        depreciation_provisions="30000",
        reversals="0",
        disposed_assets_book_value="0",
        asset_disposal_proceeds="0",
        investment_subsidies_share="2000",
        equity="280000",
        provisions="10000",
        long_term_debt="200000",
        net_fixed_assets="420000",
        operating_assets="120000",
        short_term_liabilities="100000",
        cash="55000",
        bank_overdrafts="5000",
        days_realised=9000,
        funded_places=30,
    )
    statement(
        b,
        2025,
        total_revenue="500000",
        total_expenses="480000",
        depreciation_provisions="10000",
        reversals="1000",
        disposed_assets_book_value="0",
        asset_disposal_proceeds="0",
        investment_subsidies_share="1000",
        equity="-10000",
        provisions="0",
        long_term_debt="60000",
        net_fixed_assets="30000",
        operating_assets="50000",
        short_term_liabilities="45000",
        cash="15000.40",
        bank_overdrafts="0",
        days_realised=0,
        funded_places=20,
    )
    statement(
        c,
        2025,
        total_revenue="200000",
        total_expenses="210000.50",
        depreciation_provisions="5000",
        reversals="0",
        disposed_assets_book_value="0",
        asset_disposal_proceeds="0",
        investment_subsidies_share="0",
        equity="50000",
        provisions="0",
        long_term_debt="0",
        net_fixed_assets="40000",
        operating_assets="20000",
        short_term_liabilities="15000",
        cash="5000",
        bank_overdrafts="0",
        days_realised=4000,
        funded_places=12,
    )
    return {
        "A": Scope.establishment(a),
        "B": Scope.establishment(b),
        "C": Scope.establishment(c),
        "G": Scope.gestionnaire(g),
        "69": Scope.department("69"),
        "01": Scope.department("01"),
        "84": Scope.region("84"),
    }


def values(scope, period=Y2025) -> dict:
    return {code: registry.get(code).evaluate(scope, period) for code in CODES}


def test_one_establishment_one_year(data):
    assert values(data["A"]) == {
        "resultat-de-l-exercice": 50000.0,
        "capacite-d-autofinancement": 80000.0,
        "taux-de-caf": 8.0,  # 80 000 ÷ 1 000 000
        "fonds-de-roulement": 100000.0,
        "besoin-en-fonds-de-roulement": 40000.0,
        "tresorerie": 60000.0,
        "cout-par-journee": 100.0,  # 950 000 ÷ 9 500
        "cout-par-place": 31666.67,  # 950 000 ÷ 30 = 31 666,666…
    }
    assert values(data["A"], Period.year(2024)) == {
        "resultat-de-l-exercice": -20000.0,
        "capacite-d-autofinancement": 8000.0,
        "taux-de-caf": 0.9,  # 8 000 ÷ 900 000 = 0,888…%
        "fonds-de-roulement": 70000.0,
        "besoin-en-fonds-de-roulement": 20000.0,
        "tresorerie": 50000.0,
        "cout-par-journee": 102.22,  # 920 000 ÷ 9 000 = 102,222…
        "cout-par-place": 30666.67,  # 920 000 ÷ 30 = 30 666,666…
    }


def test_a_gestionnaire_sums_its_establishments(data):
    assert values(data["G"]) == {
        "resultat-de-l-exercice": 70000.0,  # 50 000 + 20 000
        "capacite-d-autofinancement": 108000.0,  # 80 000 + 28 000
        "taux-de-caf": 7.2,  # 108 000 ÷ 1 500 000
        "fonds-de-roulement": 120000.0,  # 100 000 + 20 000
        "besoin-en-fonds-de-roulement": 45000.0,  # 40 000 + 5 000
        "tresorerie": 75000.4,  # 60 000 + 15 000,40
        "cout-par-journee": 100.0,  # B declares no days: 950 000 ÷ 9 500 (not 1 430 000 ÷ 9 500)
        "cout-par-place": 28600.0,  # (950 000 + 480 000) ÷ (30 + 20)
    }


def test_a_department_and_a_region(data):
    assert values(data["69"]) == {
        "resultat-de-l-exercice": 39999.5,  # 50 000 − 10 000,50
        "capacite-d-autofinancement": 74999.5,  # 80 000 − 5 000,50
        "taux-de-caf": 6.2,  # 74 999,50 ÷ 1 200 000 = 6,2499…%
        "fonds-de-roulement": 110000.0,
        "besoin-en-fonds-de-roulement": 45000.0,
        "tresorerie": 65000.0,
        "cout-par-journee": 85.93,  # 1 160 000,50 ÷ 13 500 = 85,9259…
        "cout-par-place": 27619.06,  # 1 160 000,50 ÷ 42 = 27 619,059…
    }
    assert values(data["84"]) == {
        "resultat-de-l-exercice": 59999.5,  # 50 000 + 20 000 − 10 000,50
        "capacite-d-autofinancement": 102999.5,  # 80 000 + 28 000 − 5 000,50
        "taux-de-caf": 6.1,  # 102 999,50 ÷ 1 700 000 = 6,0588…%
        "fonds-de-roulement": 130000.0,  # 100 000 + 20 000 + 10 000
        "besoin-en-fonds-de-roulement": 50000.0,  # 40 000 + 5 000 + 5 000
        "tresorerie": 80000.4,  # 60 000 + 15 000,40 + 5 000
        "cout-par-journee": 85.93,  # as department 69: B declares no days
        "cout-par-place": 26451.62,  # 1 640 000,50 ÷ 62 = 26 451,620…
    }


def test_no_days_realised_gives_no_cost_per_day(data):
    assert values(data["01"])["cout-par-journee"] is None
    assert values(data["01"])["cout-par-place"] == 24000.0  # 480 000 ÷ 20


def test_a_period_without_a_statement_or_without_a_year_end(data):
    nothing = dict.fromkeys(CODES)
    assert values(data["A"], Period.year(2023)) == nothing
    # 1 January to 30 December 2025: no 31 December in the period.
    assert values(data["G"], Period(D(2025, 1, 1), D(2025, 12, 30))) == nothing


def test_a_period_covering_two_year_ends_adds_the_flows(data):
    both = values(data["A"], Period(D(2024, 1, 1), D(2025, 12, 31)))
    assert both == {
        "resultat-de-l-exercice": 30000.0,  # 50 000 − 20 000
        "capacite-d-autofinancement": 88000.0,  # 80 000 + 8 000
        "taux-de-caf": 4.6,  # 88 000 ÷ 1 900 000 = 4,631…%
        # Balance-sheet positions are read at the last year end only (31/12/2025), not added.
        "fonds-de-roulement": 100000.0,
        "besoin-en-fonds-de-roulement": 40000.0,
        "tresorerie": 60000.0,
        "cout-par-journee": 101.08,  # (950 000 + 920 000) ÷ (9 500 + 9 000) = 101,081…
        "cout-par-place": 31166.67,  # 1 870 000 ÷ 60 = 31 166,666…
    }
    # A period from mid-2024 to mid-2025 holds one year end: 31/12/2024.
    assert values(data["A"], Period(D(2024, 7, 1), D(2025, 6, 30))) == values(data["A"], Period.year(2024))


def test_positions_need_a_statement_of_the_last_year_end(data):
    # 2024 to 2026: the flows of 2024 and 2025 add up, but no statement of 2026 gives the balance sheet.
    period = Period(D(2024, 1, 1), D(2026, 12, 31))
    assert values(data["A"], period)["resultat-de-l-exercice"] == 30000.0
    assert values(data["A"], period)["fonds-de-roulement"] is None
    assert values(data["A"], period)["tresorerie"] is None


def test_each_indicator_is_one_query(data, django_assert_num_queries):
    for code in CODES:
        with django_assert_num_queries(1):
            registry.get(code).evaluate(data["G"], Y2025)


def test_declarations():
    for code in CODES:
        indicator = registry.get(code)
        assert indicator.disclosure == Disclosure.PUBLIC
        assert indicator.scopes == frozenset(registry.ScopeKind)
        assert indicator.unit == ("%" if code == "taux-de-caf" else "€")
    unverified = {"capacite-d-autofinancement", "taux-de-caf", "fonds-de-roulement"}
    for code in CODES:
        indicator = registry.get(code)
        assert indicator.source == (UNVERIFIED_ANAP if code in unverified else OWN_DEFINITION)
    for code in unverified:
        definition = registry.get(code).definition
        assert "non vérifiée" in definition
        assert "EPRD/ERRD" in definition and "n'ont pas été lus" in definition
