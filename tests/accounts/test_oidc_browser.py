"""The provider's login in Chromium: the button, the provider's page, back to Parcours with the
session cookie (SameSite=Lax lets the provider's redirect carry it), the code, the home page."""

import pytest

from tests.accounts.conftest import PROVIDER_NAME, PROVIDER_USERS
from tests.accounts.otp import totp_code, totp_device
from tests.factories import EstablishmentFactory, make_professional
from tests.oidc_provider.server import PASSWORD as PROVIDER_PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_log_in_with_the_provider_then_the_code(page, oidc_enabled):
    user = make_professional(EstablishmentFactory(), user__email=PROVIDER_USERS["marie"]["email"]).user
    device = totp_device(user)

    page.goto("/personnes/")
    page.get_by_role("link", name=f"Se connecter avec {PROVIDER_NAME}").click()
    page.wait_for_url(f"{oidc_enabled.url}/**")
    page.get_by_label("Username").fill("marie")
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()

    page.get_by_label("Code de vérification").fill(totp_code(device.key))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url("**/personnes/")
    page.get_by_role("button", name="Se déconnecter").wait_for()
