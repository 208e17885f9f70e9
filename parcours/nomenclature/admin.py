"""Code systems come from the data files (`parcours load_nomenclatures`): read-only here."""

from django.contrib import admin

from parcours.nomenclature.models import CodeSystem, Concept


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CodeSystem)
class CodeSystemAdmin(ReadOnlyAdmin):
    list_display = ["name", "slug", "version", "oid"]
    search_fields = ["name", "slug"]


@admin.register(Concept)
class ConceptAdmin(ReadOnlyAdmin):
    list_display = ["code", "label", "system", "level", "national_code", "active", "verified"]
    list_filter = ["system", "active", "verified", "level"]
    search_fields = ["code", "label", "short_label", "national_code"]
    list_select_related = ["system"]
    ordering = ["system", "sort_key"]
    list_per_page = 100
