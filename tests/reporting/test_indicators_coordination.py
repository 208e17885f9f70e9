"""The indicators on waiting lists, on a small data set whose expected values are worked out by hand.

Period: the year 2025. Establishments:
    A  gestionnaire G, department 69, region 84
    B  gestionnaire G, department 01, region 84
    C  gestionnaire H, department 38, region 84

Persons and their waiting-list entries (establishment, mode, registered -> left, outcome):
    W1   A externat          15/01/2025 -> still waiting
         B externat          01/03/2025 -> still waiting            (two establishments of G)
    W2   A internat          02/06/2024 -> 31/12/2025 admitted       (577 days: left on the last day)
    W3   A semi-internat     01/02/2025 -> 30/04/2025 withdrawn
    W4   A externat          01/01/2025 -> 31/01/2025 admitted       (30 days)
         A internat          01/03/2025 -> 01/04/2025 admitted       (31 days: admitted twice)
    W5   C externat          01/12/2024 -> still waiting             (another gestionnaire)
    W6   A externat          01/01/2026 -> still waiting             (after the period)
    W7   B acc. temporaire   01/07/2025 -> 01/01/2026 elsewhere      (left the day after the period)
    W8   A internat          01/02/2024 -> 15/12/2024 admitted       (before the period)
    W9   C externat          01/02/2025 -> 01/08/2025 deceased
    W10  A internat          01/05/2025 -> still waiting
         B externat          01/05/2025 -> still waiting             (two modes)
"""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from parcours.coordination.enums import WaitingListOutcome
from parcours.coordination.models import WaitingListEntry
from parcours.demo.waiting import create_demo_waiting_lists
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.reporting import registry
from parcours.reporting.registry import OWN_DEFINITION, Disclosure, Period, Scope
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    MdphDecisionFactory,
    PersonFactory,
    WaitingListEntryFactory,
    concept,
)

pytestmark = pytest.mark.django_db

D = datetime.date
MEAN_WAITED = "attente-moyenne-des-personnes-en-attente"
MEDIAN_WAITED = "attente-mediane-des-personnes-en-attente"
WITHOUT_SOLUTION = "personnes-sans-solution"
JANUARY, LATER = D(2025, 1, 1), D(2030, 12, 31)
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))
M = SupportMode
OUT = WaitingListOutcome


@pytest.fixture
def data():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, department_code="69", region_code="84")
    b = EstablishmentFactory(gestionnaire=g, department_code="01", region_code="84")
    c = EstablishmentFactory(gestionnaire=h, department_code="38", region_code="84")

    def wait(who, where, mode, registered, left=None, outcome=""):
        entry = WaitingListEntry(
            person=who,
            establishment=where,
            mode=mode,
            registered_on=registered,
            left_on=left,
            outcome=outcome,
        )
        entry.full_clean()
        entry.save()

    w1 = PersonFactory(birth_name="Nomdetest")
    wait(w1, a, M.EXTERNAT, D(2025, 1, 15))
    wait(w1, b, M.EXTERNAT, D(2025, 3, 1))
    wait(PersonFactory(), a, M.INTERNAT, D(2024, 6, 2), D(2025, 12, 31), OUT.ADMITTED)
    wait(PersonFactory(), a, M.SEMI_INTERNAT, D(2025, 2, 1), D(2025, 4, 30), OUT.WITHDRAWN)
    w4 = PersonFactory()
    wait(w4, a, M.EXTERNAT, D(2025, 1, 1), D(2025, 1, 31), OUT.ADMITTED)
    wait(w4, a, M.INTERNAT, D(2025, 3, 1), D(2025, 4, 1), OUT.ADMITTED)
    wait(PersonFactory(), c, M.EXTERNAT, D(2024, 12, 1))
    wait(PersonFactory(), a, M.EXTERNAT, D(2026, 1, 1))
    wait(PersonFactory(), b, M.ACCUEIL_TEMPORAIRE, D(2025, 7, 1), D(2026, 1, 1), OUT.ORIENTED_ELSEWHERE)
    wait(PersonFactory(), a, M.INTERNAT, D(2024, 2, 1), D(2024, 12, 15), OUT.ADMITTED)
    wait(PersonFactory(), c, M.EXTERNAT, D(2025, 2, 1), D(2025, 8, 1), OUT.DECEASED)
    w10 = PersonFactory()
    wait(w10, a, M.INTERNAT, D(2025, 5, 1))
    wait(w10, b, M.EXTERNAT, D(2025, 5, 1))
    return {
        "A": Scope.establishment(a),
        "B": Scope.establishment(b),
        "C": Scope.establishment(c),
        "G": Scope.gestionnaire(g),
        "H": Scope.gestionnaire(h),
        "84": Scope.region("84"),
    }


def value(code, scope, period=YEAR):
    return registry.get(code).evaluate(scope, period)


def nonzero(rows):
    return {label: n for label, n in rows if n}


def test_waiting_at_the_end_of_the_period(data):
    # A: W1, W10. Not W2 (left on 31/12), W3, W4, W8 (left), W6 (registered in 2026).
    assert value("liste-d-attente-fin-de-periode", data["A"]) == 2
    # B: W1, W10 and W7, who leaves on 01/01/2026, after the period.
    assert value("liste-d-attente-fin-de-periode", data["B"]) == 3
    # G = A + B: W1 and W10, waiting in both, count once: W1, W7, W10.
    assert value("liste-d-attente-fin-de-periode", data["G"]) == 3
    assert value("liste-d-attente-fin-de-periode", data["C"]) == 1  # W5; W9 died in August
    assert value("liste-d-attente-fin-de-periode", data["84"]) == 4
    # On 30/12/2025, W2 is still waiting in A; on 01/01/2026, W6 registers and W7 has left B.
    assert value("liste-d-attente-fin-de-periode", data["A"], Period(D(2025, 1, 1), D(2025, 12, 30))) == 3
    assert value("liste-d-attente-fin-de-periode", data["A"], Period(D(2026, 1, 1), D(2026, 1, 1))) == 3
    assert value("liste-d-attente-fin-de-periode", data["B"], Period(D(2026, 1, 1), D(2026, 1, 1))) == 2
    # On 30/04/2025 in A: W1, W2, W3 no more (withdrawn that day); W4 admitted on 01/04. W10 not yet.
    assert value("liste-d-attente-fin-de-periode", data["A"], Period(D(2025, 4, 1), D(2025, 4, 30))) == 2


def test_waiting_by_mode(data):
    rows = value("liste-d-attente-par-mode", data["G"])
    assert [label for label, _n in rows] == [label for _value, label in SupportMode.choices]
    assert nonzero(rows) == {
        "Internat": 1,  # W10 in A
        "Externat": 2,  # W1 (in A and in B, once), W10 in B
        "Accueil temporaire": 1,  # W7
    }
    # W10 waits for two modes and counts in each: the rows add up to 4 for 3 persons.
    assert sum(n for _label, n in rows) == 4
    assert nonzero(value("liste-d-attente-par-mode", data["C"])) == {"Externat": 1}


def test_admissions_from_the_waiting_list(data):
    # A: W2 (31/12), W4 twice (31/01, 01/04). Not W8 (2024), nor W3 (withdrawn).
    assert value("entrees-depuis-liste-d-attente", data["A"]) == 3
    assert value("entrees-depuis-liste-d-attente", data["G"]) == 3
    assert value("entrees-depuis-liste-d-attente", data["B"]) == 0
    assert value("entrees-depuis-liste-d-attente", data["H"]) == 0  # W9 died: not an admission
    assert value("entrees-depuis-liste-d-attente", data["A"], Period.year(2024)) == 1  # W8


def test_mean_waiting_time(data):
    # A: (577 + 30 + 31) / 3 = 638 / 3 = 212.67 days.
    assert value("delai-moyen-d-attente", data["A"]) == 212.7
    assert value("delai-moyen-d-attente", data["84"]) == 212.7
    # First quarter: W4's first entry only; up to April: both, (30 + 31) / 2.
    assert value("delai-moyen-d-attente", data["A"], Period(D(2025, 1, 1), D(2025, 3, 31))) == 30.0
    assert value("delai-moyen-d-attente", data["A"], Period(D(2025, 1, 1), D(2025, 4, 30))) == 30.5
    # 2024: W8, 01/02/2024 -> 15/12/2024: 29 + 31 + 30 + 31 + 30 + 31 + 31 + 30 + 31 + 30 + 14 = 318.
    assert value("delai-moyen-d-attente", data["A"], Period.year(2024)) == 318.0
    assert value("delai-moyen-d-attente", data["B"]) is None
    assert value("delai-moyen-d-attente", data["C"]) is None


def test_time_waited_by_the_persons_waiting_at_the_end(data):
    """Days from the earliest entry still waiting on 31/12/2025 to that day, one value per person:
    W1 in A since 15/01 (350 days), in B since 01/03 (305); W10 in A and B since 01/05 (244); W7 in B
    since 01/07 (183); W5 in C since 01/12/2024 (395)."""
    # A: W1 350, W10 244: mean and median (350 + 244) / 2 = 297.
    assert value(MEAN_WAITED, data["A"]) == 297.0
    assert value(MEDIAN_WAITED, data["A"]) == 297.0
    # B: W1 305, W7 183, W10 244: mean 732 / 3 = 244, median 244.
    assert value(MEAN_WAITED, data["B"]) == 244.0
    assert value(MEDIAN_WAITED, data["B"]) == 244.0
    # G: each person once, from their earliest entry: W1 350, W7 183, W10 244: mean 777 / 3 = 259.
    assert value(MEAN_WAITED, data["G"]) == 259.0
    assert value(MEDIAN_WAITED, data["G"]) == 244.0
    # Region: 350, 183, 244, 395: mean 1172 / 4 = 293, median (244 + 350) / 2 = 297.
    assert value(MEAN_WAITED, data["84"]) == 293.0
    assert value(MEDIAN_WAITED, data["84"]) == 297.0
    assert value(MEDIAN_WAITED, data["C"]) == 395.0
    # On 30/04/2025 in A: W1 since 15/01 (105 days), W2 since 02/06/2024 (332): mean 218.5.
    april = Period(D(2025, 4, 1), D(2025, 4, 30))
    assert value(MEAN_WAITED, data["A"], april) == 218.5
    assert value(MEDIAN_WAITED, data["A"], april) == 218.5
    # Nobody waits in H's establishments on 31/12/2023.
    assert value(MEAN_WAITED, data["H"], Period.year(2023)) is None
    assert value(MEDIAN_WAITED, data["H"], Period.year(2023)) is None


@pytest.fixture
def oriented():
    """Persons oriented by the MDPH, on 31/12/2025 (the end of YEAR). Establishments: E1 an ESAT
    (246) and E2 a foyer (252) of gestionnaire G in department 69, E3 an ESAT in department 01 (region
    84 all three), E4 an ESAT in department 75 (region 11).

        S1   ESAT, MDPH 69, 01/01/2025-2030, admitted nowhere, waiting at E1        sans solution
        S2   ESAT, MDPH 69, no end, admitted nowhere, on no list                    sans solution
        S3   ESAT, MDPH 69, admitted since 01/06/2025                               no
        S4   ESAT, MDPH 69, admission ending on 31/12/2025 (still supported)        no
        S5   ESAT, MDPH 69, admission ended 30/12/2025, waiting at the foyer E2     sans solution
        S6   ESAT, MDPH 69, orientation ended 30/12/2025                            no
        S7   ESAT, MDPH 69, orientation starting 01/01/2026                         no
        S8   ESAT and foyer, MDPH 69, waiting at E1 and at E2                       sans solution (once)
        S9   ESAT, MDPH 01, admitted nowhere                                        sans solution
        S10  ESAT, MDPH 75, admitted nowhere                                        sans solution
        S11  RQTH only (no orientation), admitted nowhere                           no
        S12  ESAT, MDPH 69, left E1's list on 31/12/2025                            sans solution
    """
    g = GestionnaireFactory()
    esat, foyer = concept("finess-categories", "246"), concept("finess-categories", "252")
    e1 = EstablishmentFactory(gestionnaire=g, category=esat, department_code="69", region_code="84")
    e2 = EstablishmentFactory(gestionnaire=g, category=foyer, department_code="69", region_code="84")
    e3 = EstablishmentFactory(category=esat, department_code="01", region_code="84")
    e4 = EstablishmentFactory(category=esat, department_code="75", region_code="11")
    elsewhere = EstablishmentFactory(category=esat, department_code="38", region_code="84")

    def person(category="246", department="69", start=JANUARY, end=LATER, **more):
        who = PersonFactory()
        MdphDecisionFactory(
            person=who, category=category, department_code=department, decision_date=start,
            start_date=start, end_date=end, **more,
        )  # fmt: skip
        return who

    def wait(who, where, left=None):
        WaitingListEntryFactory(
            person=who, establishment=where, registered_on=D(2025, 3, 1), left_on=left,
            outcome=OUT.WITHDRAWN if left else "",
        )  # fmt: skip

    s1 = person()
    wait(s1, e1)
    person(end=None)  # S2
    AdmissionFactory(person=person(), establishment=elsewhere, start_date=D(2025, 6, 1))  # S3
    AdmissionFactory(
        person=person(),
        establishment=elsewhere,
        start_date=D(2025, 6, 1),
        end_date=D(2025, 12, 31),
        exit_reason="89",
    )  # S4 fmt: skip
    s5 = person()
    AdmissionFactory(
        person=s5, establishment=elsewhere, start_date=D(2025, 6, 1), end_date=D(2025, 12, 30),
        exit_reason="89",
    )  # fmt: skip
    wait(s5, e2)
    person(end=D(2025, 12, 30))  # S6
    person(start=D(2026, 1, 1))  # S7
    s8 = person()
    MdphDecisionFactory(person=s8, category="252", department_code="69", start_date=D(2025, 1, 1))
    wait(s8, e1)
    wait(s8, e2)
    person(department="01")  # S9
    person(department="75")  # S10
    MdphDecisionFactory(
        person=PersonFactory(), decision_type="rqth", orientation_category=None, start_date=D(2025, 1, 1)
    )  # S11
    wait(person(), e1, left=D(2025, 12, 31))  # S12
    return {
        "E1": Scope.establishment(e1),
        "E2": Scope.establishment(e2),
        "E3": Scope.establishment(e3),
        "E4": Scope.establishment(e4),
        "G": Scope.gestionnaire(g),
        "69": Scope.department("69"),
        "01": Scope.department("01"),
        "84": Scope.region("84"),
        "11": Scope.region("11"),
    }


def test_persons_without_solution(oriented):
    assert value(WITHOUT_SOLUTION, oriented["E1"]) == 2  # S1, S8 (S12 left the list that day)
    assert value(WITHOUT_SOLUTION, oriented["E2"]) == 1  # S8; S5 waits there but is oriented to an ESAT
    assert value(WITHOUT_SOLUTION, oriented["G"]) == 2  # S1, S8 once
    assert value(WITHOUT_SOLUTION, oriented["E3"]) == 0  # S9 is on no list
    assert value(WITHOUT_SOLUTION, oriented["69"]) == 5  # S1, S2, S5, S8, S12
    assert value(WITHOUT_SOLUTION, oriented["69"].with_category("252")) == 1  # S8
    assert value(WITHOUT_SOLUTION, oriented["69"].with_category("246")) == 5
    assert value(WITHOUT_SOLUTION, oriented["01"]) == 1  # S9
    assert value(WITHOUT_SOLUTION, oriented["84"]) == 6  # departments 69, 01 (and 38: nobody)
    assert value(WITHOUT_SOLUTION, oriented["11"]) == 1  # S10
    # On 30/12/2025: S4 still supported, S5 too (her admission ends that day), S6 still oriented.
    before = Period(D(2025, 1, 1), D(2025, 12, 30))
    assert value(WITHOUT_SOLUTION, oriented["69"], before) == 5  # S1, S2, S6, S8, S12
    assert value(WITHOUT_SOLUTION, oriented["E1"], before) == 3  # S1, S8, S12 still on the list
    # On 01/01/2026: S7's orientation starts; S4 has left her establishment.
    after = Period(D(2026, 1, 1), D(2026, 1, 1))
    assert value(WITHOUT_SOLUTION, oriented["69"], after) == 7  # S1, S2, S4, S5, S7, S8, S12


def test_empty_period_and_empty_scope(data):
    empty_period = Period(D(2023, 1, 1), D(2023, 12, 31))  # before every entry
    empty_scope = Scope.department("2A")  # no establishment
    for scope, period in ((data["84"], empty_period), (empty_scope, YEAR)):
        assert value("liste-d-attente-fin-de-periode", scope, period) == 0
        assert value("entrees-depuis-liste-d-attente", scope, period) == 0
        assert value("delai-moyen-d-attente", scope, period) is None
        rows = value("liste-d-attente-par-mode", scope, period)
        assert rows and all(n == 0 for _label, n in rows)


def test_counts_are_single_aggregate_queries(data, django_assert_num_queries):
    for code in (
        "liste-d-attente-fin-de-periode",
        "liste-d-attente-par-mode",
        "entrees-depuis-liste-d-attente",
        "delai-moyen-d-attente",
        MEAN_WAITED,
        MEDIAN_WAITED,
        WITHOUT_SOLUTION,
    ):
        with django_assert_num_queries(1):
            value(code, data["84"])


def test_results_hold_no_personal_data(data):
    for label, n in value("liste-d-attente-par-mode", data["84"]):
        assert "Nomdetest" not in label and isinstance(n, int)


def test_declarations():
    for code in (
        "liste-d-attente-fin-de-periode",
        "liste-d-attente-par-mode",
        "entrees-depuis-liste-d-attente",
        "delai-moyen-d-attente",
    ):
        assert registry.get(code).source == OWN_DEFINITION
    for code in (
        "liste-d-attente-fin-de-periode",
        "liste-d-attente-par-mode",
        "entrees-depuis-liste-d-attente",
    ):
        assert registry.get(code).disclosure == Disclosure.COUNT
    for code in (MEAN_WAITED, MEDIAN_WAITED):
        indicator = registry.get(code)
        assert (indicator.unit, indicator.disclosure, indicator.base, indicator.source) == (
            "jours",
            Disclosure.MEASURE,
            "liste-d-attente-fin-de-periode",
            OWN_DEFINITION,
        )
    without = registry.get(WITHOUT_SOLUTION)
    assert (without.unit, without.disclosure, without.source) == (
        "personnes",
        Disclosure.COUNT,
        OWN_DEFINITION,
    )
    delay = registry.get("delai-moyen-d-attente")
    assert (delay.unit, delay.disclosure, delay.base) == (
        "jours",
        Disclosure.MEASURE,
        "entrees-depuis-liste-d-attente",
    )


def test_waiting_list_entry_rules():
    person = PersonFactory()
    decision = MdphDecisionFactory(person=person)

    def errors(**fields):
        entry = WaitingListEntryFactory.build(person=person, establishment=EstablishmentFactory(), **fields)
        with pytest.raises(ValidationError) as caught:
            entry.full_clean()
        return caught.value.message_dict

    assert errors(left_on=D(2025, 1, 14), outcome=OUT.WITHDRAWN) == {
        "left_on": ["La sortie de la liste précède l'inscription."]
    }
    assert errors(left_on=D(2025, 2, 1)) == {"outcome": ["Indiquez l'issue de l'inscription."]}
    assert errors(outcome=OUT.ADMITTED) == {"left_on": ["Une issue suppose une date de sortie de la liste."]}
    assert errors(mdph_decision=MdphDecisionFactory()) == {
        "mdph_decision": ["Cette décision MDPH concerne une autre personne."]
    }
    # Registered and admitted the same day, with the person's own MDPH decision: allowed.
    WaitingListEntryFactory.build(
        person=person,
        establishment=EstablishmentFactory(),
        mdph_decision=decision,
        left_on=D(2025, 1, 15),
        outcome=OUT.ADMITTED,
    ).full_clean()
    # The database refuses an exit without outcome, an outcome without exit, an exit before the
    # registration, whoever writes them.
    for fields in (
        {"left_on": D(2025, 2, 1)},
        {"outcome": OUT.ADMITTED},
        {"left_on": D(2025, 1, 1), "outcome": OUT.WITHDRAWN},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            WaitingListEntryFactory(person=person, **fields)


def test_demo_waiting_lists_satisfy_the_rules():
    today, since = D(2026, 6, 30), D(2023, 7, 1)
    ime = EstablishmentFactory(
        category=concept("finess-categories", "183"), capacities={M.EXTERNAT: 30, M.INTERNAT: 10}
    )
    other_ime = EstablishmentFactory(
        category=concept("finess-categories", "183"), capacities={M.EXTERNAT: 20}
    )
    ssiad = EstablishmentFactory(
        category=concept("finess-categories", "354"), capacities={M.MILIEU_ORDINAIRE: 20}
    )
    for k in range(30):
        person = PersonFactory(birth_date=D(2012, 1, 1))
        start = D(2023, 9, 1) + datetime.timedelta(days=30 * k)
        if k % 2:
            MdphDecisionFactory(
                person=person, decision_date=start - datetime.timedelta(days=90), start_date=start
            )
        ended = k % 3 == 0
        AdmissionFactory(
            person=person,
            establishment=ime,
            mode=M.INTERNAT if k % 4 == 0 else M.EXTERNAT,
            start_date=start,
            end_date=start + datetime.timedelta(days=200) if ended else None,
            exit_reason="89" if ended else "",
        )
    waiting = [PersonFactory(birth_date=D(2015, 1, 1), opened_by=ime) for _ in range(5)]
    MdphDecisionFactory(person=waiting[0], decision_date=D(2026, 2, 1), start_date=D(2026, 3, 1))
    for _ in range(10):
        AdmissionFactory(establishment=ssiad, mode=M.MILIEU_ORDINAIRE, start_date=D(2024, 1, 1))

    def draw():
        return create_demo_waiting_lists(
            Establishment.objects.all(), rng=random.Random("demo:waiting"), since=since, today=today
        )

    count = draw()
    entries = list(WaitingListEntry.objects.order_by("pk"))
    assert count == len(entries) > 30 * 0.3
    for entry in entries:
        entry.full_clean()
        assert entry.registered_on <= today
    # A SSIAD admits without a waiting list.
    assert {entry.establishment_id for entry in entries} <= {ime.pk, other_ime.pk}
    # Each admitted entry ends on the day of an admission of that person there.
    admitted = [entry for entry in entries if entry.outcome == OUT.ADMITTED]
    assert admitted
    for entry in admitted:
        assert entry.person.admissions.filter(
            establishment=entry.establishment, start_date=entry.left_on
        ).exists()
        if entry.mdph_decision_id:
            assert entry.mdph_decision.decision_date <= entry.registered_on
    # Every person with an open record and no admission waits today for the IME that opened it.
    for person in waiting:
        assert WaitingListEntry.objects.waiting(today).filter(person=person, establishment=ime).exists()
    assert WaitingListEntry.objects.get(person=waiting[0], establishment=ime).mdph_decision is not None
    # Same seed, same lists.
    drawn = [
        (e.person_id, e.establishment_id, e.mode, e.registered_on, e.left_on, e.outcome) for e in entries
    ]
    WaitingListEntry.objects.all().delete()
    draw()
    again = WaitingListEntry.objects.order_by("pk").values_list(
        "person", "establishment", "mode", "registered_on", "left_on", "outcome"
    )
    assert list(again) == drawn
