"""The columns of an import file: their fixed names (lower-case slugs), in the order of the templates.

The names are Parcours' own, not those of a national exchange format: none was found in the
reference notes. Each column but the first two holds one figure of `FinancialStatement`; its label
is the model field's own."""

import enum
from dataclasses import dataclass

from parcours.finance.models import FinancialStatement


class Kind(enum.StrEnum):
    FINESS = "finess"
    YEAR = "year"
    AMOUNT = "amount"
    COUNT = "count"


@dataclass(frozen=True)
class Column:
    slug: str
    field: str
    kind: Kind

    @property
    def label(self) -> str:
        if self.kind == Kind.FINESS:
            return "numéro FINESS de l'établissement ou du service (FINESS géographique)"
        return str(FinancialStatement._meta.get_field(self.field).verbose_name)

    @property
    def unit(self) -> str:
        return {
            Kind.FINESS: "9 caractères",
            Kind.YEAR: "année sur 4 chiffres",
            Kind.AMOUNT: "euros, 2 décimales au plus",
            Kind.COUNT: "nombre entier",
        }[self.kind]


COLUMNS = (
    Column("finess", "establishment", Kind.FINESS),
    Column("exercice", "year", Kind.YEAR),
    Column("total_produits", "total_revenue", Kind.AMOUNT),
    Column("total_charges", "total_expenses", Kind.AMOUNT),
    Column("dotations_68", "depreciation_provisions", Kind.AMOUNT),
    Column("reprises_78", "reversals", Kind.AMOUNT),
    Column("valeur_comptable_cessions_675", "disposed_assets_book_value", Kind.AMOUNT),
    Column("produits_cessions_775", "asset_disposal_proceeds", Kind.AMOUNT),
    Column("quote_part_subventions_777", "investment_subsidies_share", Kind.AMOUNT),
    Column("capitaux_propres", "equity", Kind.AMOUNT),
    Column("provisions_risques_charges", "provisions", Kind.AMOUNT),
    Column("dettes_financieres", "long_term_debt", Kind.AMOUNT),
    Column("actif_immobilise_net", "net_fixed_assets", Kind.AMOUNT),
    Column("stocks_creances", "operating_assets", Kind.AMOUNT),
    Column("dettes_court_terme", "short_term_liabilities", Kind.AMOUNT),
    Column("disponibilites", "cash", Kind.AMOUNT),
    Column("concours_bancaires", "bank_overdrafts", Kind.AMOUNT),
    Column("journees_realisees", "days_realised", Kind.COUNT),
    Column("places_financees", "funded_places", Kind.COUNT),
)
SLUGS = tuple(column.slug for column in COLUMNS)
BY_SLUG = {column.slug: column for column in COLUMNS}
BY_FIELD = {column.field: column for column in COLUMNS}
# The figures a statement holds, in the columns' order.
FIGURE_FIELDS = tuple(column.field for column in COLUMNS if column.kind in (Kind.AMOUNT, Kind.COUNT))
AMOUNT_FIELDS = tuple(column.field for column in COLUMNS if column.kind == Kind.AMOUNT)
