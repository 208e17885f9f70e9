"""Statements and imports are read in the admin, never written there: they come in through the import
(`parcours.finance.services`), which checks them in full."""

from django.contrib import admin

from parcours.finance.models import FinanceImport, FinancialStatement


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FinancialStatement)
class FinancialStatementAdmin(ReadOnlyAdmin):
    list_display = ["establishment", "year", "total_revenue", "total_expenses", "imported_at"]
    list_filter = ["year"]
    search_fields = ["establishment__name", "establishment__finess"]
    list_select_related = ["establishment"]


@admin.register(FinanceImport)
class FinanceImportAdmin(ReadOnlyAdmin):
    list_display = ["filename", "created_by", "created_at", "status", "error_count", "applied_at"]
    list_filter = ["status"]
    list_select_related = ["created_by"]
    exclude = ["rows"]
