"""The FHIR API at department scale: Patient read, Patient search by name, and the bulk export of the
whole department, next to the floor of the same server.

On the database built by bench/department.py (300 establishments, 20,000 persons, 10 million
service-log rows), served by gunicorn (2 workers, production settings, no debug) with one task worker
(`parcours db_worker`) for the export:
- an API client of the demo professional (`educatrice`, as an establishment's software would be)
  reads `Patient/<id>` of the persons her establishment supports, then searches `Patient?name=<birth
  name>`; each request is followed by the floor (/_bench/floor/, SELECT 1) in the same run;
- an API client of a login directing every establishment (`bench-fhir`, made here) asks
  `$export` of the whole department, polls the status URL every second, and the throughput is the
  number of resources in the manifest divided by the time from the kick-off to the manifest.

Prints median, p95 and minimum of each series and the throughput, writes them as JSON under
bench/results/ (git-ignored), exits 1 when a target is missed (read p95 20 ms, search p95 60 ms,
export 20,000 resources/s).

    .venv/bin/python bench/department.py                  # once: builds parcours_bench
    .venv/bin/python bench/fhir_api.py [--requests 300] [--skip-export]

Only 127.0.0.1 is ever contacted; every loop is bounded.
"""

import argparse
import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402 - the path above
    HOST,
    PYTHON,
    RESULTS,
    add_database_arguments,
    free_port,
    local_database_url,
    log,
    report_header,
    run_parcours,
    samples,
    server_env,
    start_server,
    stop_server,
)
from bench.waiting_list import FLOOR_PATH, WARMUP, summary  # noqa: E402

TARGETS = {"read_p95_ms": 20.0, "search_p95_ms": 60.0, "export_per_s": 20000.0}
MAX_REQUESTS = 2000
EXPORT_TIMEOUT_S = 3600

# Run in `parcours shell`: a login directing every establishment, and one API client per login asked.
SETUP = """
import datetime
from django.contrib.auth import get_user_model
from parcours.fhir.clients import register_client
from parcours.organisations.models import Establishment
from parcours.staff.enums import Role
from parcours.staff.models import Membership, Professional

User = get_user_model()
director, created = User.objects.get_or_create(username="bench-fhir")
if created:
    director.set_unusable_password()
    director.save()
professional, _ = Professional.objects.get_or_create(
    user=director, defaults={"last_name": "Banc", "first_name": "Essai", "profession": "directeur"})
have = set(Membership.objects.filter(professional=professional).values_list("establishment_id", flat=True))
Membership.objects.bulk_create([
    Membership(professional=professional, role=Role.ESTABLISHMENT_DIRECTOR, establishment_id=pk,
               start_date=datetime.date(2020, 1, 1))
    for pk in Establishment.objects.exclude(pk__in=have).values_list("pk", flat=True)])
for key, login in (("establishment", "educatrice"), ("department", "bench-fhir")):
    _, client_id, secret = register_client(user=User.objects.get(username=login),
                                           name=f"banc {key}", scopes=["system/*.read"])
    print(f"CLIENT {key} {client_id} {secret}")
"""


def http(method: str, url: str, token: str = "", data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310 - 127.0.0.1 only
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def token(base: str, client_id: str, secret: str) -> str:
    data = urllib.parse.urlencode(
        {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    ).encode()
    status, _, body = http("POST", f"{base}/fhir/auth/token", data=data)
    if status != 200:
        raise SystemExit(f"jeton refusé : HTTP {status} {body[:200]!r}")
    return json.loads(body)["access_token"]


def interleaved(base: str, bearer: str, paths: list[str], count: int) -> dict:
    """`count` rounds of one request (the next path) then the floor; WARMUP rounds not counted."""
    series = {"requête": [], "plancher": []}
    statuses = {"requête": {}, "plancher": {}}
    for k in range(-WARMUP, count):
        for key, path, auth in (("requête", paths[k % len(paths)], bearer), ("plancher", FLOOR_PATH, "")):
            started = time.perf_counter()
            status, _, _ = http("GET", base + path, auth)
            elapsed = (time.perf_counter() - started) * 1000
            if k >= 0:
                series[key].append(elapsed)
                statuses[key][status] = statuses[key].get(status, 0) + 1
    return {key: summary(series[key], statuses[key]) for key in series}


def export(base: str, bearer: str) -> dict:
    started = time.perf_counter()
    status, headers, body = http(
        "GET",
        f"{base}/fhir/$export",
        bearer,
        headers={"Prefer": "respond-async", "Accept": "application/fhir+json"},
    )
    if status != 202:
        raise SystemExit(f"$export : HTTP {status} {body[:300]!r}")
    location = headers.get("Content-Location", "")
    polls = 0
    while time.perf_counter() - started < EXPORT_TIMEOUT_S:
        status, headers, body = http("GET", location, bearer)
        polls += 1
        if status == 200:
            break
        if status != 202:
            raise SystemExit(f"statut de l'export : HTTP {status} {body[:300]!r}")
        time.sleep(1)
    else:
        raise SystemExit("export non terminé dans le temps imparti")
    seconds = time.perf_counter() - started
    manifest = json.loads(body)
    counts: dict[str, int] = {}
    for item in manifest["output"]:
        counts[item["type"]] = counts.get(item["type"], 0) + int(item.get("count", 0))
    total = sum(counts.values())
    return {"seconds": round(seconds, 1), "resources": total, "per_second": round(total / seconds),
            "files": len(manifest["output"]), "polls": polls, "counts": counts}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_database_arguments(parser)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--port", type=int, default=8771)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    if not 1 <= args.requests <= MAX_REQUESTS:
        parser.error(f"--requests : entre 1 et {MAX_REQUESTS}")
    database_url = local_database_url(parser, args)
    env = server_env(database_url)
    output: list[str] = []
    run_parcours(["shell", "-c", SETUP], env, output)
    clients = {m[1]: (m[2], m[3]) for line in output if (m := re.match(r"\s*CLIENT (\S+) (\S+) (\S+)", line))}
    data = samples(database_url)
    port = free_port(args.port)
    base = f"http://{HOST}:{port}"
    log(f"▶ serveur gunicorn sur {base}, et un worker des tâches")
    server = start_server(env, port)
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and project
        [str(PYTHON), "-m", "parcours", "db_worker", "--queue-name", "default"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    report = {**report_header(), "targets": TARGETS}
    try:
        local = token(base, *clients["establishment"])
        reads = [f"/fhir/Patient/{uuid}" for uuid in data["persons"]]
        searches = [f"/fhir/Patient?name={urllib.parse.quote(name)}" for name in data["names"]]
        for path in (reads[0], searches[0]):
            status, _, body = http("GET", base + path, local)
            if status != 200:
                raise SystemExit(f"{path} : HTTP {status} {body[:300]!r}")
        log(f"▶ lecture Patient ({args.requests} requêtes, {len(reads)} personnes)")
        report["read"] = interleaved(base, local, reads, args.requests)
        log(f"▶ recherche Patient par nom ({args.requests} requêtes)")
        report["search"] = interleaved(base, local, searches, args.requests)
        if not args.skip_export:
            log("▶ export en masse du département ($export)")
            report["export"] = export(base, token(base, *clients["department"]))
    finally:
        worker.terminate()
        stop_server(server)
    log("")
    log(f"{'série':<28} {'médiane':>9} {'p95':>9} {'min':>9}")
    for name in ("read", "search"):
        for key, row in report[name].items():
            figures = f"{row['median_ms']:>7.1f}ms {row['p95_ms']:>7.1f}ms {row['min_ms']:>7.1f}ms"
            log(f"{name + ' / ' + key:<28} {figures}")
    missed = []
    if report["read"]["requête"]["p95_ms"] > TARGETS["read_p95_ms"]:
        missed.append("lecture")
    if report["search"]["requête"]["p95_ms"] > TARGETS["search_p95_ms"]:
        missed.append("recherche")
    if "export" in report:
        row = report["export"]
        log(f"export : {row['resources']} ressources en {row['seconds']} s, {row['per_second']} ressources/s")
        if row["per_second"] < TARGETS["export_per_s"]:
            missed.append("export")
    log(f"objectifs : {'tous tenus' if not missed else 'manqués : ' + ', '.join(missed)}")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"fhir-{datetime.now().astimezone():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    log(f"résultats : {out.relative_to(ROOT)}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
