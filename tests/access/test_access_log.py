"""The access log is append-only: the model, the queryset and (on PostgreSQL) the database refuse
updates and deletes. And every read and write through the pages leaves entries."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from parcours.access.api import read_person_categories
from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry, AppendOnlyError

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(world):
    read_person_categories(world.actor(world.pro_a), world.person_a, [Category.NOTES])
    return AccessLogEntry.objects.get()


def test_saving_an_existing_entry_is_refused(entry):
    entry.allowed = False
    with pytest.raises(AppendOnlyError):
        entry.save()


def test_deleting_is_refused(entry):
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=entry.pk).update(allowed=False)


@pytest.mark.postgresql
def test_raw_sql_update_is_refused_by_postgresql(entry):
    table = AccessLogEntry._meta.db_table
    with (
        pytest.raises(DatabaseError, match="journal des accès"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"UPDATE {table} SET allowed = false WHERE id = %s", [entry.pk])  # noqa: S608
    with (
        pytest.raises(DatabaseError, match="journal des accès"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [entry.pk])  # noqa: S608
    assert AccessLogEntry.objects.get(pk=entry.pk).allowed is True


def test_read_person_categories_logs_only_what_is_read(world):
    decisions = read_person_categories(
        world.actor(world.gdir), world.person_a, [Category.PARCOURS, Category.NOTES, Category.DOCUMENTS]
    )
    assert (
        decisions[Category.PARCOURS] and not decisions[Category.NOTES] and not decisions[Category.DOCUMENTS]
    )
    assert list(AccessLogEntry.objects.values_list("category", "allowed", "basis")) == [
        (Category.PARCOURS, True, "gestionnaire_direction")
    ]


def test_refusals_of_pages_are_logged_with_actor_and_person(world, login):
    login(world.pro_c.user).get(reverse("people:detail", args=[world.person_a.uuid]))
    refusal = AccessLogEntry.objects.get(allowed=False)
    assert refusal.actor == world.pro_c.user and refusal.person == world.person_a
    assert refusal.action == Action.READ and refusal.ip_address == "127.0.0.1"


def test_a_write_through_a_page_is_logged(world, login):
    login(world.pro_a.user).post(
        reverse("records:note_create", args=[world.person_a.uuid]),
        {
            "establishment": world.a.pk,
            "category": "health",
            "text": "Rendez-vous chez le dentiste.",
        },
    )
    entry = AccessLogEntry.objects.get(action=Action.CREATE)
    assert entry.category == Category.NOTES and entry.object_type == "Note" and entry.allowed
    assert "dentiste" not in str(entry.details)
