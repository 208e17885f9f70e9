"""Indicators on the staff: full-time equivalents, headcount, age pyramid and turnover.

Everything is counted by the database (aggregate queries on the contracts whose employer is one of
the scope's establishments); no professional is ever loaded in Python and no result holds personal
data. Team memberships (who may work on which records) are not employment and are not read here.

"In force on a day": a contract that started on or before that day and has no end date or ends on or
after it. A professional counts once in a headcount however many of their contracts are in force, so
a gestionnaire counts once a professional employed by two of its establishments.

Absenteeism is not computed: Parcours does not hold the staff's absences.
"""

import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least

from parcours.people.enums import Sex
from parcours.reporting.indicators.persons import years_before
from parcours.reporting.registry import (
    OWN_DEFINITION,
    UNVERIFIED_ANAP,
    Disclosure,
    Period,
    Row,
    Scope,
    register,
)
from parcours.staff.enums import Profession
from parcours.staff.models import Contract

FTE = "ETP"
PROFESSIONALS = "professionnels"
PERCENT = "%"

# Age bands of the pyramid at the last day of the period, as (first age, label): five-year bands
# from 25 to 64, with everything under 25 and from 65 grouped. A choice of Parcours, not taken from a
# reference: change them here if one is adopted.
AGE_BANDS = (
    (0, "moins de 25 ans"),
    (25, "25 à 29 ans"),
    (30, "30 à 34 ans"),
    (35, "35 à 39 ans"),
    (40, "40 à 44 ans"),
    (45, "45 à 49 ans"),
    (50, "50 à 54 ans"),
    (55, "55 à 59 ans"),
    (60, "60 à 64 ans"),
    (65, "65 ans et plus"),
)
NO_AGE = "âge non renseigné"
NO_SEX = "Sexe non renseigné"
SEXES = (*Sex.choices, ("", NO_SEX))
UNKNOWN_AGE = -1


def scope_contracts(scope: Scope):
    return Contract.objects.filter(employer__in=scope.establishments())


def in_force(day: datetime.date) -> Q:
    return Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))


def overlapping(scope: Scope, period: Period):
    """The contracts of the scope in force on at least one day of the period."""
    return scope_contracts(scope).filter(
        Q(start_date__lte=period.end), Q(end_date__isnull=True) | Q(end_date__gte=period.start)
    )


def fte_by_profession(scope: Scope, period: Period) -> dict[str, Decimal]:
    """{profession: FTE over the period, unrounded}. The database sums, per profession and FTE, the
    days each contract covers in the period; Python only multiplies these few sums by the FTE."""
    first = Value(period.start, output_field=DateField())
    last = Value(period.end, output_field=DateField())
    covered = ExpressionWrapper(
        Least(Coalesce(F("end_date"), last), last) - Greatest(F("start_date"), first),
        output_field=DurationField(),
    )
    rows = (
        overlapping(scope, period)
        .values("professional__profession", "fte")
        .annotate(span=Sum(covered), n=Count("pk"))
        .order_by()
    )
    totals: dict[str, Decimal] = {}
    for row in rows:
        # Each contract covers (its last day - its first day + 1) days of the period.
        days = row["span"].days + row["n"]
        profession = row["professional__profession"]
        totals[profession] = totals.get(profession, Decimal(0)) + row["fte"] * days
    return {profession: total / period.days for profession, total in totals.items()}


FTE_DEFINITION = (
    "Chaque contrat dont l'employeur est un établissement ou service du périmètre compte pour son ETP "
    "multiplié par la part de la période que couvrent ses dates (un contrat à 1,0 ETP sur la moitié "
    "de la période compte 0,5). Définition propre à Parcours : c'est l'ETP contractuel moyen sur la "
    "période, pas l'ETP réellement travaillé (absences non déduites) ni l'ETP rémunéré."
)


@register(
    code="etp-sur-la-periode",
    label="Équivalents temps plein (ETP) sur la période",
    definition=FTE_DEFINITION + " Arrondi à 0,01 ETP.",
    formula="Σ contrats (ETP du contrat × jours de la période couverts par le contrat ÷ jours de la période)",
    unit=FTE,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="effectif-fin-de-periode",
)
def fte_total(scope: Scope, period: Period) -> float:
    return float(round(sum(fte_by_profession(scope, period).values(), Decimal(0)), 2))


@register(
    code="etp-par-profession",
    label="Équivalents temps plein (ETP) sur la période, par profession",
    definition=FTE_DEFINITION + " Réparti selon la profession du professionnel, arrondi à 0,01 ETP "
    "par profession (la somme des lignes peut donc différer de 0,01 du total).",
    formula="Σ contrats de la profession (ETP × jours de la période couverts ÷ jours de la période)",
    unit=FTE,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="effectif-fin-de-periode",
)
def fte_per_profession(scope: Scope, period: Period) -> list[Row]:
    totals = fte_by_profession(scope, period)
    return [(label, float(round(totals.get(value, Decimal(0)), 2))) for value, label in Profession.choices]


def headcount_on(scope: Scope, day: datetime.date) -> int:
    return scope_contracts(scope).filter(in_force(day)).aggregate(n=Count("professional", distinct=True))["n"]


@register(
    code="effectif-fin-de-periode",
    label="Effectif au dernier jour de la période",
    definition=(
        "Nombre de professionnels distincts ayant au moins un contrat en cours au dernier jour de la "
        "période avec un établissement ou service du périmètre, quel que soit leur ETP. Un "
        "professionnel ayant plusieurs contrats compte une fois."
    ),
    formula="nombre de professionnels distincts ayant un contrat tel que début ≤ fin de période et "
    "(fin non renseignée ou fin ≥ fin de période)",
    unit=PROFESSIONALS,
    source=OWN_DEFINITION,
)
def headcount_at_end(scope: Scope, period: Period) -> int:
    return headcount_on(scope, period.end)


@register(
    code="pyramide-des-ages-du-personnel",
    label="Pyramide des âges du personnel au dernier jour de la période",
    definition=(
        "Les professionnels comptés dans l'effectif au dernier jour de la période (voir "
        "« effectif-fin-de-periode »), répartis selon leur sexe (féminin, masculin, indéterminé, non "
        "renseigné) et leur âge en années révolues ce jour-là. Les tranches (moins de 25 ans, puis de "
        "5 ans en 5 ans de 25 à 64 ans, 65 ans et plus) sont un choix de Parcours, pas celles d'un "
        "référentiel ; une date de naissance manquante forme sa propre tranche."
    ),
    formula="nombre de professionnels distincts en contrat au dernier jour de la période, par sexe et "
    "tranche d'âge à ce jour",
    unit=PROFESSIONALS,
    source=OWN_DEFINITION,
)
def age_pyramid(scope: Scope, period: Period) -> list[Row]:
    band = Case(
        When(professional__birth_date__isnull=True, then=Value(UNKNOWN_AGE)),
        *(
            When(professional__birth_date__lte=years_before(period.end, first_age), then=Value(index))
            for index, (first_age, _label) in reversed(list(enumerate(AGE_BANDS)))
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        scope_contracts(scope)
        .filter(in_force(period.end))
        .annotate(band=band)
        .values("professional__sex", "band")
        .annotate(n=Count("professional", distinct=True))
        .order_by()
    )
    counts = {(row["professional__sex"], row["band"]): row["n"] for row in rows}
    bands = [*enumerate(label for _age, label in AGE_BANDS), (UNKNOWN_AGE, NO_AGE)]
    return [
        (f"{sex_label} – {band_label}", counts.get((sex, index), 0))
        for sex, sex_label in SEXES
        for index, band_label in bands
    ]


@register(
    code="taux-de-rotation-du-personnel",
    label="Taux de rotation du personnel sur la période",
    definition=(
        "((entrées + sorties de la période) ÷ 2) ÷ effectif moyen × 100. Définition usuelle, non "
        "vérifiée auprès du guide des indicateurs de l'ANAP. Choix de Parcours pour l'appliquer : les "
        "entrées sont les contrats du périmètre qui commencent dans la période et les sorties ceux qui "
        "s'y terminent (un CDD renouvelé par un nouveau contrat compte donc une sortie et une entrée) ; "
        "l'effectif moyen est la moyenne des effectifs (professionnels distincts en contrat) au premier "
        "et au dernier jour de la période. Sans effectif moyen, l'indicateur n'est pas calculable "
        "(aucune valeur). Arrondi à 0,1."
    ),
    formula="((contrats commençant dans la période + contrats finissant dans la période) ÷ 2) ÷ "
    "((effectif au premier jour + effectif au dernier jour) ÷ 2) × 100 (non vérifiée)",
    unit=PERCENT,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.MEASURE,
    base="effectif-fin-de-periode",
)
def staff_turnover(scope: Scope, period: Period) -> float | None:
    totals = scope_contracts(scope).aggregate(
        entries=Count("pk", filter=Q(start_date__gte=period.start, start_date__lte=period.end)),
        exits=Count("pk", filter=Q(end_date__gte=period.start, end_date__lte=period.end)),
        first=Count("professional", distinct=True, filter=in_force(period.start)),
        last=Count("professional", distinct=True, filter=in_force(period.end)),
    )
    mean_headcount = (totals["first"] + totals["last"]) / 2
    if not mean_headcount:
        return None
    return round((totals["entries"] + totals["exits"]) / 2 / mean_headcount * 100, 1)
