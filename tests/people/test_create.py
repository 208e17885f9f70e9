import datetime

import pytest
from django.urls import reverse

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.people.models import Person
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, PersonFactory, nir_for

pytestmark = pytest.mark.django_db
CREATE = reverse("people:create")


def identity(world, **overrides):
    data = {
        "establishment": world.a.pk,
        "birth_name": "Bernard",
        "first_names": "Chloé Anne",
        "birth_date": "2004-09-15",
        "sex": "F",
        "birth_place_code": "69123",
        "identity_status": "PROV",
        "used_name": "",
        "used_first_name": "",
        "nir": "",
        "phone": "",
        "email": "",
        "street": "",
        "postal_code": "",
        "city": "",
    }
    data.update(overrides)
    return data


def test_create_person_opens_the_record_for_the_team(world, login):
    client = login(world.pro_a.user)
    assert_page_ok(client.get(CREATE))
    response = client.post(CREATE, identity(world), follow=True)
    content = assert_page_ok(response)
    person = Person.objects.get(birth_name="Bernard")
    assert person.opened_by == world.a
    assert "Le dossier de BERNARD Chloé est ouvert." in content
    assert AccessLogEntry.objects.filter(
        person=person, action=Action.CREATE, category=Category.IDENTITY, actor=world.pro_a.user
    ).exists()
    # Pre-admission: the opening team sees it, another team does not.
    assert login(world.pro_b.user).get(reverse("people:detail", args=[person.uuid])).status_code == 404


def test_establishment_choices_are_the_writable_ones(world, login):
    response = login(world.pro_a.user).post(CREATE, identity(world, establishment=world.b.pk))
    assert "Sélectionnez un choix valide" in assert_page_ok(response)
    assert not Person.objects.filter(birth_name="Bernard").exists()


def test_gestionnaire_director_cannot_create(world, login):
    response = login(world.gdir.user).get(CREATE)
    assert response.status_code == 302
    assert login(world.gdir.user).post(CREATE, identity(world)).status_code == 302
    assert not Person.objects.filter(birth_name="Bernard").exists()


@pytest.mark.parametrize(
    ("overrides", "field_message"),
    [
        ({"birth_date": "2999-01-01"}, "La date de naissance ne peut pas être dans le futur."),
        ({"identity_status": "QUAL"}, "Une identité récupérée ou qualifiée porte le matricule INS"),
        ({"identity_status": "RECUP"}, "Une identité récupérée ou qualifiée porte le matricule INS"),
        (
            {"nir": nir_for("M", datetime.date(2004, 9, 15), 12)},
            "Le sexe ne correspond pas au premier chiffre du NIR.",
        ),
        ({"nir": "2040975056012"}, "Le NIR doit comporter 15 caractères"),
    ],
)
def test_identity_rules_are_shown_in_french(world, login, overrides, field_message):
    content = assert_page_ok(login(world.pro_a.user).post(CREATE, identity(world, **overrides)))
    assert field_message.replace("'", "&#x27;") in content
    assert 'aria-invalid="true"' in content
    assert not Person.objects.filter(birth_name="Bernard").exists()


def test_duplicate_warning_requires_confirmation(world, login):
    twin = PersonFactory(birth_name="Bernard", first_names="Chloé", birth_date=datetime.date(2004, 9, 15))
    AdmissionFactory(person=twin, establishment=world.a)
    client = login(world.pro_a.user)
    content = assert_page_ok(client.post(CREATE, identity(world, birth_name="BERNART")))
    assert "Identités proches" in content
    assert reverse("people:detail", args=[twin.uuid]) in content
    assert "Je confirme qu&#x27;il s&#x27;agit d&#x27;une autre personne" in content
    assert Person.objects.filter(birth_date=datetime.date(2004, 9, 15)).count() == 1
    response = client.post(CREATE, identity(world, birth_name="BERNART", confirm_distinct="on"))
    assert response.status_code == 302
    assert Person.objects.filter(birth_date=datetime.date(2004, 9, 15)).count() == 2


def test_duplicate_outside_scope_is_only_signalled(world, login):
    other = PersonFactory(birth_name="Bernard", first_names="Chloé", birth_date=datetime.date(2004, 9, 15))
    AdmissionFactory(person=other, establishment=world.c)
    content = assert_page_ok(login(world.pro_a.user).post(CREATE, identity(world)))
    assert "Une identité proche existe peut-être dans une autre structure" in content
    assert reverse("people:detail", args=[other.uuid]) not in content
    assert "Chloé Anne" in content  # only what the user typed
    assert not AccessLogEntry.objects.filter(person=other).exists()


def test_edit_person(world, login):
    client = login(world.pro_a.user)
    url = reverse("people:edit", args=[world.person_a.uuid])
    content = assert_page_ok(client.get(url))
    assert "Lefèvre" in content
    data = identity(
        world,
        birth_name="Lefèvre",
        first_names="Élodie Marie",
        birth_date="1998-03-12",
        used_name="Durand",
        gir="",
        gir_date="",
    )
    data.pop("establishment")
    response = client.post(url, data)
    assert response.status_code == 302
    world.person_a.refresh_from_db()
    assert world.person_a.used_name == "Durand"
    assert "durand" in world.person_a.search_text
    assert AccessLogEntry.objects.filter(person=world.person_a, action=Action.UPDATE).exists()


def test_edit_is_refused_to_gestionnaire_and_outsiders(world, login):
    url = reverse("people:edit", args=[world.person_a.uuid])
    assert login(world.gdir.user).get(url).status_code == 403
    assert AccessLogEntry.objects.filter(
        person=world.person_a, actor=world.gdir.user, allowed=False, action=Action.UPDATE
    ).exists()
    assert login(world.pro_b.user).get(url).status_code == 404
