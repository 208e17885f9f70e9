"""Chain the entries written before the hash chain existed, in the order of their ids.

Streams the table in batches (bounded memory, whatever its size). On PostgreSQL the append-only
trigger is disabled for this migration's transaction only: these are the only updates the log
ever receives, and they happen before the chain exists.
"""

from django.db import migrations

from parcours.access.chain import GENESIS, payload, seal_hash

BATCH = 5000
TRIGGER = "access_log_append_only"


def chain_existing(apps, schema_editor):
    Entry = apps.get_model("access", "AccessLogEntry")
    connection = schema_editor.connection
    table = connection.ops.quote_name(Entry._meta.db_table)
    if not Entry.objects.using(connection.alias).exists():
        return
    postgresql = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        if postgresql:
            cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {TRIGGER}")
        sequence, previous, last_id = 0, GENESIS, 0
        columns = (
            "id", "uuid", "at", "actor__uuid", "person__uuid", "action", "category", "allowed", "basis",
            "object_type", "object_uuid", "ip_address", "channel", "details",
        )
        while True:
            rows = list(
                Entry.objects.using(connection.alias)
                .filter(id__gt=last_id)
                .order_by("id")
                .values_list(*columns)[:BATCH]
            )
            if not rows:
                break
            updates = []
            for (pk, uuid, at, actor_uuid, person_uuid, action, category, allowed, basis, object_type,
                 object_uuid, ip_address, channel, details) in rows:
                sequence += 1
                text = payload(
                    sequence=sequence, uuid=uuid, at=at, actor_uuid=actor_uuid, person_uuid=person_uuid,
                    action=action, category=category, allowed=allowed, basis=basis, object_type=object_type,
                    object_uuid=object_uuid, ip_address=ip_address, channel=channel, details=details,
                )
                entry_hash = seal_hash(previous, text)
                updates.append((sequence, previous, entry_hash, pk))
                previous = entry_hash
            cursor.executemany(
                f"UPDATE {table} SET sequence = %s, previous_hash = %s, entry_hash = %s WHERE id = %s",
                updates,
            )
            last_id = rows[-1][0]
        if postgresql:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER {TRIGGER}")


class Migration(migrations.Migration):
    dependencies = [("access", "0004_chain_fields")]
    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]
