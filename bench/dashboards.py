"""Dashboards on the department data set: each scope's page against a straight SQL aggregate.

On the database built by bench/department.py (300 establishments, 20,000 persons, 10 million
service-log rows), served by gunicorn (2 workers, production settings):

1. brings the rollups up to date (`parcours rollups refresh --all`), timed;
2. times N requests of each dashboard page (establishment and gestionnaire seen by their directions,
   department and region seen by the ARS agent, masked), the default period (the last complete
   year): cold, the shared cache (Redis) emptied before each request, so that every figure is
   computed while the user waits; then, after `parcours dashboards warm` (timed: what runs each
   night after the rollups), the first request of each page, and N more;
3. in the same run, times the same main figures computed by one straight SQL aggregate over the raw
   tables (admissions, service log, contracts) per scope, the way a report is compiled without
   Parcours' registry and rollups: the comparison;
4. and the floor: a bare view running SELECT 1 on the same server.

Prints median and 95th percentile per page and writes the figures as JSON under bench/results/.

    .venv/bin/python bench/department.py            # once: builds parcours_bench
    .venv/bin/python bench/dashboards.py            # then
"""

import argparse
import json
import statistics
import sys
import time
from datetime import date, datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402 - the path above
    HOST,
    MAX_REQUESTS,
    RESULTS,
    Client,
    add_database_arguments,
    free_port,
    local_database_url,
    log,
    measure,
    percentile,
    report_header,
    run_parcours,
    server_env,
    start_server,
    stop_server,
)

LOGINS = {"directrice": "directrice", "gestionnaire": "direction-gestionnaire", "ars": "ars"}
BUDGET_MS = 300

# The straight aggregate: what a dashboard's main figures cost when read from the raw tables, for the
# establishments of a scope (%(ids)s) and one year: persons supported, admissions and exits, days of
# presence, prestations and hours per SERAFIN-PH code (the raw service log), FTE of the contracts.
STRAIGHT_SQL = [
    """SELECT count(DISTINCT person_id),
              count(*) FILTER (WHERE start_date BETWEEN %(start)s AND %(end)s),
              count(*) FILTER (WHERE end_date BETWEEN %(start)s AND %(end)s),
              sum(LEAST(COALESCE(end_date, %(end)s), %(end)s) - GREATEST(start_date, %(start)s) + 1)
       FROM records_admission
       WHERE establishment_id = ANY(%(ids)s) AND start_date <= %(end)s
         AND (end_date IS NULL OR end_date >= %(start)s)""",
    """SELECT concept_id, count(*), sum(duration_minutes)
       FROM records_servicedelivery
       WHERE establishment_id = ANY(%(ids)s) AND date BETWEEN %(start)s AND %(end)s
       GROUP BY concept_id""",
    """SELECT sum(fte * (LEAST(COALESCE(end_date, %(end)s), %(end)s) - GREATEST(start_date, %(start)s) + 1))
              / (%(end)s::date - %(start)s::date + 1)
       FROM staff_contract
       WHERE employer_id = ANY(%(ids)s) AND start_date <= %(end)s
         AND (end_date IS NULL OR end_date >= %(start)s)""",
]


def scopes(database_url: str) -> dict:
    """The pages to request and the establishments each one covers."""
    with psycopg.connect(database_url) as conn:

        def establishment_of(username: str, column: str):
            return conn.execute(
                f"SELECT m.{column} FROM staff_membership m "  # noqa: S608 - column chosen below
                "JOIN staff_professional p ON p.id = m.professional_id "
                "JOIN accounts_user u ON u.id = p.user_id "
                "WHERE u.username = %s AND m.end_date IS NULL LIMIT 1",
                [username],
            ).fetchone()

        row = establishment_of(LOGINS["directrice"], "establishment_id")
        if row is None:
            raise SystemExit("compte de démonstration introuvable : lancer d'abord bench/department.py")
        establishment = row[0]
        gestionnaire = establishment_of(LOGINS["gestionnaire"], "gestionnaire_id")[0]
        department, region = conn.execute(
            "SELECT department_code, region_code FROM organisations_establishment WHERE id = %s",
            [establishment],
        ).fetchone()

        def ids(where: str, value) -> list[int]:
            return [
                pk
                for (pk,) in conn.execute(
                    f"SELECT id FROM organisations_establishment WHERE {where} = %s",  # noqa: S608
                    [value],
                )
            ]

        return {
            "établissement": (
                "directrice",
                f"/tableaux-de-bord/etablissement/{establishment}/",
                [establishment],
            ),
            "gestionnaire": (
                "gestionnaire",
                f"/tableaux-de-bord/gestionnaire/{gestionnaire}/",
                ids("gestionnaire_id", gestionnaire),
            ),
            "département (ARS, masqué)": (
                "ars",
                f"/tableaux-de-bord/departement/{department}/",
                ids("department_code", department),
            ),
            "région (ARS, masquée)": (
                "ars",
                f"/tableaux-de-bord/region/{region}/",
                ids("region_code", region),
            ),
        }


CACHE_URL = "redis://127.0.0.1:6379/3"


def flush_cache() -> None:
    """Empty the bench's own Redis database (3), so that the first requests find nothing cached."""
    import redis

    redis.Redis.from_url(CACHE_URL).flushdb()


def measure_cold(client: Client, paths: list[str]) -> dict:
    """One request per path, the shared cache emptied before each: nothing is served from it."""
    durations, statuses = [], {}
    for path in paths:
        flush_cache()
        started = time.perf_counter()
        status, _ = client.get(path)
        durations.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": len(paths),
        "median_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "min_ms": round(min(durations), 2),
        "statuses": statuses,
    }


def last_complete_year() -> tuple[date, date]:
    year = datetime.now().astimezone().year - 1
    return date(year, 1, 1), date(year, 12, 31)


def time_straight_sql(database_url: str, ids: list[int], count: int) -> dict:
    start, end = last_complete_year()
    params = {"ids": ids, "start": start, "end": end}
    durations = []
    with psycopg.connect(database_url) as conn:
        for k in range(count + 3):
            started = time.perf_counter()
            for statement in STRAIGHT_SQL:
                conn.execute(statement, params).fetchall()
            if k >= 3:  # the first three warm the cache, not counted
                durations.append((time.perf_counter() - started) * 1000)
    return {
        "requests": count,
        "median_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "min_ms": round(min(durations), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--skip-refresh", action="store_true", help="rollups already up to date")
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests : entre 1 et {MAX_REQUESTS}")
    database_url = local_database_url(parser, args)
    env = server_env(database_url)
    env["PARCOURS_CACHE_URL"] = CACHE_URL
    report = report_header()
    pages = scopes(database_url)

    if not args.skip_refresh:
        log("consolidation des agrégats (parcours rollups refresh --all)…")
        report["rollups_refresh_s"] = round(run_parcours(["rollups", "refresh", "--all"], env), 1)
        log(f"  {report['rollups_refresh_s']} s")

    port = free_port(args.port)
    server = start_server(env, port)
    base = f"http://{HOST}:{port}"
    results: dict[str, dict] = {}
    try:
        clients: dict[str, Client] = {}
        for login, _path, _ids in pages.values():
            if login not in clients:
                client = Client(base)
                if not client.login(LOGINS[login], database_url):
                    raise SystemExit(f"connexion impossible : {LOGINS[login]}")
                clients[login] = client
        # 1. Cold: nothing cached (the shared cache emptied before each page), a new period each time.
        for key, (login, path, ids) in pages.items():
            results[key] = {"cold": measure_cold(clients[login], [path] * args.requests)}
            results[key]["establishments"] = len(ids)
            log(f"  {key} : froid médiane {results[key]['cold']['median_ms']} ms")
        # 2. The nightly preparation of the default period, then each page: its first request, and again.
        flush_cache()
        report["warm_s"] = round(run_parcours(["dashboards", "warm"], env), 1)
        log(f"  préparation (parcours dashboards warm) : {report['warm_s']} s")
        for key, (login, path, ids) in pages.items():
            started = time.perf_counter()
            status, _body = clients[login].get(path)
            if status != 200:
                raise SystemExit(f"{key} : HTTP {status} sur {path}")
            results[key]["first_after_warm_ms"] = round((time.perf_counter() - started) * 1000, 1)
            results[key]["page"] = measure(clients[login], [path], {}, args.requests)
            results[key]["straight_sql"] = time_straight_sql(database_url, ids, args.requests)
            log(
                f"  {key} : première requête {results[key]['first_after_warm_ms']} ms, "
                f"puis médiane {results[key]['page']['median_ms']} ms"
            )
        results["plancher (SELECT 1)"] = {
            "page": measure(Client(base), ["/_bench/floor/"], {}, args.requests)
        }
    finally:
        stop_server(server)

    log("")
    log(
        f"{'page':<44} {'étab.':>5} {'froid méd.':>10} {'p95':>8} {'chaud méd.':>10} {'p95':>8}"
        f"   {'SQL direct méd.':>15} {'p95':>8}"
    )
    for key, row in results.items():
        page, cold, sql = row["page"], row.get("cold"), row.get("straight_sql")
        if "first_after_warm_ms" in row:
            key = f"{key} (1re : {row['first_after_warm_ms']:.0f} ms)"
        line = f"{key:<44} {row.get('establishments', ''):>5} "
        line += f"{cold['median_ms']:>8.1f}ms {cold['p95_ms']:>6.1f}ms " if cold else f"{'':>19} "
        line += f"{page['median_ms']:>8.1f}ms {page['p95_ms']:>6.1f}ms"
        if sql:
            line += f"   {sql['median_ms']:>13.1f}ms {sql['p95_ms']:>6.1f}ms"
            line += "" if page["p95_ms"] < BUDGET_MS else f"   AU-DESSUS DE {BUDGET_MS} ms"
        log(line)
    report["pages"] = results
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"dashboards-{report['date'][:19].replace(':', '')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    log(f"\nrésultats : {out}")


if __name__ == "__main__":
    main()
