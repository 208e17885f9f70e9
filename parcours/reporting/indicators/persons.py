"""Indicators on the persons supported: how many, who, how they enter and leave, for how long.

Everything is counted by the database (aggregate queries on the admissions of the scope's
establishments); no person is ever loaded in Python and no result holds personal data.

"Supported in the period": a person with at least one admission (an episode of support) in one of the
scope's establishments that overlaps the period: started on or before its last day and not ended
before its first day. A person counts once however many of their admissions match, so a gestionnaire
or a department counts once a person supported by two of its establishments.
"""

import datetime

from django.db.models import (
    Case,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)

from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode
from parcours.people.enums import Gir, Sex
from parcours.people.models import Deficiency
from parcours.records.enums import ExitReason
from parcours.records.models import Admission
from parcours.reporting.registry import (
    OWN_DEFINITION,
    UNVERIFIED_ANAP,
    Disclosure,
    Period,
    Row,
    Scope,
    register,
)

PERSONS = "personnes"
ADMISSIONS = "admissions"
DAYS = "jours"

# Age bands at the last day of the period, as (first age, label). These bands are a choice of
# Parcours (children, teenagers, young adults, then ten-year bands, 60-74 and 75 and over), not taken
# from a reference: change them here if a reference is adopted.
AGE_BANDS = (
    (0, "0 à 5 ans"),
    (6, "6 à 11 ans"),
    (12, "12 à 15 ans"),
    (16, "16 à 19 ans"),
    (20, "20 à 29 ans"),
    (30, "30 à 39 ans"),
    (40, "40 à 49 ans"),
    (50, "50 à 59 ans"),
    (60, "60 à 74 ans"),
    (75, "75 ans et plus"),
)
NO_GIR = "GIR non renseigné"
NO_MAIN_DEFICIENCY = "Déficience principale non renseignée"
DEFICIENCIES = "deficiences"
GIR_POINTS_UNIT = "points GIR"
# Points of each GIR in the weighted mean (GMP), as given by the usual definition; this grid was not
# read in the official text (docs: anap-indicators reference, section 3): check it before relying on it.
GIR_POINTS = {Gir.GIR_1: 1000, Gir.GIR_2: 840, Gir.GIR_3: 660, Gir.GIR_4: 420, Gir.GIR_5: 250, Gir.GIR_6: 70}
NO_EXIT_REASON = "Motif non renseigné"


def scope_admissions(scope: Scope):
    return Admission.objects.filter(establishment__in=scope.establishments())


def overlapping(scope: Scope, period: Period):
    """The admissions of the scope that overlap the period."""
    return scope_admissions(scope).filter(
        Q(start_date__lte=period.end), Q(end_date__isnull=True) | Q(end_date__gte=period.start)
    )


def exits(scope: Scope, period: Period):
    """The admissions of the scope that ended in the period."""
    return scope_admissions(scope).filter(end_date__gte=period.start, end_date__lte=period.end)


def distinct_persons(queryset) -> int:
    return queryset.aggregate(n=Count("person", distinct=True))["n"]


def persons_by(queryset, expression) -> dict:
    """{value of the expression: distinct persons}, counted by the database."""
    rows = queryset.annotate(key=expression).values("key").annotate(n=Count("person", distinct=True))
    return {row["key"]: row["n"] for row in rows.order_by()}


def years_before(day: datetime.date, years: int) -> datetime.date:
    """The last birth date of a person aged `years` or more on `day` (born on 29 February: one year
    older on 1 March of a common year)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February, and the target year is a common year
        return day.replace(year=day.year - years, day=28)


@register(
    code="personnes-accompagnees",
    label="Personnes accompagnées sur la période",
    definition=(
        "Nombre de personnes distinctes ayant au moins un accompagnement (admission) dans un "
        "établissement ou service du périmètre qui recouvre la période, même partiellement. Une "
        "personne admise plusieurs fois, ou dans plusieurs établissements du périmètre, compte une fois."
    ),
    formula="nombre de personnes distinctes ayant une admission telle que début ≤ fin de période "
    "et (sortie non renseignée ou sortie ≥ début de période)",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_supported(scope: Scope, period: Period) -> int:
    return distinct_persons(overlapping(scope, period))


@register(
    code="personnes-accompagnees-par-sexe",
    label="Personnes accompagnées sur la période, par sexe",
    definition=(
        "Les personnes accompagnées sur la période (voir « personnes-accompagnees »), réparties selon "
        "le sexe de leur identité (féminin, masculin, indéterminé). Le total égale l'indicateur global."
    ),
    formula="nombre de personnes distinctes accompagnées sur la période, par sexe",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_by_sex(scope: Scope, period: Period) -> list[Row]:
    counts = persons_by(overlapping(scope, period), F("person__sex"))
    return [(label, counts.get(value, 0)) for value, label in Sex.choices]


@register(
    code="personnes-accompagnees-par-age",
    label="Personnes accompagnées sur la période, par tranche d'âge",
    definition=(
        "Les personnes accompagnées sur la période, réparties selon leur âge en années révolues au "
        "dernier jour de la période. Les tranches (0-5, 6-11, 12-15, 16-19, 20-29, 30-39, 40-49, 50-59, "
        "60-74, 75 ans et plus) sont un choix de Parcours, pas celles d'un référentiel."
    ),
    formula="nombre de personnes distinctes accompagnées sur la période, par tranche d'âge au "
    "dernier jour de la période",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_by_age(scope: Scope, period: Period) -> list[Row]:
    band = Case(
        *(
            When(person__birth_date__lte=years_before(period.end, first_age), then=Value(index))
            for index, (first_age, _label) in reversed(list(enumerate(AGE_BANDS)))
        ),
        default=Value(0),
        output_field=IntegerField(),
    )
    counts = persons_by(overlapping(scope, period), band)
    return [(label, counts.get(index, 0)) for index, (_first_age, label) in enumerate(AGE_BANDS)]


@register(
    code="personnes-accompagnees-par-mode",
    label="Personnes accompagnées sur la période, par mode d'accompagnement",
    definition=(
        "Les personnes accompagnées sur la période, réparties selon le mode d'accompagnement de leurs "
        "admissions qui recouvrent la période (internat, semi-internat, externat...). Une personne "
        "accompagnée dans plusieurs modes sur la période compte dans chacun : la somme des lignes peut "
        "dépasser le nombre de personnes accompagnées."
    ),
    formula="nombre de personnes distinctes ayant une admission recouvrant la période, par mode "
    "d'accompagnement de l'admission",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_by_mode(scope: Scope, period: Period) -> list[Row]:
    counts = persons_by(overlapping(scope, period), F("mode"))
    return [(label, counts.get(value, 0)) for value, label in SupportMode.choices]


@register(
    code="personnes-accompagnees-par-gir",
    label="Personnes accompagnées sur la période, par GIR",
    definition=(
        "Les personnes accompagnées sur la période, réparties selon le GIR (grille AGGIR) inscrit "
        "dans leur dossier au moment du calcul : le dossier ne garde pas l'historique des GIR, ce "
        "n'est donc pas le GIR à la date de la période. Les personnes sans GIR forment leur propre ligne."
    ),
    formula="nombre de personnes distinctes accompagnées sur la période, par GIR (GIR 1 à 6, non renseigné)",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_by_gir(scope: Scope, period: Period) -> list[Row]:
    counts = persons_by(overlapping(scope, period), F("person__gir"))
    rows = [(label, counts.get(value, 0)) for value, label in Gir.choices]
    rows.append((NO_GIR, counts.get(None, 0)))
    return rows


@register(
    code="personnes-accompagnees-par-deficience-principale",
    label="Personnes accompagnées sur la période, par déficience principale",
    definition=(
        "Les personnes accompagnées sur la période (voir « personnes-accompagnees »), réparties selon la "
        "déficience principale inscrite dans leur dossier au moment du calcul, codée dans la nomenclature "
        "des troubles et déficiences chargée dans Parcours (spécialisations de prise en charge du ROR, "
        "JDV_J35), dans l'ordre de ses codes. Les personnes sans déficience principale forment la dernière "
        "ligne : le total égale l'indicateur global. Les déficiences associées ne sont pas comptées."
    ),
    formula="nombre de personnes distinctes accompagnées sur la période, par code de leur déficience "
    "principale (et non renseignée)",
    unit=PERSONS,
    source="ANS, JDV_J35-SpecialisationDePriseEnCharge-ROR (codes des déficiences) ; comptage propre à "
    "Parcours",
)
def persons_by_main_deficiency(scope: Scope, period: Period) -> list[Row]:
    main = Deficiency.objects.filter(
        person=OuterRef("person"), is_main=True, concept__system__slug=DEFICIENCIES
    ).values("concept__code")[:1]
    counts = persons_by(overlapping(scope, period), Subquery(main))
    concepts = Concept.objects.of(DEFICIENCIES).order_by("sort_key").values_list("code", "label")
    rows = [(f"{code} – {label}" if label else code, counts.pop(code, 0)) for code, label in concepts]
    # What is left is the persons without a main deficiency (None).
    rows.append((NO_MAIN_DEFICIENCY, sum(counts.values())))
    return rows


@register(
    code="gir-moyen-pondere",
    label="GIR moyen pondéré (GMP) des personnes accompagnées sur la période",
    definition=(
        "Σ (personnes de chaque GIR × points du GIR) ÷ personnes ayant un GIR, parmi les personnes "
        "accompagnées sur la période (voir « personnes-accompagnees ») dont le GIR est renseigné. "
        "Définition usuelle, non vérifiée auprès du guide des indicateurs de l'ANAP. Points retenus : "
        "GIR 1 = 1000, GIR 2 = 840, GIR 3 = 660, GIR 4 = 420, GIR 5 = 250, GIR 6 = 70 ; cette grille n'a "
        "pas été lue dans le texte officiel (non vérifiée). Le GIR est celui inscrit dans le dossier au "
        "moment du calcul (voir « personnes-accompagnees-par-gir »), et la population est celle des "
        "personnes accompagnées sur toute la période, pas celle présente à une date. Les personnes sans "
        "GIR ne comptent pas ; si aucune n'a de GIR, l'indicateur n'est pas calculable (aucune valeur). "
        "Arrondi à l'unité (une demie vers le haut)."
    ),
    formula="Σ (personnes accompagnées du GIR × points du GIR) ÷ personnes accompagnées ayant un GIR "
    "(non vérifiée)",
    unit=GIR_POINTS_UNIT,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.MEASURE,
    base="personnes-accompagnees",
)
def weighted_mean_gir(scope: Scope, period: Period) -> int | None:
    counts = persons_by(overlapping(scope, period), F("person__gir"))
    persons = sum(counts.get(gir, 0) for gir in GIR_POINTS)
    if not persons:
        return None
    points = sum(counts.get(gir, 0) * value for gir, value in GIR_POINTS.items())
    return (2 * points + persons) // (2 * persons)  # nearest unit, a half up


@register(
    code="admissions",
    label="Admissions sur la période",
    definition=(
        "Nombre d'admissions (débuts d'accompagnement) dans un établissement ou service du périmètre "
        "dont la date d'admission tombe dans la période. Ce sont des accompagnements, pas des "
        "personnes : une personne admise deux fois dans la période compte deux fois."
    ),
    formula="nombre d'admissions telles que début de période ≤ date d'admission ≤ fin de période",
    unit=ADMISSIONS,
    source=OWN_DEFINITION,
)
def admissions(scope: Scope, period: Period) -> int:
    return scope_admissions(scope).filter(start_date__gte=period.start, start_date__lte=period.end).count()


@register(
    code="sorties",
    label="Sorties sur la période",
    definition=(
        "Nombre de fins d'accompagnement dans un établissement ou service du périmètre dont la date "
        "de sortie tombe dans la période (accompagnements, pas personnes)."
    ),
    formula="nombre d'admissions telles que début de période ≤ date de sortie ≤ fin de période",
    unit=ADMISSIONS,
    source=OWN_DEFINITION,
)
def exit_count(scope: Scope, period: Period) -> int:
    return exits(scope, period).count()


@register(
    code="sorties-par-motif",
    label="Sorties sur la période, par motif",
    definition=(
        "Les sorties de la période (voir « sorties »), réparties selon le motif de sortie codé dans "
        "la nomenclature de l'ANS TRE_R358-MotifStatutPersonnePriseCharge. Une sortie sans motif "
        "forme sa propre ligne."
    ),
    formula="nombre d'admissions dont la sortie tombe dans la période, par code de motif de sortie",
    unit=ADMISSIONS,
    source="ANS, TRE_R358-MotifStatutPersonnePriseCharge (codes des motifs) ; regroupement propre à Parcours",
)
def exits_by_reason(scope: Scope, period: Period) -> list[Row]:
    rows = exits(scope, period).values("exit_reason").annotate(n=Count("pk")).order_by()
    counts = {row["exit_reason"]: row["n"] for row in rows}
    result = [(f"{value} – {label}", counts.pop(value, 0)) for value, label in ExitReason.choices]
    # A blank reason, or a code no longer in the list, is still an exit of the period.
    result.append((NO_EXIT_REASON, sum(counts.values())))
    return result


@register(
    code="duree-moyenne-accompagnement",
    label="Durée moyenne des accompagnements terminés sur la période",
    definition=(
        "Durée moyenne, en jours, des accompagnements du périmètre dont la sortie tombe dans la période "
        "(« durée moyenne de séjour » du tableau de bord de la performance). Définition usuelle, non "
        "vérifiée auprès du guide des indicateurs de l'ANAP. La durée d'un accompagnement est la date de "
        "sortie moins la date d'admission. Sans sortie dans la période, l'indicateur n'est pas "
        "calculable (aucune valeur)."
    ),
    formula="somme des durées des accompagnements clos dans la période ÷ nombre de sorties de la période "
    "(non vérifiée)",
    unit=DAYS,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.MEASURE,
    base="sorties",
)
def mean_length_of_support(scope: Scope, period: Period) -> float | None:
    totals = exits(scope, period).aggregate(
        total=Sum(ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())),
        n=Count("pk"),
    )
    if not totals["n"]:
        return None
    return round(totals["total"].days / totals["n"], 1)
