from django.contrib.auth.decorators import login_not_required
from django.urls import path
from oauth2_provider.views import TokenView

from parcours.accounts.middleware import second_factor_exempt

app_name = "fhir_auth"

urlpatterns = [
    # OAuth2 client credentials: POST grant_type=client_credentials with the client's id and secret.
    path("token", second_factor_exempt(login_not_required(TokenView.as_view())), name="token"),
]
