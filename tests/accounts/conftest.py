import pytest
from django.urls import reverse

from parcours.integrations import oidc
from tests.core.pages import checked_pages  # noqa: F401
from tests.oidc_provider.server import running_provider

# The test provider's users: what it says about each (`acr`: how it says they authenticated).
PROVIDER_USERS = {
    "marie": {"email": "marie.durand@example.org", "email_verified": True, "acr": "mot-de-passe"},
    "carte": {"email": "jean.carte@example.org", "email_verified": True, "acr": "carte-cps"},
    "inconnu": {"email": "inconnu@example.org", "email_verified": True, "acr": "mot-de-passe"},
    "non-verifie": {"email": "claire.martin@example.org", "email_verified": False, "acr": ""},
    "ancien": {"email": "ancien@example.org", "email_verified": True, "acr": "carte-cps"},
}
TRUSTED_ACR = "carte-cps"
PROVIDER_NAME = "Annuaire de test"


@pytest.fixture(autouse=True)
def _every_page_is_checked(checked_pages):  # noqa: F811
    """Every HTML page rendered by these tests is checked for undefined variables and inline code."""


@pytest.fixture(scope="session")
def oidc_provider(live_server, tmp_path_factory):
    """A real OpenID Connect provider (django-oauth-toolkit) in a second process, started once, its
    client registered with the live server's callback."""
    with running_provider(
        tmp_path_factory.mktemp("oidc-provider"),
        redirect_uri=live_server.url + reverse("accounts:oidc_callback"),
        post_logout_redirect_uri=live_server.url + reverse("accounts:login"),
        users={
            username: {"given_name": username.title(), "family_name": "Test", **account}
            for username, account in PROVIDER_USERS.items()
        },
    ) as provider:
        yield provider


@pytest.fixture
def oidc_enabled(oidc_provider, settings):
    """Parcours configured for the test provider, as the PARCOURS_OIDC_* variables configure it."""
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, oidc.BACKEND]
    settings.PARCOURS_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.PARCOURS_OIDC_NAME = PROVIDER_NAME
    settings.PARCOURS_OIDC_TRUSTED_ACR = [TRUSTED_ACR]
    settings.PARCOURS_OIDC_CREATE_USERS = False
    return oidc_provider
