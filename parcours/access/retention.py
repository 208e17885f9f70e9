"""The end of the access log's retention period: the oldest entries are removed, and a checkpoint
(`LogExpiry`) keeps the number and hash of the last one removed, so that `parcours audit verify`
checks the chain from the first entry kept.

Only a prefix of the chain is ever removed: entries up to the last one before the first entry dated
at or after the cutoff. An older entry numbered after a newer one (written with a date in the past)
is kept until everything before it expires: kept longer, never shorter.
"""

import datetime

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from parcours.access.chain import lock_and_read_head
from parcours.access.models import AccessLogEntry, LogExpiry

BATCH = 20_000


def last_expired(using: str = DEFAULT_DB_ALIAS) -> LogExpiry | None:
    return LogExpiry.objects.using(using).order_by("-last_sequence").first()


def _expiring_upto(before: datetime.datetime, using: str) -> int:
    """The last sequence number that may be removed for this cutoff (0 when none)."""
    entries = AccessLogEntry.objects.using(using)
    first_kept = (
        entries.filter(at__gte=before).order_by("sequence").values_list("sequence", flat=True).first()
    )
    if first_kept is not None:
        return first_kept - 1
    return entries.order_by("-sequence").values_list("sequence", flat=True).first() or 0


def expire_log(before: datetime.datetime, *, dry_run: bool, using: str = DEFAULT_DB_ALIAS) -> int:
    """Remove (or, with dry_run, count) the entries whose retention period ended: those dated before
    `before`, as a prefix of the chain. Returns the number of entries removed or to remove."""
    previous = last_expired(using)
    start = previous.last_sequence if previous else 0
    upto = _expiring_upto(before, using)
    entries = AccessLogEntry.objects.using(using).filter(sequence__gt=start, sequence__lte=upto)
    if dry_run or upto <= start:
        return entries.count() if upto > start else 0
    connection = connections[using]
    table = connection.ops.quote_name(AccessLogEntry._meta.db_table)
    with transaction.atomic(using=using):
        lock_and_read_head(AccessLogEntry, using)  # no append while the checkpoint is written
        last_hash = (
            AccessLogEntry.objects.using(using).filter(sequence=upto).values_list("entry_hash", flat=True)[0]
        )
        removed = entries.count()
        LogExpiry.objects.using(using).create(
            last_sequence=upto, last_hash=last_hash, cutoff=before, removed=removed
        )
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL parcours.log_expiry = 'on'")
            low = start
            while low < upto:
                high = min(low + BATCH, upto)
                cursor.execute(
                    f"DELETE FROM {table} WHERE sequence > %s AND sequence <= %s",  # noqa: S608 - model table
                    [low, high],
                )
                low = high
    return removed
