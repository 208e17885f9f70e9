from django.contrib import admin

from parcours.staff.models import Contract, Membership, Professional


class ContractInline(admin.TabularInline):
    model = Contract
    extra = 0
    autocomplete_fields = ["employer"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["establishment", "gestionnaire"]


@admin.register(Professional)
class ProfessionalAdmin(admin.ModelAdmin):
    list_display = ["last_name", "first_name", "profession", "user"]
    list_filter = ["profession"]
    search_fields = ["last_name", "first_name", "rpps", "user__username"]
    list_select_related = ["user"]
    autocomplete_fields = ["user"]
    inlines = [ContractInline, MembershipInline]
