"""Failed logins: lockout of a username after N failures (passwords and codes), of an address after more,
with one message that does not tell whether the username exists; unlocked after the delay or by command."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from freezegun import freeze_time

from parcours.accounts.models import LoginThrottle
from tests.accounts.otp import totp_code, totp_device
from tests.core.pages import page
from tests.factories import PASSWORD, EstablishmentFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db

LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two_factor_verify")
LOCKED = "par sécurité, la connexion est bloquée pendant 15 minutes."
WRONG = "Identifiant ou mot de passe incorrect."


def attempt(client, username, password="pas le bon mot de passe"):  # noqa: S107
    return client.post(LOGIN, {"username": username, "password": password})


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00") as frozen:
        for _ in range(4):
            assert WRONG in page(attempt(client, "claire"))
        content = page(attempt(client, "claire"))
        assert LOCKED in content and WRONG not in content
        # Even the right password is refused, with the same message.
        content = page(attempt(client, "claire", PASSWORD))
        assert LOCKED in content and "_auth_user_id" not in client.session
        frozen.tick(datetime.timedelta(minutes=14, seconds=59))
        assert LOCKED in page(attempt(client, "claire", PASSWORD))
        frozen.tick(datetime.timedelta(seconds=2))
        assert attempt(client, "claire", PASSWORD)["Location"] == reverse("core:home")


def test_unknown_username_gets_the_same_answers(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00"):
        known = [page(attempt(Client(), "claire")) for _ in range(5)]
        unknown = [page(attempt(Client(), "personne")) for _ in range(5)]
    messages = [[m for m in (WRONG, LOCKED) if m in content] for content in known]
    assert messages == [[m for m in (WRONG, LOCKED) if m in content] for content in unknown]
    assert messages[-1] == [LOCKED]


def test_a_complete_login_forgets_the_failures(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(4):
            attempt(client, "claire")
        assert attempt(client, "claire", PASSWORD).status_code == 302
        client.post(reverse("accounts:logout"))
        for _ in range(4):
            assert WRONG in page(attempt(client, "claire"))
        assert attempt(client, "claire", PASSWORD).status_code == 302


def test_failures_far_apart_do_not_add_up(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00") as frozen:
        for _ in range(8):
            assert WRONG in page(attempt(client, "claire"))
            frozen.tick(datetime.timedelta(minutes=16))


def test_wrong_codes_count_and_lock_the_account(client):
    user = make_professional(EstablishmentFactory()).user
    device = totp_device(user)
    with freeze_time("2026-03-02 09:00:00") as frozen:
        attempt(client, user.username)
        attempt(client, user.username)
        assert attempt(client, user.username, PASSWORD)["Location"].startswith(VERIFY)
        wrong = f"{(int(totp_code(device.key)) + 1) % 1_000_000:06d}"
        # Two wrong passwords, then the password and wrong codes: the fifth failure locks.
        assert "Code incorrect." in page(client.post(VERIFY, {"code": wrong}))
        assert "Code incorrect." in page(client.post(VERIFY, {"code": wrong}))
        response = client.post(VERIFY, {"code": wrong}, follow=True)
        assert response.redirect_chain[-1][0] == LOGIN
        assert LOCKED in page(response) and "_auth_user_id" not in client.session
        # Locked: neither the password nor, through another session, the code page gets through.
        assert LOCKED in page(attempt(client, user.username, PASSWORD))
        frozen.tick(datetime.timedelta(minutes=16))
        assert attempt(client, user.username, PASSWORD)["Location"].startswith(VERIFY)
        assert client.post(VERIFY, {"code": totp_code(device.key)})["Location"] == reverse("core:home")
    assert not LoginThrottle.objects.filter(kind="username").exists()


@override_settings(PARCOURS_LOGIN_FAILURE_LIMIT=3, PARCOURS_LOGIN_LOCKOUT_SECONDS=120)
def test_limit_and_delay_are_settings(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00") as frozen:
        attempt(client, "claire")
        attempt(client, "claire")
        content = page(attempt(client, "claire"))
        assert "la connexion est bloquée pendant 2 minutes." in content
        frozen.tick(datetime.timedelta(seconds=121))
        assert attempt(client, "claire", PASSWORD).status_code == 302


@override_settings(PARCOURS_LOGIN_ADDRESS_FAILURE_LIMIT=6)
def test_one_address_trying_many_usernames_is_locked(client):
    UserFactory(username="claire")
    with freeze_time("2026-03-02 09:00:00"):
        for number in range(6):
            attempt(client, f"essai{number}")
        assert LOCKED in page(attempt(client, "claire", PASSWORD))
        other = Client(REMOTE_ADDR="192.0.2.10")
        assert other.post(LOGIN, {"username": "claire", "password": PASSWORD}).status_code == 302


def test_the_table_keeps_no_username_in_clear(client):
    attempt(client, "Mot-de-passe-tapé-au-mauvais-endroit")
    keys = list(LoginThrottle.objects.values_list("key", flat=True))
    assert len(keys) == 2 and all(len(key) == 64 for key in keys)
    assert not LoginThrottle.objects.filter(key__icontains="mauvais").exists()


def test_admin_login_page_is_throttled_too(client):
    UserFactory(username="chef", is_staff=True, is_superuser=True)
    with freeze_time("2026-03-02 09:00:00"):
        for _ in range(5):
            client.post(reverse("admin:login"), {"username": "chef", "password": "faux"})
        client.post(reverse("admin:login"), {"username": "chef", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_unlock_command(client):
    UserFactory(username="claire")
    for _ in range(5):
        attempt(client, "claire")
    out = io.StringIO()
    call_command("unlock_login", "claire", stdout=out)
    assert "Identifiant débloqué." in out.getvalue()
    assert attempt(client, "claire", PASSWORD).status_code == 302
