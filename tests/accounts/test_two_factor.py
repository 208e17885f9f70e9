"""TOTP second factor: enrolment, login with a code, recovery codes, and the gate before every page."""

import datetime
from base64 import b32encode
from binascii import unhexlify

import pytest
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from freezegun import freeze_time

from parcours.accounts.views import PENDING_KEY
from tests.accounts.otp import totp_code, totp_device
from tests.core.pages import page
from tests.factories import PASSWORD, EstablishmentFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db

VERIFY = reverse("accounts:two_factor_verify")
ENROL = reverse("accounts:two_factor_enrol")


def password_step(client, user, next_url=None):
    data = {"username": user.username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("accounts:login"), data)


def enrol(client):
    """Open the enrolment page, then confirm with the code for the key it shows."""
    page(client.get(ENROL))
    key = client.session[PENDING_KEY]
    return key, client.post(ENROL, {"code": totp_code(key)})


def test_professional_without_app_is_sent_to_enrolment_before_any_page(client):
    user = make_professional(EstablishmentFactory()).user
    response = password_step(client, user)
    assert response.status_code == 302 and response["Location"].startswith(ENROL)
    for name in ("core:home", "people:search", "organisations:list", "nomenclature:list"):
        response = client.get(reverse(name))
        assert response.status_code == 302, name
        assert response["Location"] == f"{ENROL}?next={reverse(name).replace('/', '%2F')}"
    # Public pages and logout stay reachable.
    page(client.get(reverse("core:styleguide")))
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")


def test_superuser_without_app_is_sent_to_enrolment_even_from_the_admin_login(client):
    UserFactory(username="chef", is_staff=True, is_superuser=True)
    response = client.post(reverse("admin:login"), {"username": "chef", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and response["Location"].startswith(ENROL)


def test_user_who_reads_no_personal_data_is_not_asked(client):
    user = UserFactory()
    response = password_step(client, user)
    assert response["Location"] == reverse("core:home")
    page(client.get(reverse("core:home")))


def test_enrolment_shows_a_qr_code_and_the_key_then_recovery_codes_once(client):
    user = make_professional(EstablishmentFactory()).user
    password_step(client, user)
    content = page(client.get(ENROL))
    key = client.session[PENDING_KEY]
    secret = b32encode(unhexlify(key)).decode()
    assert 'src="data:image/svg+xml' in content and "QR code" in content
    assert f'href="otpauth://totp/Parcours%3A{user.username}?secret={secret}&amp;' in content
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in content
    # The same key until it is confirmed: reloading the page does not invalidate a scanned QR code.
    page(client.get(ENROL))
    assert client.session[PENDING_KEY] == key

    response = client.post(ENROL, {"code": "000000" if totp_code(key) != "000000" else "111111"})
    assert "Ce code ne correspond pas." in page(response)
    assert not TOTPDevice.objects.filter(user=user).exists()

    response = client.post(ENROL, {"code": totp_code(key)})
    content = page(response)
    assert "Vos codes de secours" in content and "ne seront plus jamais affichés" in content
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and device.key == key
    tokens = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(tokens) == 10
    for token in tokens:
        assert f"{token[:4]} {token[4:]}" in content
    assert PENDING_KEY not in client.session
    page(client.get(reverse("core:home")))  # verified: the pages open


def test_enrolment_keeps_the_page_asked_for(client):
    user = make_professional(EstablishmentFactory()).user
    target = reverse("nomenclature:list")
    response = password_step(client, user, next_url=target)
    assert response["Location"] == f"{ENROL}?next={target.replace('/', '%2F')}"
    page(client.get(response["Location"]))
    key = client.session[PENDING_KEY]
    content = page(client.post(ENROL, {"code": totp_code(key), "next": target}))
    assert f'href="{target}"' in content


def test_login_with_the_app_code(client):
    user = make_professional(EstablishmentFactory()).user
    device = totp_device(user)
    target = reverse("organisations:list")
    response = password_step(client, user, next_url=target)
    assert response["Location"] == f"{VERIFY}?next={target.replace('/', '%2F')}"
    content = page(client.get(response["Location"]))
    assert '<label for="id_code">Code de vérification' in content
    assert 'autocomplete="one-time-code"' in content
    response = client.post(VERIFY, {"code": totp_code(device.key), "next": target})
    assert response.status_code == 302 and response["Location"] == target
    page(client.get(target))


def test_wrong_code_is_refused_with_a_french_message(client):
    user = make_professional(EstablishmentFactory()).user
    device = totp_device(user)
    with freeze_time("2026-03-02 09:00:00") as frozen:
        password_step(client, user)
        right = totp_code(device.key)
        wrong = f"{(int(right) + 1) % 1_000_000:06d}"
        content = page(client.post(VERIFY, {"code": wrong}))
        assert "Code incorrect." in content and 'aria-invalid="true"' in content
        assert client.get(reverse("core:home"))["Location"].startswith(VERIFY)
        frozen.tick(datetime.timedelta(seconds=2))  # django-otp slows down retries after a failure
        assert client.post(VERIFY, {"code": totp_code(device.key)})["Location"] == reverse("core:home")


def test_a_code_cannot_be_used_twice(client):
    user = make_professional(EstablishmentFactory()).user
    device = totp_device(user)
    with freeze_time("2026-03-02 09:00:00"):
        code = totp_code(device.key)
        password_step(client, user)
        assert client.post(VERIFY, {"code": code}).status_code == 302
        client.post(reverse("accounts:logout"))
        password_step(client, user)
        assert "Code incorrect." in page(client.post(VERIFY, {"code": code}))


def test_recovery_code_works_once(client):
    user = make_professional(EstablishmentFactory()).user
    totp_device(user)
    recovery = StaticDevice.objects.create(user=user, name="Codes de secours", confirmed=True)
    recovery.token_set.create(token="abcdefgh")
    recovery.token_set.create(token="ijklmnop")
    password_step(client, user)
    response = client.post(VERIFY, {"code": "ABCD-EFGH"}, follow=True)
    content = page(response)
    assert response.redirect_chain[0][0] == reverse("core:home")
    assert "Vous avez utilisé un code de secours : il vous en reste 1." in content
    client.post(reverse("accounts:logout"))
    password_step(client, user)
    assert "Code incorrect." in page(client.post(VERIFY, {"code": "abcd efgh"}))


def test_only_a_verified_user_may_replace_the_app(client):
    """With the password alone, nobody can enrol a new app on an account that has one."""
    user = make_professional(EstablishmentFactory()).user
    device = totp_device(user)
    password_step(client, user)
    assert client.get(ENROL)["Location"].startswith(VERIFY)
    assert client.post(ENROL, {"code": "123456"})["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=user)) == [device]


def test_verified_user_changes_phones_and_old_codes_stop(login):
    user = make_professional(EstablishmentFactory()).user
    client = login(user)
    old_key = totp_device(user).key
    content = page(client.get(reverse("accounts:security")))
    assert "Activée" in content
    content = page(client.get(ENROL))
    assert "Changer d'application d'authentification" in content
    key = client.session[PENDING_KEY]
    page(client.post(ENROL, {"code": totp_code(key)}))
    assert list(TOTPDevice.objects.filter(user=user).values_list("key", flat=True)) == [key]
    assert key != old_key
    page(client.get(reverse("core:home")))


def test_new_recovery_codes_replace_the_old_ones(login):
    user = make_professional(EstablishmentFactory()).user
    client = login(user)
    recovery = StaticDevice.objects.create(user=user, confirmed=True)
    recovery.token_set.create(token="abcdefgh")
    content = page(client.post(reverse("accounts:recovery_codes")))
    tokens = list(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert len(tokens) == 10 and "abcdefgh" not in tokens
    assert all(f"{token[:4]} {token[4:]}" in content for token in tokens)
    assert client.get(reverse("accounts:recovery_codes")).status_code == 405


def test_htmx_request_is_redirected_as_a_whole_page(client):
    user = make_professional(EstablishmentFactory()).user
    totp_device(user)
    password_step(client, user)
    response = client.get(reverse("people:search"), headers={"HX-Request": "true"})
    assert response.status_code == 204 and response["HX-Redirect"].startswith(VERIFY)


@override_settings(PARCOURS_REQUIRE_2FA=False)
def test_demonstration_without_second_factor_says_so(client):
    user = make_professional(EstablishmentFactory()).user
    totp_device(user)
    assert "Démonstration : double authentification désactivée" in page(client.get(reverse("accounts:login")))
    response = password_step(client, user)
    assert response["Location"] == reverse("core:home")
    content = page(client.get(reverse("core:home")))
    assert "Démonstration : double authentification désactivée" in content


def test_login_page_has_no_banner_when_the_second_factor_is_on(client):
    assert "double authentification désactivée" not in page(client.get(reverse("accounts:login")))


def test_login_fixture_gives_a_verified_session(login):
    user = make_professional(EstablishmentFactory()).user
    client = login(user)
    page(client.get(reverse("core:home")))
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1


def test_reset_command_sends_the_user_back_to_enrolment(client):
    from django.core.management import call_command

    user = make_professional(EstablishmentFactory()).user
    totp_device(user)
    StaticDevice.objects.create(user=user, confirmed=True)
    call_command("reset_second_factor", user.username, stdout=__import__("io").StringIO())
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticDevice.objects.filter(user=user).exists()
    assert password_step(client, user)["Location"].startswith(ENROL)
