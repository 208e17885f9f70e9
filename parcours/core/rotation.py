"""Rotation of the data keys: a new key first in the key file, every encrypted value and document
re-encrypted with it, then the old keys retired (docs/security.md, "Encryption at rest").

Re-encryption goes table by table in batches of rows taken in primary-key order, each batch in its
own transaction; a value already encrypted with the first key is left alone, so an interrupted run
is simply started again (`--resume`). A value is only replaced if it has not changed since it was
read, so the application can keep running meanwhile.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.db import connection, models, transaction
from django.utils import timezone

from parcours.core import crypto
from parcours.core.fields import encrypted_fields
from parcours.core.storage import encrypted_file_fields

Progress = Callable[[str, int, int], None]


@dataclass
class Pass:
    """What one pass over the encrypted data found: values seen, re-encrypted, still on an old key,
    stored files missing."""

    seen: int = 0
    reencrypted: int = 0
    old: int = 0
    missing: int = 0


def add_key(path: Path) -> Path | None:
    """Put a new key first in the key file; the previous file is kept beside it (mode 600).
    Returns the copy, or None when the file did not exist (a new instance: its first key)."""
    if not path.exists():
        crypto.write_key_file(path, [crypto.new_key()])
        return None
    keys = crypto.parse_keys(path.read_text(encoding="utf-8"), path)
    copy = path.with_name(f"{path.name}.{timezone.now():%Y%m%d-%H%M%S}.avant-rotation")
    crypto.write_key_file(copy, keys)
    crypto.write_key_file(path, [crypto.new_key(), *keys])
    return copy


def retire_old_keys(path: Path) -> int:
    """Keep only the first key; returns how many were removed."""
    keys = crypto.load_keys()
    crypto.write_key_file(path, keys[:1])
    return len(keys) - 1


def _rows(model: type[models.Model], column: str, batch: int) -> Iterator[list[tuple[int, str]]]:
    quote = connection.ops.quote_name
    table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
    sql = f"SELECT {pk}, {quote(column)} FROM {table} WHERE {pk} > %s ORDER BY {pk} LIMIT %s"  # noqa: S608 - names from the models
    last = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        last = rows[-1][0]
        yield rows


def reencrypt_columns(batch: int, progress: Progress, write: bool = True) -> Pass:
    """Re-encrypt with the first key every encrypted value that needs it (or, without `write`, only
    count them)."""
    found = Pass()
    quote = connection.ops.quote_name
    for model, field in encrypted_fields():
        label = f"{model._meta.db_table}.{field.column}"
        total = model._base_manager.count()
        done = 0
        table, pk, column = quote(model._meta.db_table), quote(model._meta.pk.column), quote(field.column)
        update = f"UPDATE {table} SET {column} = %s WHERE {pk} = %s AND {column} = %s"  # noqa: S608 - idem
        for rows in _rows(model, field.column, batch):
            stale = [
                (pk_value, token) for pk_value, token in rows if token and crypto.text_needs_new_key(token)
            ]
            found.seen += sum(1 for _, token in rows if token)
            if write and stale:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.executemany(
                        update, [(crypto.reencrypt_text(token), pk_value, token) for pk_value, token in stale]
                    )
                found.reencrypted += len(stale)
            elif stale:
                found.old += len(stale)
            done += len(rows)
            progress(label, done, total)
    return found


def reencrypt_files(batch: int, progress: Progress, write: bool = True) -> Pass:
    found = Pass()
    for model, field in encrypted_file_fields():
        storage = field.storage
        label = f"{model._meta.db_table}.{field.column} (fichiers)"
        total = model._base_manager.count()
        done = 0
        for rows in _rows(model, field.column, batch):
            for _, name in rows:
                if not name:
                    continue
                try:
                    data = storage.read_raw(name)
                except FileNotFoundError:
                    found.missing += 1
                    continue
                found.seen += 1
                if crypto.bytes_need_new_key(data):
                    if write:
                        storage.replace_raw(name, crypto.reencrypt_bytes(data))
                        found.reencrypted += 1
                    else:
                        found.old += 1
            done += len(rows)
            progress(label, done, total)
    return found
