"""Benchmark of the rollups of the service log, on the department data set in PostgreSQL.

Needs the database built by bench/department.py (300 establishments, 10 million service-log rows);
applies the reporting migrations to it if missing, then measures:

a. the full rebuild of the rollups (`refresh_all`, what runs every night and after the demo load);
   it stays in the database, as after a demo load;
b. one average day of new service-log lines written through the demo's bulk path (COPY), then the
   refresh of that day for every establishment (what a bulk load calls): under 10 s is required.
   Inside a transaction rolled back at the end: the database is left as it was;
c. for an establishment, a gestionnaire, the department and the region, over one calendar year and
   over twelve months that cut months in two: the two activity indicators read from the rollups,
   against the same figures by a straight SQL aggregate over the service log, p50 and p95 over
   --runs runs each, taken in the same run.

    .venv/bin/python bench/department.py                # once: builds parcours_bench (a few minutes)
    .venv/bin/python bench/rollups.py [--runs 30]

Prints a table and writes the figures as JSON under bench/results/ (git-ignored). Only the local
PostgreSQL server is contacted.
"""

import argparse
import datetime
import json
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402
    RESULTS,
    add_database_arguments,
    local_database_url,
    log,
    percentile,
    report_header,
    server_env,
)

MIN_RUNS = 30
INCREMENTAL_LIMIT_S = 10.0


def setup_django(database_url: str) -> None:
    """The benchmark server's settings (production, no debug), in this process."""
    for key in [key for key in os.environ if key.startswith(("PARCOURS_", "DJANGO_"))]:
        del os.environ[key]
    os.environ.update(server_env(database_url))
    import django

    django.setup()


def database_exists(server: str, database: str) -> bool:
    with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone() is not None


def timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    value = function(*args, **kwargs)
    return time.perf_counter() - started, value


# -- a. full rebuild --------------------------------------------------------------------------------


def full_rebuild() -> dict:
    from parcours.reporting import rollups
    from parcours.reporting.models import ServiceDayRollup, ServiceMonthRollup

    def progress(done: int, total: int, month: datetime.date) -> None:
        if done % 6 == 0 or done == total:
            log(f"    {month:%m/%Y} ({done}/{total})")

    log("▶ a. reconstruction complète des cumuls (refresh_all)")
    result = rollups.refresh_all(progress=progress)
    figures = {
        "seconds": round(result.seconds, 1),
        "months": result.months,
        "daily_rows": ServiceDayRollup.objects.count(),
        "monthly_rows": ServiceMonthRollup.objects.count(),
    }
    log(
        f"  ✓ {figures['seconds']} s : {figures['months']} mois, {figures['daily_rows']} lignes "
        f"journalières, {figures['monthly_rows']} lignes mensuelles"
    )
    return figures


# -- b. one day of new lines, then its refresh ------------------------------------------------------


def one_new_day() -> dict:
    """Copy the lines of the day whose count is closest to the average onto the day after the last
    one, through the demo's COPY writer, then refresh that day for every establishment."""
    from django.db import connection, transaction
    from django.utils import timezone

    from parcours.demo.services import Progress
    from parcours.demo.writers import CopyWriter
    from parcours.organisations.models import Establishment
    from parcours.records.models import ServiceDelivery
    from parcours.reporting import rollups

    class AppendingCopyWriter(CopyWriter):
        """The demo's writer, without FREEZE: the table is not emptied in this transaction."""

        def _copy(self, table: str, columns: tuple[str, ...]) -> str:
            return super()._copy(table, columns).replace(" WITH (FREEZE true)", "")

    log("▶ b. une journée moyenne de prestations ajoutée, puis son cumul")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT date, COUNT(*) FROM records_servicedelivery GROUP BY date ORDER BY date"  # noqa: S608
        )
        per_day = cursor.fetchall()
    average = sum(n for _, n in per_day) / len(per_day)
    source_day, _ = min(per_day, key=lambda row: abs(row[1] - average))
    new_day = per_day[-1][0] + datetime.timedelta(days=1)
    rows = list(
        ServiceDelivery.objects.filter(date=source_day)
        .order_by()
        .values_list(
            "duration_minutes", "is_group", "concept_id", "establishment_id", "person_id", "professional_id"
        )
    )
    ordinal = new_day.toordinal()
    lines = [(ordinal, uuid.uuid4().int, *row) for row in rows]
    establishment_ids = list(Establishment.objects.values_list("pk", flat=True))
    with transaction.atomic():
        writer = AppendingCopyWriter(connection, timezone.now())
        insert_s, written = timed(writer.write_services, [lines], Progress())
        refresh_s, daily_rows = timed(rollups.refresh, establishment_ids, [new_day])
        check = ServiceDelivery.objects.filter(date=new_day).count()
        transaction.set_rollback(True)  # the database is left as it was
    figures = {
        "average_lines_per_day": round(average),
        "days_in_log": len(per_day),
        "lines_written": written,
        "copied_from": source_day.isoformat(),
        "day": new_day.isoformat(),
        "insert_seconds": round(insert_s, 3),
        "refresh_seconds": round(refresh_s, 3),
        "daily_rows_written": daily_rows,
        "establishments": len(establishment_ids),
        "within_limit": refresh_s < INCREMENTAL_LIMIT_S,
    }
    if check != written:
        raise SystemExit("les lignes écrites n'ont pas été relues")
    limit = f"{'moins' if figures['within_limit'] else 'PLUS'} de {INCREMENTAL_LIMIT_S:.0f} s"
    log(
        f"  ✓ {written} lignes (moyenne {figures['average_lines_per_day']} par jour, {len(per_day)} jours) "
        f"écrites en {insert_s:.2f} s ; cumul du jour pour {len(establishment_ids)} établissements en "
        f"{refresh_s:.3f} s ({limit}) ; annulé"
    )
    return figures


# -- c. indicators: rollups against the raw log -----------------------------------------------------

RAW_AGGREGATE = (
    "SELECT c.code, COUNT(*), SUM(s.duration_minutes) FROM records_servicedelivery s "
    "JOIN nomenclature_concept c ON c.id = s.concept_id "
    "WHERE s.establishment_id IN (SELECT id FROM organisations_establishment WHERE {column} = %s) "
    "AND s.date BETWEEN %s AND %s GROUP BY c.code"
)
SCOPE_COLUMNS = {
    "establishment": "id",
    "gestionnaire": "gestionnaire_id",
    "department": "department_code",
    "region": "region_code",
}


def scopes() -> list:
    """The establishment and the gestionnaire with the most lines in the log, the department and the
    region of the data set (the largest scopes are the slowest)."""
    from django.db.models import Count

    from parcours.organisations.models import Establishment
    from parcours.records.models import ServiceDelivery
    from parcours.reporting.registry import Scope

    busiest = ServiceDelivery.objects.values("establishment").annotate(n=Count("pk")).order_by("-n").first()
    establishment = Establishment.objects.get(pk=busiest["establishment"])
    gestionnaire = (
        Establishment.objects.values("gestionnaire").annotate(n=Count("pk")).order_by("-n").first()
    )["gestionnaire"]
    return [
        Scope.establishment(establishment),
        Scope.gestionnaire(gestionnaire),
        Scope.department(establishment.department_code),
        Scope.region(establishment.region_code),
    ]


def periods() -> list:
    from parcours.records.models import ServiceDelivery
    from parcours.reporting.registry import Period

    last = ServiceDelivery.objects.latest("date").date
    year = last.year - 1  # the last whole calendar year of the log
    start = datetime.date(year, 1, 15)
    return [
        ("année civile", Period.year(year)),
        ("12 mois glissants", Period(start, datetime.date(year + 1, 1, 14))),
    ]


def indicators(scope, period):
    from parcours.reporting import registry

    return (
        registry.get("prestations-realisees-par-bloc").evaluate(scope, period),
        registry.get("heures-prestations-par-bloc").evaluate(scope, period),
    )


def raw_figures(scope, period):
    """The same two figures from the log itself: one aggregate, then the same blocks."""
    from django.db import connection

    from parcours.nomenclature.models import SystemSlug
    from parcours.reporting.indicators.activity import by_block

    with connection.cursor() as cursor:
        cursor.execute(
            RAW_AGGREGATE.format(column=SCOPE_COLUMNS[scope.kind]),
            [scope.identifier, period.start, period.end],
        )
        rows = cursor.fetchall()
    counts = by_block(SystemSlug.SERAFIN_PRESTATIONS, {code: n for code, n, _ in rows})
    minutes = by_block(SystemSlug.SERAFIN_PRESTATIONS, {code: m for code, _, m in rows})
    return counts, [(label, round(total / 60, 1)) for label, total in minutes]


def sample(function, runs: int, *args) -> dict:
    for _ in range(2):  # warm-up, not counted
        function(*args)
    durations = [timed(function, *args)[0] * 1000 for _ in range(runs)]
    return {
        "p50_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "runs": runs,
    }


def compare(runs: int) -> list[dict]:
    log(f"▶ c. indicateurs d'activité : cumuls contre journal brut ({runs} mesures chacun)")
    results = []
    for scope in scopes():
        for period_label, period in periods():
            if indicators(scope, period) != raw_figures(scope, period):
                raise SystemExit(f"écart entre cumuls et journal : {scope} {period}")
            row = {
                "scope": f"{scope.kind.label} {scope.identifier}",
                "period": f"{period_label} ({period.start:%d/%m/%Y}–{period.end:%d/%m/%Y})",
                "rollups": sample(indicators, runs, scope, period),
                "raw": sample(raw_figures, runs, scope, period),
            }
            log(
                f"  {row['scope']}, {period_label} : cumuls {row['rollups']['p50_ms']} ms, "
                f"journal {row['raw']['p50_ms']} ms"
            )
            results.append(row)
    return results


def print_table(report: dict) -> None:
    a, b = report["full_rebuild"], report["one_day"]
    log("")
    log(f"charge de la machine avant la mesure (1, 5, 15 min) : {report['load_average']}")
    log(f"a. reconstruction complète : {a['seconds']} s ({a['daily_rows']} + {a['monthly_rows']} lignes)")
    log(
        f"b. {b['lines_written']} lignes d'une journée : écriture {b['insert_seconds']} s, "
        f"cumul de la journée (tous les établissements) {b['refresh_seconds']} s"
    )
    log("c. les deux indicateurs d'activité (cumuls) contre un agrégat SQL du journal brut, en ms")
    log(f"   {'périmètre':<36} {'période':<44} {'cumuls p50':>10} {'p95':>8} {'brut p50':>10} {'p95':>8}")
    for row in report["indicators"]:
        log(
            f"   {row['scope']:<36} {row['period']:<44} {row['rollups']['p50_ms']:>10.1f} "
            f"{row['rollups']['p95_ms']:>8.1f} {row['raw']['p50_ms']:>10.1f} {row['raw']['p95_ms']:>8.1f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--runs", type=int, default=MIN_RUNS, help="mesures par indicateur (au moins 30)")
    args = parser.parse_args()
    if args.runs < MIN_RUNS:
        parser.error(f"--runs : au moins {MIN_RUNS}")
    database_url = local_database_url(parser, args)
    if not database_exists(args.server, args.database):
        raise SystemExit(
            f"base {args.database} absente : construisez-la d'abord avec .venv/bin/python bench/department.py"
        )
    setup_django(database_url)
    from django.core.management import call_command

    call_command("migrate", "reporting", verbosity=0)  # the rollup tables, if the base predates them
    report = report_header()
    # The machine may be shared: the load before the run says how much to trust the figures.
    report["load_average"] = [round(load, 2) for load in os.getloadavg()]
    report["full_rebuild"] = full_rebuild()
    report["one_day"] = one_new_day()
    report["indicators"] = compare(args.runs)
    print_table(report)
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"rollups-{datetime.datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    log(f"\nRésultats : {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
