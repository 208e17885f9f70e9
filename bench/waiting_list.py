"""The waiting-list page of an establishment at department scale, against the floor.

On the database built by bench/department.py with the rows of bench/coordination_data.py (the
longest waiting list of the department grown to 500 candidates, plus the decisions of the year), served
by gunicorn (2 workers, production settings, no debug):
- the director of that establishment (`bench-liste`) logs in, password and authentication app;
- after a warm-up, each round requests the waiting-list page (`coordination:waiting_list`), then the
  floor (/_bench/floor/, a bare view running SELECT 1 on the same server): both series are taken in
  the same run, interleaved, since the machine is shared.

Prints median, p95 and minimum of both series, writes them as JSON under bench/results/ (git-ignored),
and exits 1 when the page's p95 exceeds the budget (150 ms).

    .venv/bin/python bench/department.py --server postgres://parcours:parcours@127.0.0.1:5432  # once
    .venv/bin/python bench/coordination_data.py --server postgres://parcours:parcours@127.0.0.1:5432
    .venv/bin/python bench/waiting_list.py --server postgres://parcours:parcours@127.0.0.1:5432

Only 127.0.0.1 is ever contacted; every loop is bounded.
"""

import argparse
import json
import re
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402 - the path above
    HOST,
    RESULTS,
    Client,
    add_database_arguments,
    free_port,
    local_database_url,
    log,
    percentile,
    report_header,
    server_env,
    start_server,
    stop_server,
)

BUDGET_MS = 150
FLOOR_PATH = "/_bench/floor/"
MAX_REQUESTS = 2000
WARMUP = 10
LIST_LOGIN = "bench-liste"
TITLE = re.compile(rb"<h1[^>]*>(.*?)</h1>", re.S)


def summary(durations: list[float], statuses: dict[int, int]) -> dict:
    return {
        "requests": len(durations),
        "median_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "min_ms": round(min(durations), 2),
        "max_ms": round(max(durations), 2),
        "statuses": statuses,
    }


def interleaved(client: Client, paths: list[str], count: int) -> dict:
    """`count` rounds of one page (the next path) then the floor; the first WARMUP rounds not counted."""
    series: dict[str, list[float]] = {"page": [], "plancher": []}
    statuses: dict[str, dict[int, int]] = {"page": {}, "plancher": {}}
    for k in range(-WARMUP, count):
        for key, path in (("page", paths[k % len(paths)]), ("plancher", FLOOR_PATH)):
            started = time.perf_counter()
            status, _ = client.get(path)
            elapsed = (time.perf_counter() - started) * 1000
            if k >= 0:
                series[key].append(elapsed)
                statuses[key][status] = statuses[key].get(status, 0) + 1
    return {key: summary(series[key], statuses[key]) for key in series}


def check_page(client: Client, path: str) -> str:
    """The page answers 200 with its title; returns the title."""
    status, body = client.get(path)
    if status != 200:
        raise SystemExit(f"{path} : HTTP {status} (la page existe-t-elle ? le compte y a-t-il accès ?)")
    match = TITLE.search(body)
    title = re.sub(r"\s+", " ", match.group(1).decode("utf-8", "replace")).strip() if match else ""
    log(f"  ✓ {path} : « {title} », {len(body) // 1024} Ko")
    return title


def report(name: str, results: dict, extra: dict) -> int:
    """Print the table, write the JSON, return the exit status (1 above the budget)."""
    log("")
    log(f"{'série':<24} {'médiane':>9} {'p95':>9} {'min':>9}   requêtes")
    for key, row in results.items():
        bad = sum(n for status, n in row["statuses"].items() if status != 200)
        log(
            f"{key:<24} {row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms {row['min_ms']:>7.1f}ms   "
            f"{row['requests']}{f' ({bad} non 200)' if bad else ''}"
        )
    page = results["page"]
    over = page["p95_ms"] > BUDGET_MS or any(status != 200 for status in page["statuses"])
    verdict = "DÉPASSÉ" if over else "tenu"
    log(f"\np95 de la page : {page['p95_ms']:.1f} ms (budget {BUDGET_MS} ms) — {verdict}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{name}-{datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps({**report_header(), **extra, "budget_ms": BUDGET_MS, "series": results}, indent=2),
        encoding="utf-8",
    )
    log(f"résultats : {out.relative_to(ROOT)}")
    return 1 if over else 0


def run(args, login: str, paths: list[str], name: str, extra: dict) -> int:
    database_url = local_database_url(args.parser, args)
    env = server_env(database_url)
    port = free_port(args.port)
    base = f"http://{HOST}:{port}"
    log(f"▶ serveur gunicorn sur {base}")
    server = start_server(env, port)
    try:
        client = Client(base)
        if not client.login(login, database_url):
            raise SystemExit(f"connexion impossible : {login} (lancer bench/coordination_data.py)")
        extra["title"] = check_page(client, paths[0])
        results = interleaved(client, paths, args.requests)
    finally:
        stop_server(server)
    return report(name, results, extra)


def arguments(description: str, port: int) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    add_database_arguments(parser)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=port)
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests : entre 1 et {MAX_REQUESTS}")
    args.parser = parser
    return args


def main() -> int:
    args = arguments(__doc__.split("\n\n")[0], 8767)
    with psycopg.connect(local_database_url(args.parser, args)) as conn:
        row = conn.execute(
            "SELECT o.uuid, count(e.id) FROM staff_membership m "
            "JOIN staff_professional p ON p.id = m.professional_id JOIN accounts_user u ON u.id = p.user_id "
            "JOIN organisations_establishment o ON o.id = m.establishment_id "
            "LEFT JOIN coordination_waitinglistentry e ON e.establishment_id = o.id AND e.left_on IS NULL "
            "WHERE u.username = %s AND m.end_date IS NULL GROUP BY o.uuid ORDER BY 2 DESC LIMIT 1",
            [LIST_LOGIN],
        ).fetchone()
    if row is None:
        raise SystemExit(f"compte {LIST_LOGIN} introuvable : lancer d'abord bench/coordination_data.py")
    establishment, waiting = row
    log(f"liste d'attente de {waiting} candidats")
    path = f"/coordination/etablissements/{establishment}/liste-attente/"
    return run(args, LIST_LOGIN, [path], "waiting-list", {"candidates": waiting})


if __name__ == "__main__":
    sys.exit(main())
