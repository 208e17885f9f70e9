"""Second-factor helpers for the tests, on django-otp's own models and TOTP implementation.

- `totp_device(user)`: the user's authentication app (a confirmed TOTPDevice), created if needed;
- `totp_code(key)`: the code an authentication app shows now for that hex key;
- `verified_client(user)`: a test client past the password and the second factor, the session
  marked the way django-otp marks it (its DEVICE_ID_SESSION_KEY);
- `log_in_in_browser(page, username, key)`: the login pages in Chromium, password then code.
"""

import time
from base64 import b32decode
from binascii import hexlify, unhexlify

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.accounts.middleware import start_session_clock
from tests.factories import PASSWORD


def totp_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Téléphone de test", confirmed=True)


def totp_code(key: str, *, at: float | None = None) -> str:
    """The 6 digits an authentication app shows for this hex key (now, or at the `at` Unix time)."""
    totp = TOTP(unhexlify(key))
    totp.time = time.time() if at is None else at
    return f"{totp.token():06d}"


def key_from_secret(secret: str) -> str:
    """The hex key behind the base32 secret shown on the enrolment page (spaces allowed)."""
    return hexlify(b32decode("".join(secret.split()).upper())).decode()


def verified_client(user, password: str = PASSWORD) -> Client:
    client = Client()
    assert client.login(username=user.get_username(), password=password)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    start_session_clock(session)
    session.save()
    return client


def log_in_in_browser(page, username: str, key: str, password: str = PASSWORD) -> None:
    """Password page, then code page, as a person with an authentication app does."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_label("Code de vérification").fill(totp_code(key))
    page.get_by_role("button", name="Valider").click()
    page.wait_for_url(lambda url: "/compte/verification/" not in url)


def enrol_in_browser(page, username: str, password: str = PASSWORD) -> str:
    """First login: password, then the enrolment page (the key read from the page, as a person types
    it into an app), then the recovery codes. Returns the hex key."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    key = key_from_secret(page.locator("#totp-secret").inner_text())
    page.get_by_label("Code à 6 chiffres affiché par l'application").fill(totp_code(key))
    page.get_by_role("button", name="Activer").click()
    page.get_by_role("heading", level=1, name="Vos codes de secours").wait_for()
    page.get_by_role("link", name="J'ai noté mes codes, continuer").click()
    return key
