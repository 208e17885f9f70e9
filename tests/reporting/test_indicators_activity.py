"""The activity indicators, on a small data set whose expected values are worked out by hand.

Period: March 2025, 31 days. Establishments and authorised places:
    A  gestionnaire G, region 84: internat 2, externat 10, accueil temporaire 0
    B  gestionnaire G, region 84: externat 5
    C  gestionnaire H, region 84: internat 3

Admissions, and their days in March (bounds included):
    P1  A internat     15/02/2025 -> ongoing       31  (overlaps the period's start)
    P2  A internat     01/03/2025 -> 10/03/2025    10  (admitted twice)
        A internat     21/03/2025 -> ongoing       11  (21 to 31)
    P3  A externat     31/03/2025 -> ongoing        1  (the last day)
    P4  A externat     01/01/2025 -> 28/02/2025     0  (ended the day before)
    P5  B externat     10/03/2025 -> 20/03/2025    11
        B semi-int.    01/03/2025 -> 31/03/2025    31  (no semi-internat place anywhere)
    P6  C internat     01/03/2025 -> ongoing       31  (outside G)
    P7  A externat     01/04/2025 -> ongoing        0  (after the period)

Prestations delivered (code, block, minutes):
    S1  A 05/03  2.1.1.1 (2.1)  45        S5  A 28/02  2.1.1.1  60  before the period
    S2  A 31/03  2.1.1.2 (2.1)  45        S6  A 01/04  2.1.1.1  60  after the period
    S3  A 01/03  2.3.1.1 (2.3)  90        S7  C 10/03  2.3.1.1  60  outside G
    S4  B 15/03  2.2.1.1 (2.2)  60        S8  A 10/03  2 (level 1, no block)  20

Needs assessments (date, establishment, needs and their blocks):
    P1  10/01 A  1.1.1.1 (1.1), 1.2.1.1 (1.2)
        20/03 A  1.2.1.1, 1.2.1.3 (1.2), 1.3.1.1 (1.3)    latest on 31/03
        05/04 A  1.1.1.1                                  after the period
    P2  01/03 C  1.1.1.1                                  outside G; P2 is not supported in C
    P3  31/03 A  1.3.1.1, then a second one the same day: 1.2.1.4 (the last recorded counts)
    P4  01/02 A  1.2.1.1                                  P4 is not supported in March
    P5  01/02 B  1.1.1.1, 1.1.1.4 (1.1)

The prestations are counted from the rollups of the service log: the fixture rebuilds them once the
data is written, as the nightly job does (tests/reporting/test_rollups.py tests how they follow it).
"""

import datetime

import pytest

from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode
from parcours.reporting import registry, rollups
from parcours.reporting.indicators.activity import NO_BLOCK
from parcours.reporting.registry import UNVERIFIED_ANAP, Period, Scope
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    NeedsAssessmentFactory,
    PersonFactory,
    ServiceDeliveryFactory,
    concept,
)

pytestmark = pytest.mark.django_db

D = datetime.date
MARCH = Period(D(2025, 3, 1), D(2025, 3, 31))

INTERNAT = "Internat"
SEMI = "Semi-internat / accueil de jour"
EXTERNAT = "Externat"
TEMPORAIRE = "Accueil temporaire"
MILIEU = "Milieu ordinaire / ambulatoire"


@pytest.fixture
def data():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(
        gestionnaire=g,
        capacities={SupportMode.INTERNAT: 2, SupportMode.EXTERNAT: 10, SupportMode.ACCUEIL_TEMPORAIRE: 0},
    )
    b = EstablishmentFactory(gestionnaire=g, capacities={SupportMode.EXTERNAT: 5})
    c = EstablishmentFactory(gestionnaire=h, capacities={SupportMode.INTERNAT: 3})
    p1, p2, p3, p4, p5, p6, p7 = (PersonFactory() for _ in range(7))

    def admit(who, where, mode, start, end=None):
        AdmissionFactory(person=who, establishment=where, mode=mode, start_date=start, end_date=end)

    admit(p1, a, SupportMode.INTERNAT, D(2025, 2, 15))
    admit(p2, a, SupportMode.INTERNAT, D(2025, 3, 1), D(2025, 3, 10))
    admit(p2, a, SupportMode.INTERNAT, D(2025, 3, 21))
    admit(p3, a, SupportMode.EXTERNAT, D(2025, 3, 31))
    admit(p4, a, SupportMode.EXTERNAT, D(2025, 1, 1), D(2025, 2, 28))
    admit(p5, b, SupportMode.EXTERNAT, D(2025, 3, 10), D(2025, 3, 20))
    admit(p5, b, SupportMode.SEMI_INTERNAT, D(2025, 3, 1), D(2025, 3, 31))
    admit(p6, c, SupportMode.INTERNAT, D(2025, 3, 1))
    admit(p7, a, SupportMode.EXTERNAT, D(2025, 4, 1))

    def serve(who, where, day, code, minutes):
        ServiceDeliveryFactory(
            person=who,
            establishment=where,
            date=day,
            concept=concept("serafin-ph-prestations", code),
            duration_minutes=minutes,
        )

    serve(p1, a, D(2025, 3, 5), "2.1.1.1", 45)
    serve(p2, a, D(2025, 3, 31), "2.1.1.2", 45)
    serve(p1, a, D(2025, 3, 1), "2.3.1.1", 90)
    serve(p5, b, D(2025, 3, 15), "2.2.1.1", 60)
    serve(p1, a, D(2025, 2, 28), "2.1.1.1", 60)
    serve(p3, a, D(2025, 4, 1), "2.1.1.1", 60)
    serve(p6, c, D(2025, 3, 10), "2.3.1.1", 60)
    serve(p2, a, D(2025, 3, 10), "2", 20)

    def assess(who, where, day, needs):
        NeedsAssessmentFactory(person=who, establishment=where, date=day, needs=needs)

    assess(p1, a, D(2025, 1, 10), ["1.1.1.1", "1.2.1.1"])
    assess(p1, a, D(2025, 3, 20), ["1.2.1.1", "1.2.1.3", "1.3.1.1"])
    assess(p1, a, D(2025, 4, 5), ["1.1.1.1"])
    assess(p2, c, D(2025, 3, 1), ["1.1.1.1"])
    assess(p3, a, D(2025, 3, 31), ["1.3.1.1"])
    assess(p3, a, D(2025, 3, 31), ["1.2.1.4"])
    assess(p4, a, D(2025, 2, 1), ["1.2.1.1"])
    assess(p5, b, D(2025, 2, 1), ["1.1.1.1", "1.1.1.4"])
    rollups.refresh_all()
    return {
        "A": Scope.establishment(a),
        "B": Scope.establishment(b),
        "C": Scope.establishment(c),
        "G": Scope.gestionnaire(g),
        "H": Scope.gestionnaire(h),
        "84": Scope.region("84"),
    }


def value(code, scope, period=MARCH):
    return registry.get(code).evaluate(scope, period)


def nonzero(rows):
    return {label.split(" – ")[0]: n for label, n in rows if n}


def test_rows_are_the_nomenclature_blocks_with_its_labels(data):
    for code, system in (
        ("prestations-realisees-par-bloc", "serafin-ph-prestations"),
        ("heures-prestations-par-bloc", "serafin-ph-prestations"),
        ("besoins-par-bloc", "serafin-ph-besoins"),
    ):
        blocks = Concept.objects.of(system).filter(level=2).order_by("sort_key")
        rows = value(code, data["A"])
        assert [label for label, _n in rows] == [f"{c.code} – {c.label}" for c in blocks] + [NO_BLOCK]
    labels = [label for label, _n in value("prestations-realisees-par-bloc", data["A"])]
    assert labels[:6] == [
        "2.1 – Prestations de soins, de maintien et de développement des capacités fonctionnelles",
        "2.2 – Prestations en matière d'autonomie",
        "2.3 – Prestations pour la participation sociale",
        "2.4 – Prestation de coordination renforcée pour la cohérence du parcours",
        "3.1 – Fonctions Gérer, manager, coopérer",
        "3.2 – Fonctions logistiques",
    ]
    assert [label for label, _n in value("besoins-par-bloc", data["A"])] == [
        "1.1 – Besoins en matière de santé somatique ou psychique",
        "1.2 – Besoins en matière d'autonomie",
        "1.3 – Besoins pour la participation sociale",
        NO_BLOCK,
    ]


def test_services_by_block(data):
    # A in March: S1, S2 (2.1), S3 (2.3), S8 (level 1); not S5 (February), S6 (April).
    assert nonzero(value("prestations-realisees-par-bloc", data["A"])) == {"2.1": 2, "2.3": 1, NO_BLOCK: 1}
    # G adds S4 in B (2.2); S7, in C, is outside G.
    assert nonzero(value("prestations-realisees-par-bloc", data["G"])) == {
        "2.1": 2,
        "2.2": 1,
        "2.3": 1,
        NO_BLOCK: 1,
    }
    assert nonzero(value("prestations-realisees-par-bloc", data["H"])) == {"2.3": 1}  # S7
    # The whole of 2025 in A: S5 and S6 too (2.1: S1, S2, S5, S6).
    rows = value("prestations-realisees-par-bloc", data["A"], Period.year(2025))
    assert nonzero(rows) == {"2.1": 4, "2.3": 1, NO_BLOCK: 1}


def test_services_on_periods_cut_inside_months(data):
    # 28/02 to 01/04 in A: S5 (28/02), the whole of March (S1, S2, S3, S8), S6 (01/04).
    rows = value("prestations-realisees-par-bloc", data["A"], Period(D(2025, 2, 28), D(2025, 4, 1)))
    assert nonzero(rows) == {"2.1": 4, "2.3": 1, NO_BLOCK: 1}
    # 31/03 to 01/04, no whole month: S2 and S6, 45 + 60 = 105 min = 1.75 h -> 1.8.
    two_days = Period(D(2025, 3, 31), D(2025, 4, 1))
    assert nonzero(value("prestations-realisees-par-bloc", data["A"], two_days)) == {"2.1": 2}
    assert nonzero(value("heures-prestations-par-bloc", data["A"], two_days)) == {"2.1": 1.8}
    # 05/03 to 10/03 in G: S1 (2.1) and S8 (level 1) in A; S4 (B, 15/03) is after.
    rows = value("prestations-realisees-par-bloc", data["G"], Period(D(2025, 3, 5), D(2025, 3, 10)))
    assert nonzero(rows) == {"2.1": 1, NO_BLOCK: 1}
    # 02/03 to 30/03 in A: S1 and S8 only (S3 is on 01/03, S2 on 31/03); 45 + 20 min.
    rows = value("heures-prestations-par-bloc", data["A"], Period(D(2025, 3, 2), D(2025, 3, 30)))
    assert nonzero(rows) == {"2.1": 0.8, NO_BLOCK: 0.3}


def test_hours_by_block(data):
    # A: 2.1: 45 + 45 = 90 min = 1.5 h; 2.3: 90 min = 1.5 h; level 1: 20 min = 0.33 h -> 0.3.
    assert nonzero(value("heures-prestations-par-bloc", data["A"])) == {"2.1": 1.5, "2.3": 1.5, NO_BLOCK: 0.3}
    # G: + 2.2: 60 min = 1.0 h.
    assert nonzero(value("heures-prestations-par-bloc", data["G"])) == {
        "2.1": 1.5,
        "2.2": 1.0,
        "2.3": 1.5,
        NO_BLOCK: 0.3,
    }
    # Region 84: + S7 in C, 60 min in 2.3: 1.5 + 1.0 = 2.5 h.
    assert nonzero(value("heures-prestations-par-bloc", data["84"]))["2.3"] == 2.5


def test_needs_by_block(data):
    # A, March: P1's assessment of 20/03 (1.2 twice, 1.3 once), P3's second assessment of 31/03 (1.2);
    # not P1's of 05/04, nor P4's (not supported in March).
    assert nonzero(value("besoins-par-bloc", data["A"])) == {"1.2": 3, "1.3": 1}
    # G: + P5's assessment in B (1.1 twice); P2, supported in A, was assessed only in C.
    assert nonzero(value("besoins-par-bloc", data["G"])) == {"1.1": 2, "1.2": 3, "1.3": 1}
    # C: P6 was not assessed; P2 was assessed in C but is not supported there.
    assert nonzero(value("besoins-par-bloc", data["C"])) == {}
    # A, February: P1 (from 15/02) with the assessment of 10/01 (1.1, 1.2), P4 with that of 01/02 (1.2).
    february = Period(D(2025, 2, 1), D(2025, 2, 28))
    assert nonzero(value("besoins-par-bloc", data["A"], february)) == {"1.1": 1, "1.2": 2}
    # A, April: P1's assessment of 05/04 (1.1), P3's of 31/03 (1.2).
    april = Period(D(2025, 4, 1), D(2025, 4, 30))
    assert nonzero(value("besoins-par-bloc", data["A"], april)) == {"1.1": 1, "1.2": 1}


def test_presence_days_by_mode(data):
    rows = value("journees-par-mode", data["A"])
    assert [label for label, _n in rows] == [label for _value, label in SupportMode.choices]
    # Internat: P1 31 (from 01/03, not from 15/02) + P2 10 + 11 = 52; externat: P3 1; P4, P7: 0.
    assert dict(rows) == {INTERNAT: 52, SEMI: 0, EXTERNAT: 1, TEMPORAIRE: 0, MILIEU: 0}
    # G: + P5 in B, externat 11, semi-internat 31.
    assert dict(value("journees-par-mode", data["G"])) == {
        INTERNAT: 52,
        SEMI: 31,
        EXTERNAT: 12,
        TEMPORAIRE: 0,
        MILIEU: 0,
    }
    assert dict(value("journees-par-mode", data["84"]))[INTERNAT] == 83  # 52 + P6 31
    # 10/03: P1 and P2's first admission; 11/03: P1 only.
    assert dict(value("journees-par-mode", data["A"], Period(D(2025, 3, 10), D(2025, 3, 10))))[INTERNAT] == 2
    assert dict(value("journees-par-mode", data["A"], Period(D(2025, 3, 11), D(2025, 3, 11))))[INTERNAT] == 1
    # 2025 in A, internat: P1 15/02 -> 31/12: 365 - 46 + 1 = 320; P2: 10 + (21/03 -> 31/12: 365 - 80 + 1
    # = 286) = 296; 616 in all. Externat: P3 31/03 -> 31/12: 276; P4 59; P7 01/04 -> 31/12: 275; 610.
    days = dict(value("journees-par-mode", data["A"], Period.year(2025)))
    assert (days[INTERNAT], days[EXTERNAT]) == (616, 610)


def test_occupancy_by_mode(data):
    # A: internat 52 / (2 × 31) × 100 = 83.87 -> 83.9; externat 1 / (10 × 31) × 100 = 0.32 -> 0.3;
    # semi-internat and milieu ordinaire: no capacity; accueil temporaire: 0 places.
    assert dict(value("taux-occupation-par-mode", data["A"])) == {
        INTERNAT: 83.9,
        SEMI: None,
        EXTERNAT: 0.3,
        TEMPORAIRE: None,
        MILIEU: None,
    }
    # G: externat 12 / ((10 + 5) × 31) × 100 = 1200 / 465 = 2.58 -> 2.6; semi-internat: 31 days, no place.
    assert dict(value("taux-occupation-par-mode", data["G"])) == {
        INTERNAT: 83.9,
        SEMI: None,
        EXTERNAT: 2.6,
        TEMPORAIRE: None,
        MILIEU: None,
    }
    # Region 84: internat 83 / ((2 + 3) × 31) × 100 = 8300 / 155 = 53.55 -> 53.5 (53.548...).
    assert dict(value("taux-occupation-par-mode", data["84"]))[INTERNAT] == 53.5
    # C: P6 every day of March on 3 places: 31 / 93 × 100 = 33.3.
    assert dict(value("taux-occupation-par-mode", data["C"]))[INTERNAT] == 33.3


def test_empty_period_and_empty_scope(data):
    empty_period = Period(D(2020, 1, 1), D(2020, 12, 31))
    empty_scope = Scope.department("2A")
    for scope, period in ((data["G"], empty_period), (empty_scope, MARCH)):
        for code in (
            "prestations-realisees-par-bloc",
            "heures-prestations-par-bloc",
            "besoins-par-bloc",
            "journees-par-mode",
        ):
            rows = value(code, scope, period)
            assert rows and all(n == 0 for _label, n in rows)
    # A capacity and no day: 0 %; no capacity: no value.
    assert dict(value("taux-occupation-par-mode", data["G"], empty_period)) == {
        INTERNAT: 0.0,
        SEMI: None,
        EXTERNAT: 0.0,
        TEMPORAIRE: None,
        MILIEU: None,
    }
    assert all(rate is None for _label, rate in value("taux-occupation-par-mode", empty_scope, MARCH))


def test_aggregate_queries(data, django_assert_num_queries):
    # The blocks of the nomenclature, then one aggregate (for the prestations, over the monthly and
    # daily rollups at once when the period cuts a month).
    for code in ("prestations-realisees-par-bloc", "heures-prestations-par-bloc", "besoins-par-bloc"):
        for period in (MARCH, Period(D(2025, 2, 28), D(2025, 4, 1)), Period(D(2025, 3, 2), D(2025, 3, 3))):
            with django_assert_num_queries(2):
                value(code, data["84"], period)
    with django_assert_num_queries(1):
        value("journees-par-mode", data["84"])
    with django_assert_num_queries(2):
        value("taux-occupation-par-mode", data["84"])


def test_declarations():
    occupancy = registry.get("taux-occupation-par-mode")
    assert occupancy.source == UNVERIFIED_ANAP
    assert "non vérifiée" in occupancy.definition and "places autorisées" in occupancy.definition
    assert "absences" in registry.get("journees-par-mode").definition
    for code in ("prestations-realisees-par-bloc", "heures-prestations-par-bloc", "besoins-par-bloc"):
        assert "SERAFIN-PH" in registry.get(code).source
