"""Indicators on activity: prestations delivered, needs assessed, days of presence and occupancy.

Counted by the database (aggregate queries on the scope's establishments); the only rows read in
Python are the concepts of a SERAFIN-PH nomenclature, to map each code to its block. No result holds
personal data.

Prestations and their hours are read from the rollups of the service log (daily and monthly totals
per establishment and code, `parcours.reporting.rollups`), never from the log itself: it holds
millions of lines at a department's scale. The rollups give the same figures for any period; they
follow the log within seconds (a task after each write) and are rebuilt every night. Needs and days
of presence read their own tables, small enough (a few tens of thousands of rows).

Blocks: the SERAFIN-PH nomenclatures have one or two level-1 roots ("1 Besoins"; "2 Prestations
directes", "3 Prestations indirectes"), so a breakdown on them says little. The rows are therefore the
level-2 blocks (1.1, 1.2, 1.3 for the needs; 2.1 to 2.4, 3.1, 3.2 for the prestations), labelled with
the nomenclature's own labels. A code chosen at level 1 has no block: it goes to its own last row.

Days of presence: the days of support of the admissions, as recorded. Parcours records no absences
(hospitalisation, holidays, return home), so none is deducted.
"""

from django.db.models import (
    Count,
    DateField,
    DurationField,
    ExpressionWrapper,
    F,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Greatest, Least, RowNumber

from parcours.nomenclature.models import Concept, SystemSlug
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity
from parcours.records.models import Need, NeedsAssessment
from parcours.reporting import rollups
from parcours.reporting.indicators.persons import overlapping
from parcours.reporting.registry import (
    OWN_DEFINITION,
    UNVERIFIED_ANAP,
    Disclosure,
    Period,
    Row,
    Scope,
    register,
)

PRESTATIONS = "prestations"
HOURS = "heures"
NEEDS = "besoins"
DAYS = "journées"
PERCENT = "%"

BLOCK_LEVEL = 2
NO_BLOCK = "Code de niveau 1, sans bloc"

SERAFIN_SOURCE = "CNSA, nomenclatures SERAFIN-PH (besoins, prestations), telles que chargées dans Parcours"


def blocks(system_slug: str) -> tuple[list[tuple[str, str]], dict[str, str | None]]:
    """The level-2 blocks of a nomenclature as (code, row label), in the nomenclature's order, and
    {code: its block's code, or None for a level-1 code}, read in one query."""
    concepts = list(
        Concept.objects.of(system_slug)
        .order_by("sort_key")
        .values_list("code", "parent_code", "level", "label")
    )
    parents = {code: (parent, level) for code, parent, level, _label in concepts}
    heads = [
        (code, f"{code} – {label}" if label else code)
        for code, _parent, level, label in concepts
        if level == BLOCK_LEVEL
    ]

    def block_of(code: str) -> str | None:
        parent, level = parents[code]
        while level > BLOCK_LEVEL and parent in parents:
            code, (parent, level) = parent, parents[parent]
        return code if level == BLOCK_LEVEL else None

    return heads, {code: block_of(code) for code in parents}


def by_block(system_slug: str, totals: dict[str, int | float]) -> list[Row]:
    """{concept code: value} summed per block, one row per block and a last row for level-1 codes."""
    heads, block_of = blocks(system_slug)
    sums: dict[str | None, int | float] = {}
    for code, total in totals.items():
        block = block_of.get(code)
        sums[block] = sums.get(block, 0) + total
    rows: list[Row] = [(label, sums.get(code, 0)) for code, label in heads]
    rows.append((NO_BLOCK, sums.get(None, 0)))
    return rows


def service_totals(scope: Scope, period: Period) -> dict[str, tuple[int, int]]:
    """{prestation code: (prestations delivered, their minutes)} in the scope's establishments on the
    days of the period, from the rollups of the service log."""
    return rollups.service_totals(scope.establishments(), period.start, period.end)


@register(
    code="prestations-realisees-par-bloc",
    label="Prestations réalisées sur la période, par bloc SERAFIN-PH",
    definition=(
        "Nombre de prestations inscrites au journal des prestations d'un établissement ou service du "
        "périmètre, datées d'un jour de la période, réparties selon le bloc de niveau 2 de la "
        "nomenclature SERAFIN-PH des prestations (2.1 à 2.4, 3.1, 3.2) dont relève le code saisi. "
        "Chaque ligne du journal compte une fois, qu'elle soit individuelle ou collective. Une "
        "prestation codée au niveau 1 (sans bloc) a sa propre ligne."
    ),
    formula="nombre de prestations réalisées telles que début de période ≤ date ≤ fin de période, "
    "par bloc de niveau 2 du code de prestation",
    unit=PRESTATIONS,
    source=f"{SERAFIN_SOURCE} ; regroupement et comptage propres à Parcours",
)
def services_by_block(scope: Scope, period: Period) -> list[Row]:
    totals = service_totals(scope, period)
    return by_block(SystemSlug.SERAFIN_PRESTATIONS, {code: n for code, (n, _minutes) in totals.items()})


@register(
    code="heures-prestations-par-bloc",
    label="Heures de prestations réalisées sur la période, par bloc SERAFIN-PH",
    definition=(
        "Somme des durées (saisies en minutes) des prestations réalisées sur la période (voir "
        "« prestations-realisees-par-bloc »), convertie en heures et arrondie au dixième, par bloc de "
        "niveau 2 de la nomenclature SERAFIN-PH des prestations. La durée est celle de la ligne du "
        "journal : une prestation collective compte sa durée une fois, pas une fois par participant "
        "présent sur une autre ligne."
    ),
    formula="somme des durées en minutes des prestations réalisées dans la période ÷ 60, par bloc de "
    "niveau 2 du code de prestation",
    unit=HOURS,
    source=f"{SERAFIN_SOURCE} ; regroupement et calcul propres à Parcours",
    disclosure=Disclosure.MEASURE,
    base="prestations-realisees-par-bloc",
)
def hours_by_block(scope: Scope, period: Period) -> list[Row]:
    totals = service_totals(scope, period)
    rows = by_block(SystemSlug.SERAFIN_PRESTATIONS, {code: minutes for code, (_n, minutes) in totals.items()})
    return [(label, round(minutes / 60, 1)) for label, minutes in rows]


@register(
    code="besoins-par-bloc",
    label="Besoins des personnes accompagnées, par bloc SERAFIN-PH",
    definition=(
        "Pour chaque personne accompagnée sur la période (voir « personnes-accompagnees »), les "
        "besoins de sa dernière évaluation des besoins faite dans un établissement ou service du "
        "périmètre au plus tard le dernier jour de la période (la plus récente en date ; le même jour, "
        "la dernière enregistrée), répartis selon le bloc de niveau 2 de la nomenclature SERAFIN-PH "
        "des besoins (1.1 santé, 1.2 autonomie, 1.3 participation sociale). Ce sont des besoins, pas "
        "des personnes : une personne ayant trois besoins dans un bloc y compte trois fois ; une "
        "personne sans évaluation ne compte nulle part. L'intensité n'est pas prise en compte."
    ),
    formula="nombre de besoins des dernières évaluations (date ≤ fin de période, dans le périmètre) des "
    "personnes accompagnées sur la période, par bloc de niveau 2 du code de besoin",
    unit=NEEDS,
    source=f"{SERAFIN_SOURCE} ; regroupement et comptage propres à Parcours",
)
def needs_by_block(scope: Scope, period: Period) -> list[Row]:
    # Each person's latest assessment, ranked by a window function: one pass over the assessments of
    # the scope, where a subquery per person took seconds for a department.
    ranked = (
        NeedsAssessment.objects.filter(
            establishment__in=scope.establishments(),
            date__lte=period.end,
            person__in=overlapping(scope, period).values("person"),
        )
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("person")], order_by=[F("date").desc(), F("pk").desc()])
        )
        .filter(rank=1)
    )
    latest = ranked.values_list("pk", flat=True)
    rows = (
        Need.objects.filter(assessment__in=latest).values("concept__code").annotate(n=Count("pk")).order_by()
    )
    return by_block(SystemSlug.SERAFIN_BESOINS, {row["concept__code"]: row["n"] for row in rows})


def days_by_mode(scope: Scope, period: Period) -> dict[str, int]:
    """{mode: days of support in the period}, summed over the admissions overlapping the period."""
    first = Greatest(F("start_date"), Value(period.start), output_field=DateField())
    last = Least(
        Coalesce(F("end_date"), Value(period.end), output_field=DateField()),
        Value(period.end),
        output_field=DateField(),
    )
    rows = (
        overlapping(scope, period)
        .values("mode")
        .annotate(
            span=Sum(ExpressionWrapper(last - first, output_field=DurationField())),
            n=Count("pk"),
        )
        .order_by()
    )
    # Inclusive bounds: an admission counts (last − first) + 1 days.
    return {row["mode"]: row["span"].days + row["n"] for row in rows}


@register(
    code="journees-par-mode",
    label="Journées de présence sur la période, par mode d'accompagnement",
    definition=(
        "Pour chaque mode d'accompagnement, nombre de jours d'accompagnement compris dans la période : "
        "somme, sur les admissions du périmètre qui recouvrent la période, des jours communs à "
        "l'admission et à la période, bornes incluses (le jour d'admission et le jour de sortie "
        "comptent). Les absences (hospitalisation, vacances, retour en famille) ne sont pas déduites : "
        "Parcours ne les enregistre pas. Une personne admise deux fois compte les jours de chaque admission."
    ),
    formula="Σ sur les admissions recouvrant la période de (min(sortie ou fin de période, fin de période) "
    "− max(admission, début de période) + 1), par mode d'accompagnement",
    unit=DAYS,
    source=OWN_DEFINITION,
)
def presence_days_by_mode(scope: Scope, period: Period) -> list[Row]:
    days = days_by_mode(scope, period)
    return [(label, days.get(value, 0)) for value, label in SupportMode.choices]


@register(
    code="taux-occupation-par-mode",
    label="Taux d'occupation sur la période, par mode d'accompagnement",
    definition=(
        "Pour chaque mode d'accompagnement : journées de présence de la période (voir "
        "« journees-par-mode », absences non déduites) ÷ (places autorisées du mode × nombre de jours de "
        "la période) × 100, arrondi au dixième. Définition usuelle, non vérifiée auprès du guide des "
        "indicateurs de l'ANAP. La capacité est celle des places autorisées enregistrées pour le mode "
        "dans les établissements et services du périmètre, à la date du calcul : Parcours ne garde pas "
        "l'historique des capacités ni les places installées ou financées, et compte tous les jours de "
        "la période comme jours d'ouverture. Sans place autorisée dans un mode, le taux n'est pas "
        "calculable (aucune valeur)."
    ),
    formula="journées de présence du mode ÷ (places autorisées du mode × jours de la période) × 100 "
    "(non vérifiée)",
    unit=PERCENT,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.MEASURE,
    base="personnes-accompagnees-par-mode",
)
def occupancy_by_mode(scope: Scope, period: Period) -> list[Row]:
    days = days_by_mode(scope, period)
    places = dict(
        Capacity.objects.filter(establishment__in=scope.establishments())
        .values("mode")
        .annotate(places=Sum("places"))
        .order_by()
        .values_list("mode", "places")
    )
    rows: list[Row] = []
    for value, label in SupportMode.choices:
        capacity = places.get(value, 0)
        rate = round(days.get(value, 0) / (capacity * period.days) * 100, 1) if capacity else None
        rows.append((label, rate))
    return rows
