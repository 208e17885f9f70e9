"""The access-log pages: who may open them (allow or deny written by hand per role), what they show,
that they log the persons they show, and that their query count does not grow with the log.

World: pro_a works in A, pro_b in B (both run by gestionnaire G), pro_c in C (gestionnaire H);
director_a directs A; gdir directs G; person_a is supported by A, person_b by B."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.access.api import log_listing
from parcours.access.models import AccessLogEntry
from tests.factories import PersonFactory, make_professional

pytestmark = pytest.mark.django_db


def person_log(person) -> str:
    return reverse("access:person_log", args=[person.uuid])


def user_log(user) -> str:
    return reverse("access:user_log", args=[user.uuid])


# Who may open which page. Written by hand, not derived from the policy.


@pytest.mark.parametrize(
    ("reader", "person", "status"),
    [
        ("pro_a", "person_a", 200),
        ("director_a", "person_a", 200),
        ("gdir", "person_a", 200),  # may read the identity (not the notes)
        ("pro_b", "person_a", 404),
        ("pro_c", "person_a", 404),
        ("pro_a", "person_b", 404),
        ("director_a", "person_b", 404),
        ("gdir", "person_b", 200),
        ("pro_b", "person_b", 200),
    ],
)
def test_who_may_read_who_opened_a_record(world, login, reader, person, status):
    response = login(getattr(world, reader).user).get(person_log(getattr(world, person)))
    assert response.status_code == status


def test_the_person_log_of_an_unknown_uuid_is_a_404(world, login):
    assert login(world.pro_a.user).get(person_log(PersonFactory.build())).status_code == 404


@pytest.mark.parametrize(
    ("reader", "target", "status"),
    [
        ("pro_a", "pro_a", 200),  # "Mes accès"
        ("pro_a", "pro_b", 404),
        ("pro_a", "director_a", 404),
        ("director_a", "pro_a", 200),  # a member of the team of A
        ("director_a", "pro_b", 404),
        ("director_a", "pro_c", 404),
        ("gdir", "pro_a", 200),  # members of the teams of G's establishments
        ("gdir", "pro_b", 200),
        ("gdir", "director_a", 200),
        ("gdir", "pro_c", 404),
        ("pro_c", "gdir", 404),
        ("dpo", "pro_c", 200),
        ("dpo", "gdir", 200),
    ],
)
def test_who_may_read_a_users_log(world, login, dpo, reader, target, status):
    people = {"dpo": dpo}
    reader_user = people.get(reader) or getattr(world, reader).user
    target_user = people.get(target) or getattr(world, target).user
    assert login(reader_user).get(user_log(target_user)).status_code == status


@pytest.mark.parametrize(
    ("reader", "status"), [("pro_a", 403), ("director_a", 403), ("gdir", 403), ("dpo", 200)]
)
def test_only_the_data_protection_officer_opens_the_audit_view(world, login, dpo, reader, status):
    user = dpo if reader == "dpo" else getattr(world, reader).user
    assert login(user).get(reverse("access:dpo")).status_code == status


def test_the_log_pages_answer_get_only(world, login):
    client = login(world.pro_a.user)
    assert client.post(person_log(world.person_a)).status_code == 405
    assert client.post(user_log(world.pro_a.user)).status_code == 405


# What the pages show


def test_who_opened_a_record_shows_who_what_why_and_the_refusals(world, login):
    login(world.pro_c.user).get(reverse("people:detail", args=[world.person_a.uuid]))  # refused
    content = login(world.pro_a.user).get(person_log(world.person_a)).content.decode()
    assert "Qui a consulté ce dossier" in content
    assert str(world.pro_a) in content and world.pro_a.get_profession_display() in content
    assert "IME Les Tilleuls" in content and "Foyer des Monts" in content  # where each one works
    assert str(world.pro_c) in content and "Refusé" in content and "Aucun droit" in content
    assert "Lecture — Identité et coordonnées" in content
    assert "Membre de l&#x27;équipe qui accompagne la personne" in content


def test_reading_who_opened_a_record_is_itself_logged(world, login):
    login(world.pro_a.user).get(person_log(world.person_a))
    entry = AccessLogEntry.objects.get(actor=world.pro_a.user)
    assert (entry.person, entry.action, entry.category, entry.allowed) == (
        world.person_a,
        "read",
        "identity",
        True,
    )
    assert entry.details == {"view": "access:person_log"}


def test_my_accesses_name_only_the_persons_i_may_see_and_log_them(world, login):
    client = login(world.pro_a.user)
    client.get(reverse("people:detail", args=[world.person_a.uuid]))
    client.get(reverse("people:detail", args=[world.person_b.uuid]))  # refused: outside pro_a's scope
    before = AccessLogEntry.objects.count()
    content = client.get(user_log(world.pro_a.user)).content.decode()
    assert "Mes accès" in content and 'aria-current="page">Mes accès' in content
    assert world.person_a.display_name in content
    assert world.person_b.display_name not in content
    assert "Dossier hors de votre périmètre" in content
    shown = AccessLogEntry.objects.filter(pk__gt=AccessLogEntry.objects.order_by("pk")[before - 1].pk)
    assert [(e.person, e.action, e.details) for e in shown] == [
        (world.person_a, "list", {"view": "access:user_log"})
    ]


def test_a_director_sees_a_members_log_and_the_list_of_the_team(world, login):
    login(world.pro_a.user).get(reverse("people:detail", args=[world.person_a.uuid]))
    client = login(world.director_a.user)
    content = client.get(user_log(world.pro_a.user)).content.decode()
    assert f"Accès de {world.pro_a}" in content and world.person_a.display_name in content
    own = client.get(user_log(world.director_a.user)).content.decode()
    assert "Journal des membres de vos équipes (1)" in own
    assert user_log(world.pro_a.user) in own and user_log(world.pro_c.user) not in own


def test_the_dpo_sees_every_users_log_without_the_persons_names(world, login, dpo):
    login(world.pro_c.user).get(reverse("people:detail", args=[world.person_a.uuid]))
    client = login(dpo)
    content = client.get(user_log(world.pro_c.user)).content.decode()
    assert "Refusé" in content and "Dossier hors de votre périmètre" in content
    assert world.person_a.display_name not in content
    assert reverse("access:dpo") in client.get(user_log(dpo)).content.decode()


def test_the_log_pages_are_paginated_newest_first(world, login):
    actor = world.actor(world.pro_a)
    for _ in range(60):
        log_listing(actor, [world.person_a, world.person_b])
    client = login(world.pro_a.user)
    first = client.get(person_log(world.person_a))
    content = first.content.decode()
    assert 'aria-label="Pages du journal des accès"' in content and "61 entrées" in content
    sequences = [row.entry.sequence for row in first.context["rows"]]
    assert len(sequences) == 50 and sequences == sorted(sequences, reverse=True)
    assert sequences[0] == AccessLogEntry.objects.order_by("-sequence").first().sequence  # this very read
    second = client.get(person_log(world.person_a), {"page": 2})
    # 62 entries by now: 60 listings and the two reads of this page.
    assert len(second.context["rows"]) == 12 and second.context["rows"][0].entry.sequence <= sequences[-1]
    mine = client.get(user_log(world.pro_a.user), {"page": 2}).content.decode()
    assert 'aria-current="page"><span class="sr-only">Page </span>2' in mine


# Query counts


def _queries(client, url) -> int:
    client.get(url)  # the first request of a session may do more (session bookkeeping)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_person_log_query_count_does_not_grow_with_the_log(world, login):
    client = login(world.pro_a.user)
    small = _queries(client, person_log(world.person_a))
    for index in range(12):
        colleague = make_professional(world.a if index % 2 else world.b)
        log_listing(world.actor(colleague), [world.person_a])
    assert _queries(client, person_log(world.person_a)) == small


def test_the_user_log_query_count_does_not_grow_with_the_log(world, login):
    client = login(world.director_a.user)
    log_listing(world.actor(world.pro_a), [world.person_a])
    small = _queries(client, user_log(world.pro_a.user))
    actor = world.actor(world.pro_a)
    for _ in range(15):
        log_listing(actor, [world.person_a, world.person_b, PersonFactory()])
    assert _queries(client, user_log(world.pro_a.user)) == small


def test_the_audit_view_query_count_does_not_grow_with_the_users_found(world, login, dpo):
    def refused(professional):
        login(professional.user).get(reverse("people:detail", args=[world.person_b.uuid]))

    client = login(dpo)
    refused(world.pro_a)
    small = _queries(client, reverse("access:dpo"))
    for professional in (world.pro_c, world.director_a, *(make_professional(world.c) for _ in range(4))):
        refused(professional)
    assert len(client.get(reverse("access:dpo")).context["refusals"]) == 7
    assert _queries(client, reverse("access:dpo")) == small
