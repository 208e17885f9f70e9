"""Rectification of a person's identity: every change keeps the value it replaced, who changed it,
when and why; the history is read by whoever may read the person's identity."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from parcours.access.api import AccessDenied
from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.people import services
from parcours.privacy.models import Rectification
from tests.conftest import assert_page_ok

pytestmark = pytest.mark.django_db


def history(person):
    return {row.field_name: row for row in Rectification.objects.filter(person=person)}


def test_an_edit_keeps_exactly_the_changed_fields_with_old_and_new_values(world):
    person = world.person_a
    person.phone = "0472000000"
    person.save()
    services.update_person(
        person,
        actor=world.actor(world.pro_a),
        reason="Pièce d'identité présentée",
        first_names="Élodie Marie",  # unchanged
        used_name="Durand",
        phone="0600000001",
        birth_date=datetime.date(1998, 3, 13),
    )
    rows = history(person)
    assert set(rows) == {"used_name", "phone", "birth_date"}
    assert (rows["used_name"].old_value, rows["used_name"].new_value) == ("", "Durand")
    assert (rows["phone"].old_value, rows["phone"].new_value) == ("0472000000", "0600000001")
    assert (rows["birth_date"].old_value, rows["birth_date"].new_value) == ("1998-03-12", "1998-03-13")
    assert rows["birth_date"].old_display == "12/03/1998"
    assert {row.reason for row in rows.values()} == {"Pièce d'identité présentée"}
    assert {row.changed_by for row in rows.values()} == {world.pro_a.user}
    person.refresh_from_db()
    assert person.used_name == "Durand"
    # Former values and the reason are encrypted at rest.
    with connection.cursor() as cursor:
        cursor.execute("SELECT old_value, new_value, reason FROM privacy_rectification")
        stored = " ".join(value for row in cursor.fetchall() for value in row)
    for plain in ("0472000000", "0600000001", "Durand", "Pièce d'identité"):
        assert plain not in stored


def test_an_edit_that_changes_nothing_keeps_no_history(world):
    services.update_person(world.person_a, actor=world.actor(world.pro_a), birth_name="Lefèvre")
    assert not Rectification.objects.exists()


def test_a_failed_edit_writes_nothing(world):
    person = world.person_a
    with pytest.raises(ValidationError):
        # A qualified identity needs the INS number: the whole edit is refused.
        services.update_person(
            person, actor=world.actor(world.pro_a), used_name="Durand", identity_status="QUAL"
        )
    assert not Rectification.objects.exists()
    person.refresh_from_db()
    assert person.used_name == ""


def test_a_refused_edit_writes_nothing(world):
    with pytest.raises(AccessDenied):
        services.update_person(world.person_a, actor=world.actor(world.gdir), phone="0600000000")
    assert not Rectification.objects.exists()


def test_the_edit_page_asks_for_a_reason_and_keeps_the_history(world, login):
    client = login(world.pro_a.user)
    url = reverse("people:edit", args=[world.person_a.uuid])
    content = assert_page_ok(client.get(url))
    assert "Motif de la modification" in content
    assert "faute de frappe" in content
    person = world.person_a
    data = {
        "birth_name": person.birth_name,
        "first_names": person.first_names,
        "birth_date": "1998-03-12",
        "sex": person.sex,
        "birth_place_code": person.birth_place_code,
        "used_name": "",
        "used_first_name": "Élo",
        "nir": "",
        "identity_status": person.identity_status,
        "phone": "",
        "email": "elodie@example.org",
        "street": "",
        "postal_code": "",
        "city": "",
        "gir": "",
        "gir_date": "",
        "reason": "Demande de la personne",
    }
    response = client.post(url, data)
    assert response.status_code == 302
    rows = history(person)
    assert set(rows) == {"used_first_name", "email"}
    assert rows["email"].reason == "Demande de la personne"
    # An invalid form changes nothing and keeps no history.
    response = client.post(url, {**data, "email": "pas-une-adresse", "used_first_name": "Lodie"})
    assert response.status_code == 200
    assert Rectification.objects.count() == 2


def test_the_history_page_shows_old_values_inside_the_policy(world, login):
    services.update_person(world.person_a, actor=world.actor(world.pro_a), birth_name="Lefebvre", sex="I")
    client = login(world.director_a.user)
    url = reverse("privacy:rectifications", args=[world.person_a.uuid])
    content = assert_page_ok(client.get(url))
    assert "Nom de naissance" in content
    assert "Lefèvre" in content and "Lefebvre" in content
    assert "Féminin" in content and "Indéterminé" in content
    assert world.pro_a.last_name.upper() in content
    assert AccessLogEntry.objects.filter(
        actor=world.director_a.user,
        person=world.person_a,
        action=Action.READ,
        category=Category.IDENTITY,
        allowed=True,
        details={"view": "privacy:rectifications"},
    ).exists()
    # The person page links to it.
    detail = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert url in detail


def test_the_history_page_answers_404_outside_the_policy(world, login):
    services.update_person(world.person_a, actor=world.actor(world.pro_a), birth_name="Lefebvre")
    client = login(world.pro_c.user)
    response = client.get(reverse("privacy:rectifications", args=[world.person_a.uuid]))
    assert response.status_code == 404
    assert "Lefèvre" not in response.content.decode()
    assert AccessLogEntry.objects.filter(
        actor=world.pro_c.user, person=world.person_a, allowed=False
    ).exists()
