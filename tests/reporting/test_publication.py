"""Publishing indicators masked or in full (parcours.reporting.publication), on a data set counted by
hand.

One establishment, year 2025, threshold 10:
- 12 women admitted in internat on 01/01/2025, still there; 3 men admitted in externat on
  01/03/2025 and gone on 10/03/2025 (9 days each from admission to exit, reason not given).
So: 15 persons supported; by sex F 12, M 3, I 0; 15 admissions; 3 exits; average length 9 days.
"""

import datetime

import pytest

from parcours.organisations.enums import SupportMode
from parcours.people.enums import Sex
from parcours.reporting import disclosure, registry
from parcours.reporting.publication import Memo, format_number, publish
from parcours.reporting.registry import Period, Scope
from tests.factories import AdmissionFactory, EstablishmentFactory, PersonFactory

pytestmark = pytest.mark.django_db

D = datetime.date
YEAR = Period(D(2025, 1, 1), D(2025, 12, 31))


@pytest.fixture
def scope():
    establishment = EstablishmentFactory(capacities={SupportMode.INTERNAT: 20, SupportMode.EXTERNAT: 10})
    for _ in range(12):
        AdmissionFactory(
            person=PersonFactory(sex=Sex.FEMALE),
            establishment=establishment,
            mode=SupportMode.INTERNAT,
            start_date=D(2025, 1, 1),
            end_date=None,
        )
    for _ in range(3):
        AdmissionFactory(
            person=PersonFactory(sex=Sex.MALE),
            establishment=establishment,
            mode=SupportMode.EXTERNAT,
            start_date=D(2025, 3, 1),
            end_date=D(2025, 3, 10),
            exit_reason="",
        )
    return Scope.establishment(establishment)


def rows(published):
    return {cell.label: (cell.value, cell.text) for cell in published.rows}


def test_in_full_every_count_is_shown(scope):
    memo = Memo()
    by_sex = publish(registry.get("personnes-accompagnees-par-sexe"), scope, YEAR, masked=False, memo=memo)
    assert rows(by_sex) == {"Féminin": (12, "12"), "Masculin": (3, "3"), "Indéterminé": (0, "0")}
    assert by_sex.total.value == 15 and not by_sex.any_masked
    exits = publish(registry.get("sorties"), scope, YEAR, masked=False, memo=memo)
    assert exits.value.value == 3 and exits.value.text == "3"
    length = publish(registry.get("duree-moyenne-accompagnement"), scope, YEAR, masked=False, memo=memo)
    assert length.value.value == 9


def test_masked_small_counts_and_what_would_give_them_back(scope):
    memo = Memo()
    by_sex = publish(registry.get("personnes-accompagnees-par-sexe"), scope, YEAR, masked=True, memo=memo)
    # M (3) is below 10; F (12) is masked too, or 15 − 0 − F would give M back. Zero stays.
    assert rows(by_sex) == {
        "Féminin": (None, "masqué"),
        "Masculin": (None, "masqué"),
        "Indéterminé": (0, "0"),
    }
    assert by_sex.total.value == 15 and by_sex.any_masked
    published = disclosure.Series(
        tuple(cell.label for cell in by_sex.rows),
        tuple(cell.value for cell in by_sex.rows),
        by_sex.total.value,
    )
    assert disclosure.is_protected(published, 10) == []

    assert (
        publish(registry.get("personnes-accompagnees"), scope, YEAR, masked=True, memo=memo).value.value == 15
    )
    exits = publish(registry.get("sorties"), scope, YEAR, masked=True, memo=memo)
    assert exits.value.masked and exits.value.value is None


def test_a_measure_over_a_small_population_is_masked(scope):
    length = publish(registry.get("duree-moyenne-accompagnement"), scope, YEAR, masked=True)
    assert length.value.masked and length.value.value is None  # an average over 3 exits
    # Occupancy by mode: its population is the persons by mode, 12 in internat and 3 in externat,
    # both masked (3 is small, and 12 would give it back from the total of 15).
    occupancy = publish(registry.get("taux-occupation-par-mode"), scope, YEAR, masked=True)
    values = {cell.label: cell for cell in occupancy.rows}
    assert values["Internat"].masked and values["Externat"].masked
    assert values["Accueil temporaire"].value is None and not values["Accueil temporaire"].masked  # no place
    in_full = publish(registry.get("taux-occupation-par-mode"), scope, YEAR, masked=False)
    assert {cell.label: cell.value for cell in in_full.rows}["Internat"] == 60.0  # 12 × 365 ÷ (20 × 365)


def test_nothing_to_compute_is_not_a_masked_value(scope):
    empty = Period(D(2020, 1, 1), D(2020, 12, 31))
    length = publish(registry.get("duree-moyenne-accompagnement"), scope, empty, masked=True)
    assert length.value.value is None and length.value.text == "—"


def test_a_memo_computes_each_indicator_once(scope, django_assert_num_queries):
    memo = Memo()
    indicator = registry.get("sorties")
    publish(indicator, scope, YEAR, masked=True, memo=memo)
    with django_assert_num_queries(0):
        publish(indicator, scope, YEAR, masked=False, memo=memo)
        # The average's population (the exits) is already known: only the average is computed.
    with django_assert_num_queries(1):
        publish(registry.get("duree-moyenne-accompagnement"), scope, YEAR, masked=True, memo=memo)


def test_french_number_formats():
    assert format_number(1234) == "1\u202f234"
    assert format_number(12.5, "%") == "12,5\u00a0%"
    assert format_number(1234567.5, "€") == "1\u202f234\u202f567,50\u00a0€"
    assert format_number(0.25, "ETP") == "0,25"
    assert format_number(-3.0, "€") == "-3,00\u00a0€"
