"""Writing the generated rows: ORM batches (any database) or PostgreSQL COPY (department scale).

The demo bypasses the service functions on purpose: it writes reference rows that satisfy the
models' rules (checked by tests with full_clean), and it must not fill the access log.
"""

import uuid
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.core.management.color import no_style
from django.db import models

from parcours.access.models import AccessLogEntry
from parcours.accounts.models import User
from parcours.core.crypto import encrypt_text
from parcours.core.fields import EncryptedTextField
from parcours.demo.coordination import LOGIN_PARTNER
from parcours.demo.generator import DEMO_USERNAMES, PARIS
from parcours.demo.portal import PORTAL_USERNAMES
from parcours.finance.models import FinanceImport
from parcours.organisations.models import Authority, Gestionnaire
from parcours.people.models import Person
from parcours.records.models import Note, ServiceDelivery
from parcours.staff.models import Professional

# Everything that hangs on these models is demo data: it is wiped by --reset.
DEMO_ROOTS = (Gestionnaire, Person, Professional, AccessLogEntry, Authority, FinanceImport)

SERVICE_COLUMNS = (
    "uuid",
    "date",
    "duration_minutes",
    "is_group",
    "concept_id",
    "establishment_id",
    "person_id",
    "professional_id",
)
NOTE_COLUMNS = (
    "uuid",
    "category",
    "text",
    "written_at",
    "shareable",
    "author_id",
    "establishment_id",
    "person_id",
)
NULL = "\\N"
CHUNK = 50_000


def demo_models() -> list[type[models.Model]]:
    """The roots and every model that refers to them (directly or not), referring ones first."""
    every = apps.get_models(include_auto_created=True)
    found = set(DEMO_ROOTS)
    changed = True
    while changed:
        changed = False
        for model in every:
            if model in found:
                continue
            if any(f.related_model in found for f in model._meta.concrete_fields if f.is_relation):
                found.add(model)
                changed = True
    ordered: list[type[models.Model]] = []
    remaining = set(found)
    while remaining:
        # A model can go once no other remaining model refers to it.
        ready = [
            m
            for m in remaining
            if not any(
                f.related_model is m
                for other in remaining
                if other is not m
                for f in other._meta.concrete_fields
                if f.is_relation
            )
        ]
        if not ready:  # a cycle: delete the rest in any order, constraints are deferred
            ready = list(remaining)
        for model in sorted(ready, key=lambda m: m._meta.label):
            ordered.append(model)
            remaining.discard(model)
    return ordered


def reset_demo_data(connection) -> None:
    """Delete the demo data. The access log refuses deletes through the ORM (and, on PostgreSQL,
    through a trigger on DELETE): TRUNCATE on PostgreSQL, a raw DELETE on SQLite."""
    targets = demo_models()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            tables = ", ".join(quote(m._meta.db_table) for m in targets)
            cursor.execute(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")  # noqa: S608 - names from the models
        else:
            for model in targets:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608 - idem
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_sequence'")
            if cursor.fetchone():
                names = [m._meta.db_table for m in targets]
                cursor.execute(
                    f"DELETE FROM sqlite_sequence WHERE name IN ({', '.join(['%s'] * len(names))})",  # noqa: S608
                    names,
                )
    User.objects.filter(username__in=(*DEMO_USERNAMES, *PORTAL_USERNAMES, LOGIN_PARTNER)).delete()


class Writer:
    """Common part: day strings and the list of models written with explicit ids."""

    def __init__(self, connection):
        self.connection = connection
        self.explicit_id_models: list = []
        self._dates: dict[int, date] = {}

    def date(self, ordinal: int) -> date:
        value = self._dates.get(ordinal)
        if value is None:
            value = self._dates[ordinal] = date.fromordinal(ordinal)
        return value

    def reset_sequences(self) -> None:
        statements = self.connection.ops.sequence_reset_sql(no_style(), self.explicit_id_models)
        if statements:
            with self.connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

    def prepare(self, tables) -> None:
        pass

    def finish(self, progress) -> None:
        self.reset_sequences()


class OrmWriter(Writer):
    """bulk_create in batches: SQLite, and the small scales on PostgreSQL."""

    batch_size = 2000

    def write_table(self, table, progress) -> int:
        model = table.model
        objs = [model(**dict(zip(table.columns, row, strict=True))) for row in table.rows]
        for start in range(0, len(objs), self.batch_size):
            model.objects.bulk_create(objs[start : start + self.batch_size])
            progress.advance(len(objs[start : start + self.batch_size]))
        if "id" in table.columns:
            self.explicit_id_models.append(model)
        return len(objs)

    def write_services(self, month_rows, progress) -> int:
        total = 0
        for rows in month_rows:
            objs = [
                ServiceDelivery(
                    uuid=uuid.UUID(int=u),
                    date=self.date(d),
                    duration_minutes=m,
                    is_group=g,
                    concept_id=c,
                    establishment_id=e,
                    person_id=p,
                    professional_id=pro,
                )
                for d, u, m, g, c, e, p, pro in rows
            ]
            ServiceDelivery.objects.bulk_create(objs, batch_size=self.batch_size)
            total += len(objs)
            progress.advance(len(objs))
        return total

    def write_notes(self, month_rows, progress) -> int:
        total = 0
        for rows in month_rows:
            objs = [
                Note(
                    uuid=uuid.UUID(int=u),
                    category=cat,
                    text=text,
                    shareable=sh,
                    author_id=a,
                    establishment_id=e,
                    person_id=p,
                    written_at=datetime.combine(self.date(d), time(minute // 60, minute % 60), tzinfo=PARIS),
                )
                for d, minute, u, cat, text, a, e, p, sh in rows
            ]
            Note.objects.bulk_create(objs, batch_size=self.batch_size)
            total += len(objs)
            progress.advance(len(objs))
        return total


class CopyWriter(Writer):
    """PostgreSQL COPY, with the secondary indexes and foreign keys of the written tables dropped
    before and rebuilt after (read from the catalog, so it follows the models' migrations). Used
    inside one transaction: a failure rolls the drops back too."""

    def __init__(self, connection, now: datetime):
        super().__init__(connection)
        self.now = now
        self.saved: list[tuple[str, list, list]] = []
        self._day_strings: dict[int, str] = {}
        self._offsets: dict[int, str] = {}
        self.hours = [f"{m // 60:02d}:{m % 60:02d}:00" for m in range(24 * 60)]

    def raw(self):
        self.connection.ensure_connection()
        return self.connection.connection

    def prepare(self, tables) -> None:
        """Empty the tables in this transaction (so COPY may FREEZE the rows) and drop their
        secondary indexes and constraints."""
        quote = self.connection.ops.quote_name
        names = [t.model._meta.db_table for t in tables] + [
            ServiceDelivery._meta.db_table,
            Note._meta.db_table,
        ]
        with self.raw().cursor() as cursor:
            # Run the deferred foreign-key checks queued so far (the reset, the logins): PostgreSQL
            # refuses to drop a constraint on a table with pending trigger events.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute(f"TRUNCATE {', '.join(quote(n) for n in names)} CASCADE")  # noqa: S608
            for name in names:
                cursor.execute(
                    "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                    "JOIN pg_class i ON i.oid = x.indexrelid "
                    "WHERE x.indrelid = %s::regclass AND NOT x.indisprimary AND NOT EXISTS ("
                    "SELECT 1 FROM pg_constraint c "
                    "WHERE c.conindid = x.indexrelid AND c.conrelid = x.indrelid)",
                    [name],
                )
                indexes = cursor.fetchall()
                cursor.execute(
                    "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                    "WHERE conrelid = %s::regclass AND contype IN ('u', 'f') ORDER BY contype DESC, conname",
                    [name],
                )
                constraints = cursor.fetchall()  # unique first, then foreign keys
                for constraint, _ in reversed(constraints):
                    cursor.execute(f"ALTER TABLE {quote(name)} DROP CONSTRAINT {quote(constraint)}")
                for index, _ in indexes:
                    cursor.execute(f"DROP INDEX {quote(index)}")
                self.saved.append((name, indexes, constraints))

    def finish(self, progress) -> None:
        quote = self.connection.ops.quote_name
        statements = []
        for name, indexes, constraints in self.saved:
            statements += [definition for _, definition in indexes]
            statements += [f"ALTER TABLE {quote(name)} ADD CONSTRAINT {quote(c)} {d}" for c, d in constraints]
        progress.phase("index et contraintes", total=len(statements))
        with self.raw().cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                progress.advance(1)
        self.reset_sequences()

    def _columns(self, table) -> tuple[list[str], tuple]:
        """Database columns, plus the auto_now fields Django would have filled."""
        fields = {f.attname: f for f in table.model._meta.concrete_fields}
        columns = [fields[name].column for name in table.columns]
        extra = []
        for f in table.model._meta.concrete_fields:
            if (
                getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
            ) and f.attname not in table.columns:
                columns.append(f.column)
                extra.append(self.now)
        return columns, tuple(extra)

    def write_table(self, table, progress) -> int:
        quote = self.connection.ops.quote_name
        columns, extra = self._columns(table)
        sql = (
            f"COPY {quote(table.model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
            "FROM STDIN WITH (FREEZE true)"
        )
        # Free text is encrypted at rest: COPY bypasses the model field, so encrypt here.
        encrypted = [
            index
            for index, name in enumerate(table.columns)
            if isinstance(table.model._meta.get_field(name), EncryptedTextField)
        ]
        with self.raw().cursor() as cursor, cursor.copy(sql) as copy:
            for k, row in enumerate(table.rows, 1):
                if encrypted:
                    row = tuple(
                        encrypt_text(value) if index in encrypted and value else value
                        for index, value in enumerate(row)
                    )
                copy.write_row(row + extra)
                if k % CHUNK == 0:
                    progress.advance(CHUNK)
        progress.advance(len(table.rows) % CHUNK)
        if "id" in table.columns:
            self.explicit_id_models.append(table.model)
        return len(table.rows)

    def day(self, ordinal: int) -> str:
        value = self._day_strings.get(ordinal)
        if value is None:
            day = date.fromordinal(ordinal)
            value = self._day_strings[ordinal] = day.isoformat()
            offset = datetime.combine(day, time(12), tzinfo=PARIS).utcoffset() or timedelta(0)
            self._offsets[ordinal] = f"+{int(offset.total_seconds()) // 3600:02d}"
        return value

    def _copy(self, table: str, columns: tuple[str, ...]) -> str:
        quote = self.connection.ops.quote_name
        return f"COPY {quote(table)} ({', '.join(columns)}) FROM STDIN WITH (FREEZE true)"

    def write_services(self, month_rows, progress) -> int:
        total = 0
        days = self._day_strings
        with (
            self.raw().cursor() as cursor,
            cursor.copy(self._copy(ServiceDelivery._meta.db_table, SERVICE_COLUMNS)) as copy,
        ):
            for rows in month_rows:
                if rows:  # sorted by day
                    for k in range(rows[0][0], rows[-1][0] + 1):
                        self.day(k)
                for start in range(0, len(rows), CHUNK):
                    chunk = rows[start : start + CHUNK]
                    copy.write(
                        "".join(
                            [
                                f"{u:032x}\t{days[d]}\t{m}\t{'t' if g else 'f'}\t{c}\t{e}\t{p}\t"
                                f"{NULL if pro is None else pro}\n"
                                for d, u, m, g, c, e, p, pro in chunk
                            ]
                        )
                    )
                    progress.advance(len(chunk))
                total += len(rows)
        return total

    def write_notes(self, month_rows, progress) -> int:
        total = 0
        days, offsets, hours = self._day_strings, self._offsets, self.hours
        encrypt = encrypt_text  # the note's text is encrypted at rest; COPY bypasses the field
        with (
            self.raw().cursor() as cursor,
            cursor.copy(self._copy(Note._meta.db_table, NOTE_COLUMNS)) as copy,
        ):
            for rows in month_rows:
                if rows:
                    for k in range(rows[0][0], rows[-1][0] + 1):
                        self.day(k)
                for start in range(0, len(rows), CHUNK):
                    chunk = rows[start : start + CHUNK]
                    copy.write(
                        "".join(
                            [
                                f"{u:032x}\t{cat}\t{encrypt(text)}\t{days[d]} {hours[minute]}{offsets[d]}\t"
                                f"{'t' if sh else 'f'}\t{a}\t{e}\t{p}\n"
                                for d, minute, u, cat, text, a, e, p, sh in chunk
                            ]
                        )
                    )
                    progress.advance(len(chunk))
                total += len(rows)
        return total


def analyze(connection, tables: list[str], vacuum: bool) -> None:
    """Fresh planner statistics (autovacuum may be off); VACUUM also sets the visibility map, but
    cannot run inside a transaction."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"{'VACUUM (ANALYZE)' if vacuum else 'ANALYZE'} {quote(table)}")
