"""The indicators on persons supported, on a small data set whose expected values are worked out by hand.

Period: the year 2025. Establishments:
    A  gestionnaire G, department 69, region 84
    B  gestionnaire G, department 01, region 84
    C  gestionnaire H, department 38, region 84
    D  gestionnaire H, department 75, region 11

Persons (age on 31/12/2025) and their admissions:
    P1  F, born 01/03/2015 (10), no GIR  A internat  01/09/2024 -> ongoing        (overlaps the start)
    P2  M, born 15/06/1950 (75), GIR 2   A externat  01/02/2025 -> 31/03/2025 "89" (58 days)
                                         A internat  01/06/2025 -> ongoing        (admitted twice in A)
    P3  F, born 31/12/2009 (16 that day), no GIR
                                         A externat  10/05/2025 -> 09/07/2025 "91" (60 days)
                                         B semi-int. 10/07/2025 -> ongoing        (two establishments of G)
    P4  M, born 01/01/1980 (45), GIR 4   B externat  01/01/2024 -> 31/12/2024 "89" (ended the day before)
    P5  F, born 01/01/2001 (24), GIR 6   C acc. temp. 31/12/2025 -> ongoing       (starts on the last day)
    P6  I, born 01/07/1965 (60), no GIR  D externat  01/01/2025 -> 01/01/2025 "157" (0 days)
    P7  F, born 05/05/1990 (35), no GIR  A externat  01/01/2026 -> ongoing        (after the period)
    P8  M, born 31/12/2020 (5), no GIR   A externat  01/03/2023 -> 15/01/2025 "128" (686 days: 366 to
                                                     01/03/2024, 306 to 01/01/2025, 14 more)

Main deficiency (code of the "deficiences" system; associated ones do not count):
    P1 "02" (and "14" associated), P2 none (only "28" associated), P3 "14", P4 "02", P5 none, P6 "17",
    P7 none, P8 "02".
"""

import datetime

import pytest

from parcours.organisations.enums import SupportMode
from parcours.people.enums import Sex
from parcours.reporting import registry
from parcours.reporting.indicators.persons import (
    AGE_BANDS,
    NO_EXIT_REASON,
    NO_GIR,
    NO_MAIN_DEFICIENCY,
    years_before,
)
from parcours.reporting.registry import UNVERIFIED_ANAP, Disclosure, Period, Scope, ScopeKind
from tests.factories import (
    AdmissionFactory,
    DeficiencyFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    PersonFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def data():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, department_code="69", region_code="84")
    b = EstablishmentFactory(gestionnaire=g, department_code="01", region_code="84")
    c = EstablishmentFactory(gestionnaire=h, department_code="38", region_code="84")
    d = EstablishmentFactory(gestionnaire=h, department_code="75", region_code="11")

    def person(sex, birth_date, gir=None):
        return PersonFactory(sex=sex, birth_date=birth_date, gir=gir, birth_name="Nomdetest")

    def admit(who, where, mode, start, end=None, reason=""):
        AdmissionFactory(
            person=who, establishment=where, mode=mode, start_date=start, end_date=end, exit_reason=reason
        )

    p1 = person(Sex.FEMALE, D(2015, 3, 1))
    admit(p1, a, SupportMode.INTERNAT, D(2024, 9, 1))
    p2 = person(Sex.MALE, D(1950, 6, 15), gir=2)
    admit(p2, a, SupportMode.EXTERNAT, D(2025, 2, 1), D(2025, 3, 31), "89")
    admit(p2, a, SupportMode.INTERNAT, D(2025, 6, 1))
    p3 = person(Sex.FEMALE, D(2009, 12, 31))
    admit(p3, a, SupportMode.EXTERNAT, D(2025, 5, 10), D(2025, 7, 9), "91")
    admit(p3, b, SupportMode.SEMI_INTERNAT, D(2025, 7, 10))
    p4 = person(Sex.MALE, D(1980, 1, 1), gir=4)
    admit(p4, b, SupportMode.EXTERNAT, D(2024, 1, 1), D(2024, 12, 31), "89")
    p5 = person(Sex.FEMALE, D(2001, 1, 1), gir=6)
    admit(p5, c, SupportMode.ACCUEIL_TEMPORAIRE, D(2025, 12, 31))
    p6 = person(Sex.UNKNOWN, D(1965, 7, 1))
    admit(p6, d, SupportMode.EXTERNAT, D(2025, 1, 1), D(2025, 1, 1), "157")
    p7 = person(Sex.FEMALE, D(1990, 5, 5))
    admit(p7, a, SupportMode.EXTERNAT, D(2026, 1, 1))
    p8 = person(Sex.MALE, D(2020, 12, 31))
    admit(p8, a, SupportMode.EXTERNAT, D(2023, 3, 1), D(2025, 1, 15), "128")
    for who, code, is_main in (
        (p1, "02", True),
        (p1, "14", False),
        (p2, "28", False),
        (p3, "14", True),
        (p4, "02", True),
        (p6, "17", True),
        (p8, "02", True),
    ):
        DeficiencyFactory(person=who, code=code, is_main=is_main)
    return {
        "A": Scope.establishment(a),
        "B": Scope.establishment(b),
        "C": Scope.establishment(c),
        "D": Scope.establishment(d),
        "G": Scope.gestionnaire(g),
        "H": Scope.gestionnaire(h),
        "69": Scope.department("69"),
        "84": Scope.region("84"),
        "11": Scope.region("11"),
    }


def value(code, scope, period=YEAR):
    return registry.get(code).evaluate(scope, period)


def nonzero(rows):
    return {label: n for label, n in rows if n}


def test_persons_supported_per_scope(data):
    # A: P1 (started before the period), P2 (admitted twice, once), P3, P8 (ended in January);
    # not P7 (starts after the period).
    assert value("personnes-accompagnees", data["A"]) == 4
    # B: P3 only; P4's support ended on 31/12/2024, the day before the period.
    assert value("personnes-accompagnees", data["B"]) == 1
    # G = A + B: P1, P2, P3, P8; P3, supported in both, counts once.
    assert value("personnes-accompagnees", data["G"]) == 4
    assert value("personnes-accompagnees", data["C"]) == 1  # P5, admitted on the last day
    assert value("personnes-accompagnees", data["H"]) == 2  # P5, P6
    assert value("personnes-accompagnees", data["69"]) == 4  # A only
    assert value("personnes-accompagnees", data["84"]) == 5  # P1, P2, P3, P8, P5
    assert value("personnes-accompagnees", data["11"]) == 1  # P6, one-day support


def test_period_bounds_are_inclusive(data):
    # P4's last day, 31/12/2024: counted in B on that day, not on the next one.
    assert value("personnes-accompagnees", data["B"], Period(D(2024, 12, 31), D(2024, 12, 31))) == 1
    assert value("personnes-accompagnees", data["B"], Period(D(2025, 1, 1), D(2025, 7, 9))) == 0
    assert value("sorties", data["B"], Period(D(2024, 12, 31), D(2024, 12, 31))) == 1
    # On 01/01/2026 in A: P1 and P2 (still supported) and P7 (admitted that day).
    assert value("personnes-accompagnees", data["A"], Period(D(2026, 1, 1), D(2026, 1, 1))) == 3
    assert value("admissions", data["A"], Period(D(2026, 1, 1), D(2026, 1, 1))) == 1


def test_by_sex(data):
    assert value("personnes-accompagnees-par-sexe", data["A"]) == [
        ("Féminin", 2),  # P1, P3
        ("Masculin", 2),  # P2, P8
        ("Indéterminé", 0),
    ]
    assert value("personnes-accompagnees-par-sexe", data["84"]) == [
        ("Féminin", 3),  # P1, P3, P5
        ("Masculin", 2),
        ("Indéterminé", 0),
    ]
    assert value("personnes-accompagnees-par-sexe", data["11"]) == [
        ("Féminin", 0),
        ("Masculin", 0),
        ("Indéterminé", 1),
    ]


def test_by_age_band_at_the_end_of_the_period(data):
    rows = value("personnes-accompagnees-par-age", data["84"])
    assert [label for label, _n in rows] == [label for _age, label in AGE_BANDS]
    assert len(rows) == 10
    assert nonzero(rows) == {
        "0 à 5 ans": 1,  # P8, 5 on 31/12/2025
        "6 à 11 ans": 1,  # P1, 10
        "16 à 19 ans": 1,  # P3, 16 on the period's last day
        "20 à 29 ans": 1,  # P5, 24
        "75 ans et plus": 1,  # P2, 75
    }
    # One day earlier, P3 is still 15 and P8 still 4.
    rows = value("personnes-accompagnees-par-age", data["A"], Period(D(2025, 1, 1), D(2025, 12, 30)))
    assert nonzero(rows) == {"0 à 5 ans": 1, "6 à 11 ans": 1, "12 à 15 ans": 1, "75 ans et plus": 1}
    # P6 turns 60 on 01/07/2025: on 01/01/2025, still 59.
    assert nonzero(value("personnes-accompagnees-par-age", data["11"])) == {"60 à 74 ans": 1}
    assert nonzero(
        value("personnes-accompagnees-par-age", data["11"], Period(D(2025, 1, 1), D(2025, 1, 1)))
    ) == {"50 à 59 ans": 1}


def test_age_on_29_february():
    assert years_before(D(2024, 2, 29), 1) == D(2023, 2, 28)
    assert years_before(D(2025, 12, 31), 16) == D(2009, 12, 31)


def test_by_mode_counts_a_person_in_each_of_their_modes(data):
    rows = value("personnes-accompagnees-par-mode", data["A"])
    assert nonzero(rows) == {
        "Internat": 2,  # P1, P2 (second admission)
        "Externat": 3,  # P2 (first admission), P3, P8
    }
    assert len(rows) == len(SupportMode.choices)
    assert nonzero(value("personnes-accompagnees-par-mode", data["G"])) == {
        "Internat": 2,
        "Semi-internat / accueil de jour": 1,  # P3 in B
        "Externat": 3,
    }


def test_by_gir_with_a_line_for_no_gir(data):
    rows = value("personnes-accompagnees-par-gir", data["84"])
    assert rows[-1] == (NO_GIR, 3)  # P1, P3, P8
    assert nonzero(rows) == {"GIR 2": 1, "GIR 6": 1, NO_GIR: 3}  # P2; P5; P4 is not supported in 2025
    assert len(rows) == 7


AUTISM = "02 – Troubles du spectre de l'autisme"
TDI = "14 – Troubles du développement intellectuel (TDI)"


def test_by_main_deficiency(data):
    rows = value("personnes-accompagnees-par-deficience-principale", data["84"])
    # Every code of the system, in its order (01 to 68 but for 15 and 20: 66 codes), then the persons
    # without a main deficiency.
    assert len(rows) == 67
    assert rows[0] == ("01 – Troubles des conduites alimentaires (TCA)", 0)
    assert rows[-2][0].startswith("68 – Troubles cognitifs ou du comportement")
    assert rows[-1] == (NO_MAIN_DEFICIENCY, 2)  # P2 (an associated deficiency only) and P5
    # P1 and P8; P4 (also "02") is not supported in 2025. P1's associated "14" does not count.
    assert nonzero(rows) == {AUTISM: 2, TDI: 1, NO_MAIN_DEFICIENCY: 2}
    # The rows add up to the persons supported: 5.
    assert sum(n for _label, n in rows) == 5
    # A: P2, admitted twice, counts once among the persons without a main deficiency.
    assert nonzero(value("personnes-accompagnees-par-deficience-principale", data["A"])) == {
        AUTISM: 2,
        TDI: 1,
        NO_MAIN_DEFICIENCY: 1,
    }
    # G: P3, supported in A and B, counts once.
    assert nonzero(value("personnes-accompagnees-par-deficience-principale", data["G"]))[TDI] == 1
    assert nonzero(value("personnes-accompagnees-par-deficience-principale", data["11"])) == {
        "17 – Polyhandicap": 1
    }
    # 2024 in B: P4, whose support ended on 31/12/2024.
    rows = value("personnes-accompagnees-par-deficience-principale", data["B"], Period.year(2024))
    assert nonzero(rows) == {AUTISM: 1}


def test_weighted_mean_gir(data):
    # Region 84: P2 GIR 2 (840 points) and P5 GIR 6 (70); P1, P3 and P8 have no GIR and do not count.
    # (840 + 70) / 2 = 455.
    assert value("gir-moyen-pondere", data["84"]) == 455
    assert value("gir-moyen-pondere", data["A"]) == 840  # P2 only, admitted twice, counted once
    assert value("gir-moyen-pondere", data["H"]) == 70  # P5; P6 has no GIR
    # B: P3 has no GIR (P4's GIR 4 is not counted: her support ended in 2024).
    assert value("gir-moyen-pondere", data["B"]) is None
    assert value("gir-moyen-pondere", data["B"], Period.year(2024)) == 420


def test_weighted_mean_gir_is_rounded_to_the_unit(data):
    a = data["A"].establishments().get()
    for _ in range(2):
        who = PersonFactory(gir=5)
        AdmissionFactory(person=who, establishment=a, start_date=D(2025, 3, 1))
    # A: P2 840 + 2 × 250 = 1340 points for 3 persons: 446.67, so 447. Counting P2 once per admission
    # would give (2 × 840 + 500) / 4 = 545.
    assert value("gir-moyen-pondere", data["A"]) == 447
    # Region 84: 840 + 70 + 2 × 250 = 1410 for 4 persons: 352.5, rounded half up to 353.
    assert value("gir-moyen-pondere", data["84"]) == 353


def test_admissions_and_exits(data):
    # A: P2 twice (01/02, 01/06), P3 (10/05); G adds P3 in B (10/07).
    assert value("admissions", data["A"]) == 3
    assert value("admissions", data["G"]) == 4
    assert value("admissions", data["84"]) == 5  # + P5 on 31/12
    # A: P8 (15/01), P2 (31/03), P3 (09/07). P4's exit (31/12/2024) is not in 2025.
    assert value("sorties", data["A"]) == 3
    assert value("sorties", data["B"]) == 0
    rows = value("sorties-par-motif", data["A"])
    assert nonzero(rows) == {
        "89 – L'usager ne souhaite plus être pris en charge par l'ESMS": 1,
        "91 – L'usager est admis dans un autre ESMS suite à une réorientation": 1,
        "128 – Fin de contrat (SAVS/SAMSAH/SESSAD)": 1,
    }
    assert rows[-1] == (NO_EXIT_REASON, 0)
    assert nonzero(value("sorties-par-motif", data["11"])) == {"157 – Hospitalisation": 1}


def test_exit_without_reason_has_its_own_line(data):
    person = PersonFactory()
    AdmissionFactory(
        person=person,
        establishment=data["C"].establishments().get(),
        start_date=D(2025, 2, 1),
        end_date=D(2025, 2, 11),
        exit_reason="",
    )
    assert nonzero(value("sorties-par-motif", data["C"])) == {NO_EXIT_REASON: 1}


def test_mean_length_of_support(data):
    # A: (686 + 58 + 60) / 3 = 804 / 3 = 268.0 days.
    assert value("duree-moyenne-accompagnement", data["A"]) == 268.0
    assert value("duree-moyenne-accompagnement", data["G"]) == 268.0  # no exit in B
    # D: one support of one day, 01/01 -> 01/01: 0 days.
    assert value("duree-moyenne-accompagnement", data["11"]) == 0.0
    # January 2025 in A: P8 only, 686 days.
    assert value("duree-moyenne-accompagnement", data["A"], Period(D(2025, 1, 1), D(2025, 1, 31))) == 686.0
    # B: P3's support is still open, P4's ended before the period: nothing to average.
    assert value("duree-moyenne-accompagnement", data["B"]) is None


def test_rounding_of_the_mean(data):
    # A in the first quarter: P8 (686) and P2 (58): 744 / 2 = 372.0; add a 1-day support: 745 / 3.
    AdmissionFactory(
        person=PersonFactory(),
        establishment=data["A"].establishments().get(),
        start_date=D(2025, 3, 1),
        end_date=D(2025, 3, 2),
        exit_reason="89",
    )
    assert value("duree-moyenne-accompagnement", data["A"], Period(D(2025, 1, 1), D(2025, 3, 31))) == 248.3


def test_empty_period_and_empty_scope(data):
    empty_period = Period(D(2022, 1, 1), D(2022, 12, 31))  # before every admission
    empty_scope = Scope.department("2A")  # no establishment
    for scope, period in ((data["G"], empty_period), (empty_scope, YEAR)):
        assert value("personnes-accompagnees", scope, period) == 0
        assert value("admissions", scope, period) == 0
        assert value("sorties", scope, period) == 0
        assert value("duree-moyenne-accompagnement", scope, period) is None
        assert value("gir-moyen-pondere", scope, period) is None
        for code in (
            "personnes-accompagnees-par-sexe",
            "personnes-accompagnees-par-age",
            "personnes-accompagnees-par-mode",
            "personnes-accompagnees-par-gir",
            "personnes-accompagnees-par-deficience-principale",
            "sorties-par-motif",
        ):
            rows = value(code, scope, period)
            assert rows and all(n == 0 for _label, n in rows)


def test_counts_are_single_aggregate_queries(data, django_assert_num_queries):
    for code in ("personnes-accompagnees", "personnes-accompagnees-par-age", "sorties-par-motif"):
        with django_assert_num_queries(1):
            value(code, data["84"])
    with django_assert_num_queries(1):
        value("duree-moyenne-accompagnement", data["A"])
    with django_assert_num_queries(1):
        value("gir-moyen-pondere", data["84"])
    with django_assert_num_queries(2):  # the codes of the system, then the counts
        value("personnes-accompagnees-par-deficience-principale", data["84"])


def test_results_hold_no_personal_data(data):
    for indicator in registry.all():
        result = indicator.evaluate(data["84"], YEAR)
        rows = result if isinstance(result, list) else [("", result)]
        for label, n in rows:
            assert isinstance(label, str) and "Nomdetest" not in label
            assert n is None or isinstance(n, int | float)


def test_registry_declarations():
    indicators = registry.all()
    codes = [indicator.code for indicator in indicators]
    assert len(codes) == len(set(codes))
    assert {
        "personnes-accompagnees",
        "personnes-accompagnees-par-sexe",
        "personnes-accompagnees-par-age",
        "personnes-accompagnees-par-mode",
        "personnes-accompagnees-par-gir",
        "admissions",
        "sorties",
        "sorties-par-motif",
        "duree-moyenne-accompagnement",
        "personnes-accompagnees-par-deficience-principale",
        "gir-moyen-pondere",
    } <= set(codes)
    for indicator in indicators:
        assert indicator.label and indicator.definition and indicator.formula and indicator.unit
        assert indicator.source and indicator.scopes
        if indicator.source == UNVERIFIED_ANAP:
            assert "non vérifiée" in indicator.definition
    assert registry.get("duree-moyenne-accompagnement").source == UNVERIFIED_ANAP
    gmp = registry.get("gir-moyen-pondere")
    assert gmp.source == UNVERIFIED_ANAP and "grille n'a pas été lue dans le texte officiel" in gmp.definition
    assert "GIR 1 = 1000" in gmp.definition and "GIR 6 = 70" in gmp.definition
    assert (gmp.disclosure, gmp.base) == (Disclosure.MEASURE, "personnes-accompagnees")
    by_deficiency = registry.get("personnes-accompagnees-par-deficience-principale")
    assert "JDV_J35" in by_deficiency.source and by_deficiency.disclosure == Disclosure.COUNT
    assert "tranches" in registry.get("personnes-accompagnees-par-age").definition
    with pytest.raises(LookupError):
        registry.get("taux-d-occupation-invente")


def test_registering_twice_is_refused():
    registry.get("personnes-accompagnees")
    with pytest.raises(ValueError, match="déjà déclaré"):
        registry.register(
            code="personnes-accompagnees",
            label="x",
            definition="x",
            formula="x",
            unit="x",
            source="x",
        )(lambda scope, period: 0)


def test_scope_and_period():
    assert Scope("department", " 2a ") == Scope.department("2A")
    assert Scope.establishment(12).identifier == 12
    assert Scope("gestionnaire", "7").kind is ScopeKind.GESTIONNAIRE
    with pytest.raises(ValueError):
        Scope("commune", "69123")
    with pytest.raises(ValueError):
        Period(D(2025, 2, 1), D(2025, 1, 31))
    assert Period.year(2024).days == 366


def test_an_indicator_outside_its_scopes_is_refused():
    indicator = registry.Indicator(
        code="essai",
        label="Essai",
        definition="Essai",
        formula="Essai",
        unit="personnes",
        scopes=frozenset({ScopeKind.ESTABLISHMENT}),
        source="Essai",
        compute=lambda scope, period: 0,
    )
    assert indicator.evaluate(Scope.establishment(1), YEAR) == 0
    with pytest.raises(ValueError, match="région"):
        indicator.evaluate(Scope.region("84"), YEAR)
