"""Login through an outside OpenID Connect provider, against a real one (django-oauth-toolkit in a
second process, tests/oidc_provider/) over HTTP: the browser's part is played by a requests session
that goes from the live server to the provider and back, as a browser does."""

import html
import re
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken

from parcours.accounts.enums import ExternalLoginRefusal, ThrottleKind
from parcours.accounts.models import ExternalIdentity, LoginThrottle, User
from parcours.accounts.services import (
    ExternalLoginRefused,
    record_login_failure,
    replace_recovery_codes,
    sign_in_external_identity,
)
from parcours.staff.models import Membership
from tests.accounts.conftest import PROVIDER_NAME, PROVIDER_USERS
from tests.accounts.otp import totp_code, totp_device
from tests.factories import EstablishmentFactory, UserFactory, make_professional
from tests.oidc_provider.server import PASSWORD as PROVIDER_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
HOME = reverse("core:home")
VERIFY = reverse("accounts:two_factor_verify")


class Browser:
    """A requests session with its cookies, stepping through the redirects one at a time."""

    def __init__(self, live_server):
        self.base = live_server.url
        self.session = requests.Session()
        self.session.trust_env = False

    def url(self, path_or_url: str) -> str:
        return path_or_url if path_or_url.startswith("http") else self.base + path_or_url

    def get(self, path_or_url: str) -> requests.Response:
        return self.session.get(self.url(path_or_url), allow_redirects=False, timeout=20)

    def follow(self, response: requests.Response) -> requests.Response:
        while response.is_redirect:
            response = self.get(urljoin(response.url, response.headers["Location"]))
        return response

    def submit(self, page: requests.Response, data: dict) -> requests.Response:
        """Post the page's form (to the page's own address) with its CSRF token."""
        token = CSRF_INPUT.search(page.text).group(1)
        return self.session.post(
            page.url, data={"csrfmiddlewaretoken": token, **data}, allow_redirects=False, timeout=20
        )

    def provider_login(self, username: str, *, authorize=None, callback=None) -> requests.Response:
        """« Se connecter avec … », the provider's login form, then the provider's redirect to
        Parcours: returns Parcours's answer to it. `authorize` and `callback` may rewrite the
        addresses on the way, as an attacker would."""
        response = self.get(reverse("accounts:oidc_login"))
        assert response.status_code == 302, response.status_code
        authorize_url = response.headers["Location"]
        if authorize:
            authorize_url = authorize(authorize_url)
        login_page = self.follow(self.get(authorize_url))
        assert login_page.status_code == 200, login_page.status_code
        response = self.submit(login_page, {"username": username, "password": PROVIDER_PASSWORD})
        assert response.status_code == 302, response.text
        response = self.get(urljoin(response.url, response.headers["Location"]))
        callback_url = response.headers["Location"]
        assert callback_url.startswith(self.base + reverse("accounts:oidc_callback"))
        if callback:
            callback_url = callback(callback_url)
        return self.get(callback_url)

    def page(self, response: requests.Response) -> str:
        """The page a response leads to, as text (entities decoded)."""
        response = self.follow(response)
        assert response.status_code == 200, response.status_code
        return html.unescape(response.text)

    def give_code(self, response: requests.Response, code: str) -> requests.Response:
        page = self.follow(response)
        assert urlsplit(page.url).path == VERIFY
        return self.submit(page, {"code": code})


def with_query(url: str, **changes) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    return urlunsplit(parts._replace(query=urlencode({**query, **changes})))


def assert_refused_as_unverified(browser: Browser, response: requests.Response) -> None:
    """Back on the login page with the message of a provider's answer that failed its checks, and
    still logged out."""
    assert f"La réponse de {PROVIDER_NAME} n'a pas pu être vérifiée" in browser.page(response)
    assert browser.get(HOME).headers["Location"].startswith(reverse("accounts:login"))


def professional(email: str) -> User:
    return make_professional(EstablishmentFactory(), user__email=email).user


def test_login_page_offers_the_provider_only_when_configured(client, settings, oidc_enabled):
    content = html.unescape(client.get(reverse("accounts:login")).content.decode())
    assert f"Se connecter avec {PROVIDER_NAME}" in content
    settings.AUTHENTICATION_BACKENDS = ["parcours.accounts.backends.ThrottledModelBackend"]
    content = client.get(reverse("accounts:login")).content.decode()
    assert "Se connecter avec" not in content and reverse("accounts:oidc_login") not in content
    assert client.get(reverse("accounts:oidc_login")).status_code == 404
    assert client.get(reverse("accounts:oidc_callback")).status_code == 404


def test_first_login_links_by_verified_email_then_asks_the_code_then_the_stored_link_is_used(
    live_server, oidc_enabled
):
    user = professional(PROVIDER_USERS["marie"]["email"])
    device = totp_device(user)
    browser = Browser(live_server)

    response = browser.provider_login("marie")
    assert response.status_code == 302 and response.headers["Location"].startswith(VERIFY)
    # Not in yet: every page sends to the code page.
    assert browser.get(HOME).headers["Location"].startswith(VERIFY)
    response = browser.give_code(response, totp_code(device.key))
    assert response.headers["Location"] == HOME
    assert "Se déconnecter" in browser.page(browser.get(HOME))
    identity = ExternalIdentity.objects.get(user=user)
    assert identity.issuer == oidc_enabled.issuer and identity.subject and identity.name == PROVIDER_NAME

    # The second time the stored (issuer, subject) pair finds the account, whatever its e-mail now.
    User.objects.filter(pk=user.pk).update(email="nouvelle.adresse@example.org")
    recovery_code = replace_recovery_codes(user)[0]
    browser = Browser(live_server)
    response = browser.give_code(browser.provider_login("marie"), recovery_code)
    assert response.headers["Location"] == HOME
    assert browser.get(HOME).status_code == 200
    assert not StaticToken.objects.filter(token=recovery_code).exists()
    assert ExternalIdentity.objects.filter(user=user).count() == 1


def test_unknown_email_is_refused_in_french_and_no_account_is_created(live_server, oidc_enabled):
    accounts = User.objects.count()
    browser = Browser(live_server)
    response = browser.provider_login("inconnu")
    assert response.headers["Location"] == reverse("accounts:login")
    assert (
        f"Aucun compte Parcours n'est relié à votre identité {PROVIDER_NAME}. Adressez-vous à la "
        "personne qui administre Parcours dans votre structure." in browser.page(response)
    )
    assert User.objects.count() == accounts and not ExternalIdentity.objects.exists()
    assert browser.get(HOME).headers["Location"].startswith(reverse("accounts:login"))
    # Counted like a wrong password, for the address (no account was found).
    assert LoginThrottle.objects.filter(kind=ThrottleKind.ADDRESS).get().failures == 1


def test_an_email_the_provider_did_not_verify_links_no_account(live_server, oidc_enabled):
    user = professional(PROVIDER_USERS["non-verifie"]["email"])
    browser = Browser(live_server)
    content = browser.page(browser.provider_login("non-verifie"))
    assert "Aucun compte Parcours n'est relié à votre identité" in content
    assert not ExternalIdentity.objects.filter(user=user).exists()


def test_create_users_setting_creates_an_account_with_no_membership(live_server, settings, oidc_enabled):
    settings.PARCOURS_OIDC_CREATE_USERS = True
    browser = Browser(live_server)
    response = browser.provider_login("inconnu")
    # No membership, so no personal data to read: no second factor asked, and nothing to see yet.
    assert response.headers["Location"] == HOME
    assert browser.get(HOME).status_code == 200
    user = User.objects.get(email=PROVIDER_USERS["inconnu"]["email"])
    assert user.username == "inconnu@example.org" and user.first_name == "Inconnu"
    assert not user.has_usable_password()
    assert not Membership.objects.filter(professional__user=user).exists()
    assert ExternalIdentity.objects.get(user=user).issuer == oidc_enabled.issuer


def test_trusted_acr_counts_as_the_second_factor(live_server, oidc_enabled):
    user = professional(PROVIDER_USERS["carte"]["email"])
    totp_device(user)
    browser = Browser(live_server)
    response = browser.provider_login("carte")
    assert response.headers["Location"] == HOME
    assert browser.get(HOME).status_code == 200
    assert browser.get(reverse("people:search")).status_code == 200


def test_untrusted_acr_still_asks_for_the_code(live_server, settings, oidc_enabled):
    user = professional(PROVIDER_USERS["carte"]["email"])
    totp_device(user)
    settings.PARCOURS_OIDC_TRUSTED_ACR = ["eidas3"]
    browser = Browser(live_server)
    response = browser.provider_login("carte")
    assert response.headers["Location"].startswith(VERIFY)
    assert browser.get(HOME).headers["Location"].startswith(VERIFY)


def test_professional_without_an_app_is_sent_to_enrolment(live_server, oidc_enabled):
    professional(PROVIDER_USERS["marie"]["email"])
    browser = Browser(live_server)
    response = browser.provider_login("marie")
    assert response.headers["Location"].startswith(reverse("accounts:two_factor_enrol"))


def test_deactivated_account_is_refused_and_counted(live_server, oidc_enabled):
    user = professional(PROVIDER_USERS["ancien"]["email"])
    User.objects.filter(pk=user.pk).update(is_active=False)
    browser = Browser(live_server)
    content = browser.page(browser.provider_login("ancien"))
    assert "Ce compte est désactivé." in content
    assert browser.get(HOME).status_code == 302
    assert LoginThrottle.objects.filter(kind=ThrottleKind.USERNAME).get().failures == 1


def test_locked_account_is_refused_even_by_the_provider(live_server, settings, oidc_enabled):
    user = professional(PROVIDER_USERS["carte"]["email"])
    for _ in range(settings.PARCOURS_LOGIN_FAILURE_LIMIT):
        record_login_failure(username=user.username, address=None)
    browser = Browser(live_server)
    content = browser.page(browser.provider_login("carte"))
    assert "Trop de tentatives de connexion ont échoué" in content
    assert browser.get(HOME).status_code == 302


def test_tampered_state_is_refused_and_a_callback_cannot_be_replayed(live_server, oidc_enabled):
    professional(PROVIDER_USERS["carte"]["email"])
    browser = Browser(live_server)
    response = browser.provider_login("carte", callback=lambda url: with_query(url, state="forged-state"))
    assert_refused_as_unverified(browser, response)

    replayed = []
    browser = Browser(live_server)
    response = browser.provider_login("carte", callback=lambda url: replayed.append(url) or url)
    assert response.headers["Location"] == HOME
    browser = Browser(live_server)
    assert_refused_as_unverified(browser, browser.get(replayed[0]))


def test_tampered_nonce_is_refused(live_server, oidc_enabled):
    professional(PROVIDER_USERS["carte"]["email"])
    browser = Browser(live_server)
    response = browser.provider_login("carte", authorize=lambda url: with_query(url, nonce="forged-nonce"))
    assert_refused_as_unverified(browser, response)
    assert not ExternalIdentity.objects.exists()


def test_token_from_another_issuer_is_refused(live_server, settings, oidc_enabled):
    """With its endpoints given one by one (no discovery), an ID token whose `iss` is not the
    configured issuer is refused."""
    document = requests.get(oidc_enabled.issuer + "/.well-known/openid-configuration", timeout=10).json()
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = document["authorization_endpoint"]
    settings.OIDC_OP_TOKEN_ENDPOINT = document["token_endpoint"]
    settings.OIDC_OP_USER_ENDPOINT = document["userinfo_endpoint"]
    settings.OIDC_OP_JWKS_ENDPOINT = document["jwks_uri"]
    professional(PROVIDER_USERS["carte"]["email"])
    settings.PARCOURS_OIDC_ISSUER = oidc_enabled.url + "/un-autre-fournisseur"
    browser = Browser(live_server)
    assert_refused_as_unverified(browser, browser.provider_login("carte"))
    settings.PARCOURS_OIDC_ISSUER = oidc_enabled.issuer
    browser = Browser(live_server)
    assert browser.provider_login("carte").headers["Location"] == HOME


def test_cancelled_at_the_provider(live_server, oidc_enabled):
    browser = Browser(live_server)
    response = browser.get(reverse("accounts:oidc_login"))
    state = parse_qs(urlsplit(response.headers["Location"]).query)["state"][0]
    callback = reverse("accounts:oidc_callback") + "?" + urlencode({"error": "access_denied", "state": state})
    assert f"La connexion avec {PROVIDER_NAME} n'a pas abouti." in browser.page(browser.get(callback))


def test_logout_ends_the_session_here_and_at_the_provider(live_server, oidc_enabled):
    professional(PROVIDER_USERS["carte"]["email"])
    browser = Browser(live_server)
    home = browser.follow(browser.provider_login("carte"))
    response = browser.session.post(
        live_server.url + reverse("accounts:logout"),
        data={"csrfmiddlewaretoken": CSRF_INPUT.search(home.text).group(1)},
        allow_redirects=False,
        timeout=20,
    )
    location = response.headers["Location"]
    assert location.startswith(oidc_enabled.issuer + "/logout/")
    query = parse_qs(urlsplit(location).query)
    assert query == {
        "client_id": [oidc_enabled.client_id],
        "post_logout_redirect_uri": [live_server.url + reverse("accounts:login")],
    }
    assert browser.get(HOME).status_code == 302
    assert browser.get(location).status_code < 400


def test_provider_out_of_reach_is_said_in_french(client, settings, oidc_enabled):
    settings.PARCOURS_OIDC_ISSUER = "http://127.0.0.1:9/injoignable"
    response = client.get(reverse("accounts:oidc_login"), follow=True)
    assert f"{PROVIDER_NAME} ne répond pas pour le moment." in html.unescape(response.content.decode())


def test_password_login_is_untouched_by_the_provider_backend(client, oidc_enabled):
    user = UserFactory()
    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "faux"})
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect." in html.unescape(response.content.decode())


def test_two_accounts_with_the_verified_address_link_neither():
    UserFactory(email="partage@example.org")
    UserFactory(email="Partage@example.org")
    with pytest.raises(ExternalLoginRefused) as refused:
        sign_in_external_identity(
            issuer="https://annuaire.example.org",
            subject="42",
            verified_email="partage@example.org",
            provider_name=PROVIDER_NAME,
            create_users=True,
        )
    assert refused.value.reason == ExternalLoginRefusal.AMBIGUOUS
    assert not ExternalIdentity.objects.exists()


def test_the_identity_device_accepts_no_code():
    user = UserFactory(email="directrice@example.org")
    identity = sign_in_external_identity(
        issuer="https://annuaire.example.org",
        subject="42",
        verified_email=user.email,
        provider_name=PROVIDER_NAME,
        create_users=False,
    )
    assert identity.user == user and identity.confirmed
    assert not identity.verify_token("") and not identity.verify_token("123456")
