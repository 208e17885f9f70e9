from django.contrib import admin

from parcours.organisations.models import (
    Authority,
    AuthorityAgent,
    Capacity,
    Establishment,
    Gestionnaire,
    Unit,
)


class EstablishmentInline(admin.TabularInline):
    model = Establishment
    fields = ["name", "finess", "category", "department_code"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Gestionnaire)
class GestionnaireAdmin(admin.ModelAdmin):
    list_display = ["name", "siren", "finess_juridique"]
    search_fields = ["name", "siren", "finess_juridique"]
    inlines = [EstablishmentInline]


class CapacityInline(admin.TabularInline):
    model = Capacity
    extra = 0


class UnitInline(admin.TabularInline):
    model = Unit
    extra = 0


@admin.register(Establishment)
class EstablishmentAdmin(admin.ModelAdmin):
    list_display = ["name", "finess", "category", "gestionnaire", "department_code", "city"]
    list_filter = ["department_code", "region_code", "category"]
    search_fields = ["name", "finess", "city", "gestionnaire__name"]
    list_select_related = ["category", "gestionnaire"]
    autocomplete_fields = ["gestionnaire"]
    inlines = [CapacityInline, UnitInline]
    fieldsets = [
        (None, {"fields": ["name", "gestionnaire", "finess", "category"]}),
        ("Adresse", {"fields": ["street", "postal_code", "city", "department_code", "region_code", "phone"]}),
    ]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "category":
            from parcours.nomenclature.models import Concept

            kwargs["queryset"] = Concept.objects.of("finess-categories").selectable().order_by("label")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class AuthorityAgentInline(admin.TabularInline):
    model = AuthorityAgent
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Authority)
class AuthorityAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region_code", "department_code"]
    list_filter = ["kind"]
    search_fields = ["name"]
    inlines = [AuthorityAgentInline]
