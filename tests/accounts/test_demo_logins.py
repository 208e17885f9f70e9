"""Every login printed by `parcours demo-data` works with the second factor required: the password,
then the code of the authentication app whose key is printed beside it."""

import io
import re
from base64 import b32decode

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from parcours.demo.coordination import LOGIN_PARTNER
from parcours.demo.generator import DEMO_PASSWORD, DEMO_USERNAMES
from tests.accounts.otp import totp_code

pytestmark = pytest.mark.django_db


def printed_keys(output: str) -> dict[str, str]:
    """username -> hex key, read from the printed `clé XXXX XXXX …` lines."""
    keys = {}
    for username, secret in re.findall(r"^  (\S+) +clé ([A-Z2-7 ]+)$", output, re.MULTILINE):
        keys[username] = b32decode(secret.replace(" ", "")).hex()
    return keys


def test_printed_logins_work_with_the_second_factor():
    out = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "3", stdout=out)
    output = out.getvalue()
    assert "Double authentification : ajoutez la clé du compte" in output
    keys = printed_keys(output)
    # The team's logins, and the partner professional of the circle (parcours/demo/coordination.py).
    professionals = (*DEMO_USERNAMES, LOGIN_PARTNER)
    assert sorted(keys) == sorted(professionals)
    for username in professionals:
        assert f"otpauth://totp/Parcours%3A{username}?secret=" in output
        client = Client()
        response = client.post(reverse("accounts:login"), {"username": username, "password": DEMO_PASSWORD})
        assert response["Location"].startswith(reverse("accounts:two_factor_verify")), username
        response = client.post(reverse("accounts:two_factor_verify"), {"code": totp_code(keys[username])})
        assert response["Location"] == reverse("core:home"), username
        assert client.get(reverse("core:home")).status_code == 200


@override_settings(PARCOURS_REQUIRE_2FA=False)
def test_make_demo_says_the_second_factor_is_off():
    out = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "3", stdout=out)
    assert "Démonstration : double authentification désactivée (PARCOURS_REQUIRE_2FA=0)" in out.getvalue()
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "educatrice", "password": DEMO_PASSWORD})
    assert response["Location"] == reverse("core:home")
