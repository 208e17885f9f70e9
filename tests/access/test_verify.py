"""`parcours audit verify` finds entries changed, deleted or reordered behind the application's back,
with their numbers. The tampering goes through raw SQL: on PostgreSQL the append-only trigger is
disabled for the test's transaction only (ALTER TABLE ... DISABLE TRIGGER, rolled back with it)."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from parcours.access.chain import payload, seal_hash
from parcours.access.journal import record_many
from parcours.access.models import AccessLogEntry
from parcours.access.verify import ANCHOR, BROKEN_LINK, CHANGED, DELETED, MOVED, verify_chain

pytestmark = pytest.mark.django_db

TABLE = AccessLogEntry._meta.db_table
ENTRIES = 10


@pytest.fixture
def log(world):
    """Ten entries, numbered 1 to 10."""
    actor = world.actor(world.pro_a)
    for page in range(ENTRIES // 2):
        record_many(
            actor,
            [world.person_a, world.person_b],
            action="list",
            category="identity",
            basis="visible",
            details={"page": page},
        )
    assert AccessLogEntry.objects.count() == ENTRIES


def tamper(*statements: tuple[str, list]) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Pending foreign-key checks of the entries just written would forbid ALTER TABLE.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER access_log_append_only")
        for sql, params in statements:
            cursor.execute(sql.replace("{table}", TABLE), params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER access_log_append_only")


def swap(first: int, second: int) -> None:
    update = "UPDATE {table} SET sequence = %s WHERE sequence = %s"
    tamper((update, [-1, first]), (update, [first, second]), (update, [second, -1]))


def findings(**options) -> list[tuple[str, tuple[int, ...]]]:
    report = verify_chain(batch_size=3, **options)
    return [(problem.kind, problem.sequences) for problem in report.problems]


def run_verify(*args) -> tuple[str, CommandError | None]:
    out = io.StringIO()
    try:
        call_command("audit", "verify", "--batch-size", "3", *args, stdout=out)
    except CommandError as error:
        return out.getvalue(), error
    return out.getvalue(), None


def test_an_intact_log_verifies(log):
    report = verify_chain(batch_size=3)
    assert report.intact and report.checked == ENTRIES
    assert (report.first_sequence, report.last_sequence) == (1, ENTRIES)
    out, error = run_verify()
    assert error is None
    assert "10 entrées vérifiées (n° 1 à n° 10)" in out
    assert "Chaîne intacte" in out
    assert f"--anchor 10:{report.last_hash}" in out


def test_an_empty_log_verifies(db):
    out, error = run_verify()
    assert error is None and "Le journal des accès est vide." in out


def test_the_log_is_read_in_batches(log, django_assert_num_queries):
    with django_assert_num_queries(5):  # the retention checkpoint, then 3 + 3 + 3 + 1 entries
        verify_chain(batch_size=3)


def test_a_changed_entry_is_found_by_its_number(log):
    tamper(("UPDATE {table} SET allowed = %s WHERE sequence = %s", [False, 4]))
    assert findings() == [(CHANGED, (4,))]
    out, error = run_verify()
    assert "L'entrée n° 4 a été modifiée" in out
    assert error is not None and error.returncode == 1
    assert "1 anomalie détectée" in str(error)


def test_changed_details_and_a_changed_date_are_found(log):
    tamper(
        ("UPDATE {table} SET details = %s WHERE sequence = %s", ['{"page": 9}', 2]),
        ("UPDATE {table} SET at = at + INTERVAL '1 hour' WHERE sequence = %s", [7])
        if connection.vendor == "postgresql"
        else ("UPDATE {table} SET at = datetime(at, '+1 hour') WHERE sequence = %s", [7]),
    )
    assert findings() == [(CHANGED, (2,)), (CHANGED, (7,))]


def test_an_entry_changed_and_resealed_breaks_the_link_to_the_next(log):
    """Someone who knows the format recomputes the changed entry's hash: the next entry still
    points at the original hash."""
    entry = AccessLogEntry.objects.select_related("actor", "person").get(sequence=5)
    text = payload(
        sequence=5,
        uuid=entry.uuid,
        at=entry.at,
        actor_uuid=entry.actor.uuid,
        person_uuid=entry.person.uuid,
        action="read",  # was "list"
        category=entry.category,
        allowed=entry.allowed,
        basis=entry.basis,
        object_type=entry.object_type,
        object_uuid=entry.object_uuid,
        ip_address=entry.ip_address,
        channel=entry.channel,
        details=entry.details,
    )
    tamper(
        (
            "UPDATE {table} SET action = %s, entry_hash = %s WHERE sequence = %s",
            ["read", seal_hash(entry.previous_hash, text), 5],
        )
    )
    assert findings() == [(BROKEN_LINK, (5, 6))]
    out, _ = run_verify()
    assert "Chaînage rompu entre les entrées n° 5 et n° 6" in out


def test_a_deleted_entry_is_found_by_its_number(log):
    tamper(("DELETE FROM {table} WHERE sequence = %s", [6]))
    assert findings() == [(DELETED, (6,))]
    out, error = run_verify()
    assert "L'entrée n° 6 a été supprimée (numéro manquant)." in out and error is not None


def test_deleted_entries_at_the_start_and_in_a_row_are_found(log):
    tamper(("DELETE FROM {table} WHERE sequence IN (%s, %s, %s, %s)", [1, 3, 4, 5]))
    assert findings() == [(DELETED, (1,)), (DELETED, (3, 4, 5))]
    out, _ = run_verify()
    assert "Les entrées n° 3 à n° 5 ont été supprimées (numéros manquants)." in out


def test_swapped_entries_are_found_by_their_numbers(log):
    swap(3, 7)
    assert findings() == [(MOVED, (3, 7))]
    out, error = run_verify()
    assert "Les entrées n° 3 et n° 7 ont été permutées" in out and error is not None


def test_swapped_neighbours_across_a_batch_boundary_are_found(log):
    swap(3, 4)
    assert findings() == [(MOVED, (3, 4))]


def test_a_deletion_hidden_by_renumbering_is_found_where_it_starts(log):
    tamper(("DELETE FROM {table} WHERE sequence = %s", [4]))
    for sequence in range(5, ENTRIES + 1):
        tamper(("UPDATE {table} SET sequence = %s WHERE sequence = %s", [sequence - 1, sequence]))
    assert findings() == [(MOVED, (sequence, sequence + 1)) for sequence in range(4, ENTRIES)]
    out, _ = run_verify()
    assert "L'entrée n° 4 portait le n° 5 : elle a été déplacée ou renumérotée." in out


def test_deleting_the_last_entries_is_found_with_an_anchor(log):
    head = verify_chain()
    tamper(("DELETE FROM {table} WHERE sequence >= %s", [9]))
    assert findings() == []  # nothing inside the chain shows it...
    anchors = {head.last_sequence: head.last_hash}
    assert findings(anchors=anchors) == [(ANCHOR, (10,))]  # ...the anchor does
    out, error = run_verify("--anchor", f"10:{head.last_hash}")
    assert (
        "L'entrée n° 10 du point de contrôle est absente : les entrées après le n° 8 ont été supprimées."
        in out
    )
    assert error is not None


def test_an_anchor_that_does_not_match_is_reported(log):
    assert findings(anchors={6: "f" * 64}) == [(ANCHOR, (6,))]
    entry = AccessLogEntry.objects.get(sequence=6)
    assert findings(anchors={6: entry.entry_hash}) == []


def test_a_malformed_anchor_is_refused(log):
    with pytest.raises(CommandError, match="anchor"):
        call_command("audit", "verify", "--anchor", "10:abc", stdout=io.StringIO())
