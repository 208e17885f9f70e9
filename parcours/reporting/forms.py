"""The period picker of the dashboards: a calendar year, or two dates; and, on the dashboards of
several establishments, the FINESS category filter (`categorie`, one of the categories present).

Read from the query string (GET), so that a dashboard's address says what it shows and can be shared
or bookmarked. Nothing given: the last complete calendar year. The current year runs to today. A
period spans at most five years (the monthly chart would have more than 60 points, and the figures
of an older past are not what a dashboard is for).
"""

import datetime

from django import forms
from django.utils import timezone

from parcours.nomenclature.models import Concept
from parcours.reporting.registry import Period, Scope, ScopeKind

MAX_YEARS = 5
YEARS_OFFERED = 10
DATE_FORMAT = "%Y-%m-%d"
DATE_ERROR = "Saisissez une date valide, par exemple 31/12/2025."
CATEGORY_SYSTEM = "finess-categories"
CATEGORY_ERROR = "Choisissez une catégorie d'établissement de la liste."


def categories_of(scope: Scope) -> list[tuple[str, str]]:
    """The FINESS categories (code, label of the nomenclature) of the establishments of a scope,
    whatever its own category filter, by label; none for an establishment."""
    if scope.kind == ScopeKind.ESTABLISHMENT:
        return []
    concepts = (
        Concept.objects.filter(
            system__slug=CATEGORY_SYSTEM, pk__in=scope.unfiltered.establishments().values("category_id")
        )
        .order_by("label", "code")
        .values_list("code", "label", "short_label")
    )
    return [(code, label or short_label or code) for code, label, short_label in concepts]


def years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February, and the target year is a common year
        return day.replace(year=day.year + years, day=28)


def default_period(today: datetime.date | None = None) -> Period:
    """The last complete calendar year."""
    today = today or timezone.localdate()
    return Period.year(today.year - 1)


def year_period(year: int, today: datetime.date | None = None) -> Period:
    """A calendar year; the current year stops today."""
    today = today or timezone.localdate()
    period = Period.year(year)
    if period.start <= today < period.end:
        return Period(period.start, today)
    return period


COMPLETE_YEARS_ONLY = (
    "Les chiffres de ce tableau de bord sont masqués en partie : choisissez une année civile complète "
    "(des périodes qui se chevauchent permettraient, par différence, de retrouver les petits effectifs)."
)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format=DATE_FORMAT)


class PeriodForm(forms.Form):
    """`annee` for a calendar year, or `debut` and `fin` for any period; dates take precedence."""

    annee = forms.TypedChoiceField(label="Année", coerce=int, required=False, empty_value=None)
    debut = forms.DateField(
        label="Du",
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        error_messages={"invalid": DATE_ERROR},
    )
    fin = forms.DateField(
        label="Au",
        required=False,
        widget=DateInput,
        input_formats=[DATE_FORMAT, "%d/%m/%Y"],
        error_messages={"invalid": DATE_ERROR},
    )

    categorie = forms.ChoiceField(label="Catégorie d'établissement", required=False)

    def __init__(
        self, data=None, *, today: datetime.date | None = None, categories=None, complete_years_only=False
    ):
        """`categories`: the (code, label) pairs offered by the category filter; None for a page
        without one (an establishment), where the field is left out.

        `complete_years_only` (a masked page): complete calendar years only, no dates and not the
        current year. Two periods that overlap (a year and the same year but its last day; the year
        so far, today and yesterday) would give, by difference, counts masked on neither."""
        self.today = today or timezone.localdate()
        self.complete_years_only = complete_years_only
        super().__init__(data)
        if complete_years_only:
            del self.fields["debut"]
            del self.fields["fin"]
        if categories is None:
            del self.fields["categorie"]
        else:
            self.fields["categorie"].choices = [("", "Toutes")] + list(categories)
            self.fields["categorie"].error_messages["invalid_choice"] = CATEGORY_ERROR
        current = self.today.year
        self.fields["annee"].choices = [("", "Choisir une année")] + [
            (year, f"{year} (jusqu'à aujourd'hui)" if year == current else str(year))
            for year in range(current, current - YEARS_OFFERED, -1)
            if not (complete_years_only and year == current)
        ]
        self.fields["annee"].error_messages["invalid_choice"] = "Choisissez une année de la liste."
        self.fields["annee"].initial = default_period(self.today).start.year

    @classmethod
    def from_query(cls, query, categories=None, complete_years_only=False) -> "PeriodForm":
        """The form bound to the page's query string, or bound to nothing (default period, all
        categories) when the query string names neither a period nor a category. On a masked page,
        dates are refused with a message rather than ignored."""
        names = ("annee", "debut", "fin") + (() if categories is None else ("categorie",))
        data = {name: query.get(name, "") for name in names}
        form = cls(
            data if any(data.values()) else None,
            categories=categories,
            complete_years_only=complete_years_only,
        )
        if complete_years_only and (data["debut"] or data["fin"]):
            form.is_valid()
            form.add_error(None, COMPLETE_YEARS_ONLY)
        return form

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("debut"), cleaned.get("fin")
        if self.errors:
            return cleaned
        if start or end:
            if not (start and end):
                raise forms.ValidationError("Indiquez le début et la fin de la période.", code="incomplete")
            if end < start:
                self.add_error("fin", "La fin de la période doit être le même jour que son début ou après.")
                return cleaned
            if end >= years_later(start, MAX_YEARS):
                self.add_error("fin", f"La période ne peut pas dépasser {MAX_YEARS} ans.")
                return cleaned
            cleaned["period"] = Period(start, end)
        elif cleaned.get("annee"):
            cleaned["period"] = year_period(cleaned["annee"], self.today)
        return cleaned

    @property
    def period(self) -> Period | None:
        """The chosen period; the default one when nothing was asked; None when the input is wrong."""
        if not self.is_bound:
            return default_period(self.today)
        if not self.is_valid():
            return None
        return self.cleaned_data.get("period") or default_period(self.today)

    @property
    def category(self) -> str:
        """The FINESS category chosen ("" for all of them, or when the input is wrong)."""
        if "categorie" not in self.fields or not self.is_bound or not self.is_valid():
            return ""
        return self.cleaned_data.get("categorie") or ""

    @property
    def period_errors(self) -> bool:
        return bool(self.is_bound and any(name != "categorie" for name in self.errors))

    @property
    def chosen_year(self) -> int | None:
        """The year shown as chosen in the year picker."""
        period = self.period
        if period and period.start.month == 1 and period.start.day == 1:
            if period == year_period(period.start.year, self.today):
                return period.start.year
        return None


def page_query(period: Period, category: str = "", today: datetime.date | None = None) -> dict[str, str]:
    """The query-string parameters of a page: its period, and its category when it has one."""
    query = period_query(period, today)
    if category:
        query["categorie"] = category
    return query


def period_query(period: Period, today: datetime.date | None = None) -> dict[str, str]:
    """The query-string parameters that name a period: a year when it is one, else its two dates."""
    if period.start.month == 1 and period.start.day == 1 and period == year_period(period.start.year, today):
        return {"annee": str(period.start.year)}
    return {"debut": period.start.strftime(DATE_FORMAT), "fin": period.end.strftime(DATE_FORMAT)}
