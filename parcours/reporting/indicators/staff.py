"""Indicators on the staff: full-time equivalents, headcount, age pyramid, turnover and absences.

Everything is counted by the database (aggregate queries on the contracts whose employer is one of
the scope's establishments); no professional is ever loaded in Python and no result holds personal
data. Team memberships (who may work on which records) are not employment and are not read here.

"In force on a day": a contract that started on or before that day and has no end date or ends on or
after it. A professional counts once in a headcount however many of their contracts are in force, so
a gestionnaire counts once a professional employed by two of its establishments.

Absences are those recorded under the contracts (`staff.Absence`): a day counts in calendar days,
weighted by the FTE of the contract it interrupts, like the theoretical days it is compared with.
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
from parcours.staff.enums import AbsenceReason, Profession
from parcours.staff.models import Absence, Contract

FTE = "ETP"
PROFESSIONALS = "professionnels"
PERCENT = "%"
FTE_DAYS = "jours × ETP"

# The reasons counted in the absenteeism rate: a choice of Parcours (the usual definition asks each
# user to state which reasons it counts). Change it here, and in the indicator's definition.
ABSENTEEISM_REASONS = (AbsenceReason.SICKNESS, AbsenceReason.WORK_INJURY)

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


def covered(start, end, first: datetime.date, last: datetime.date) -> ExpressionWrapper:
    """Last day minus first day of the part of [start, end] within [first, last] (and within the
    further bounds: each of `start` and `end` may be a list of expressions), as a duration: add 1 day per
    row for the days covered, both ends included. Only meaningful on rows that overlap all the bounds."""
    first_day = Value(first, output_field=DateField())
    last_day = Value(last, output_field=DateField())
    return ExpressionWrapper(
        Least(*end, last_day) - Greatest(*start, first_day),
        output_field=DurationField(),
    )


def theoretical_days(scope: Scope, period: Period) -> Decimal:
    """Σ contracts of the scope (calendar days of the contract within the period × its FTE)."""
    span = covered([F("start_date")], [Coalesce(F("end_date"), Value(period.end))], period.start, period.end)
    rows = overlapping(scope, period).values("fte").annotate(span=Sum(span), n=Count("pk")).order_by()
    return sum((row["fte"] * (row["span"].days + row["n"]) for row in rows), Decimal(0))


def absence_days_by_reason(scope: Scope, period: Period) -> dict[str, Decimal]:
    """{reason: Σ absences (calendar days of the absence within the period and its contract × the FTE of
    its contract)}, unrounded. The database sums the days per reason and FTE; Python multiplies."""
    span = covered(
        [F("start_date"), F("contract__start_date")],
        [F("end_date"), Coalesce(F("contract__end_date"), Value(period.end)), Value(period.end)],
        period.start,
        period.end,
    )
    rows = (
        Absence.objects.filter(
            # The absence, its contract and the period overlap two by two, so the three share a day.
            Q(contract__employer__in=scope.establishments()),
            Q(start_date__lte=period.end),
            Q(end_date__gte=period.start),
            Q(contract__start_date__lte=period.end),
            Q(contract__end_date__isnull=True) | Q(contract__end_date__gte=period.start),
            Q(end_date__gte=F("contract__start_date")),
            Q(contract__end_date__isnull=True) | Q(start_date__lte=F("contract__end_date")),
        )
        .values("reason", "contract__fte")
        .annotate(span=Sum(span), n=Count("pk"))
        .order_by()
    )
    totals: dict[str, Decimal] = {}
    for row in rows:
        days = row["span"].days + row["n"]
        totals[row["reason"]] = totals.get(row["reason"], Decimal(0)) + row["contract__fte"] * days
    return totals


ABSENCE_DAYS_DEFINITION = (
    "Les jours sont des jours calendaires (week-ends et jours fériés compris), comptés dans la période "
    "et dans les dates du contrat, et pondérés par l'ETP du contrat : une absence de 10 jours sous un "
    "contrat à 0,5 ETP compte 5 jours × ETP. Une absence compte pour le contrat qu'elle interrompt, dans "
    "l'établissement employeur de ce contrat."
)


@register(
    code="taux-d-absenteisme",
    label="Taux d'absentéisme sur la période",
    definition=(
        "Jours d'absence ÷ jours théoriques travaillés × 100 sur la période. Définition usuelle, non "
        "vérifiée auprès du guide des indicateurs de l'ANAP, qui laisse à préciser les motifs retenus. "
        "Choix de Parcours : sont comptées les absences pour maladie ordinaire et pour accident du travail "
        "ou maladie professionnelle ; les congés de maternité, de paternité ou d'adoption, la formation, "
        "les congés sans solde et les autres motifs sont exclus. " + ABSENCE_DAYS_DEFINITION + " Jours "
        "théoriques : pour chaque contrat du périmètre, ses jours calendaires dans la période × son ETP "
        "(congés payés et repos non déduits). Sans jour théorique, l'indicateur n'est pas calculable "
        "(aucune valeur). Arrondi à 0,1."
    ),
    formula="Σ absences pour maladie ordinaire ou AT/MP (jours de l'absence dans la période et le contrat "
    "× ETP du contrat) ÷ Σ contrats (jours du contrat dans la période × ETP du contrat) × 100 (non vérifiée)",
    unit=PERCENT,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.MEASURE,
    base="effectif-fin-de-periode",
)
def absenteeism_rate(scope: Scope, period: Period) -> float | None:
    theoretical = theoretical_days(scope, period)
    if not theoretical:
        return None
    absences = absence_days_by_reason(scope, period)
    absent = sum((absences.get(reason, Decimal(0)) for reason in ABSENTEEISM_REASONS), Decimal(0))
    return float(round(absent / theoretical * 100, 1))


@register(
    code="jours-d-absence-par-motif",
    label="Jours d'absence sur la période, par motif (jours × ETP)",
    definition=(
        "Les absences du personnel des établissements et services du périmètre sur la période, tous "
        "motifs, en jours pondérés par l'ETP et réparties selon leur motif (maladie ordinaire, accident du "
        "travail ou maladie professionnelle, maternité / paternité / adoption, congé sans solde, "
        "formation, autre). " + ABSENCE_DAYS_DEFINITION + " Les deux premières lignes forment le "
        "numérateur du taux d'absentéisme (voir « taux-d-absenteisme »). Arrondi à 0,01 par motif."
    ),
    formula="Σ absences du motif (jours de l'absence dans la période et dans le contrat × ETP du contrat), "
    "par motif",
    unit=FTE_DAYS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="effectif-fin-de-periode",
)
def absence_days_per_reason(scope: Scope, period: Period) -> list[Row]:
    totals = absence_days_by_reason(scope, period)
    return [(label, float(round(totals.get(value, Decimal(0)), 2))) for value, label in AbsenceReason.choices]
