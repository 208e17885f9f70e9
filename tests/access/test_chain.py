"""The access log's hash chain: every way of writing an entry numbers it after the last one and seals
it with the SHA-256 of the previous hash and of its own fields, in one INSERT per batch."""

import hashlib
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from parcours.access.api import log_listing, read_person_categories
from parcours.access.chain import GENESIS
from parcours.access.enums import Action, Basis, Category
from parcours.access.journal import Actor, record, record_many
from parcours.access.models import AccessLogEntry, AppendOnlyError
from parcours.access.verify import verify_chain
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def chain_rows():
    return list(
        AccessLogEntry.objects.order_by("sequence").values_list("sequence", "previous_hash", "entry_hash")
    )


def test_a_single_entry_is_sealed_over_the_genesis_and_its_documented_fields(world):
    actor = Actor(user=world.pro_a.user, ip_address="192.168.1.20", channel="web")
    at = datetime(2026, 3, 1, 8, 15, 2, 123456, tzinfo=UTC)
    entry = AccessLogEntry(
        at=at,
        actor=actor.user,
        person=world.person_a,
        action=Action.READ,
        category=Category.NOTES,
        allowed=True,
        basis=Basis.TEAM,
        object_type="Note",
        object_uuid="6f1c1f0e-3a52-4c5e-9d0e-0b7f4d5e6a7b",
        ip_address=actor.ip_address,
        details={"vue": "fiche", "nombre": 2},
    )
    entry.save()

    # Written out by hand from the format documented in docs/access.md.
    text = (
        f'[1,"{entry.uuid}","2026-03-01T08:15:02.123456+00:00","{world.pro_a.user.uuid}",'
        f'"{world.person_a.uuid}","read","notes",true,"team","Note",'
        '"6f1c1f0e-3a52-4c5e-9d0e-0b7f4d5e6a7b","192.168.1.20","web",{"nombre":2,"vue":"fiche"}]'
    )
    stored = AccessLogEntry.objects.get()
    assert (stored.sequence, stored.previous_hash) == (1, "0" * 64) == (1, GENESIS)
    assert stored.entry_hash == sha256("0" * 64 + "\n" + text)


def test_without_person_object_or_address_the_fields_are_empty_strings(world):
    record(
        Actor.system(world.pro_a.user, channel="command"),
        person=None,
        action=Action.SEARCH,
        category=Category.IDENTITY,
        allowed=True,
        basis=Basis.VISIBLE,
    )
    entry = AccessLogEntry.objects.get()
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    text = (
        f'[1,"{entry.uuid}","{at}","{world.pro_a.user.uuid}","","search","identity",true,"visible",'
        '"","","","command",{}]'
    )
    assert entry.entry_hash == sha256(GENESIS + "\n" + text)


def test_ipv6_addresses_are_written_in_full_in_the_sealed_text(world):
    entry = AccessLogEntry.objects.create(
        actor=world.pro_a.user,
        action=Action.LIST,
        category=Category.IDENTITY,
        allowed=True,
        basis=Basis.VISIBLE,
        ip_address="2001:db8::1",
    )
    at = entry.at.astimezone(UTC).isoformat(timespec="microseconds")
    text = (
        f'[1,"{entry.uuid}","{at}","{world.pro_a.user.uuid}","","list","identity",true,"visible","","",'
        '"2001:0db8:0000:0000:0000:0000:0000:0001","web",{}]'
    )
    assert entry.entry_hash == sha256(GENESIS + "\n" + text)
    assert verify_chain().intact


def test_a_bulk_write_is_one_insert_and_chains_each_entry_to_the_one_before(world):
    actor = world.actor(world.pro_a)
    record(
        actor,
        person=world.person_a,
        action=Action.READ,
        category=Category.IDENTITY,
        allowed=True,
        basis=Basis.TEAM,
    )
    persons = [world.person_a, world.person_b, PersonFactory()]
    with CaptureQueriesContext(connection) as queries:
        assert record_many(
            actor, persons, action=Action.LIST, category=Category.IDENTITY, basis=Basis.VISIBLE
        )
    inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1

    rows = chain_rows()
    assert [sequence for sequence, _, _ in rows] == [1, 2, 3, 4]
    assert rows[0][1] == GENESIS
    for (_, _, previous), (_, recorded_previous, _) in zip(rows, rows[1:], strict=False):
        assert recorded_previous == previous
    assert len({entry_hash for _, _, entry_hash in rows}) == 4
    assert verify_chain().intact


def test_every_entry_point_of_the_policy_writes_a_chained_entry(world, login):
    actor = world.actor(world.pro_a)
    read_person_categories(actor, world.person_a, [Category.PARCOURS, Category.NOTES])
    log_listing(actor, [world.person_a])
    login(world.pro_a.user).get(f"/personnes/{world.person_a.uuid}/")
    login(world.pro_c.user).get(f"/personnes/{world.person_a.uuid}/")  # refused, logged
    rows = chain_rows()
    assert [sequence for sequence, _, _ in rows] == list(range(1, len(rows) + 1))
    assert len(rows) > 4
    assert verify_chain().intact


def test_a_transaction_that_appended_appends_again_without_reading_the_head(world):
    actor = world.actor(world.pro_a)
    with transaction.atomic():
        log_listing(actor, [world.person_a])
        with CaptureQueriesContext(connection) as queries:
            log_listing(actor, [world.person_b])
    assert [q["sql"].split()[0] for q in queries.captured_queries] == ["INSERT"]
    assert [sequence for sequence, _, _ in chain_rows()] == [1, 2]
    assert verify_chain().intact


def test_entries_rolled_back_with_a_savepoint_leave_no_gap(world):
    actor = world.actor(world.pro_a)
    with transaction.atomic():
        log_listing(actor, [world.person_a])
        with pytest.raises(RuntimeError), transaction.atomic():
            log_listing(actor, [world.person_a, world.person_b])
            raise RuntimeError
        log_listing(actor, [world.person_b])
    rows = chain_rows()
    assert [sequence for sequence, _, _ in rows] == [1, 2]
    assert rows[1][1] == rows[0][2]
    assert verify_chain().intact


def test_conflict_options_and_existing_rows_are_refused_by_bulk_create(world):
    entry = AccessLogEntry(
        actor=world.pro_a.user, action=Action.LIST, category=Category.IDENTITY, allowed=True, basis="visible"
    )
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.bulk_create([entry], ignore_conflicts=True)
    AccessLogEntry.objects.bulk_create([entry])
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.bulk_create([entry])
    assert AccessLogEntry.objects.count() == 1


def test_persons_loaded_without_their_uuid_cost_one_query_not_one_each(world):
    persons = list(type(world.person_a).objects.only("pk"))
    assert len(persons) == 2
    with CaptureQueriesContext(connection) as queries:
        record_many(
            world.actor(world.pro_a), persons, action=Action.LIST, category="identity", basis="visible"
        )
    assert len(queries.captured_queries) <= 4  # the uuids, the head, the insert (+ savepoint on SQLite)
    assert verify_chain().intact


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_postgresql_build_one_valid_chain():
    """Four connections append at the same time, each in its own transactions: the advisory lock
    serialises them, so the numbers have no gap and no duplicate and the chain verifies."""
    user = UserFactory()
    persons = [PersonFactory() for _ in range(5)]
    writers, rounds = 4, 15
    start = threading.Barrier(writers)
    errors = []

    def write(index: int) -> None:
        try:
            actor = Actor(user=user, ip_address=f"10.0.0.{index}", channel="task")
            start.wait(timeout=10)
            for round_ in range(rounds):
                with transaction.atomic():
                    record_many(
                        actor,
                        persons[: 1 + (index + round_) % 5],
                        action=Action.LIST,
                        category=Category.IDENTITY,
                        basis=Basis.VISIBLE,
                    )
        except Exception as error:  # noqa: BLE001 - reported by the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(index,)) for index in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    expected = sum(1 + (index + round_) % 5 for index in range(writers) for round_ in range(rounds))
    rows = chain_rows()
    assert [sequence for sequence, _, _ in rows] == list(range(1, expected + 1))
    report = verify_chain(batch_size=7)
    assert report.intact and report.checked == expected


def test_sqlite_without_immediate_transactions_is_reported():
    from django.db import connections

    from parcours.access.apps import check_chain_lock

    settings_dict = connections["default"].settings_dict
    options = settings_dict.setdefault("OPTIONS", {})
    saved = dict(options)
    try:
        options["transaction_mode"] = "IMMEDIATE"
        assert check_chain_lock(databases=["default"]) == []
        options["transaction_mode"] = "DEFERRED"
        found = [message.id for message in check_chain_lock(databases=["default"])]
        assert found == (["access.W001"] if connection.vendor == "sqlite" else [])
    finally:
        options.clear()
        options.update(saved)
