"""The realised yearly financial statement (état réalisé) of an establishment, and the imports that
bring them in.

The figures are those of the establishment's accounts for one financial year (1 January to
31 December), in euros. Parcours derives from them the result, the capacité d'autofinancement (CAF,
additive method), the fonds de roulement net global (FRNG), the besoin en fonds de roulement (BFR)
and the treasury. These are the usual accounting definitions (reference notes, anap-indicators.md,
sections 3 and 4): they have not been checked against the EPRD/ERRD model published by the CNSA,
which was not read.

A statement is about an establishment, not a person: it is not personal data and does not go through
`parcours.access`. Only the direction of the establishment and that of its gestionnaire see it
(`parcours.finance.permissions`).
"""

import uuid
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.formats import number_format

from parcours.finance.enums import ImportStatus
from parcours.organisations.models import Establishment

FIRST_YEAR = 2000
# FRNG − BFR and the treasury are computed from rounded figures: a difference up to one euro is a
# rounding, not an error.
BALANCE_TOLERANCE = Decimal(1)
CENT = Decimal("0.01")
TENTH = Decimal("0.1")
BALANCE_SHEET_FIELDS = (
    "equity",
    "provisions",
    "long_term_debt",
    "net_fixed_assets",
    "operating_assets",
    "short_term_liabilities",
    "cash",
    "bank_overdrafts",
)

NOT_NEGATIVE = MinValueValidator(0, message="Ce montant ne peut pas être négatif.")
NOT_NEGATIVE_COUNT = MinValueValidator(0, message="Ce nombre ne peut pas être négatif.")

# Formulas, shown on the statement's page and in the indicators' declarations.
RESULT_FORMULA = "total des produits − total des charges"
CAF_FORMULA = (
    "résultat + dotations aux amortissements, dépréciations et provisions (68) − reprises (78) "
    "+ valeur comptable des éléments d'actif cédés (675) − produits des cessions d'éléments d'actif "
    "(775) − quote-part des subventions d'investissement virée au résultat (777)"
)
CAF_RATE_FORMULA = "CAF ÷ total des produits × 100"
FRNG_FORMULA = (
    "capitaux propres + provisions pour risques et charges + dettes financières à long et moyen "
    "terme − actif immobilisé net"
)
BFR_FORMULA = "stocks et créances d'exploitation − dettes d'exploitation à court terme"
TREASURY_FORMULA = "disponibilités − concours bancaires courants"
COST_PER_DAY_FORMULA = "total des charges ÷ journées réalisées"
COST_PER_PLACE_FORMULA = "total des charges ÷ places financées"


def euros(value: Decimal) -> str:
    """An amount as written in French: "12 345,67"."""
    return number_format(value, 2, use_l10n=True, force_grouping=True)


def amount(verbose_name: str, *, signed: bool = False) -> models.DecimalField:
    return models.DecimalField(
        verbose_name, max_digits=15, decimal_places=2, validators=[] if signed else [NOT_NEGATIVE]
    )


class FinancialStatementQuerySet(models.QuerySet):
    def for_establishments(self, establishment_ids) -> "FinancialStatementQuerySet":
        return self.filter(establishment_id__in=establishment_ids)


class FinancialStatement(models.Model):
    """The realised statement of one establishment for one financial year."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="financial_statements",
        verbose_name="établissement ou service",
    )
    year = models.PositiveSmallIntegerField("exercice")

    # Compte de résultat
    total_revenue = amount("total des produits (d'exploitation et autres)")
    total_expenses = amount("total des charges")
    depreciation_provisions = amount("dotations aux amortissements, dépréciations et provisions (comptes 68)")
    reversals = amount("reprises sur amortissements, dépréciations et provisions (comptes 78)")
    disposed_assets_book_value = amount("valeur comptable des éléments d'actif cédés (compte 675)")
    asset_disposal_proceeds = amount("produits des cessions d'éléments d'actif (compte 775)")
    investment_subsidies_share = amount(
        "quote-part des subventions d'investissement virée au résultat (compte 777)"
    )
    # Bilan. Equity alone may be negative (losses carried forward beyond the funds).
    equity = amount("capitaux propres", signed=True)
    provisions = amount("provisions pour risques et charges")
    long_term_debt = amount("dettes financières à long et moyen terme")
    net_fixed_assets = amount("actif immobilisé net")
    operating_assets = amount("stocks et créances d'exploitation")
    short_term_liabilities = amount("dettes d'exploitation à court terme")
    cash = amount("disponibilités")
    bank_overdrafts = amount("concours bancaires courants")
    # Activity
    days_realised = models.PositiveIntegerField("journées réalisées", validators=[NOT_NEGATIVE_COUNT])
    funded_places = models.PositiveIntegerField("places financées", validators=[NOT_NEGATIVE_COUNT])

    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importé par",
    )
    imported_at = models.DateTimeField("importé le", default=timezone.now)
    source_import = models.ForeignKey(
        "FinanceImport",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="statements",
        verbose_name="import d'origine",
    )

    objects = FinancialStatementQuerySet.as_manager()

    class Meta:
        verbose_name = "état réalisé"
        verbose_name_plural = "états réalisés"
        ordering = ["-year", "establishment_id"]
        constraints = [
            models.UniqueConstraint(fields=["establishment", "year"], name="financial_statement_unique_year")
        ]

    def __str__(self) -> str:
        return f"{self.establishment} — exercice {self.year}"

    def clean(self):
        errors = {}
        last_year = timezone.localdate().year
        if self.year is not None and not FIRST_YEAR <= self.year <= last_year:
            errors["year"] = f"L'exercice doit être compris entre {FIRST_YEAR} et {last_year}."
        # Checked once every figure of the balance sheet is a number (clean() runs even when a field
        # was refused, with the refused value still in place).
        if all(isinstance(getattr(self, name), Decimal | int) for name in BALANCE_SHEET_FIELDS):
            difference = self.frng - self.bfr
            if abs(difference - self.treasury) > BALANCE_TOLERANCE:
                errors["__all__"] = (
                    f"Le bilan n'est pas cohérent : FRNG − BFR = {euros(difference)} € mais la "
                    f"trésorerie vaut {euros(self.treasury)} €."
                )
        if errors:
            raise ValidationError(errors)

    # Computed figures. Each returns a Decimal, or None for a ratio over zero.

    @property
    def result(self) -> Decimal:
        return self.total_revenue - self.total_expenses

    @property
    def caf(self) -> Decimal:
        return (
            self.result
            + self.depreciation_provisions
            - self.reversals
            + self.disposed_assets_book_value
            - self.asset_disposal_proceeds
            - self.investment_subsidies_share
        )

    @property
    def caf_rate(self) -> Decimal | None:
        """In percent, to 0.1."""
        if not self.total_revenue:
            return None
        return (self.caf / self.total_revenue * 100).quantize(TENTH, ROUND_HALF_UP)

    @property
    def frng(self) -> Decimal:
        return self.equity + self.provisions + self.long_term_debt - self.net_fixed_assets

    @property
    def bfr(self) -> Decimal:
        return self.operating_assets - self.short_term_liabilities

    @property
    def treasury(self) -> Decimal:
        return self.cash - self.bank_overdrafts

    @property
    def cost_per_day(self) -> Decimal | None:
        if not self.days_realised:
            return None
        return (self.total_expenses / self.days_realised).quantize(CENT, ROUND_HALF_UP)

    @property
    def cost_per_place(self) -> Decimal | None:
        if not self.funded_places:
            return None
        return (self.total_expenses / self.funded_places).quantize(CENT, ROUND_HALF_UP)


class FinanceImportQuerySet(models.QuerySet):
    def by(self, user) -> "FinanceImportQuerySet":
        return self.filter(created_by=user)


class FinanceImport(models.Model):
    """One file of statements sent by a director: checked in full when sent, then applied at once on
    its author's confirmation, or not at all.

    A rejected import keeps only its errors (line, column, message), so that the file can be fixed;
    a ready one keeps its checked rows until it is applied. Applying it records, in each row, the
    figures it replaced."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="envoyé par"
    )
    created_at = models.DateTimeField("envoyé le", default=timezone.now)
    filename = models.CharField("fichier", max_length=255)
    status = models.CharField("état", max_length=10, choices=ImportStatus.choices)
    rows = models.JSONField("lignes vérifiées", default=list, blank=True)
    errors = models.JSONField("erreurs", default=list, blank=True)
    error_count = models.PositiveIntegerField("nombre d'erreurs", default=0)
    applied_at = models.DateTimeField("appliqué le", null=True, blank=True)

    objects = FinanceImportQuerySet.as_manager()

    class Meta:
        verbose_name = "import d'états réalisés"
        verbose_name_plural = "imports d'états réalisés"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.created_at:%d/%m/%Y %H:%M})"

    def clean(self):
        if self.status == ImportStatus.REJECTED and self.rows:
            raise ValidationError("Un import refusé ne conserve aucune ligne.")
        if self.status == ImportStatus.APPLIED and self.applied_at is None:
            raise ValidationError({"applied_at": "Indiquez quand l'import a été appliqué."})
