"""The indicators on staff, on a small data set whose expected values are worked out by hand.

Period: the year 2025 (365 days). Establishments:
    A  gestionnaire G, department 69, region 84
    B  gestionnaire G, department 01, region 84
    C  gestionnaire H, department 38, region 84

Professionals (sex, birth date, age on 31/12/2025) and their contracts (employer, dates, FTE):
    S1  éducateur spécialisé, F, 12/04/1985 (40)
            A  01/01/2020 -> ongoing     1.00   (whole year: 365 days)
            B  01/01/2024 -> ongoing     0.20   (second employer in G)
    S2  infirmier, M, 31/12/2000 (25 on the last day, 24 the day before)
            A  02/07/2025 -> ongoing     0.80   (mid-period: 30+31+30+31+30+31 = 183 days)
    S3  aide-soignant, F, 01/01/1961 (64; 65 the day after the period)
            A  01/01/2025 -> 31/03/2025  0.50   (31+28+31 = 90 days)
            A  01/04/2025 -> ongoing     1.00   (365 - 90 = 275 days)
    S4  psychologue, sex and birth date not given
            A  01/01/2023 -> 30/06/2025  0.50   (31+28+31+30+31+30 = 181 days)
    S5  éducateur spécialisé, M, 01/01/1990 (35)
            C  01/01/2024 -> ongoing     1.00   (another gestionnaire: never counted in A or G)

Theoretical days in 2025 (calendar days of the contract in the period × FTE):
    A  S1 365 + S2 0.80 × 183 = 146.4 + S3 0.50 × 90 = 45 + S3 275 + S4 0.50 × 181 = 90.5  = 921.9
    B  S1 0.20 × 365 = 73;  G = 921.9 + 73 = 994.9;  C  S5 365

Absences (contract, reason, dates, days in 2025 × FTE):
    S1 A  maladie       20/12/2024 -> 10/01/2025   10 × 1.00 = 10    (over the period's start)
    S1 A  maternité...  01/04/2025 -> 30/04/2025   30 × 1.00 = 30    (not in the rate)
    S1 B  maladie       01/02/2025 -> 28/02/2025   28 × 0.20 = 5.6   (in B, so in G)
    S2 A  maladie       22/12/2025 -> 09/01/2026   10 × 0.80 = 8     (over the period's end; a contract
                                                                      covering half the period)
    S3 A  formation     10/03/2025 -> 14/03/2025    5 × 0.50 = 2.5   (not in the rate)
    S3 A  autre         02/05/2025 -> 02/05/2025    1 × 1.00 = 1     (not in the rate)
    S4 A  AT/MP         01/06/2025 -> 30/06/2025   30 × 0.50 = 15    (a 0.5 FTE contract, to its last day)
    S5 C  sans solde    01/09/2025 -> 30/09/2025   30 × 1.00 = 30    (not in the rate)
"""

import datetime
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parcours.demo.absences import create_demo_absences
from parcours.people.enums import Sex
from parcours.reporting import registry
from parcours.reporting.indicators.staff import AGE_BANDS, NO_AGE, NO_SEX
from parcours.reporting.registry import OWN_DEFINITION, UNVERIFIED_ANAP, Disclosure, Period, Scope
from parcours.staff.enums import AbsenceReason, ContractType, Profession
from parcours.staff.models import Absence, Contract
from tests.factories import ContractFactory, EstablishmentFactory, GestionnaireFactory, ProfessionalFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))
EDUC = "Éducateur ou éducatrice spécialisé(e)"
NURSE = "Infirmier ou infirmière"
CARE = "Aide-soignant(e)"
PSY = "Psychologue"


@pytest.fixture
def data():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, department_code="69", region_code="84")
    b = EstablishmentFactory(gestionnaire=g, department_code="01", region_code="84")
    c = EstablishmentFactory(gestionnaire=h, department_code="38", region_code="84")

    def professional(profession, sex, birth_date):
        return ProfessionalFactory(
            profession=profession, sex=sex, birth_date=birth_date, last_name="Nomdetest", user=None
        )

    def contract(who, where, start, end, fte, kind=ContractType.CDI):
        return Contract.objects.create(
            professional=who,
            employer=where,
            contract_type=kind,
            start_date=start,
            end_date=end,
            fte=Decimal(fte),
        )

    def absent(under, reason, start, end):
        absence = Absence(contract=under, reason=reason, start_date=start, end_date=end)
        absence.full_clean()
        absence.save()

    s1 = professional(Profession.EDUCATEUR_SPECIALISE, Sex.FEMALE, D(1985, 4, 12))
    s1a = contract(s1, a, D(2020, 1, 1), None, "1.00")
    s1b = contract(s1, b, D(2024, 1, 1), None, "0.20")
    s2 = professional(Profession.INFIRMIER, Sex.MALE, D(2000, 12, 31))
    s2a = contract(s2, a, D(2025, 7, 2), None, "0.80", ContractType.CDD)
    s3 = professional(Profession.AIDE_SOIGNANT, Sex.FEMALE, D(1961, 1, 1))
    s3a1 = contract(s3, a, D(2025, 1, 1), D(2025, 3, 31), "0.50", ContractType.CDD)
    s3a2 = contract(s3, a, D(2025, 4, 1), None, "1.00")
    s4 = professional(Profession.PSYCHOLOGUE, "", None)
    s4a = contract(s4, a, D(2023, 1, 1), D(2025, 6, 30), "0.50")
    s5 = professional(Profession.EDUCATEUR_SPECIALISE, Sex.MALE, D(1990, 1, 1))
    s5c = contract(s5, c, D(2024, 1, 1), None, "1.00")

    absent(s1a, AbsenceReason.SICKNESS, D(2024, 12, 20), D(2025, 1, 10))
    absent(s1a, AbsenceReason.PARENTAL, D(2025, 4, 1), D(2025, 4, 30))
    absent(s1b, AbsenceReason.SICKNESS, D(2025, 2, 1), D(2025, 2, 28))
    absent(s2a, AbsenceReason.SICKNESS, D(2025, 12, 22), D(2026, 1, 9))
    absent(s3a1, AbsenceReason.TRAINING, D(2025, 3, 10), D(2025, 3, 14))
    absent(s3a2, AbsenceReason.OTHER, D(2025, 5, 2), D(2025, 5, 2))
    absent(s4a, AbsenceReason.WORK_INJURY, D(2025, 6, 1), D(2025, 6, 30))
    absent(s5c, AbsenceReason.UNPAID, D(2025, 9, 1), D(2025, 9, 30))
    return {
        "S4A": s4a,
        "A": Scope.establishment(a),
        "B": Scope.establishment(b),
        "C": Scope.establishment(c),
        "G": Scope.gestionnaire(g),
        "84": Scope.region("84"),
    }


def value(code, scope, period=YEAR):
    return registry.get(code).evaluate(scope, period)


def nonzero(rows):
    return {label: n for label, n in rows if n}


def test_fte_by_profession_weighted_by_the_days_covered(data):
    rows = value("etp-par-profession", data["A"])
    assert [label for label, _n in rows] == [label for _value, label in Profession.choices]
    assert nonzero(rows) == {
        EDUC: 1.0,  # S1: 1.00 × 365/365
        NURSE: 0.4,  # S2, from 02/07: 0.80 × 183/365 = 146.4/365 = 0.4011
        CARE: 0.88,  # S3, two contracts: (0.50 × 90 + 1.00 × 275)/365 = 320/365 = 0.8767
        PSY: 0.25,  # S4, until 30/06: 0.50 × 181/365 = 90.5/365 = 0.2479
    }
    # 1 + (146.4 + 320 + 90.5)/365 = 1 + 556.9/365 = 2.5258
    assert value("etp-sur-la-periode", data["A"]) == 2.53
    # G adds S1's 0.20 in B, all year; C (S5) is another gestionnaire's.
    assert nonzero(value("etp-par-profession", data["G"]))[EDUC] == 1.2
    assert value("etp-sur-la-periode", data["G"]) == 2.73
    assert nonzero(value("etp-par-profession", data["C"])) == {EDUC: 1.0}
    assert nonzero(value("etp-par-profession", data["84"]))[EDUC] == 2.2  # S1 in A and B, S5 in C


def test_fte_over_a_partial_period(data):
    # First quarter, 90 days: S1 1.00; S3's first contract covers it all, 0.50; S4 0.50; S2 not yet.
    quarter = Period(D(2025, 1, 1), D(2025, 3, 31))
    assert nonzero(value("etp-par-profession", data["A"], quarter)) == {EDUC: 1.0, CARE: 0.5, PSY: 0.5}
    # 02/07 -> 31/12 (183 days): S2 covers it all, 0.80; S3 1.00; S4 is gone.
    second_half = Period(D(2025, 7, 2), D(2025, 12, 31))
    assert nonzero(value("etp-par-profession", data["A"], second_half)) == {EDUC: 1.0, NURSE: 0.8, CARE: 1.0}
    # 01/07 -> 31/12 (184 days): S2 misses the first day: 0.80 × 183/184 = 0.7957.
    assert (
        nonzero(value("etp-par-profession", data["A"], Period(D(2025, 7, 1), D(2025, 12, 31))))[NURSE] == 0.8
    )
    # One day, 30/06: the contracts in force that day at their FTE, S4's last day included.
    day = Period(D(2025, 6, 30), D(2025, 6, 30))
    assert value("etp-sur-la-periode", data["A"], day) == 2.5  # S1 1.00 + S3 1.00 + S4 0.50


def test_headcount_at_the_end_of_the_period(data):
    assert value("effectif-fin-de-periode", data["A"]) == 3  # S1, S2, S3 (twice under contract in 2025)
    assert value("effectif-fin-de-periode", data["G"]) == 3  # S1, in A and B, counts once
    assert value("effectif-fin-de-periode", data["B"]) == 1
    assert value("effectif-fin-de-periode", data["84"]) == 4  # + S5 in C
    # On 30/06, S4's last day: S1, S3, S4.
    assert value("effectif-fin-de-periode", data["A"], Period(D(2025, 1, 1), D(2025, 6, 30))) == 3
    assert value("effectif-fin-de-periode", data["A"], Period(D(2025, 1, 1), D(2025, 7, 1))) == 2


def test_age_pyramid_on_the_last_day(data):
    rows = value("pyramide-des-ages-du-personnel", data["G"])
    assert len(rows) == 4 * 11  # F, M, I, not given × 10 bands and a missing birth date
    assert rows[0] == ("Féminin – moins de 25 ans", 0)
    assert rows[-1] == (f"{NO_SEX} – {NO_AGE}", 0)
    assert [label for label, _n in rows[:10]] == [f"Féminin – {label}" for _age, label in AGE_BANDS]
    assert nonzero(rows) == {
        "Féminin – 40 à 44 ans": 1,  # S1, 40, counted once though employed by A and B
        "Masculin – 25 à 29 ans": 1,  # S2, 25 on the period's last day
        "Féminin – 60 à 64 ans": 1,  # S3, 64: 65 on 01/01/2026
    }
    # One day earlier, S2 is still 24.
    rows = value("pyramide-des-ages-du-personnel", data["A"], Period(D(2025, 1, 1), D(2025, 12, 30)))
    assert nonzero(rows)["Masculin – moins de 25 ans"] == 1
    # On 30/06, S4 is there, with neither sex nor birth date; S2 is not yet.
    rows = value("pyramide-des-ages-du-personnel", data["A"], Period(D(2025, 1, 1), D(2025, 6, 30)))
    assert nonzero(rows) == {
        "Féminin – 40 à 44 ans": 1,
        "Féminin – 60 à 64 ans": 1,
        f"{NO_SEX} – {NO_AGE}": 1,
    }
    assert nonzero(value("pyramide-des-ages-du-personnel", data["C"])) == {"Masculin – 35 à 39 ans": 1}


def test_staff_turnover(data):
    # A: entries S3 (01/01), S3 (01/04), S2 (02/07) = 3; exits S3 (31/03), S4 (30/06) = 2.
    # Headcount on 01/01: S1, S3, S4 = 3; on 31/12: S1, S2, S3 = 3; mean 3.
    # ((3 + 2) / 2) / 3 × 100 = 2.5 / 3 × 100 = 83.33
    assert value("taux-de-rotation-du-personnel", data["A"]) == 83.3
    # G: B adds no entry or exit and S1 once in each headcount: same figures.
    assert value("taux-de-rotation-du-personnel", data["G"]) == 83.3
    # C: no movement, headcount 1: 0.
    assert value("taux-de-rotation-du-personnel", data["C"]) == 0.0
    # A in the first quarter: 1 entry (S3 on 01/01; her second contract starts on 01/04), 1 exit
    # (S3 on 31/03); headcount 3 on 01/01 and on 31/03 (S1, S3, S4): ((1 + 1) / 2) / 3 × 100 = 33.33.
    assert value("taux-de-rotation-du-personnel", data["A"], Period(D(2025, 1, 1), D(2025, 3, 31))) == 33.3
    # A in the second half from 01/07: entry S2 (02/07); headcount 2 on 01/07 (S1, S3), 3 on 31/12:
    # (1 + 0)/2 / 2.5 × 100 = 20.0
    assert value("taux-de-rotation-du-personnel", data["A"], Period(D(2025, 7, 1), D(2025, 12, 31))) == 20.0


def test_empty_period_and_empty_scope(data):
    empty_period = Period(D(2019, 1, 1), D(2019, 12, 31))  # before every contract
    empty_scope = Scope.department("2A")  # no establishment
    for scope, period in ((data["G"], empty_period), (empty_scope, YEAR)):
        assert value("etp-sur-la-periode", scope, period) == 0.0
        assert value("effectif-fin-de-periode", scope, period) == 0
        assert value("taux-de-rotation-du-personnel", scope, period) is None
        assert value("taux-d-absenteisme", scope, period) is None
        for code in ("etp-par-profession", "pyramide-des-ages-du-personnel", "jours-d-absence-par-motif"):
            rows = value(code, scope, period)
            assert rows and all(n == 0 for _label, n in rows)


def test_counts_are_single_aggregate_queries(data, django_assert_num_queries):
    for code in (
        "etp-par-profession",
        "etp-sur-la-periode",
        "effectif-fin-de-periode",
        "pyramide-des-ages-du-personnel",
        "taux-de-rotation-du-personnel",
        "jours-d-absence-par-motif",
    ):
        with django_assert_num_queries(1):
            value(code, data["84"])
    with django_assert_num_queries(2):  # theoretical days, then absence days
        value("taux-d-absenteisme", data["84"])


def test_results_hold_no_personal_data(data):
    for code in ("etp-par-profession", "pyramide-des-ages-du-personnel", "jours-d-absence-par-motif"):
        for label, n in value(code, data["84"]):
            assert isinstance(label, str) and "Nomdetest" not in label
            assert isinstance(n, int | float)


def test_declarations():
    assert registry.get("taux-de-rotation-du-personnel").source == UNVERIFIED_ANAP
    assert "non vérifiée" in registry.get("taux-de-rotation-du-personnel").definition
    for code in ("etp-sur-la-periode", "etp-par-profession", "effectif-fin-de-periode"):
        assert registry.get(code).source == OWN_DEFINITION
    pyramid = registry.get("pyramide-des-ages-du-personnel")
    assert pyramid.source == OWN_DEFINITION and "choix de Parcours" in pyramid.definition
    rate = registry.get("taux-d-absenteisme")
    assert rate.source == UNVERIFIED_ANAP and "non vérifiée" in rate.definition
    # The reasons counted are stated, and the exclusions the reference asks to decide.
    for words in ("maladie ordinaire", "accident du travail", "maternité", "formation", "calendaires"):
        assert words in rate.definition
    assert (rate.unit, rate.disclosure, rate.base) == ("%", Disclosure.MEASURE, "effectif-fin-de-periode")
    by_reason = registry.get("jours-d-absence-par-motif")
    assert by_reason.source == OWN_DEFINITION and "ETP" in by_reason.unit
    assert (by_reason.disclosure, by_reason.base) == (Disclosure.MEASURE, "effectif-fin-de-periode")


SICK = "Maladie ordinaire"
INJURY = "Accident du travail ou maladie professionnelle"
PARENTAL = "Maternité, paternité ou adoption"
UNPAID = "Congé sans solde ou autre absence non rémunérée"
TRAINING = "Formation"
OTHER = "Autre motif"


def test_absenteeism_rate(data):
    # A: maladie 10 (S1, from 01/01) + 8 (S2, to 31/12) + AT/MP 15 (S4 at 0.50) = 33 days × FTE;
    # 33 / 921.9 × 100 = 3.58. Maternité (30), formation (2.5) and "autre" (1) are left out.
    assert value("taux-d-absenteisme", data["A"]) == 3.6
    # G adds S1's sick leave in B (5.6) and her 0.20 FTE there (73): 38.6 / 994.9 × 100 = 3.88.
    assert value("taux-d-absenteisme", data["G"]) == 3.9
    # B alone: 5.6 / 73 × 100 = 7.67.
    assert value("taux-d-absenteisme", data["B"]) == 7.7
    # C: S5's unpaid leave does not count: 0 / 365.
    assert value("taux-d-absenteisme", data["C"]) == 0.0


def test_absenteeism_rate_over_a_partial_period(data):
    # January 2025 in A (31 days): S1 1.00 × 31 + S3 0.50 × 31 + S4 0.50 × 31 = 62 theoretical days;
    # S1's sick leave covers 01/01 -> 10/01: 10 days. 10 / 62 × 100 = 16.13.
    assert value("taux-d-absenteisme", data["A"], Period(D(2025, 1, 1), D(2025, 1, 31))) == 16.1
    # 10/01 alone: S1 absent (1.00) out of 1.00 + 0.50 + 0.50 = 2.00: 50 %.
    assert value("taux-d-absenteisme", data["A"], Period(D(2025, 1, 10), D(2025, 1, 10))) == 50.0
    # 11/01 alone: S1 is back.
    assert value("taux-d-absenteisme", data["A"], Period(D(2025, 1, 11), D(2025, 1, 11))) == 0.0
    # 2026 so far, up to 09/01 in A: S1, S2 0.80 and S3 1.00 in force, 9 days: 9 + 7.2 + 9 = 25.2;
    # S2 absent 01/01 -> 09/01: 9 × 0.80 = 7.2. 7.2 / 25.2 × 100 = 28.57.
    assert value("taux-d-absenteisme", data["A"], Period(D(2026, 1, 1), D(2026, 1, 9))) == 28.6


def test_absence_days_by_reason(data):
    rows = value("jours-d-absence-par-motif", data["A"])
    assert rows == [
        (SICK, 18.0),  # S1 10 + S2 8
        (INJURY, 15.0),  # S4: 30 days at 0.50
        (PARENTAL, 30.0),
        (UNPAID, 0.0),
        (TRAINING, 2.5),  # S3: 5 days at 0.50
        (OTHER, 1.0),
    ]
    assert nonzero(value("jours-d-absence-par-motif", data["B"])) == {SICK: 5.6}  # 28 days at 0.20
    assert nonzero(value("jours-d-absence-par-motif", data["G"]))[SICK] == 23.6
    assert nonzero(value("jours-d-absence-par-motif", data["C"])) == {UNPAID: 30.0}
    # S1's sick leave, 20/12/2024 -> 10/01/2025: 12 days in 2024, 10 in 2025.
    rows = value("jours-d-absence-par-motif", data["A"], Period.year(2024))
    assert nonzero(rows) == {SICK: 12.0}


def test_an_absence_counts_only_within_its_contract(data):
    # Written without the model's checks (an import, say): 25/06 -> 05/07 under S4's contract, which
    # ends on 30/06. Only 25/06 -> 30/06 counts: 6 days × 0.50 = 3. A: (33 + 3) / 921.9 × 100 = 3.9.
    Absence.objects.create(
        contract=data["S4A"], reason=AbsenceReason.SICKNESS, start_date=D(2025, 6, 25), end_date=D(2025, 7, 5)
    )
    assert value("taux-d-absenteisme", data["A"]) == 3.9
    assert nonzero(value("jours-d-absence-par-motif", data["A"]))[SICK] == 21.0
    # July alone: S4's contract is over, the absence counts for nothing.
    assert nonzero(value("jours-d-absence-par-motif", data["A"], Period(D(2025, 7, 1), D(2025, 7, 31)))) == {}


def test_absence_rules(data):
    contract = data["S4A"]  # 01/01/2023 -> 30/06/2025

    def errors(start, end):
        with pytest.raises(ValidationError) as caught:
            Absence(
                contract=contract, reason=AbsenceReason.SICKNESS, start_date=start, end_date=end
            ).full_clean()
        return caught.value.message_dict

    assert errors(D(2025, 3, 10), D(2025, 3, 9)) == {
        "end_date": ["Le dernier jour d'absence précède le premier."]
    }
    assert errors(D(2022, 12, 31), D(2023, 1, 5)) == {
        "start_date": ["L'absence commence avant le début du contrat (01/01/2023)."]
    }
    assert errors(D(2025, 6, 30), D(2025, 7, 1)) == {
        "end_date": ["L'absence se termine après la fin du contrat (30/06/2025)."]
    }
    # The contract's first and last days, and a single day, are allowed.
    for start, end in ((D(2023, 1, 1), D(2023, 1, 1)), (D(2025, 6, 1), D(2025, 6, 30))):
        Absence(contract=contract, reason=AbsenceReason.OTHER, start_date=start, end_date=end).full_clean()
    with pytest.raises(ValidationError) as caught:
        Absence(
            contract=contract, reason="conges_payes", start_date=D(2024, 1, 1), end_date=D(2024, 1, 2)
        ).full_clean()
    assert "reason" in caught.value.message_dict
    # The database refuses an absence that ends before it starts, whoever writes it.
    with pytest.raises(IntegrityError), transaction.atomic():
        Absence.objects.create(
            contract=contract, reason=AbsenceReason.OTHER, start_date=D(2024, 2, 2), end_date=D(2024, 2, 1)
        )


def test_demo_absences_satisfy_the_rules():
    today, since = D(2026, 6, 30), D(2023, 7, 1)
    employer = EstablishmentFactory()
    woman = ProfessionalFactory(user=None, sex=Sex.FEMALE, birth_date=D(1994, 5, 1))
    contracts = [
        ContractFactory(employer=employer, start_date=D(2015, 1, 1)),  # all the history
        ContractFactory(employer=employer, professional=woman, start_date=D(2024, 2, 1), fte=Decimal("0.50")),
        ContractFactory(employer=employer, start_date=D(2020, 1, 1), end_date=D(2024, 12, 31)),  # ended
        ContractFactory(
            employer=employer,
            start_date=D(2025, 3, 1),
            professional__profession=Profession.AIDE_SOIGNANT,
            professional__birth_date=None,
        ),
        ContractFactory(employer=employer, start_date=D(2019, 1, 1), end_date=D(2023, 6, 30)),  # before
    ]
    count = create_demo_absences(
        Contract.objects.all(), rng=random.Random("demo:absences"), since=since, today=today
    )

    written = list(Absence.objects.order_by("contract_id", "start_date"))
    assert count == len(written) > 0
    for absence in written:
        absence.full_clean()
        # Each starts in the history, after its contract's start and before today.
        assert max(since, absence.contract.start_date) <= absence.start_date <= today
    assert not Absence.objects.filter(contract=contracts[4]).exists()
    # The absences of a contract follow one another.
    for contract in contracts:
        days = list(contract.absences.order_by("start_date").values_list("start_date", "end_date"))
        assert all(
            previous_end < start for (_s, previous_end), (start, _e) in zip(days, days[1:], strict=False)
        )
    # Same seed, same absences.
    drawn = [(a.contract_id, a.reason, a.start_date, a.end_date) for a in written]
    Absence.objects.all().delete()
    create_demo_absences(Contract.objects.all(), rng=random.Random("demo:absences"), since=since, today=today)
    again = Absence.objects.order_by("contract_id", "start_date").values_list(
        "contract", "reason", "start_date", "end_date"
    )
    assert list(again) == drawn
