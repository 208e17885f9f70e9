from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from parcours.accounts.models import ExternalIdentity, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser", "last_login"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Identifiant stable", {"fields": ["uuid"]})]


@admin.register(ExternalIdentity)
class ExternalIdentityAdmin(admin.ModelAdmin):
    """Link an account by hand to its identity at the provider (when the provider gives no verified
    e-mail address), or remove a link."""

    list_display = ["user", "name", "issuer", "created_at", "last_used_at"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__last_name"]
    raw_id_fields = ["user"]
    fields = ["user", "name", "issuer", "subject", "created_at", "last_used_at"]
    readonly_fields = ["created_at", "last_used_at"]
