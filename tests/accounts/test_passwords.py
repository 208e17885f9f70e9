"""Password rules (CNIL, délibération n° 2022-100), the password change page, and no password in logs."""

import logging

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from parcours.accounts.passwords import meets_cnil_rules
from tests.core.pages import page
from tests.factories import PASSWORD, EstablishmentFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db

WEAK = "Ce mot de passe est trop faible. Choisissez au moins 12 caractères mêlant majuscules, minuscules"


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("Velo-Rouge-27", True),  # 13 characters, the four kinds
        ("Vélo!Bleu#9x", True),  # 12, accented letters count as letters
        ("Velo-rouge27", True),
        ("VeloRouge27x", False),  # 12 without a special character
        ("Velo-rouge-x", False),  # 12 without a digit
        ("VeloRouge27xyz", True),  # 14, upper, lower and digits
        ("velorouge27xyz", False),  # 14 without upper case
        ("VeloRouge27xy", False),  # 13 without a special character
        ("le chat de ma voisine mange des croquettes", True),  # 8 words
        ("le chat de ma voisine mange", False),  # 6 words
        ("chat chat chat chat chat chat chat", False),  # 7 times the same word
        ("P4ss-w0rd", False),  # 9 characters
    ],
)
def test_cnil_rules(password, accepted):
    assert meets_cnil_rules(password) is accepted


def test_validators_answer_in_french():
    user = UserFactory(username="claire", first_name="Claire", last_name="Dupont")
    with pytest.raises(ValidationError) as error:
        validate_password("Court-1", user)
    messages = " ".join(error.value.messages)
    assert "Ce mot de passe est trop court. Il doit contenir au minimum 12 caractères." in messages
    assert WEAK in messages
    with pytest.raises(ValidationError) as error:
        validate_password("password1234", user)
    assert "Ce mot de passe est trop courant." in error.value.messages
    validate_password("Velo-Rouge-27", user)
    validate_password(PASSWORD, user)


def test_password_change_page(login):
    user = make_professional(EstablishmentFactory()).user
    client = login(user)
    url = reverse("accounts:password_change")
    content = page(client.get(url))
    assert '<label for="id_old_password">Ancien mot de passe' in content
    assert "au moins 12 caractères mêlant majuscules" in content
    assert 'autocomplete="new-password"' in content

    content = page(client.post(url, {"old_password": "faux", "new_password1": "x", "new_password2": "x"}))
    assert "Votre ancien mot de passe est incorrect. Veuillez le rectifier." in content
    content = page(
        client.post(url, {"old_password": PASSWORD, "new_password1": "bonjour", "new_password2": "bonjour"})
    )
    assert WEAK in content

    new = "Velo-Rouge-27-Lyon"
    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}, follow=True
    )
    content = page(response)
    assert response.redirect_chain[-1][0] == reverse("accounts:security")
    assert "Votre mot de passe a été modifié." in content
    page(client.get(reverse("core:home")))  # this session stays open and verified
    assert Client().login(username=user.username, password=new)


def test_no_password_in_the_logs(client, caplog):
    user = make_professional(EstablishmentFactory()).user
    secret = "Secret-Jamais-Journalisé-42"
    caplog.set_level(logging.DEBUG)
    for _ in range(6):  # wrong passwords, until the lockout is logged
        client.post(reverse("accounts:login"), {"username": user.username, "password": secret})
    client.post(reverse("accounts:login"), {"username": secret, "password": secret})
    logged = "\n".join(f"{record.getMessage()} {record.args}" for record in caplog.records)
    assert "connexions bloquées" in logged
    assert secret not in logged and user.username not in logged
