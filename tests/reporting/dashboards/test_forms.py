"""The period picker: a year or two dates, the last complete year by default, French messages."""

import datetime

import pytest

from parcours.reporting.forms import PeriodForm, period_query
from parcours.reporting.registry import Period

D = datetime.date
TODAY = D(2026, 11, 23)


def form(**data) -> PeriodForm:
    return PeriodForm({"annee": "", "debut": "", "fin": "", **data} if data else None, today=TODAY)


def errors(form: PeriodForm) -> list[str]:
    return [message for messages in form.errors.values() for message in messages]


def test_nothing_asked_is_the_last_complete_calendar_year():
    assert form().period == Period(D(2025, 1, 1), D(2025, 12, 31))
    assert form().chosen_year == 2025


def test_a_past_year_is_the_whole_year_and_the_current_year_stops_today():
    assert form(annee="2023").period == Period(D(2023, 1, 1), D(2023, 12, 31))
    assert form(annee="2026").period == Period(D(2026, 1, 1), TODAY)
    assert form(annee="2026").chosen_year == 2026


def test_two_dates_make_the_period_and_take_precedence_over_the_year():
    assert form(annee="2023", debut="2025-02-01", fin="2025-06-30").period == Period(
        D(2025, 2, 1), D(2025, 6, 30)
    )
    assert form(debut="01/02/2025", fin="30/06/2025").period == Period(D(2025, 2, 1), D(2025, 6, 30))
    assert form(debut="2025-02-01", fin="2025-06-30").chosen_year is None


def test_one_day_and_five_whole_years_are_allowed():
    assert form(debut="2025-03-03", fin="2025-03-03").period.days == 1
    assert form(debut="2020-01-01", fin="2024-12-31").period == Period(D(2020, 1, 1), D(2024, 12, 31))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"debut": "2025-06-30", "fin": "2025-02-01"},
            "La fin de la période doit être le même jour que son début ou après.",
        ),
        ({"debut": "2020-01-01", "fin": "2025-01-01"}, "La période ne peut pas dépasser 5 ans."),
        ({"debut": "2025-02-30", "fin": "2025-06-30"}, "Saisissez une date valide, par exemple 31/12/2025."),
        ({"debut": "hier", "fin": "2025-06-30"}, "Saisissez une date valide, par exemple 31/12/2025."),
        ({"debut": "2025-02-01"}, "Indiquez le début et la fin de la période."),
        ({"fin": "2025-02-01"}, "Indiquez le début et la fin de la période."),
        ({"annee": "1990"}, "Choisissez une année de la liste."),
        ({"annee": "deux mille"}, "Choisissez une année de la liste."),
    ],
)
def test_wrong_periods_are_refused_with_a_french_message(data, message):
    wrong = form(**data)
    assert wrong.period is None
    assert errors(wrong) == [message]


def test_the_query_string_names_a_year_when_the_period_is_one():
    assert period_query(Period(D(2024, 1, 1), D(2024, 12, 31)), TODAY) == {"annee": "2024"}
    assert period_query(Period(D(2026, 1, 1), TODAY), TODAY) == {"annee": "2026"}
    assert period_query(Period(D(2025, 2, 1), D(2025, 6, 30)), TODAY) == {
        "debut": "2025-02-01",
        "fin": "2025-06-30",
    }
