"""Indicators on coordination: waiting lists (`parcours.coordination`).

Counted by the database (aggregate queries on the waiting-list entries of the scope's establishments);
no person is ever loaded in Python and no result holds personal data.

"Waiting at the end of the period": an entry registered on or before the last day of the period and
that has not left the list by then (no exit date, or an exit after that day: an entry that leaves on the
last day is no longer waiting). A person counts once however many of their entries match, so a
gestionnaire counts once a person waiting for two of its establishments.
"""

from django.db.models import Count, DurationField, ExpressionWrapper, F, Sum

from parcours.coordination.enums import WaitingListOutcome
from parcours.coordination.models import WaitingListEntry
from parcours.organisations.enums import SupportMode
from parcours.reporting.registry import OWN_DEFINITION, Disclosure, Period, Row, Scope, register

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
