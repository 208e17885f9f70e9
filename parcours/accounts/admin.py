from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from parcours.accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_superuser", "last_login"]
    readonly_fields = ["uuid", "last_login", "date_joined"]
    fieldsets = [*DjangoUserAdmin.fieldsets, ("Identifiant stable", {"fields": ["uuid"]})]
