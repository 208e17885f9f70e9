"""Sessions end after PARCOURS_SESSION_IDLE_TIMEOUT of inactivity, and after SESSION_COOKIE_AGE anyway."""

import datetime

import pytest
from django.test import override_settings
from django.urls import reverse
from freezegun import freeze_time

from tests.core.pages import page
from tests.factories import EstablishmentFactory, make_professional

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")
LOGIN = reverse("accounts:login")
IDLE = "Votre session a expiré après 30 minutes sans activité. Reconnectez-vous pour continuer."


@pytest.fixture
def user():
    return make_professional(EstablishmentFactory()).user


def test_thirty_minutes_without_activity_end_the_session(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        page(client.get(HOME))
        frozen.tick(datetime.timedelta(minutes=30, seconds=1))
        target = reverse("organisations:list")
        response = client.get(target)
        assert response.status_code == 302
        assert response["Location"] == f"{LOGIN}?next={target}"
        assert "_auth_user_id" not in client.session
        content = page(client.get(response["Location"]))
        assert IDLE in content and 'role="status"' in content


def test_activity_keeps_the_session_open(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        for _ in range(6):
            frozen.tick(datetime.timedelta(minutes=25))
            page(client.get(HOME))


def test_the_absolute_lifetime_ends_an_active_session(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        for _ in range(23):
            frozen.tick(datetime.timedelta(minutes=20))
            page(client.get(HOME))
        frozen.tick(datetime.timedelta(minutes=21))  # 8 h 01 after the login
        response = client.get(HOME, follow=True)
        assert "Votre session a atteint sa durée maximale (8 heures)." in page(response)


@override_settings(PARCOURS_SESSION_IDLE_TIMEOUT=300)
def test_the_delay_is_a_setting(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        frozen.tick(datetime.timedelta(minutes=4))
        page(client.get(HOME))
        frozen.tick(datetime.timedelta(minutes=5, seconds=30))
        content = page(client.get(HOME, follow=True))
        assert "Votre session a expiré après 5 minutes sans activité." in content


def test_an_expired_htmx_request_reloads_the_login_page(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        frozen.tick(datetime.timedelta(hours=1))
        response = client.get(reverse("people:search"), headers={"HX-Request": "true"})
        assert response.status_code == 204 and response["HX-Redirect"].startswith(LOGIN)


def test_an_expired_form_post_goes_to_the_login_page_without_coming_back_to_the_post(login, user):
    with freeze_time("2026-03-02 09:00:00") as frozen:
        client = login(user)
        frozen.tick(datetime.timedelta(hours=1))
        response = client.post(reverse("accounts:password_change"), {"old_password": "x"})
        assert response["Location"] == LOGIN
