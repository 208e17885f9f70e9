import pytest
from django.urls import reverse

from tests.core.pages import page
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_login_page_is_public_and_labels_its_fields(client):
    content = page(client.get(reverse("accounts:login")))
    assert '<label for="id_username">Identifiant</label>' in content
    assert '<label for="id_password">Mot de passe</label>' in content
    assert 'autocomplete="current-password"' in content
    assert '<html lang="fr">' in content


def test_login_with_the_right_password_opens_the_home(client):
    user = UserFactory(username="claire")
    response = client.post(reverse("accounts:login"), {"username": "claire", "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == reverse("core:home")
    assert int(client.session["_auth_user_id"]) == user.pk


def test_login_goes_back_to_the_requested_page(client):
    UserFactory(username="claire")
    target = reverse("nomenclature:list")
    response = client.post(
        reverse("accounts:login") + f"?next={target}",
        {"username": "claire", "password": PASSWORD, "next": target},
    )
    assert response["Location"] == target


def test_wrong_password_shows_the_french_message_tied_to_the_fields(client):
    UserFactory(username="claire")
    response = client.post(reverse("accounts:login"), {"username": "claire", "password": "pas le bon"})
    content = page(response)
    assert "Identifiant ou mot de passe incorrect." in content
    assert 'role="alert"' in content
    assert 'aria-describedby="login-error"' in content and 'aria-invalid="true"' in content
    assert "_auth_user_id" not in client.session


def test_logged_in_user_visiting_login_goes_home(login):
    client = login(UserFactory())
    assert client.get(reverse("accounts:login"))["Location"] == reverse("core:home")


def test_logout_requires_post(login):
    client = login(UserFactory())
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response["Location"] == reverse("accounts:login")
    assert "_auth_user_id" not in client.session


def test_navigation_offers_logout_as_a_form(login):
    user = UserFactory(first_name="Claire", last_name="Dupont")
    content = page(login(user).get(reverse("nomenclature:list")))
    assert f'action="{reverse("accounts:logout")}"' in content and "Se déconnecter" in content
    assert "Claire Dupont" in content
