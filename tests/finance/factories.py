"""Statements for the finance tests. The default figures are coherent and worked out by hand:

result   = 1 000 000 − 950 000                                   =  50 000
CAF      = 50 000 + 40 000 − 5 000 + 2 000 − 3 000 − 4 000        =  80 000  (8,0 % of the revenue)
FRNG     = 300 000 + 20 000 + 180 000 − 400 000                   = 100 000
BFR      = 150 000 − 110 000                                      =  40 000
treasury = 70 000 − 10 000                                        =  60 000  (= FRNG − BFR)
cost per day   = 950 000 ÷ 9 500 = 100,00 ; cost per place = 950 000 ÷ 30 = 31 666,67
"""

from decimal import Decimal

import factory

from parcours.finance.models import FinancialStatement
from tests.factories import EstablishmentFactory

FIGURES = {
    "total_revenue": Decimal("1000000.00"),
    "total_expenses": Decimal("950000.00"),
    "depreciation_provisions": Decimal("40000.00"),
    "reversals": Decimal("5000.00"),
    "disposed_assets_book_value": Decimal("2000.00"),
    "asset_disposal_proceeds": Decimal("3000.00"),
    "investment_subsidies_share": Decimal("4000.00"),
    "equity": Decimal("300000.00"),
    "provisions": Decimal("20000.00"),
    "long_term_debt": Decimal("180000.00"),
    "net_fixed_assets": Decimal("400000.00"),
    "operating_assets": Decimal("150000.00"),
    "short_term_liabilities": Decimal("110000.00"),
    "cash": Decimal("70000.00"),
    "bank_overdrafts": Decimal("10000.00"),
    "days_realised": 9500,
    "funded_places": 30,
}

# The same figures under the import file's column names, as a French spreadsheet writes them.
CSV_FIGURES = {
    "total_produits": "1 000 000,00",
    "total_charges": "950 000",
    "dotations_68": "40 000,00",
    "reprises_78": "5000",
    "valeur_comptable_cessions_675": "2 000,00",
    "produits_cessions_775": "3 000",
    "quote_part_subventions_777": "4000,00",
    "capitaux_propres": "300 000,00",
    "provisions_risques_charges": "20 000",
    "dettes_financieres": "180 000,00",
    "actif_immobilise_net": "400 000,00",
    "stocks_creances": "150 000",
    "dettes_court_terme": "110 000,00",
    "disponibilites": "70 000,00",
    "concours_bancaires": "10 000,00",
    "journees_realisees": "9 500",
    "places_financees": "30",
}


class FinancialStatementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FinancialStatement

    establishment = factory.SubFactory(EstablishmentFactory)
    year = 2025
    total_revenue = FIGURES["total_revenue"]
    total_expenses = FIGURES["total_expenses"]
    depreciation_provisions = FIGURES["depreciation_provisions"]
    reversals = FIGURES["reversals"]
    disposed_assets_book_value = FIGURES["disposed_assets_book_value"]
    asset_disposal_proceeds = FIGURES["asset_disposal_proceeds"]
    investment_subsidies_share = FIGURES["investment_subsidies_share"]
    equity = FIGURES["equity"]
    provisions = FIGURES["provisions"]
    long_term_debt = FIGURES["long_term_debt"]
    net_fixed_assets = FIGURES["net_fixed_assets"]
    operating_assets = FIGURES["operating_assets"]
    short_term_liabilities = FIGURES["short_term_liabilities"]
    cash = FIGURES["cash"]
    bank_overdrafts = FIGURES["bank_overdrafts"]
    days_realised = FIGURES["days_realised"]
    funded_places = FIGURES["funded_places"]
