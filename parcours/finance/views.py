"""Pages of the financial statements, for the direction of the establishments and of their
gestionnaires only. Anyone else who is logged in gets a 403 (that these pages exist is no secret);
within them, a statement or an import outside the user's reach is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.finance import services
from parcours.finance.blanks import blank_csv, blank_xlsx
from parcours.finance.columns import COLUMNS
from parcours.finance.enums import ImportStatus, RowAction
from parcours.finance.forms import ImportForm, StatementFilterForm
from parcours.finance.models import (
    BFR_FORMULA,
    CAF_FORMULA,
    CAF_RATE_FORMULA,
    COST_PER_DAY_FORMULA,
    COST_PER_PLACE_FORMULA,
    FRNG_FORMULA,
    RESULT_FORMULA,
    TREASURY_FORMULA,
    FinanceImport,
    FinancialStatement,
)
from parcours.finance.permissions import require_finance_access
from parcours.finance.preview import preview_rows
from parcours.organisations.models import Establishment

STATEMENTS_PER_PAGE = 25
IMPORTS_SHOWN = 10
TEMPLATE_NAME = "modele-etats-realises"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

INCOME_FIELDS = (
    "total_revenue",
    "total_expenses",
    "depreciation_provisions",
    "reversals",
    "disposed_assets_book_value",
    "asset_disposal_proceeds",
    "investment_subsidies_share",
)
BALANCE_FIELDS = (
    "equity",
    "provisions",
    "long_term_debt",
    "net_fixed_assets",
    "operating_assets",
    "short_term_liabilities",
    "cash",
    "bank_overdrafts",
)
ACTIVITY_FIELDS = ("days_realised", "funded_places")


@require_GET
def statement_list(request):
    managed = require_finance_access(request.user)
    statements = FinancialStatement.objects.for_establishments(managed)
    form = StatementFilterForm(
        request.GET,
        establishments=Establishment.objects.filter(pk__in=managed).order_by("name", "pk"),
        years=statements.order_by("-year").values_list("year", flat=True).distinct(),
    )
    shown = (
        statements.filter(**form.filters())
        .select_related("establishment")
        .order_by("-year", "establishment__name", "pk")
    )
    page = Paginator(shown, STATEMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "finance/statement_list.html", {"form": form, "page": page})


def _figures(statement: FinancialStatement, names: tuple[str, ...]) -> list[tuple[str, object]]:
    return [
        (FinancialStatement._meta.get_field(name).verbose_name, getattr(statement, name)) for name in names
    ]


@require_GET
def statement_detail(request, uuid):
    managed = require_finance_access(request.user)
    statement = get_object_or_404(
        FinancialStatement.objects.for_establishments(managed).select_related(
            "establishment", "imported_by", "source_import"
        ),
        uuid=uuid,
    )
    computed = [
        ("Résultat de l'exercice", statement.result, "€", RESULT_FORMULA),
        ("Capacité d'autofinancement (CAF)", statement.caf, "€", CAF_FORMULA),
        ("Taux de CAF", statement.caf_rate, "%", CAF_RATE_FORMULA),
        ("Fonds de roulement net global (FRNG)", statement.frng, "€", FRNG_FORMULA),
        ("Besoin en fonds de roulement (BFR)", statement.bfr, "€", BFR_FORMULA),
        ("Trésorerie", statement.treasury, "€", TREASURY_FORMULA),
        ("Coût par journée réalisée", statement.cost_per_day, "€", COST_PER_DAY_FORMULA),
        ("Coût par place financée", statement.cost_per_place, "€", COST_PER_PLACE_FORMULA),
    ]
    return render(
        request,
        "finance/statement_detail.html",
        {
            "statement": statement,
            "title": f"{statement.establishment.name} — exercice {statement.year}",
            "income": _figures(statement, INCOME_FIELDS),
            "balance": _figures(statement, BALANCE_FIELDS),
            "activity": _figures(statement, ACTIVITY_FIELDS),
            "computed": computed,
        },
    )


@require_http_methods(["GET", "POST"])
def import_upload(request):
    require_finance_access(request.user)
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if form.is_bound and form.is_valid():
        uploaded = form.cleaned_data["file"]
        finance_import = services.create_import(uploaded.name, uploaded.read(), actor=request.user)
        if finance_import.status == ImportStatus.REJECTED:
            messages.error(request, "Le fichier contient des erreurs : rien n'a été importé.")
        else:
            messages.success(request, "Le fichier est valide : vérifiez puis confirmez l'import.")
        return redirect("finance:import_detail", uuid=finance_import.uuid)
    recent = FinanceImport.objects.by(request.user)[:IMPORTS_SHOWN]
    return render(request, "finance/import_upload.html", {"form": form, "columns": COLUMNS, "recent": recent})


@require_GET
def import_detail(request, uuid):
    require_finance_access(request.user)
    finance_import = get_object_or_404(FinanceImport.objects.by(request.user), uuid=uuid)
    rows = preview_rows(finance_import)
    return render(
        request,
        "finance/import_detail.html",
        {
            "import": finance_import,
            "rows": rows,
            "created": sum(row.action == RowAction.CREATE for row in rows),
            "replaced": sum(row.action == RowAction.REPLACE for row in rows),
            "more_errors": finance_import.error_count - len(finance_import.errors),
            "columns": COLUMNS,
        },
    )


@require_POST
def import_apply(request, uuid):
    require_finance_access(request.user)
    finance_import = get_object_or_404(FinanceImport.objects.by(request.user), uuid=uuid)
    try:
        statements = services.apply_import(finance_import, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("finance:import_detail", uuid=finance_import.uuid)
    count = len(statements)
    plural = "s" if count > 1 else ""
    messages.success(request, f"Import appliqué : {count} état{plural} réalisé{plural} enregistré{plural}.")
    return redirect("finance:import_detail", uuid=finance_import.uuid)


@require_GET
def template_csv(request):
    require_finance_access(request.user)
    response = HttpResponse(blank_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}.csv"'
    return response


@require_GET
def template_xlsx(request):
    require_finance_access(request.user)
    response = HttpResponse(blank_xlsx(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{TEMPLATE_NAME}.xlsx"'
    return response
