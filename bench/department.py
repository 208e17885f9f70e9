"""Department-scale benchmark of Parcours.

1. builds the department data set (300 establishments, 20,000 persons, 10 million service-log rows)
   in a PostgreSQL database of its own, and times it;
2. serves it with gunicorn (2 workers) on 127.0.0.1, production settings, no debug;
3. logs in as the demo professional (and the gestionnaire director), then times 200 requests per
   page, and the floor: a bare view running SELECT 1 on the same server.

Prints median, 95th percentile and minimum per page, and writes the figures as JSON under
bench/results/ (git-ignored). Only 127.0.0.1 is ever contacted; every loop is bounded.

    .venv/bin/python bench/department.py                 # build, then measure
    .venv/bin/python bench/department.py --skip-build    # measure the database already built
"""

import argparse
import html
import http.cookiejar
import json
import os
import platform
import re
import secrets
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"

# The pages measured: (key, login, path template, extra headers). Placeholders are filled from the
# database: {person} and {establishment} are UUIDs, {name} a birth name, {timeline_next} the
# "Voir plus" link of a person page. Edit here when a URL changes.
PAGES = [
    ("fiche personne", "pro", "/personnes/{person}/", {}),
    ("chronologie, page suivante", "pro", "{timeline_next}", {"HX-Request": "true"}),
    ("établissement", "pro", "/etablissements/{establishment}/", {}),
    ("accueil professionnel", "pro", "/", {}),
    ("recherche par nom", "pro", "/personnes/?q={name}", {}),
    ("établissement (direction gestionnaire)", "gestionnaire", "/etablissements/{establishment}/", {}),
    ("accueil direction gestionnaire", "gestionnaire", "/", {}),
    ("plancher (SELECT 1)", None, "/_bench/floor/", {}),
]
LOGINS = {"pro": "educatrice", "gestionnaire": "direction-gestionnaire"}
PASSWORD = "Parcours-demo-2026"  # noqa: S105 - the printed demo password
LOGIN_PATH = "/compte/connexion/"
VERIFY_PATH = "/compte/verification/"
MAX_REQUESTS = 1000
NEXT_LINK = re.compile(r'rel="next"[^>]*hx-get="([^"]+)"|hx-get="([^"]+)"[^>]*rel="next"', re.S)


def log(message: str) -> None:
    print(message, flush=True)


def add_database_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL, without database (default: %(default)s)",
    )
    parser.add_argument("--database", default="parcours_bench")


def local_database_url(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str:
    """The database's URL; only a server on this machine is accepted."""
    if urllib.parse.urlparse(args.server).hostname not in {"127.0.0.1", "localhost"}:
        parser.error("le serveur PostgreSQL doit être local")
    return f"{args.server}/{args.database}"


def report_header() -> dict:
    """When and where the figures were taken."""
    return {
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }


def bench_data_keys() -> Path:
    """The key file of the bench's encrypted columns (production settings refuse to run without one),
    kept with the bench database it encrypts."""
    from cryptography.fernet import Fernet

    path = ROOT / "var" / "bench.data_keys"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Fernet.generate_key().decode() + "\n")
        path.chmod(0o600)
    return path


def server_env(database_url: str) -> dict:
    """The environment of the commands and servers: production settings (no debug) plus the floor."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PARCOURS_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "PYTHONPATH": str(ROOT),
            "PARCOURS_SECRET_KEY": secrets.token_urlsafe(40),
            "PARCOURS_ALLOWED_HOSTS": HOST,
            "PARCOURS_SECURE_COOKIES": "0",
            "PARCOURS_BENCH_FLOOR": "1",
            "PARCOURS_LOG_LEVEL": "WARNING",
            "PARCOURS_TASKS_BACKEND": "db",
            "PARCOURS_DATA_KEYS_FILE": str(bench_data_keys()),
        }
    )
    return env


# -- build ------------------------------------------------------------------------------------------


def run_parcours(args: list[str], env: dict, capture: list[str] | None = None) -> float:
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(PYTHON), "-m", "parcours", *args],
        cwd=ROOT,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    for line in process.stdout or ():
        log("    " + line.rstrip())
        if capture is not None:
            capture.append(line.rstrip())
    if process.wait() != 0:
        raise SystemExit(f"échec de : parcours {' '.join(args)}")
    return time.perf_counter() - started


def build(server_url: str, database: str, env: dict, seed: int) -> dict:
    log(f"▶ base {database} : création")
    with psycopg.connect(f"{server_url}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')
    timings = {"migrate": run_parcours(["migrate", "--noinput", "-v", "0"], env)}
    output: list[str] = []
    timings["demo-data"] = run_parcours(
        ["demo-data", "--scale", "department", "--seed", str(seed)], env, output
    )
    phases = {}
    counts = {}
    for line in output:
        match = re.match(r"\s+✓ (.+) : ([\d  ]+) en ([\d.]+) s", line)
        if match:
            phases[match.group(1)] = float(match.group(3))
        match = re.match(r"\s{2}(\S.*?)\s{2,}([\d  ]+)$", line)
        if match:
            counts[match.group(1).strip()] = int(re.sub(r"\D", "", match.group(2)))
    return {"timings": timings, "phases": phases, "counts": counts}


# -- server -----------------------------------------------------------------------------------------


def free_port(preferred: int) -> int:
    """The preferred port if nobody listens on it, else one the system gives."""
    for port in (preferred, 0):
        with socket.socket() as probe:
            try:
                probe.bind((HOST, port))
            except OSError:
                continue
            return probe.getsockname()[1]
    raise SystemExit("aucun port libre")


def start_server(
    env: dict, port: int, wsgi: str = "parcours.wsgi", log_name: str = "gunicorn.log", collect: bool = True
) -> subprocess.Popen:
    if collect:
        run_parcours(["collectstatic", "--noinput", "-v", "0"], env)
    RESULTS.mkdir(exist_ok=True)
    errors = open(RESULTS / log_name, "w", encoding="utf-8")  # noqa: SIM115 - closed with the server
    server = subprocess.Popen(
        [str(GUNICORN), wsgi, "-w", "2", "-b", f"{HOST}:{port}", "--pythonpath", str(ROOT)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=errors,
    )
    for _ in range(100):  # at most 20 s
        if server.poll() is not None:
            raise SystemExit(f"gunicorn s'est arrêté : voir {RESULTS / log_name}")
        try:
            with socket.create_connection((HOST, port), timeout=0.2):
                time.sleep(1)  # let both workers boot
                if server.poll() is None:
                    return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("gunicorn ne répond pas")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()


# -- client -----------------------------------------------------------------------------------------


class Client:
    """urllib with a cookie jar, redirects followed, CSRF token taken from the login form."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str, headers: dict | None = None) -> tuple[int, bytes]:
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def login(self, username: str, database_url: str) -> bool:
        """The demo account's password, then (production settings) the code of its authentication app,
        computed from the key the demo stored, with django-otp's TOTP like a phone app would."""
        landed = self._post_form(LOGIN_PATH, {"username": username, "password": PASSWORD})
        for _attempt in range(2):
            if landed != VERIFY_PATH:
                break
            landed = self._post_form(VERIFY_PATH, {"code": totp_code(database_url, username)})
            if landed == VERIFY_PATH:
                # A code is accepted once: after a login less than 30 s ago, wait for the next one.
                time.sleep(31 - time.time() % 30)
        return landed not in (None, LOGIN_PATH, VERIFY_PATH) and any(
            cookie.name == "sessionid" for cookie in self.jar
        )

    def _post_form(self, path: str, fields: dict) -> str | None:
        """GET the form for its CSRF token, POST it; the path landed on after redirects."""
        status, body = self.get(path)
        match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
        if status != 200 or not match:
            return None
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": match.group(1).decode(), **fields}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + path})
        try:
            with self.opener.open(request, timeout=30) as response:
                return urllib.parse.urlparse(response.geturl()).path
        except urllib.error.HTTPError:
            return None


def totp_code(database_url: str, username: str) -> str:
    """The current code of the account's authentication app (the demo creates one per account)."""
    from django_otp.oath import TOTP

    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT d.key FROM otp_totp_totpdevice d JOIN accounts_user u ON u.id = d.user_id "
            "WHERE u.username = %s AND d.confirmed ORDER BY d.id DESC LIMIT 1",
            [username],
        ).fetchone()
    if row is None:
        return ""
    totp = TOTP(bytes.fromhex(row[0]))
    return f"{totp.token():06d}"


# -- samples from the database ----------------------------------------------------------------------


def samples(database_url: str) -> dict:
    """UUIDs and names to request: persons supported today by the professional's establishment."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT m.establishment_id FROM staff_membership m "
            "JOIN staff_professional p ON p.id = m.professional_id JOIN accounts_user u ON u.id = p.user_id "
            "WHERE u.username = %s AND m.end_date IS NULL LIMIT 1",
            [LOGINS["pro"]],
        ).fetchone()
        if row is None:
            raise SystemExit("compte de démonstration introuvable : la base a-t-elle été construite ?")
        establishment_id = row[0]
        persons = conn.execute(
            "SELECT DISTINCT p.uuid, p.birth_name FROM records_admission a "
            "JOIN people_person p ON p.id = a.person_id "
            "WHERE a.establishment_id = %s AND a.end_date IS NULL ORDER BY p.uuid LIMIT 50",
            [establishment_id],
        ).fetchall()
        establishment = conn.execute(
            "SELECT uuid FROM organisations_establishment WHERE id = %s", [establishment_id]
        ).fetchone()[0]
    return {
        "persons": [str(uuid) for uuid, _ in persons],
        "names": [name for _, name in persons],
        "establishment": str(establishment),
    }


# -- measures ---------------------------------------------------------------------------------------


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def measure(client: Client, paths: list[str], headers: dict, count: int) -> dict:
    for path in paths[:5]:  # warm-up, not counted
        client.get(path, headers)
    durations, statuses = [], {}
    for k in range(count):
        path = paths[k % len(paths)]
        started = time.perf_counter()
        status, _ = client.get(path, headers)
        durations.append((time.perf_counter() - started) * 1000)
        statuses[status] = statuses.get(status, 0) + 1
    return {
        "requests": count,
        "median_ms": round(statistics.median(durations), 2),
        "p95_ms": round(percentile(durations, 0.95), 2),
        "min_ms": round(min(durations), 2),
        "max_ms": round(max(durations), 2),
        "statuses": statuses,
    }


def timeline_links(client: Client, persons: list[str]) -> list[str]:
    links = []
    for person in persons:
        status, body = client.get(f"/personnes/{person}/")
        match = NEXT_LINK.search(body.decode("utf-8", "replace")) if status == 200 else None
        if match:
            links.append(html.unescape(match.group(1) or match.group(2)))
    return links


def run_pages(base: str, data: dict, count: int, database_url: str) -> dict:
    clients: dict[str | None, Client | None] = {None: Client(base)}
    results = {}
    for key, login, template, headers in PAGES:
        if login not in clients:
            client = Client(base)
            clients[login] = client if client.login(LOGINS[login], database_url) else None
            if clients[login] is None:
                log(f"  connexion impossible pour {LOGINS[login]} : pages ignorées")
        client = clients[login]
        if client is None:
            results[key] = {"skipped": "connexion impossible"}
            continue
        if "{timeline_next}" in template:
            paths = timeline_links(client, data["persons"])
        else:
            paths = [
                template.format(
                    person=person, establishment=data["establishment"], name=urllib.parse.quote(name)
                )
                for person, name in zip(data["persons"], data["names"], strict=True)
            ]
        status, _ = client.get(paths[0], headers) if paths else (404, b"")
        if status != 200:
            log(f"  {key} : absente (HTTP {status}), ignorée")
            results[key] = {"skipped": f"HTTP {status}"}
            continue
        results[key] = measure(client, paths, headers, count)
        log(f"  {key} : médiane {results[key]['median_ms']} ms")
    return results


def print_table(results: dict) -> None:
    log("")
    log(f"{'page':<42} {'médiane':>9} {'p95':>9} {'min':>9}   requêtes")
    for key, row in results.items():
        if "skipped" in row:
            log(f"{key:<42} {'—':>9} {'—':>9} {'—':>9}   ignorée ({row['skipped']})")
        else:
            bad = sum(n for status, n in row["statuses"].items() if status != 200)
            log(
                f"{key:<42} {row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms {row['min_ms']:>7.1f}ms   "
                f"{row['requests']}{f' ({bad} non 200)' if bad else ''}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-build", action="store_true", help="measure the database already built")
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests : entre 1 et {MAX_REQUESTS}")
    database_url = local_database_url(parser, args)
    env = server_env(database_url)
    report = report_header()
    if not args.skip_build:
        report["build"] = build(args.server, args.database, env, args.seed)
        log(
            f"✓ construction : {report['build']['timings']['demo-data']:.1f} s (migrations "
            f"{report['build']['timings']['migrate']:.1f} s)"
        )
    data = samples(database_url)
    port = free_port(args.port)
    base = f"http://{HOST}:{port}"
    log(f"▶ serveur gunicorn sur {base}")
    server = start_server(env, port)
    try:
        report["pages"] = run_pages(base, data, args.requests, database_url)
    finally:
        stop_server(server)
    print_table(report["pages"])
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"department-{datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    log(f"\nRésultats : {path.relative_to(ROOT)}")


if __name__ == "__main__":
    sys.exit(main())
