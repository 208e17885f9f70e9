"""The hash chain of the access log: what makes it tamper-evident.

Every entry carries a `sequence` number (1, 2, 3... without gaps) and an `entry_hash`: the SHA-256,
in hexadecimal, of the previous entry's hash and of this entry's own fields. The first entry chains
to GENESIS. Each entry also keeps the previous hash it was sealed with (`previous_hash`), so that
`parcours audit verify` can tell an entry that was changed from an entry whose neighbour was removed.

The hashed text is exactly:

    previous_hash + "\\n" + JSON array of [sequence, uuid, at, actor uuid, person uuid or "",
        action, category, allowed, basis, object_type, object uuid or "", ip, channel, details]

written without spaces (separators "," and ":"), keys sorted, non-ASCII characters as they are,
encoded in UTF-8; `at` is ISO 8601 in UTC with microseconds ("2026-03-01T08:15:02.123456+00:00");
`ip` is dotted for IPv4 and eight groups of four lowercase hexadecimal digits for IPv6 ("" when
unknown); UUIDs are lowercase with hyphens.

Appends are serialised: on PostgreSQL by a transaction-level advisory lock, on SQLite by the
write lock every transaction takes at its start (settings use transaction_mode IMMEDIATE). The head
of the chain is read after the lock is held, the new entries are sealed in Python, and they are
inserted in one INSERT; the lock is released when the writing transaction ends. The unique index on
`sequence` stays as a last guard: two writers can never both append the same number.

A transaction that has already appended holds the lock and knows the head (it wrote it): its next
appends skip the read, unless the savepoint that contained the last append was rolled back.
"""

import functools
import hashlib
import ipaddress
import json
from datetime import UTC

from django.db import connections, transaction
from django.utils import timezone

GENESIS = "0" * 64
# pg_advisory_xact_lock key of the chain: the first 8 bytes of SHA-256("parcours.access.chain").
LOCK_KEY = int.from_bytes(hashlib.sha256(b"parcours.access.chain").digest()[:8], "big", signed=True)


_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@functools.lru_cache(maxsize=4096)
def canonical_ip(value) -> str:
    if not value:
        return ""
    address = ipaddress.ip_address(str(value))
    if address.version == 4:
        return str(address)
    packed = address.packed
    return ":".join(packed[i : i + 2].hex() for i in range(0, 16, 2))


def canonical_at(value) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def payload(
    *,
    sequence: int,
    uuid,
    at,
    actor_uuid,
    person_uuid,
    action: str,
    category: str,
    allowed: bool,
    basis: str,
    object_type: str,
    object_uuid,
    ip_address,
    channel: str,
    details: dict,
) -> str:
    """The canonical text of one entry (everything but the previous hash)."""
    return _ENCODER.encode(
        [
            int(sequence),
            str(uuid),
            canonical_at(at),
            str(actor_uuid),
            str(person_uuid) if person_uuid else "",
            str(action),
            str(category),
            bool(allowed),
            str(basis),
            str(object_type or ""),
            str(object_uuid) if object_uuid else "",
            canonical_ip(ip_address),
            str(channel),
            details or {},
        ]
    )


def seal_hash(previous_hash: str, text: str) -> str:
    return hashlib.sha256(f"{previous_hash}\n{text}".encode()).hexdigest()


class _HeadMarker:
    """A no-op on_commit callback. Django drops it from `run_on_commit` when the transaction ends or
    when the savepoint it was registered in is rolled back: while it is there, the head written
    with it is still the head, and the lock is still held."""

    def __call__(self) -> None:
        pass


def _known_head(connection) -> tuple[int, str] | None:
    state = getattr(connection, "_parcours_chain_head", None)
    if state is None or not connection.in_atomic_block:
        return None
    marker, head = state
    for callback in reversed(connection.run_on_commit):
        if callback[1] is marker:
            return head
    return None


def remember_head(using: str, head: tuple[int, str] | None) -> None:
    """Called once the entries sealed by `seal` are inserted."""
    if head is None:
        return
    connection = connections[using]
    state = getattr(connection, "_parcours_chain_head", None)
    callbacks = connection.run_on_commit
    if (
        state is not None
        and callbacks
        and callbacks[-1][1] is state[0]
        and callbacks[-1][0] == set(connection.savepoint_ids)
    ):
        marker = state[0]  # registered at this very savepoint level: no need for another
    else:
        marker = _HeadMarker()
        transaction.on_commit(marker, using=using)
    connection._parcours_chain_head = (marker, head)


def lock_and_read_head(model, using: str) -> tuple[int, str]:
    """Take the chain's lock (for the rest of the current transaction) and return the last
    (sequence, entry_hash), or (0, GENESIS) for an empty log."""
    connection = connections[using]
    table = connection.ops.quote_name(model._meta.db_table)
    head = f"SELECT sequence, entry_hash FROM {table} ORDER BY sequence DESC LIMIT 1"  # noqa: S608 - model name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One round trip: under READ COMMITTED the second statement takes its snapshot once the
            # lock is granted, so it sees the entries of the writer that held the lock before.
            cursor.execute(f"SELECT pg_advisory_xact_lock({LOCK_KEY}); {head}")
            cursor.nextset()
        else:
            cursor.execute(head)
        row = cursor.fetchone()
    return (row[0], row[1]) if row else (0, GENESIS)


def _uuids(entries, field_name: str, model) -> dict[int, object]:
    """The UUIDs of the users or persons the entries point to, read in one query only for those
    not already loaded."""
    known, missing = {}, set()
    descriptor = getattr(type(entries[0]), field_name)
    for entry in entries:
        pk = getattr(entry, f"{field_name}_id")
        if pk is None or pk in known:
            continue
        related = descriptor.field.get_cached_value(entry, default=None)
        if related is not None and "uuid" not in related.get_deferred_fields():
            known[pk] = related.uuid
        else:
            missing.add(pk)
    missing -= known.keys()
    if missing:
        known.update(model._base_manager.filter(pk__in=missing).values_list("pk", "uuid"))
    return known


def seal(entries: list, using: str) -> tuple[int, str] | None:
    """Number, date and hash these new entries, in order, after the last entry of the log, and
    return the new head. Must run inside the transaction that inserts them (the lock lasts until it
    ends); once they are inserted, pass the head to `remember_head`."""
    if not entries:
        return None
    model = type(entries[0])
    actor_model = model._meta.get_field("actor").related_model
    person_model = model._meta.get_field("person").related_model
    actors = _uuids(entries, "actor", actor_model)
    persons = _uuids(entries, "person", person_model)
    connection = connections[using]
    sequence, previous = _known_head(connection) or lock_and_read_head(model, using)
    now = timezone.now()
    plain_details: dict[int, dict] = {}  # record_many shares one details dict between its entries
    for entry in entries:
        sequence += 1
        if entry.at is None:
            entry.at = now
        # What the database gives back is plain JSON: seal that, not tuples or str subclasses.
        details = entry.details or {}
        if id(details) not in plain_details:
            plain_details[id(details)] = json.loads(json.dumps(details))
        entry.details = plain_details[id(details)]
        entry.sequence = sequence
        entry.previous_hash = previous
        entry.entry_hash = seal_hash(previous, entry_payload(entry, actors, persons))
        previous = entry.entry_hash
    return sequence, previous


def entry_payload(entry, actors: dict, persons: dict) -> str:
    return payload(
        sequence=entry.sequence,
        uuid=entry.uuid,
        at=entry.at,
        actor_uuid=actors[entry.actor_id],
        person_uuid=persons.get(entry.person_id) if entry.person_id else None,
        action=entry.action,
        category=entry.category,
        allowed=entry.allowed,
        basis=entry.basis,
        object_type=entry.object_type,
        object_uuid=entry.object_uuid,
        ip_address=entry.ip_address,
        channel=entry.channel,
        details=entry.details,
    )
