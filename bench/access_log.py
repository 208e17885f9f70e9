"""Cost of writing the access log: `record_many` of 25 entries (a list page) and `record` of one entry,
each in its own transaction, as the pages call them.

Runs against a throwaway database it creates and drops: a temporary SQLite file (the application's
own SQLite options: WAL, IMMEDIATE transactions) and, when --postgresql is given, a PostgreSQL
database of its own on that server. The log is first filled with --prefill entries so the head of
the chain is read from a realistic index. Prints median, 95th percentile and minimum in
milliseconds and writes them as JSON under bench/results/ (git-ignored).

    .venv/bin/python bench/access_log.py
    .venv/bin/python bench/access_log.py --postgresql postgres://parcours:parcours@127.0.0.1:5432
    .venv/bin/python bench/access_log.py --runs 3000 --prefill 100000

Each database is measured in a child process (Django settings are per process). To compare with
the code before a change, run this same script from an export of the older commit, e.g.
`git archive <commit> | tar -x -C /tmp/before && cp bench/access_log.py /tmp/before/bench/` then
`.venv/bin/python /tmp/before/bench/access_log.py ...` (it imports the code next to it), alternating
the two runs: on a shared machine the figures drift from one run to the next.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATABASE = "parcours_bench_access_log"
BATCH = 25


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(durations: list[float]) -> dict:
    return {
        "runs": len(durations),
        "median_ms": round(statistics.median(durations) * 1000, 3),
        "p95_ms": round(percentile(durations, 0.95) * 1000, 3),
        "min_ms": round(min(durations) * 1000, 3),
    }


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"


def child(runs: int, prefill: int) -> dict:
    """Runs inside the child process, DATABASE_URL already set."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcours.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from parcours.access.enums import Action, Basis, Category
    from parcours.access.journal import Actor, record, record_many
    from parcours.accounts.models import User
    from parcours.people.models import Person

    call_command("migrate", verbosity=0, interactive=False)
    user = User.objects.create(username="bench-access-log")
    persons = Person.objects.bulk_create(
        [
            Person(birth_name=f"Banc{i}", first_names="Essai", birth_date=date(1990, 1, 1), sex="F")
            for i in range(BATCH)
        ]
    )
    actor = Actor(user=user, ip_address="127.0.0.1", channel="web")

    def many() -> None:
        with transaction.atomic():
            record_many(
                actor,
                persons,
                action=Action.LIST,
                category=Category.IDENTITY,
                basis=Basis.VISIBLE,
                details={"view": "bench"},
            )

    def one() -> None:
        with transaction.atomic():
            record(
                actor,
                person=persons[0],
                action=Action.READ,
                category=Category.NOTES,
                allowed=True,
                basis=Basis.TEAM,
                obj=persons[0],
            )

    for _ in range(prefill // BATCH):
        many()
    results = {}
    for name, call in (("record_many(25)", many), ("record(1)", one)):
        for _ in range(50):  # warm-up
            call()
        durations = []
        for _ in range(runs):
            started = time.perf_counter()
            call()
            durations.append(time.perf_counter() - started)
        results[name] = summary(durations)
    verify = None
    try:
        from parcours.access.verify import verify_chain
    except ImportError:  # before the hash chain existed
        verify_chain = None
    if verify_chain is not None:
        started = time.perf_counter()
        report = verify_chain()
        elapsed = time.perf_counter() - started
        verify = {"entries": report.checked, "seconds": round(elapsed, 2), "intact": report.intact}
    results["verify"] = verify
    results["vendor"] = connection.vendor
    return results


def run_child(database_url: str, runs: int, prefill: int) -> dict:
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        PARCOURS_SECRET_KEY="bench-access-log-not-secret",  # noqa: S106 - a throwaway database
        PARCOURS_ALLOWED_HOSTS="127.0.0.1",
        PARCOURS_LOG_LEVEL="WARNING",
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    output = subprocess.run(
        [sys.executable, __file__, "--child", "--runs", str(runs), "--prefill", str(prefill)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"échec de la mesure ({database_url.split(':')[0]}) :\n{output.stderr}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=2000, help="mesures par opération (défaut 2000)")
    parser.add_argument("--prefill", type=int, default=50_000, help="entrées écrites avant de mesurer")
    parser.add_argument("--postgresql", metavar="URL", help="serveur PostgreSQL, sans nom de base")
    parser.add_argument("--no-sqlite", action="store_true", help="ne pas mesurer SQLite")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.runs, args.prefill)))
        return

    results = {}
    if not args.no_sqlite:
        with tempfile.TemporaryDirectory(prefix="parcours-bench-") as folder:
            results["sqlite"] = run_child(f"sqlite:///{folder}/bench.sqlite3", args.runs, args.prefill)
    if args.postgresql:
        import psycopg

        server = args.postgresql.rstrip("/")
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{DATABASE}"')
        try:
            results["postgresql"] = run_child(f"{server}/{DATABASE}", args.runs, args.prefill)
        finally:
            with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')

    for vendor, figures in results.items():
        print(f"{vendor} ({args.prefill} entrées déjà écrites, {args.runs} mesures)")
        for name in ("record_many(25)", "record(1)"):
            f = figures[name]
            print(
                f"  {name:<16} médiane {f['median_ms']:7.3f} ms   p95 {f['p95_ms']:7.3f} ms"
                f"   min {f['min_ms']:7.3f} ms"
            )
        if figures.get("verify"):
            v = figures["verify"]
            rate = v["entries"] / v["seconds"] if v["seconds"] else 0
            print(f"  audit verify     {v['entries']} entrées en {v['seconds']} s ({rate:,.0f} entrées/s)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"access_log-{datetime.now():%Y%m%d-%H%M%S}.json"  # noqa: DTZ005 - a local file name
    out.write_text(
        json.dumps(
            {
                "revision": git_revision(),
                "python": platform.python_version(),
                "machine": platform.machine(),
                "runs": args.runs,
                "prefill": args.prefill,
                "results": results,
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    print(f"résultats : {out}")


if __name__ == "__main__":
    main()
