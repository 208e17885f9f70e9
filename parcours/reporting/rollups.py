"""The rollups of the service log: its totals per establishment, SERAFIN-PH code and day (or month).

Business rules:
- a rollup row holds, for one establishment, one day (or one calendar month) and one prestation code,
  the number of lines of the service log and the sum of their durations; a day without a line has no
  row. The rows hold counts only, never a person;
- the rollups give exactly what an aggregate over the service log would give, for any period:
  `service_totals` reads the monthly rows of the whole months of the period and the daily rows of the
  days around them;
- they follow the service log through `refresh(establishment_ids, days)`: records' services enqueue
  it (task `refresh_service_rollups`) once a write of the log is committed, and bulk loads call it for
  the days they touched. `refresh_all()` rebuilds everything from the log (every night, and after the
  demo load): it repairs whatever no refresh followed, such as the lines retention deletes when it
  erases a person's services;
- a refresh is one transaction that first locks the RollupState row: two refreshes of the same totals
  run one after the other, and the last one to commit has read the log after the other's commit.

The refresh is INSERT ... SELECT ... GROUP BY in the database (no row travels through Python), in SQL
that SQLite and PostgreSQL both run. See docs/reporting.md, "Rollups", for the figures measured.
"""

import calendar
import datetime
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Max, Min, QuerySet, Sum
from django.utils import timezone

from parcours.organisations.models import Establishment
from parcours.records.models import ServiceDelivery
from parcours.reporting.models import RollupState, ServiceDayRollup, ServiceMonthRollup

SERVICES = "services"  # the RollupState row of the service log's rollups

# Values bound in one IN (...) list: well under any database's limit on parameters (SQLite's is 999
# in old versions), and few enough statements for a department (300 establishments).
BATCH = 500


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def last_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    """The first days of the months from start's to end's, both included."""
    months, month = [], first_of_month(start)
    while month <= end:
        months.append(month)
        month = last_of_month(month) + datetime.timedelta(days=1)
    return months


def _batches(values: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


# Reading


def service_totals(
    establishments: QuerySet, start: datetime.date, end: datetime.date
) -> dict[str, tuple[int, int]]:
    """{prestation code: (lines of the service log, their minutes)} for the establishments on the days
    from start to end included, in one query: the monthly rows of the whole months of the period, the
    daily rows of the days before the first and after the last of them."""
    first_month = start if start.day == 1 else last_of_month(start) + datetime.timedelta(days=1)
    last_day = end if end == last_of_month(end) else first_of_month(end) - datetime.timedelta(days=1)
    if first_month < last_day:
        parts = [ServiceMonthRollup.objects.filter(month__gte=first_month, month__lte=last_day)]
        # The days around the whole months: one range each, each read through an index (an OR of
        # both ranges makes PostgreSQL scan the whole table).
        if start < first_month:
            parts.append(ServiceDayRollup.objects.filter(day__gte=start, day__lt=first_month))
        if last_day < end:
            parts.append(ServiceDayRollup.objects.filter(day__gt=last_day, day__lte=end))
    else:  # no whole month in the period
        parts = [ServiceDayRollup.objects.filter(day__gte=start, day__lte=end)]
    queries = [
        part.filter(establishment__in=establishments)
        .values_list("concept__code")
        .annotate(deliveries=Sum("deliveries"), minutes=Sum("minutes"))
        .order_by()
        for part in parts
    ]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    totals: dict[str, tuple[int, int]] = {}
    for code, deliveries, minutes in rows:
        previous = totals.get(code, (0, 0))
        totals[code] = (previous[0] + deliveries, previous[1] + minutes)
    return totals


@dataclass(frozen=True)
class Freshness:
    rebuilt_at: datetime.datetime | None  # last full rebuild: « données consolidées le … »
    refreshed_at: datetime.datetime | None  # last refresh of some days


def freshness() -> Freshness:
    state = RollupState.objects.filter(name=SERVICES).first()
    return Freshness(state.rebuilt_at, state.refreshed_at) if state else Freshness(None, None)


# Writing


def _lock() -> RollupState:
    """Lock the state row until the end of the transaction (PostgreSQL; SQLite's transactions, begun
    IMMEDIATE by Parcours' settings, already write one at a time)."""
    state, _created = RollupState.objects.select_for_update().get_or_create(name=SERVICES)
    return state


# The statements, with the names of the tables and columns taken from the models. {days} is a condition
# on the day column, {ids} a list of establishment placeholders, {only} nothing or a condition on the
# establishment column.
DELETE_DAYS = "DELETE FROM {day_table} WHERE {day} {days}{only}"
INSERT_DAYS = (
    "INSERT INTO {day_table} ({establishment}, {day}, {concept}, {deliveries}, {minutes}) "
    "SELECT {log_establishment}, {log_date}, {log_concept}, COUNT(*), SUM({log_minutes}) FROM {log} "
    "WHERE {log_establishment} IN ({ids}) AND {log_date} {days} "
    "GROUP BY {log_establishment}, {log_date}, {log_concept}"
)
DELETE_MONTH = "DELETE FROM {month_table} WHERE {month} = %s{only}"
INSERT_MONTH = (
    "INSERT INTO {month_table} ({establishment}, {month}, {concept}, {deliveries}, {minutes}) "
    "SELECT {establishment}, %s, {concept}, SUM({deliveries}), SUM({minutes}) FROM {day_table} "
    "WHERE {establishment} IN ({ids}) AND {day} BETWEEN %s AND %s "
    "GROUP BY {establishment}, {concept}"
)

Days = Sequence[datetime.date] | tuple[datetime.date, datetime.date]  # some days, or a (first, last) range


def _placeholders(values: Sequence) -> str:
    return ", ".join(["%s"] * len(values))


def _date(day: datetime.date):
    return connection.ops.adapt_datefield_value(day)


class _Statements:
    """The four statements of a refresh, run on one cursor."""

    def __init__(self, cursor):
        self.cursor = cursor
        quote = connection.ops.quote_name
        names = {
            "log": ServiceDelivery._meta.db_table,
            "day_table": ServiceDayRollup._meta.db_table,
            "month_table": ServiceMonthRollup._meta.db_table,
            "log_establishment": ServiceDelivery._meta.get_field("establishment").column,
            "log_date": ServiceDelivery._meta.get_field("date").column,
            "log_concept": ServiceDelivery._meta.get_field("concept").column,
            "log_minutes": ServiceDelivery._meta.get_field("duration_minutes").column,
            "month": ServiceMonthRollup._meta.get_field("month").column,
        }
        # The monthly table has the same columns as the daily one, but for the month.
        for field in ("establishment", "day", "concept", "deliveries", "minutes"):
            names[field] = ServiceDayRollup._meta.get_field(field).column
        self.names = {key: quote(name) for key, name in names.items()}

    def _only(self, establishment_ids: Sequence[int] | None) -> tuple[str, list]:
        if establishment_ids is None:
            return "", []
        return f" AND {self.names['establishment']} IN ({_placeholders(establishment_ids)})", list(
            establishment_ids
        )

    @staticmethod
    def _days(days: Days) -> tuple[str, list]:
        if isinstance(days, tuple):
            return "BETWEEN %s AND %s", [_date(days[0]), _date(days[1])]
        return f"IN ({_placeholders(days)})", [_date(day) for day in days]

    def delete_days(self, days: Days, establishment_ids: Sequence[int] | None = None) -> None:
        """Delete the daily rows of these days: of these establishments, or of every one."""
        condition, params = self._days(days)
        only, ids = self._only(establishment_ids)
        self.cursor.execute(DELETE_DAYS.format(**self.names, days=condition, only=only), [*params, *ids])

    def insert_days(self, establishment_ids: Sequence[int], days: Days) -> int:
        """Write the daily rows of these establishments on these days, from the service log; returns
        how many. Naming the establishments helps PostgreSQL too: with them, a month of a department
        is read through the (establishment, date) index of the log instead of a scan of all of it."""
        condition, params = self._days(days)
        self.cursor.execute(
            INSERT_DAYS.format(**self.names, ids=_placeholders(establishment_ids), days=condition),
            [*establishment_ids, *params],
        )
        return self.cursor.rowcount

    def delete_month(self, month: datetime.date, establishment_ids: Sequence[int] | None = None) -> None:
        only, ids = self._only(establishment_ids)
        self.cursor.execute(DELETE_MONTH.format(**self.names, only=only), [_date(month), *ids])

    def insert_month(self, establishment_ids: Sequence[int], month: datetime.date) -> None:
        """Write the monthly rows of these establishments for this month, from the daily rows."""
        self.cursor.execute(
            INSERT_MONTH.format(**self.names, ids=_placeholders(establishment_ids)),
            [_date(month), *establishment_ids, _date(month), _date(last_of_month(month))],
        )

    def analyze(self) -> None:
        """Fresh planner statistics once every row was rewritten (PostgreSQL reads the rollups
        through their index only when it knows how many rows they hold)."""
        if connection.vendor == "postgresql":
            self.cursor.execute(f"ANALYZE {self.names['day_table']}, {self.names['month_table']}")


def refresh(establishment_ids: Iterable[int], days: Iterable[datetime.date]) -> int:
    """Recompute, from the service log, the totals of these establishments on these days (every
    establishment on every day) and those of the months that hold the days, in one transaction.
    Returns the number of daily rows written."""
    establishment_ids = sorted(set(establishment_ids))
    days = sorted(set(days))
    if not establishment_ids or not days:
        return 0
    months = sorted({first_of_month(day) for day in days})
    written = 0
    with transaction.atomic(), connection.cursor() as cursor:
        state = _lock()
        statements = _Statements(cursor)
        for ids in _batches(establishment_ids):
            for some_days in _batches(days):
                statements.delete_days(some_days, ids)
                written += statements.insert_days(ids, some_days)
            for month in months:
                statements.delete_month(month, ids)
                statements.insert_month(ids, month)
        state.refreshed_at = timezone.now()
        state.save(update_fields=["refreshed_at"])
    return written


@dataclass
class Rebuild:
    months: int = 0
    rows: int = 0
    seconds: float = 0.0


def refresh_all(
    *, since: datetime.date | None = None, progress: Callable[[int, int, datetime.date], None] | None = None
) -> Rebuild:
    """Rebuild the totals from the service log: all of them, or those of the days from `since` on.

    Month by month, one transaction each: a dashboard read meanwhile sees every month whole, either as
    it was or rebuilt. `progress(done, total, month)` is called after each month. A full rebuild
    records its start time as the time of consolidation: everything logged before it is counted.
    """
    started, clock = timezone.now(), time.perf_counter()
    log = ServiceDelivery.objects.aggregate(first=Min("date"), last=Max("date"))
    kept = ServiceDayRollup.objects.aggregate(first=Min("day"), last=Max("day"))
    # Days the log no longer has (its lines deleted) are rebuilt too, that is emptied.
    firsts = [day for day in (log["first"], kept["first"]) if day]
    lasts = [day for day in (log["last"], kept["last"]) if day]
    start = max(min(firsts), since or min(firsts)) if firsts else None
    months = months_between(start, max(lasts)) if firsts else []
    establishment_ids = list(Establishment.objects.order_by("pk").values_list("pk", flat=True))
    result = Rebuild(months=len(months))
    for done, month in enumerate(months, 1):
        days = (max(month, start), last_of_month(month))
        with transaction.atomic(), connection.cursor() as cursor:
            _lock()
            statements = _Statements(cursor)
            # Deleted for every establishment, listed or not: no row outlives its establishment.
            statements.delete_days(days)
            statements.delete_month(month)
            for ids in _batches(establishment_ids):
                result.rows += statements.insert_days(ids, days)
                statements.insert_month(ids, month)
        if progress:
            progress(done, len(months), month)
    with transaction.atomic(), connection.cursor() as cursor:
        state = _lock()
        state.refreshed_at = timezone.now()
        if since is None:
            state.rebuilt_at = started
        state.save()
        _Statements(cursor).analyze()
    result.seconds = time.perf_counter() - clock
    return result
