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
