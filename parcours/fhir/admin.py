"""The systems allowed to call the FHIR API: listed and revoked here; registered with the
`parcours fhir_client` command, which prints the secret once."""

from django.contrib import admin
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application, Grant, IDToken, RefreshToken

from parcours.fhir.models import ApiClient

# The OAuth2 tables are the API's machinery: clients are registered by the command and revoked here;
# their applications, tokens and grants are not edited by hand.
for _model in (AccessToken, Application, Grant, IDToken, RefreshToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ["name", "login", "scope_list", "created_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "application__user__username"]
    fields = ["name", "login", "scope_list", "created_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="identifiant de connexion")
    def login(self, obj):
        return obj.application.user.get_username() if obj.application.user else ""

    @admin.display(description="autorisations")
    def scope_list(self, obj):
        return " ".join(obj.scopes)

    @admin.action(description="Révoquer : le client ne pourra plus obtenir ni utiliser de jeton")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"{count} client(s) révoqué(s).")
