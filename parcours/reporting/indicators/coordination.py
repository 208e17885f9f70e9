"""Indicators on coordination: waiting lists (`parcours.coordination`).

Counted by the database (aggregate queries on the waiting-list entries of the scope's establishments);
no person is ever loaded in Python and no result holds personal data.

"Waiting at the end of the period": an entry registered on or before the last day of the period and
that has not left the list by then (no exit date, or an exit after that day: an entry that leaves on the
last day is no longer waiting). A person counts once however many of their entries match, so a
gestionnaire counts once a person waiting for two of its establishments.

"Time waited" by a person on the list at the end of the period: the days from their earliest
registration among those entries to the last day of the period.

"Sans solution" on a day: a person with an MDPH orientation decision towards an establishment or
service (decision_type ORIENTATION_ESMS) in force that day (start ≤ day, and no end or day ≤ end) and
no admission in progress anywhere that day (start ≤ day, and no exit or exit ≥ day).
"""

import statistics

from django.db.models import Count, DurationField, Exists, ExpressionWrapper, F, Min, OuterRef, Q, Sum

from parcours.coordination.enums import WaitingListOutcome
from parcours.coordination.models import WaitingListEntry
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision
from parcours.records.models import Admission
from parcours.reporting.registry import OWN_DEFINITION, Disclosure, Period, Row, Scope, ScopeKind, register

PERSONS = "personnes"
ENTRIES = "entrées"
DAYS = "jours"


def scope_entries(scope: Scope):
    return WaitingListEntry.objects.filter(establishment__in=scope.establishments())


def waiting_at_end(scope: Scope, period: Period):
    return scope_entries(scope).waiting(period.end)


def admitted(scope: Scope, period: Period):
    """The entries of the scope that left the list in the period because the person was admitted."""
    return scope_entries(scope).filter(
        outcome=WaitingListOutcome.ADMITTED, left_on__gte=period.start, left_on__lte=period.end
    )


@register(
    code="liste-d-attente-fin-de-periode",
    label="Personnes en liste d'attente au dernier jour de la période",
    definition=(
        "Nombre de personnes distinctes inscrites sur la liste d'attente d'un établissement ou service du "
        "périmètre au dernier jour de la période : inscrites au plus tard ce jour-là et pas encore sorties "
        "de la liste (une inscription qui sort de la liste ce jour-là n'est plus en attente). Une personne "
        "en attente dans plusieurs établissements du périmètre compte une fois."
    ),
    formula="nombre de personnes distinctes ayant une inscription telle que inscription ≤ fin de période "
    "et (sortie de la liste non renseignée ou sortie > fin de période)",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def waiting_list_length(scope: Scope, period: Period) -> int:
    return waiting_at_end(scope, period).aggregate(n=Count("person", distinct=True))["n"]


@register(
    code="liste-d-attente-par-mode",
    label="Personnes en liste d'attente au dernier jour de la période, par mode d'accompagnement",
    definition=(
        "Les personnes en liste d'attente au dernier jour de la période (voir "
        "« liste-d-attente-fin-de-periode »), réparties selon le mode d'accompagnement demandé. Une "
        "personne en attente pour plusieurs modes compte dans chacun, une fois par mode : la somme des "
        "lignes peut dépasser le nombre de personnes en attente."
    ),
    formula="nombre de personnes distinctes en liste d'attente au dernier jour de la période, par mode "
    "d'accompagnement demandé",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def waiting_list_by_mode(scope: Scope, period: Period) -> list[Row]:
    rows = waiting_at_end(scope, period).values("mode").annotate(n=Count("person", distinct=True)).order_by()
    counts = {row["mode"]: row["n"] for row in rows}
    return [(label, counts.get(value, 0)) for value, label in SupportMode.choices]


@register(
    code="entrees-depuis-liste-d-attente",
    label="Admissions depuis la liste d'attente sur la période",
    definition=(
        "Nombre d'inscriptions sur la liste d'attente d'un établissement ou service du périmètre sorties "
        "de la liste dans la période parce que la personne y a été admise. Ce sont des inscriptions, pas "
        "des personnes : une personne admise deux fois dans la période depuis la liste compte deux fois. "
        "Les sorties de la liste pour un autre motif (orientation ailleurs, retrait, décès...) ne comptent "
        "pas."
    ),
    formula="nombre d'inscriptions d'issue « admission » telles que début de période ≤ sortie de la "
    "liste ≤ fin de période",
    unit=ENTRIES,
    source=OWN_DEFINITION,
)
def admissions_from_waiting_list(scope: Scope, period: Period) -> int:
    return admitted(scope, period).count()


@register(
    code="delai-moyen-d-attente",
    label="Délai moyen d'attente des personnes admises sur la période",
    definition=(
        "Pour les admissions depuis la liste d'attente de la période (voir "
        "« entrees-depuis-liste-d-attente »), nombre moyen de jours entre l'inscription sur la liste et la "
        "sortie de la liste. Les personnes encore en attente, et celles sorties de la liste pour un autre "
        "motif, ne comptent pas. Sans admission depuis la liste dans la période, l'indicateur n'est pas "
        "calculable (aucune valeur). Arrondi à 0,1 jour."
    ),
    formula="Σ (sortie de la liste − inscription) des inscriptions d'issue « admission » sorties dans la "
    "période ÷ leur nombre",
    unit=DAYS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="entrees-depuis-liste-d-attente",
)
def mean_waiting_time(scope: Scope, period: Period) -> float | None:
    totals = admitted(scope, period).aggregate(
        total=Sum(ExpressionWrapper(F("left_on") - F("registered_on"), output_field=DurationField())),
        n=Count("pk"),
    )
    if not totals["n"]:
        return None
    return round(totals["total"].days / totals["n"], 1)


def waiting_days(scope: Scope, period: Period) -> list[int]:
    """For each person waiting at the end of the period, the days since their earliest registration
    among their entries then waiting in the scope (one query; dates only, no person)."""
    firsts = (
        waiting_at_end(scope, period)
        .values("person")
        .annotate(first=Min("registered_on"))
        .order_by()
        .values_list("first", flat=True)
    )
    return [(period.end - first).days for first in firsts]


@register(
    code="attente-moyenne-des-personnes-en-attente",
    label="Temps d'attente moyen des personnes en liste d'attente au dernier jour de la période",
    definition=(
        "Pour chaque personne en liste d'attente au dernier jour de la période (voir "
        "« liste-d-attente-fin-de-periode »), nombre de jours entre sa première inscription encore en "
        "attente ce jour-là dans le périmètre et ce dernier jour ; moyenne sur ces personnes. Une personne "
        "en attente dans plusieurs établissements du périmètre compte une fois, depuis sa plus ancienne "
        "inscription. Personne en attente : pas de valeur. Arrondi à 0,1 jour."
    ),
    formula="Σ (fin de période − plus ancienne inscription en attente de la personne) ÷ nombre de "
    "personnes en liste d'attente au dernier jour de la période",
    unit=DAYS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="liste-d-attente-fin-de-periode",
)
def mean_time_waited(scope: Scope, period: Period) -> float | None:
    days = waiting_days(scope, period)
    return round(sum(days) / len(days), 1) if days else None


@register(
    code="attente-mediane-des-personnes-en-attente",
    label="Temps d'attente médian des personnes en liste d'attente au dernier jour de la période",
    definition=(
        "Les mêmes temps d'attente que « attente-moyenne-des-personnes-en-attente » (en jours, une valeur "
        "par personne en liste d'attente au dernier jour de la période) : la médiane, valeur qui partage "
        "ces personnes en deux moitiés (moyenne des deux valeurs du milieu pour un nombre pair). Personne "
        "en attente : pas de valeur. Arrondi à 0,1 jour."
    ),
    formula="médiane des (fin de période − plus ancienne inscription en attente de la personne)",
    unit=DAYS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.MEASURE,
    base="liste-d-attente-fin-de-periode",
)
def median_time_waited(scope: Scope, period: Period) -> float | None:
    days = waiting_days(scope, period)
    return round(float(statistics.median(days)), 1) if days else None


def oriented_without_solution(day):
    """Orientation decisions towards an ESMS in force that day, of persons admitted nowhere that
    day."""
    in_progress = Admission.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day)
    )
    return (
        MdphDecision.objects.filter(
            decision_type=MdphDecisionType.ORIENTATION_ESMS,
            orientation_category__isnull=False,
            start_date__lte=day,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=day))
        .exclude(Exists(in_progress))
    )


@register(
    code="personnes-sans-solution",
    label="Personnes orientées par la MDPH sans solution au dernier jour de la période",
    definition=(
        "Nombre de personnes distinctes qui, au dernier jour de la période, ont une décision de la MDPH "
        "d'orientation vers un établissement ou service médico-social en cours de validité (début des "
        "droits au plus tard ce jour-là, fin des droits non renseignée ou au plus tôt ce jour-là) et "
        "aucune admission en cours ce jour-là dans aucun établissement ou service (entrée au plus tard ce "
        "jour-là, sortie non renseignée ou au plus tôt ce jour-là). Pour un établissement ou un organisme "
        "gestionnaire : les personnes ainsi orientées vers la catégorie FINESS d'un de ses établissements "
        "et en liste d'attente de cet établissement ce jour-là. Pour un département : les décisions de la "
        "MDPH de ce département ; pour une région : des MDPH des départements où la région a des "
        "établissements. Limité à une catégorie FINESS, seules comptent les orientations vers cette "
        "catégorie."
    ),
    formula="nombre de personnes distinctes ayant une décision d'orientation ESMS telle que début des "
    "droits ≤ fin de période ≤ fin des droits (ou sans fin), sans admission telle que entrée ≤ fin de "
    "période ≤ sortie (ou sans sortie)",
    unit=PERSONS,
    source=OWN_DEFINITION,
)
def persons_without_solution(scope: Scope, period: Period) -> int:
    day = period.end
    decisions = oriented_without_solution(day)
    if scope.kind in (ScopeKind.ESTABLISHMENT, ScopeKind.GESTIONNAIRE):
        on_list = WaitingListEntry.objects.waiting(day).filter(
            person_id=OuterRef("person_id"),
            establishment__in=scope.establishments(),
            establishment__category_id=OuterRef("orientation_category_id"),
        )
        decisions = decisions.filter(Exists(on_list))
    else:
        if scope.kind == ScopeKind.DEPARTMENT:
            decisions = decisions.filter(department_code=scope.identifier)
        else:
            departments = Establishment.objects.filter(region_code=scope.identifier).values("department_code")
            decisions = decisions.filter(department_code__in=departments)
        if scope.category:
            decisions = decisions.filter(orientation_category__code=scope.category)
    return decisions.aggregate(n=Count("person", distinct=True))["n"]
