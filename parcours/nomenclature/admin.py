"""Code systems come from the data files (`parcours load_nomenclatures`): read-only here."""

from django.contrib import admin
from django.db import models

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
    # Django 6 makes https the default scheme of URL fields; say it now (no deprecation warning).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
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
