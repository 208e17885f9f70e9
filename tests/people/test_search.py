import datetime

import pytest
from django.urls import reverse

from parcours.access.enums import Action
from parcours.access.models import AccessLogEntry
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, PersonFactory

pytestmark = pytest.mark.django_db
SEARCH = reverse("people:search")


def test_search_ignores_accents_and_case(world, login):
    client = login(world.pro_a.user)
    for query in ["lefevre", "LEFÈVRE", "élodie lef", "Elodie", "marie"]:
        content = assert_page_ok(client.get(SEARCH, {"q": query}))
        assert "LEFÈVRE Élodie" in content, query


def test_search_by_birth_date_and_identifiers(world, login):
    person = PersonFactory(qualified=True, birth_date=datetime.date(2001, 5, 4))
    AdmissionFactory(person=person, establishment=world.a)
    client = login(world.pro_a.user)
    for query in ["04/05/2001", "2001-05-04", person.nir, person.nir[:13], str(person.uuid)]:
        content = assert_page_ok(client.get(SEARCH, {"q": query}))
        assert person.display_name in content, query
        assert "LEFÈVRE" not in content, query


def test_search_never_returns_persons_outside_scope(world, login):
    content = assert_page_ok(login(world.pro_a.user).get(SEARCH, {"q": "martin"}))
    assert "MARTIN" not in content
    assert "Aucune personne" in content
    # Nor through an identifier.
    content = assert_page_ok(login(world.pro_a.user).get(SEARCH, {"q": str(world.person_b.uuid)}))
    assert "MARTIN" not in content


def test_gestionnaire_director_finds_persons_of_all_its_establishments(world, login):
    content = assert_page_ok(login(world.gdir.user).get(SEARCH))
    assert "LEFÈVRE" in content and "MARTIN" in content
    assert "Ouvrir un dossier" not in content
    assert "LEFÈVRE" not in assert_page_ok(login(world.pro_c.user).get(SEARCH))


def test_every_person_shown_is_logged_without_the_query(world, login):
    login(world.pro_a.user).get(SEARCH, {"q": "lefevre"})
    entries = AccessLogEntry.objects.filter(actor=world.pro_a.user, action=Action.SEARCH)
    assert [e.person for e in entries] == [world.person_a]
    assert "lefevre" not in str(entries[0].details).lower()
    login(world.pro_a.user).get(SEARCH)
    assert AccessLogEntry.objects.filter(actor=world.pro_a.user, action=Action.LIST).count() == 1


def test_search_is_paginated(world, login):
    for _ in range(30):
        AdmissionFactory(person=PersonFactory(birth_name="Durand"), establishment=world.a)
    client = login(world.pro_a.user)
    content = assert_page_ok(client.get(SEARCH, {"q": "durand"}))
    assert content.count("DURAND") == 25
    assert "30 personnes" in content
    content = assert_page_ok(client.get(SEARCH, {"q": "durand", "page": 2}))
    assert content.count("DURAND") == 5


def test_search_query_count_is_bounded(world, login, django_assert_max_num_queries):
    for _ in range(40):
        AdmissionFactory(person=PersonFactory(), establishment=world.a)
    client = login(world.pro_a.user)
    client.get(SEARCH)
    with django_assert_max_num_queries(10):
        assert_page_ok(client.get(SEARCH, {"q": "a"}))


def test_htmx_search_returns_the_results_fragment(world, login):
    response = login(world.pro_a.user).get(SEARCH, {"q": "lef"}, headers={"HX-Request": "true"})
    content = assert_page_ok(response)
    assert "<html" not in content and "LEFÈVRE" in content


def test_anonymous_is_sent_to_login(client, db):
    assert client.get(SEARCH).status_code == 302
