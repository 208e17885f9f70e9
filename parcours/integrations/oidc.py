"""Login through an outside OpenID Connect provider: a gestionnaire's directory, Pro Santé Connect.

mozilla-django-oidc does the authorization code flow (state, nonce, PKCE S256, the token request,
the RS256 signature checked with the provider's JWKS); this module adds what Parcours needs:
- the provider is configured by its issuer; its endpoints come from
  `<issuer>/.well-known/openid-configuration`, fetched at the first login and kept for the life of
  the process (or given one by one in the settings, then nothing is fetched);
- the ID token must come from that issuer, for this client, and not be expired;
- the account is found, linked or created by `parcours.accounts.services.sign_in_external_identity`;
  a locked username or address is refused as with a password;
- the second factor is still asked, unless the ID token's `acr` is one of PARCOURS_OIDC_TRUSTED_ACR
  (a multi-factor authentication at the provider, e.g. Pro Santé Connect's e-CPS): the session is
  then marked verified by django-otp with the user's ExternalIdentity as its device.
Every refusal is an ExternalLoginRefused with a reason; nothing here logs a name or a claim.
"""

from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.urls import reverse
from django.views import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from parcours.access.journal import client_ip
from parcours.accounts import services
from parcours.accounts.enums import ExternalLoginRefusal
from parcours.accounts.services import ExternalLoginRefused

BACKEND = "parcours.integrations.oidc.OIDCBackend"
DISCOVERY_PATH = "/.well-known/openid-configuration"
# The library's setting names, and the discovery document's names for the same endpoints.
ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
    "PARCOURS_OIDC_END_SESSION_ENDPOINT": "end_session_endpoint",
}
LOGIN_ENDPOINTS = [name for name in ENDPOINTS if name != "PARCOURS_OIDC_END_SESSION_ENDPOINT"]

_discovered: dict[str, dict] = {}


def enabled() -> bool:
    """On when settings.py found the provider configured (it then lists the backend)."""
    return BACKEND in settings.AUTHENTICATION_BACKENDS


def provider_name() -> str:
    return settings.PARCOURS_OIDC_NAME


def discovery_used() -> bool:
    return not all(getattr(settings, name, "") for name in LOGIN_ENDPOINTS)


def provider_metadata() -> dict:
    """The provider's discovery document, fetched once per process (a failure is retried next time)."""
    issuer = settings.PARCOURS_OIDC_ISSUER
    if issuer not in _discovered:
        try:
            response = requests.get(issuer.rstrip("/") + DISCOVERY_PATH, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            document = response.json()
        except (requests.RequestException, ValueError) as error:
            raise ExternalLoginRefused(ExternalLoginRefusal.UNAVAILABLE) from error
        if not isinstance(document, dict) or document.get("issuer") != issuer:
            # OpenID Connect Discovery 1.0, section 4.3: the document must name the issuer asked for.
            raise ExternalLoginRefused(ExternalLoginRefusal.UNAVAILABLE)
        _discovered[issuer] = document
    return _discovered[issuer]


def endpoint(name: str) -> str:
    """An endpoint's URL: from the settings when given there, from the discovery document otherwise."""
    value = getattr(settings, name, "")
    if value or not discovery_used():
        return value
    return provider_metadata().get(ENDPOINTS[name], "")


def get_setting(name: str, *default):
    """mozilla-django-oidc's settings, with the endpoints found by discovery."""
    if name in ENDPOINTS:
        return endpoint(name)
    return import_from_settings(name, *default)


def second_factor_asserted(id_token: dict) -> bool:
    """Whether the provider says this login already used several factors (its `acr` is trusted)."""
    acr = id_token.get("acr")
    return isinstance(acr, str) and acr in settings.PARCOURS_OIDC_TRUSTED_ACR


def end_session_url(request) -> str | None:
    """Where to send the browser at logout to end the provider's session too, back to our login page
    afterwards. No ID token in the address (it carries the person's claims): the client_id says who
    asks (OpenID Connect RP-Initiated Logout 1.0)."""
    try:
        url = endpoint("PARCOURS_OIDC_END_SESSION_ENDPOINT")
    except ExternalLoginRefused:
        return None
    if not url:
        return None
    query = {
        "client_id": settings.OIDC_RP_CLIENT_ID,
        "post_logout_redirect_uri": request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL)),
    }
    return f"{url}{'&' if '?' in url else '?'}{urlencode(query)}"


def email_is_verified(claims: dict) -> bool:
    return claims.get("email_verified") in (True, "true")


class OIDCBackend(OIDCAuthenticationBackend):
    """Authenticates the callback of the provider only (never a password), through the account rules
    of `parcours.accounts.services`."""

    get_settings = staticmethod(get_setting)

    def __init__(self, *args, **kwargs):
        # Unlike the library, read no endpoint here: Django builds a backend on every request of a
        # logged-in user, and that must not wait for the provider's discovery document.
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = get_user_model()

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self):  # noqa: N802 - the library's attribute names
        return endpoint("OIDC_OP_TOKEN_ENDPOINT")

    @property
    def OIDC_OP_USER_ENDPOINT(self):  # noqa: N802
        return endpoint("OIDC_OP_USER_ENDPOINT")

    @property
    def OIDC_OP_JWKS_ENDPOINT(self):  # noqa: N802
        return endpoint("OIDC_OP_JWKS_ENDPOINT")

    def authenticate(self, request, **kwargs):
        if request is None or "nonce" not in kwargs or "username" in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except requests.RequestException as error:
            raise ExternalLoginRefused(ExternalLoginRefusal.UNAVAILABLE) from error
        except (SuspiciousOperation, jwt.PyJWTError, KeyError, ValueError) as error:
            # A wrong nonce or signature, a token for another client or issuer, an expired token...
            raise ExternalLoginRefused(ExternalLoginRefusal.INVALID) from error

    def verify_token(self, token, **kwargs):
        payload = super().verify_token(token, **kwargs)
        audience = payload.get("aud")
        audiences = [audience] if isinstance(audience, str) else list(audience or [])
        if (
            payload.get("iss") != settings.PARCOURS_OIDC_ISSUER
            or self.OIDC_RP_CLIENT_ID not in audiences
            or (len(audiences) > 1 and payload.get("azp") != self.OIDC_RP_CLIENT_ID)
            or "exp" not in payload
            or not payload.get("sub")
        ):
            raise SuspiciousOperation("ID token not issued for this client by this provider")
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if claims.get("sub") != payload["sub"]:
            # OpenID Connect Core 1.0, 5.3.2: the UserInfo response must be about the same person.
            raise ExternalLoginRefused(ExternalLoginRefusal.INVALID)
        identity = services.sign_in_external_identity(
            issuer=settings.PARCOURS_OIDC_ISSUER,
            subject=payload["sub"],
            verified_email=(claims.get("email") or "") if email_is_verified(claims) else "",
            first_name=claims.get("given_name") or "",
            last_name=claims.get("family_name") or "",
            provider_name=provider_name(),
            create_users=settings.PARCOURS_OIDC_CREATE_USERS,
        )
        user = identity.user
        username = user.get_username()
        if services.login_locked(username=username, address=client_ip(self.request)):
            raise ExternalLoginRefused(ExternalLoginRefusal.LOCKED, username=username)
        if second_factor_asserted(payload):
            # django-otp marks the session verified with this device when Django logs the user in.
            user.otp_device = identity
        return user

    def get_user(self, user_id):
        # Django's check (a deactivated account's sessions end at once), not the library's.
        return ModelBackend.get_user(self, user_id)


class AuthenticationRequestView(OIDCAuthenticationRequestView):
    """The library's redirect to the provider (state, nonce and PKCE kept in the session), with the
    endpoint looked up when a login starts rather than when the view is built."""

    get_settings = staticmethod(get_setting)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)

    def get(self, request):
        self.OIDC_OP_AUTH_ENDPOINT = endpoint("OIDC_OP_AUTHORIZATION_ENDPOINT")
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        return super().get(request)


class AuthenticationCallbackView(OIDCAuthenticationCallbackView):
    """The library's callback: checks the state, then authenticates through OIDCBackend."""

    get_settings = staticmethod(get_setting)
