"""The admin serves reference data to superusers only, never a person's record."""

from django.contrib import admin

admin.site.site_header = "Parcours — administration des données de référence"
admin.site.site_title = "Parcours"
admin.site.index_title = "Données de référence"


def superuser_only(request) -> bool:
    """Staff status alone does not open the admin: reference data is a superuser's job."""
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = superuser_only
