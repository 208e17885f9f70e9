from django.contrib import admin

from parcours.staff.models import Absence, Contract, Membership, Professional


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


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ["contract__professional", "contract__employer", "reason", "start_date", "end_date"]
    list_filter = ["reason"]
    search_fields = ["contract__professional__last_name", "contract__professional__first_name"]
    list_select_related = ["contract__professional", "contract__employer"]
    raw_id_fields = ["contract"]
    date_hierarchy = "start_date"
