"""Indicators from the yearly financial statements (`parcours.finance`).

Which statements count for a period: those of the financial years whose last day (31 December)
falls within the period, of the scope's establishments that have one. With none, the indicator
cannot be computed (None).

Flows (result, CAF, charges, days) are summed over those establishments and years: a period holding
two year ends adds both years. Balance-sheet amounts (FRNG, BFR, treasury) are positions at a date,
which do not add up across years: they are read at the last year end of the period only (summed
over the establishments with a statement for that year). A choice of Parcours, stated in each
definition.

The formulas are the usual accounting ones (reference notes, anap-indicators.md, sections 3 and 4);
neither the ANAP guide to the indicators nor the EPRD/ERRD model of the CNSA was read. Each query is
one aggregate; no statement is loaded in Python. Money is not about persons: never masked.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Sum

from parcours.finance.models import (
    BFR_FORMULA,
    CAF_FORMULA,
    CAF_RATE_FORMULA,
    CENT,
    FRNG_FORMULA,
    RESULT_FORMULA,
    TENTH,
    TREASURY_FORMULA,
    FinancialStatement,
)
from parcours.reporting.registry import OWN_DEFINITION, UNVERIFIED_ANAP, Disclosure, Period, Scope, register

EUROS = "€"
PERCENT = "%"

FLOWS = (
    "États réalisés retenus : ceux des exercices dont le 31 décembre tombe dans la période, des "
    "établissements et services du périmètre qui en ont un ; les montants sont additionnés sur ces "
    "établissements et ces exercices (une période couvrant deux fins d'exercice additionne les deux). "
    "Sans aucun état réalisé, l'indicateur n'est pas calculable (aucune valeur)."
)
POSITION = (
    "Montant de bilan, lu au dernier 31 décembre de la période : somme des états réalisés de cet "
    "exercice des établissements et services du périmètre qui en ont un. Les exercices antérieurs "
    "compris dans la période ne sont pas additionnés, un bilan étant une situation à une date (choix "
    "de Parcours). Sans état réalisé pour cet exercice, l'indicateur n'est pas calculable (aucune "
    "valeur)."
)
UNREAD_MODEL = (
    "Le modèle EPRD/ERRD (arrêté et cadre normalisé publiés par la CNSA) et le guide des indicateurs "
    "de l'ANAP n'ont pas été lus : définition non vérifiée."
)
CAF_FIELDS = (
    "total_revenue",
    "total_expenses",
    "depreciation_provisions",
    "reversals",
    "disposed_assets_book_value",
    "asset_disposal_proceeds",
    "investment_subsidies_share",
)


def year_ends(period: Period) -> range:
    """The financial years whose 31 December falls within the period (possibly none)."""
    last = period.end.year if (period.end.month, period.end.day) == (12, 31) else period.end.year - 1
    return range(period.start.year, last + 1)


def statements(scope: Scope, period: Period):
    years = year_ends(period)
    return FinancialStatement.objects.filter(
        establishment__in=scope.establishments(), year__gte=years.start, year__lt=years.stop
    )


def at_last_year_end(scope: Scope, period: Period):
    years = year_ends(period)
    if not years:
        return FinancialStatement.objects.none()
    return FinancialStatement.objects.filter(establishment__in=scope.establishments(), year=years[-1])


def totals(queryset, *fields: str) -> dict[str, Decimal] | None:
    """{field: sum} over the statements, in one query; None when there is none."""
    row = queryset.aggregate(statement_count=Count("pk"), **{name: Sum(name) for name in fields})
    if not row.pop("statement_count"):
        return None
    return {name: Decimal(value) for name, value in row.items()}


def euros(value: Decimal) -> float:
    return float(value.quantize(CENT, ROUND_HALF_UP))


def caf(sums: dict[str, Decimal]) -> Decimal:
    return (
        sums["total_revenue"]
        - sums["total_expenses"]
        + sums["depreciation_provisions"]
        - sums["reversals"]
        + sums["disposed_assets_book_value"]
        - sums["asset_disposal_proceeds"]
        - sums["investment_subsidies_share"]
    )


@register(
    code="resultat-de-l-exercice",
    label="Résultat de l'exercice",
    definition="Total des produits moins total des charges de l'état réalisé. " + FLOWS,
    formula=f"Σ ({RESULT_FORMULA})",
    unit=EUROS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.PUBLIC,
)
def result(scope: Scope, period: Period) -> float | None:
    sums = totals(statements(scope, period), "total_revenue", "total_expenses")
    return None if sums is None else euros(sums["total_revenue"] - sums["total_expenses"])


@register(
    code="capacite-d-autofinancement",
    label="Capacité d'autofinancement (CAF)",
    definition=(
        "Capacité d'autofinancement calculée par la méthode additive usuelle, à partir du résultat "
        "et des comptes 68, 78, 675, 775 et 777 de l'état réalisé. " + UNREAD_MODEL + " " + FLOWS
    ),
    formula=f"Σ ({CAF_FORMULA}) (non vérifiée)",
    unit=EUROS,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.PUBLIC,
)
def self_financing_capacity(scope: Scope, period: Period) -> float | None:
    sums = totals(statements(scope, period), *CAF_FIELDS)
    return None if sums is None else euros(caf(sums))


@register(
    code="taux-de-caf",
    label="Taux de capacité d'autofinancement (CAF)",
    definition=(
        "CAF (voir « capacite-d-autofinancement ») rapportée au total des produits, en pourcentage, "
        "arrondie à 0,1. Définition usuelle, non vérifiée auprès du guide des indicateurs de l'ANAP ; "
        "le total des produits retenu est celui de l'état réalisé (produits d'exploitation et autres). "
        + UNREAD_MODEL
        + " "
        + FLOWS
        + " Le taux est celui des sommes (Σ CAF ÷ Σ produits), pas la moyenne des taux ; sans produits, "
        "il n'est pas calculable."
    ),
    formula=f"Σ CAF ÷ Σ total des produits × 100 ({CAF_RATE_FORMULA}, non vérifiée)",
    unit=PERCENT,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.PUBLIC,
)
def self_financing_rate(scope: Scope, period: Period) -> float | None:
    sums = totals(statements(scope, period), *CAF_FIELDS)
    if sums is None or not sums["total_revenue"]:
        return None
    return float((caf(sums) / sums["total_revenue"] * 100).quantize(TENTH, ROUND_HALF_UP))


@register(
    code="fonds-de-roulement",
    label="Fonds de roulement net global (FRNG)",
    definition=(
        "Financements stables (capitaux propres, provisions pour risques et charges, dettes "
        "financières à long et moyen terme) moins l'actif immobilisé net. Définition usuelle, non "
        "vérifiée auprès du guide des indicateurs de l'ANAP. " + UNREAD_MODEL + " " + POSITION
    ),
    formula=f"Σ ({FRNG_FORMULA}) au dernier 31 décembre de la période (non vérifiée)",
    unit=EUROS,
    source=UNVERIFIED_ANAP,
    disclosure=Disclosure.PUBLIC,
)
def working_capital(scope: Scope, period: Period) -> float | None:
    sums = totals(
        at_last_year_end(scope, period), "equity", "provisions", "long_term_debt", "net_fixed_assets"
    )
    if sums is None:
        return None
    return euros(sums["equity"] + sums["provisions"] + sums["long_term_debt"] - sums["net_fixed_assets"])


@register(
    code="besoin-en-fonds-de-roulement",
    label="Besoin en fonds de roulement (BFR)",
    definition="Stocks et créances d'exploitation moins dettes d'exploitation à court terme. " + POSITION,
    formula=f"Σ ({BFR_FORMULA}) au dernier 31 décembre de la période",
    unit=EUROS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.PUBLIC,
)
def working_capital_requirement(scope: Scope, period: Period) -> float | None:
    sums = totals(at_last_year_end(scope, period), "operating_assets", "short_term_liabilities")
    return None if sums is None else euros(sums["operating_assets"] - sums["short_term_liabilities"])


@register(
    code="tresorerie",
    label="Trésorerie",
    definition=(
        "Disponibilités moins concours bancaires courants ; égale au FRNG moins le BFR, à 1 € près "
        "(contrôlé à l'import). " + POSITION
    ),
    formula=f"Σ ({TREASURY_FORMULA}) au dernier 31 décembre de la période",
    unit=EUROS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.PUBLIC,
)
def treasury(scope: Scope, period: Period) -> float | None:
    sums = totals(at_last_year_end(scope, period), "cash", "bank_overdrafts")
    return None if sums is None else euros(sums["cash"] - sums["bank_overdrafts"])


@register(
    code="cout-par-journee",
    label="Coût par journée réalisée",
    definition=(
        "Total des charges rapporté aux journées réalisées déclarées dans l'état réalisé, arrondi au "
        "centime. Seuls comptent les états réalisés qui déclarent des journées (un service qui ne "
        "compte pas en journées n'alourdit pas le coût des autres). " + FLOWS + " Sans journée "
        "réalisée, l'indicateur n'est pas calculable."
    ),
    formula="Σ total des charges ÷ Σ journées réalisées (états réalisés déclarant des journées)",
    unit=EUROS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.PUBLIC,
)
def cost_per_day(scope: Scope, period: Period) -> float | None:
    sums = totals(statements(scope, period).filter(days_realised__gt=0), "total_expenses", "days_realised")
    return None if sums is None else euros(sums["total_expenses"] / sums["days_realised"])


@register(
    code="cout-par-place",
    label="Coût par place financée",
    definition=(
        "Total des charges rapporté aux places financées déclarées dans l'état réalisé, arrondi au "
        "centime. Seuls comptent les états réalisés qui déclarent des places financées. " + FLOWS + " "
        "Sur une période couvrant deux exercices, les places de chaque exercice sont additionnées : "
        "c'est un coût par place et par an que donne une période d'un an. Sans place financée, "
        "l'indicateur n'est pas calculable."
    ),
    formula="Σ total des charges ÷ Σ places financées (états réalisés déclarant des places)",
    unit=EUROS,
    source=OWN_DEFINITION,
    disclosure=Disclosure.PUBLIC,
)
def cost_per_place(scope: Scope, period: Period) -> float | None:
    sums = totals(statements(scope, period).filter(funded_places__gt=0), "total_expenses", "funded_places")
    return None if sums is None else euros(sums["total_expenses"] / sums["funded_places"])
