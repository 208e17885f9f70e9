"""What the access policy and the access log cost on the person page, department scale.

Two gunicorn servers (2 workers each, production settings, no debug) serve the same PostgreSQL
database built by bench/department.py:
- "avec": the application as deployed (parcours.wsgi);
- "sans": bench/wsgi_without_access.py, the same application in which the policy's decisions and
  the log's writes are replaced by stand-ins that allow everything and write nothing
  (bench/access_stand_ins.py); the page and its queries for the person's data are unchanged.

The demo professional logs in (password and TOTP code) once; the same session is sent to both
servers. Before timing, the script checks that both render the same page (title, length within
2 %) and that only "avec" writes access-log entries. Then, after a warm-up, each round requests
the page of the next person of the professional's establishment (identity, sharing, first page of
the timeline) from both servers, in alternating order, and the floor (/_bench/floor/, SELECT 1) from
both. The machine is shared: only figures taken in the same run, interleaved, are compared.

Prints median, p95 and p99 per series and the overhead of "avec" over "sans" at the median and at
p95; writes them as JSON under bench/results/ (git-ignored), and on stdout with --json. Exits 1
when the p95 overhead exceeds --max-overhead (15 % by default). --profile adds an in-process
profile of the person view (queries with and without, cProfile of "avec").

    .venv/bin/python bench/department.py --server postgres://parcours:parcours@127.0.0.1:5432  # once
    .venv/bin/python bench/access_overhead.py --server postgres://parcours:parcours@127.0.0.1:5432
    .venv/bin/python bench/access_overhead.py --requests 800 --json --profile

Only 127.0.0.1 is ever contacted; every loop is bounded. The servers run the code next to this
script: to measure a commit rather than a working tree, export it (`git archive <commit> | tar -x -C
/tmp/at`), copy bench/ and link .venv into it, and run /tmp/at/bench/access_overhead.py.
"""

import argparse
import json
import re
import statistics
import subprocess
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
    LOGINS,
    PYTHON,
    RESULTS,
    Client,
    add_database_arguments,
    free_port,
    local_database_url,
    percentile,
    report_header,
    server_env,
    start_server,
    stop_server,
)

VARIANTS = ("avec", "sans")
WSGI = {"avec": "parcours.wsgi", "sans": "bench.wsgi_without_access"}
FLOOR_PATH = "/_bench/floor/"
MAX_REQUESTS = 5000
LENGTH_TOLERANCE = 0.02
TITLE = re.compile(rb"<title>(.*?)</title>", re.S)
JSON_OUTPUT = False


def log(message: str) -> None:
    print(message, file=sys.stderr if JSON_OUTPUT else sys.stdout, flush=True)


# -- data -------------------------------------------------------------------------------------------


def persons_of_professional(database_url: str, limit: int) -> tuple[str, list[str]]:
    """The professional's username and the UUIDs of persons supported today by their establishment."""
    username = LOGINS["pro"]
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT m.establishment_id FROM staff_membership m "
            "JOIN staff_professional p ON p.id = m.professional_id JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.username = %s AND m.end_date IS NULL LIMIT 1",
            [username],
        ).fetchone()
        if row is None:
            raise SystemExit(
                "compte de démonstration introuvable : construire la base avec bench/department.py"
            )
        persons = conn.execute(
            "SELECT DISTINCT p.uuid FROM records_admission a JOIN people_person p ON p.id = a.person_id "
            "WHERE a.establishment_id = %s AND a.end_date IS NULL ORDER BY p.uuid LIMIT %s",
            [row[0], limit],
        ).fetchall()
    if not persons:
        raise SystemExit("aucune personne accompagnée dans l'établissement du professionnel")
    return username, [str(uuid) for (uuid,) in persons]


def log_entries(database_url: str, username: str) -> int:
    with psycopg.connect(database_url) as conn:
        return conn.execute(
            "SELECT count(*) FROM access_accesslogentry e JOIN accounts_user u ON u.id = e.actor_id "
            "WHERE u.username = %s",
            [username],
        ).fetchone()[0]


def database_ready(database_url: str) -> bool:
    try:
        with psycopg.connect(database_url, connect_timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM people_person").fetchone()[0] > 0
    except psycopg.Error:
        return False


# -- checks -----------------------------------------------------------------------------------------


def check_same_page(clients: dict, database_url: str, username: str, persons: list[str]) -> dict:
    """Both servers render the same page for the same person; only "avec" writes to the log."""
    checks = []
    for person in persons[:3]:
        row = {"person": person}
        for variant in VARIANTS:
            before = log_entries(database_url, username)
            status, body = clients[variant].get(f"/personnes/{person}/")
            written = log_entries(database_url, username) - before
            title = TITLE.search(body)
            row[variant] = {
                "status": status,
                "length": len(body),
                "title": title.group(1).decode("utf-8", "replace").strip() if title else "",
                "log_entries_written": written,
            }
        avec, sans = row["avec"], row["sans"]
        problems = []
        if avec["status"] != 200 or sans["status"] != 200:
            problems.append(f"HTTP {avec['status']} / {sans['status']}")
        if avec["title"] != sans["title"]:
            problems.append(f"titres différents : {avec['title']!r} / {sans['title']!r}")
        if abs(avec["length"] - sans["length"]) > LENGTH_TOLERANCE * max(avec["length"], 1):
            problems.append(f"longueurs différentes : {avec['length']} / {sans['length']}")
        if avec["log_entries_written"] <= 0:
            problems.append("« avec » n'a rien écrit dans le journal des accès")
        if sans["log_entries_written"] != 0:
            problems.append(f"« sans » a écrit {sans['log_entries_written']} entrées dans le journal")
        if problems:
            raise SystemExit(f"vérification échouée pour {person} : " + " ; ".join(problems))
        checks.append(row)
        log(
            f"  ✓ {person} : « {avec['title']} », {avec['length']} / {sans['length']} octets, "
            f"journal +{avec['log_entries_written']} / +{sans['log_entries_written']}"
        )
    return {"pages": checks}


def stand_ins_installed(workers: int = 2) -> str:
    """What the "sans" server replaced, once each of its workers has loaded the application."""
    for _ in range(120):  # at most 60 s
        text = (RESULTS / "gunicorn-sans.log").read_text(encoding="utf-8", errors="replace")
        found = re.findall(r"bench\.wsgi_without_access: \d+ references replaced: (.*)", text)
        if len(found) >= workers:
            return found[0].strip()
        time.sleep(0.5)
    raise SystemExit(
        "le serveur « sans » n'a pas remplacé la politique : voir bench/results/gunicorn-sans.log"
    )


# -- measure ----------------------------------------------------------------------------------------


def timed(client: Client, path: str) -> tuple[float, int]:
    started = time.perf_counter()
    status, _ = client.get(path)
    return (time.perf_counter() - started) * 1000, status


def run_rounds(clients: dict, persons: list[str], rounds: int, warmup: int) -> dict:
    """Each round: the next person's page from both servers, then the floor from both, the order of
    the two servers alternating from one round to the next."""
    series = {f"{kind} {variant}": [] for kind in ("page", "plancher") for variant in VARIANTS}
    statuses: dict[str, dict[int, int]] = {key: {} for key in series}
    for k in range(-warmup, rounds):
        person = persons[k % len(persons)]
        order = VARIANTS if k % 2 == 0 else VARIANTS[::-1]
        for kind, path in (("page", f"/personnes/{person}/"), ("plancher", FLOOR_PATH)):
            for variant in order:
                elapsed, status = timed(clients[variant], path)
                if k < 0:
                    continue
                key = f"{kind} {variant}"
                series[key].append(elapsed)
                statuses[key][status] = statuses[key].get(status, 0) + 1
        if k >= 0 and (k + 1) % 100 == 0:
            log(f"  {k + 1}/{rounds} tours")
    return {"series": series, "statuses": statuses}


def summary(durations: list[float], statuses: dict) -> dict:
    return {
        "requests": len(durations),
        "median_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "p99_ms": round(percentile(durations, 0.99), 2),
        "min_ms": round(min(durations), 2),
        "mean_ms": round(statistics.fmean(durations), 2),
        "statuses": {str(status): n for status, n in statuses.items()},
    }


def overhead(avec: float, sans: float) -> float:
    return round(100 * (avec - sans) / sans, 1) if sans else 0.0


def analyse(measured: dict) -> dict:
    series, statuses = measured["series"], measured["statuses"]
    result = {key: summary(values, statuses[key]) for key, values in series.items()}
    avec, sans = result["page avec"], result["page sans"]
    paired = [a - s for a, s in zip(series["page avec"], series["page sans"], strict=True)]
    result["surcoût"] = {
        "median_pct": overhead(avec["median_ms"], sans["median_ms"]),
        "p95_pct": overhead(avec["p95_ms"], sans["p95_ms"]),
        "p99_pct": overhead(avec["p99_ms"], sans["p99_ms"]),
        "median_ms": round(avec["median_ms"] - sans["median_ms"], 2),
        "p95_ms": round(avec["p95_ms"] - sans["p95_ms"], 2),
        # Median of the differences within each round: the least sensitive to a noisy machine.
        "paired_median_ms": round(statistics.median(paired), 2),
    }
    return result


def print_table(result: dict, max_overhead: float) -> None:
    log("")
    log(f"{'série':<16} {'médiane':>9} {'p95':>9} {'p99':>9} {'min':>9}   requêtes")
    for key in ("page avec", "page sans", "plancher avec", "plancher sans"):
        row = result[key]
        bad = sum(n for status, n in row["statuses"].items() if status != "200")
        log(
            f"{key:<16} {row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms {row['p99_ms']:>7.1f}ms "
            f"{row['min_ms']:>7.1f}ms   {row['requests']}{f' ({bad} non 200)' if bad else ''}"
        )
    cost = result["surcoût"]
    verdict = "OK" if cost["p95_pct"] <= max_overhead else f"AU-DESSUS de {max_overhead:g} %"
    log(
        f"\nsurcoût de la politique et du journal : médiane {cost['median_pct']:+.1f} % "
        f"({cost['median_ms']:+.1f} ms), p95 {cost['p95_pct']:+.1f} % ({cost['p95_ms']:+.1f} ms) : {verdict}"
    )
    log(f"écart médian apparié (avec − sans, même tour) : {cost['paired_median_ms']:+.1f} ms")


# -- in-process profile -----------------------------------------------------------------------------


def profile_child(username: str, persons: list[str], rounds: int, top: int) -> dict:
    """Runs in a child process (Django settings are per process): the person view called directly
    (no HTTP, no middleware) as the professional, alternating the application and the stand-ins
    call by call; the time spent in each entry point of the access layer; a cProfile of "avec"."""
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.urls import resolve

    from bench.access_stand_ins import install, reinstall, replace, uninstall
    from parcours.access import api, journal, policy

    factory = RequestFactory()
    User = get_user_model()

    def call(person: str) -> tuple[float, list[dict]]:
        path = f"/personnes/{person}/"
        request = factory.get(path, REMOTE_ADDR="127.0.0.1")
        request.user = User.objects.get(username=username)  # a fresh user object, as per request
        match = resolve(path)
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = match.func(request, *match.args, **match.kwargs)
            elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"profil : HTTP {response.status_code} pour {path}")
        return elapsed, queries.captured_queries

    # Wall time spent in each entry point of the access layer, during the "avec" calls.
    spent: dict[str, float] = {}

    def timer(name: str, func):
        def timed_call(*args, **kwargs):
            started = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + (time.perf_counter() - started) * 1000

        return timed_call

    timers = replace(
        {
            policy.decide: timer("decide", policy.decide),
            policy.bases_for: timer("bases_for", policy.bases_for),
            journal.record: timer("record", journal.record),
            api.read_person_categories: timer("read_person_categories", api.read_person_categories),
        }
    )
    uninstall(timers)
    stand_ins = install()
    uninstall(stand_ins)

    figures = {variant: {"ms": [], "queries": [], "sql_ms": []} for variant in VARIANTS}
    sql = {}
    for k in range(-5, rounds):  # 5 rounds of warm-up
        person = persons[k % len(persons)]
        order = VARIANTS if k % 2 == 0 else VARIANTS[::-1]
        for variant in order:
            if variant == "avec":
                reinstall(timers)
            else:
                reinstall(stand_ins)
            try:
                elapsed, queries = call(person)
            finally:
                uninstall(timers if variant == "avec" else stand_ins)
            if k < 0:
                spent.clear()
                continue
            figures[variant]["ms"].append(elapsed)
            figures[variant]["queries"].append(len(queries))
            figures[variant]["sql_ms"].append(sum(float(q["time"]) for q in queries) * 1000)
            sql.setdefault(variant, [q["sql"] for q in queries])
    result = {
        variant: {
            "view_median_ms": round(statistics.median(row["ms"]), 2),
            "view_p95_ms": round(percentile(row["ms"], 0.95), 2),
            "queries": statistics.median(row["queries"]),
            "sql_median_ms": round(statistics.median(row["sql_ms"]), 2),
        }
        for variant, row in figures.items()
    }
    per_call = {name: value / rounds for name, value in spent.items()}
    result["access_ms_per_page"] = {
        "bases_for (2 appels : identité, puis les 6 catégories)": round(per_call.get("bases_for", 0), 2),
        "decide, hors bases_for": round(per_call.get("decide", 0) - per_call.get("bases_for", 0) / 2, 2),
        "record (1 entrée, sa transaction)": round(per_call.get("record", 0), 2),
        "read_person_categories, hors bases_for (6 entrées, leur transaction)": round(
            per_call.get("read_person_categories", 0) - per_call.get("bases_for", 0) / 2, 2
        ),
    }
    result["queries_only_avec"] = [query[:160] for query in sql["avec"] if query not in sql["sans"]]
    profiler = cProfile.Profile()
    profiler.enable()
    for person in persons:
        call(person)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(r"parcours/(access|people/views|records/timeline)", top)
    result["cprofile_avec"] = text.getvalue()
    return result


def run_profile(env: dict, username: str, persons: list[str], rounds: int, top: int) -> dict:
    output = subprocess.run(
        [str(PYTHON), __file__, "--profile-child", username, "--top", str(top), "--requests", str(rounds)]
        + persons,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if output.returncode != 0:
        raise SystemExit(f"échec du profil :\n{output.stderr[-4000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def print_profile(profile: dict) -> None:
    log("\nprofil en processus (la vue seule, sans HTTP ni middleware, appels alternés) :")
    for variant in VARIANTS:
        row = profile[variant]
        log(
            f"  {variant} : vue médiane {row['view_median_ms']:.1f} ms, p95 {row['view_p95_ms']:.1f} ms ; "
            f"{row['queries']:g} requêtes SQL, {row['sql_median_ms']:.1f} ms de SQL (médiane)"
        )
    log("  temps moyen par page dans la couche d'accès (« avec ») :")
    for name, value in profile["access_ms_per_page"].items():
        log(f"    {value:6.2f} ms  {name}")
    log("  requêtes SQL propres à « avec » :")
    for sql in profile["queries_only_avec"]:
        log(f"    {sql}")
    log(profile["cprofile_avec"])


# -- main -------------------------------------------------------------------------------------------


def main() -> int:
    global JSON_OUTPUT
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--requests", type=int, default=400, help="person pages per variant (rounds)")
    parser.add_argument("--warmup", type=int, default=20, help="rounds not counted")
    parser.add_argument("--persons", type=int, default=200, help="persons of the establishment visited")
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--max-overhead", type=float, default=15.0, help="p95 overhead allowed, in %%")
    parser.add_argument("--json", action="store_true", help="results as JSON on stdout")
    parser.add_argument("--profile", action="store_true", help="also profile the view in-process")
    parser.add_argument("--top", type=int, default=30, help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", metavar="USERNAME", help=argparse.SUPPRESS)
    parser.add_argument("profile_persons", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.profile_child:
        print(json.dumps(profile_child(args.profile_child, args.profile_persons, args.requests, args.top)))
        return 0
    JSON_OUTPUT = args.json
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests : entre 1 et {MAX_REQUESTS}")
    if not 0 <= args.warmup <= 200 or not 1 <= args.persons <= 2000:
        parser.error("--warmup : 0 à 200 ; --persons : 1 à 2000")
    database_url = local_database_url(parser, args)
    if not database_ready(database_url):
        raise SystemExit(
            f"base {args.database} absente ou vide : la construire avec "
            f"`.venv/bin/python bench/department.py --server {args.server}`"
        )
    username, persons = persons_of_professional(database_url, args.persons)
    env = server_env(database_url)  # one secret key: the session is valid on both servers
    report = report_header()
    report |= {
        "user": username,
        "persons": len(persons),
        "rounds": args.requests,
        "warmup_rounds": args.warmup,
    }
    servers = {}
    try:
        for variant in VARIANTS:
            port = free_port(args.port + (variant == "sans"))
            log(f"▶ serveur « {variant} » ({WSGI[variant]}) sur http://{HOST}:{port}")
            servers[variant] = (
                start_server(env, port, WSGI[variant], f"gunicorn-{variant}.log", collect=variant == "avec"),
                f"http://{HOST}:{port}",
            )
        report["stand_ins"] = stand_ins_installed()
        clients = {"avec": Client(servers["avec"][1])}
        log(f"▶ connexion de {username} (mot de passe et code TOTP)")
        if not clients["avec"].login(username, database_url):
            raise SystemExit(f"connexion impossible pour {username}")
        clients["sans"] = Client(servers["sans"][1])
        clients["sans"].jar, clients["sans"].opener = clients["avec"].jar, clients["avec"].opener
        log("▶ vérification : même page, journal écrit par « avec » seulement")
        report["checks"] = check_same_page(clients, database_url, username, persons)
        log(
            f"▶ {args.warmup} tours d'échauffement, puis {args.requests} tours mesurés "
            f"({len(persons)} personnes)"
        )
        before = log_entries(database_url, username)
        measured = run_rounds(clients, persons, args.requests, args.warmup)
        report["log_entries_written"] = log_entries(database_url, username) - before
    finally:
        for server, _ in servers.values():
            stop_server(server)
    report["results"] = analyse(measured)
    print_table(report["results"], args.max_overhead)
    if args.profile:
        log("▶ profil de la vue en processus")
        report["profile"] = run_profile(env, username, persons, min(args.requests, 200), args.top)
        print_profile(report["profile"])
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"access_overhead-{datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    log(f"\nRésultats : {path.relative_to(ROOT)}")
    if args.json:
        print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if report["results"]["surcoût"]["p95_pct"] > args.max_overhead else 0


if __name__ == "__main__":
    sys.exit(main())
