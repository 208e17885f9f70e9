"""The weight of the person's space: bytes transferred on the first load of each page (HTML, CSS and
JavaScript, empty cache), as production serves them.

1. a temporary directory holds a SQLite database, the data keys and the collected static files;
2. `parcours migrate`, then a small world (tests/browser/portal.py: Léa's space with a note, a projet,
   a conversation, a questionnaire…), then `parcours collectstatic` (whitenoise's compressed manifest
   storage: .gz and .br files beside each file);
3. gunicorn serves it with the production settings (PARCOURS_DEBUG off);
4. headless Chromium opens each page of the portal (every GET page of the "portal" namespace, found
   through the URL resolver as the browser tests do) in a new context (empty cache), logged in as the
   visitor the page expects (Léa, the IME's director with his second factor, or nobody), and sums per kind
   the encoded bodies (`request.sizes()["responseBodySize"]`: bytes on the wire) and the decoded ones.

Prints a table (page, HTML, CSS, JS, total transferred, total uncompressed, in kB) and the medians,
writes the figures as JSON under bench/results/, and exits 1 when a page transfers 150 kB or more.

    .venv/bin/python bench/portal_weight.py
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.department import (  # noqa: E402 - the path above
    HOST,
    PYTHON,
    RESULTS,
    free_port,
    log,
    run_parcours,
    start_server,
    stop_server,
)

BUDGET = 150 * 1000
KINDS = {"document": "HTML", "stylesheet": "CSS", "script": "JS"}
CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")


def server_env(directory: Path) -> dict:
    """Production settings on a temporary directory: no debug, whitenoise's compressed static files."""
    from cryptography.fernet import Fernet

    keys = directory / "data_keys"
    keys.write_text(Fernet.generate_key().decode() + "\n", encoding="utf-8")
    keys.chmod(0o600)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PARCOURS_", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{directory / 'portal.sqlite3'}",
            "DJANGO_SETTINGS_MODULE": "parcours.settings",
            "PYTHONPATH": str(ROOT),
            "PARCOURS_VAR_DIR": str(directory),
            "PARCOURS_SECRET_KEY": secrets.token_urlsafe(40),
            "PARCOURS_ALLOWED_HOSTS": HOST,
            "PARCOURS_SECURE_COOKIES": "0",
            "PARCOURS_HSTS_SECONDS": "0",
            "PARCOURS_LOG_LEVEL": "WARNING",
            "PARCOURS_TASKS_BACKEND": "db",
            "PARCOURS_DATA_KEYS_FILE": str(keys),
        }
    )
    return env


def build_world() -> None:
    """Run inside the server's environment (`--build-world`): the world, and the pages to weigh, as
    JSON on the last line of the output."""
    import django

    django.setup()
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from tests.browser.portal import addresses, make_family, portal_world
    from tests.factories import PASSWORD

    with transaction.atomic():
        world = portal_world(make_family())
        device = TOTPDevice.objects.create(user=world.director.user, name="Bench", confirmed=True)
        pages = addresses(world)
    logins = {
        "person": {"username": world.lea_user.username},
        "carer": {"username": world.mother.username},
        "team": {"username": world.director.user.username, "key": device.key},
    }
    print(json.dumps({"pages": pages, "logins": logins, "password": PASSWORD}))


def totp_code(key: str) -> str:
    """The code an authentication app shows now for this hex key (django-otp's own TOTP)."""
    import time
    from binascii import unhexlify

    from django_otp.oath import TOTP

    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    return f"{totp.token():06d}"


def log_in(browser, base: str, visitor: str, logins: dict, password: str):
    """The storage state (cookies) of a session of this visitor."""
    context = browser.new_context(base_url=base, locale="fr-FR")
    page = context.new_page()
    if visitor != "anonymous":
        page.goto("/compte/connexion/")
        page.get_by_label("Identifiant").fill(logins[visitor]["username"])
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_load_state("load")
        if visitor == "team":
            page.get_by_label("Code de vérification").fill(totp_code(logins[visitor]["key"]))
            page.get_by_role("button", name="Valider").click()
            page.wait_for_url(lambda url: "/compte/verification/" not in url)
    state = context.storage_state()
    context.close()
    return state


def weigh(browser, base: str, state: dict, path: str) -> dict | None:
    """The bytes of one page's first load, by kind, transferred and decoded; None when the address is
    no page (an action answering 405, a file, a fragment)."""
    context = browser.new_context(
        base_url=base, storage_state=state, locale="fr-FR", viewport={"width": 375, "height": 667}
    )
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        try:
            response = page.goto(path)
        except Exception as error:
            if any(sign in str(error) for sign in ("Download is starting", "ERR_HTTP_RESPONSE_CODE_FAILURE")):
                return None
            raise
        page.wait_for_load_state("load")
        if response.status != 200 or not response.headers.get("content-type", "").startswith("text/html"):
            return None
        if "<html" not in response.text()[:500].lower():
            return None
        sent = dict.fromkeys(KINDS.values(), 0)
        decoded = dict.fromkeys(KINDS.values(), 0)
        for item in responses:
            kind = KINDS.get(item.request.resource_type)
            if kind is None:
                continue
            sizes = item.request.sizes()
            sent[kind] += sizes["responseBodySize"]
            decoded[kind] += len(item.body()) if 200 <= item.status < 300 else 0
        return {"url": page.url.removeprefix(base), "sent": sent, "decoded": decoded}
    finally:
        context.close()


def kb(value: int) -> str:
    return f"{value / 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-world", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build_world:
        build_world()
        return

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="parcours-portal-weight-") as tmp:
        directory = Path(tmp)
        env = server_env(directory)
        log("▶ base temporaire : migrate")
        run_parcours(["migrate", "--noinput", "-v", "0"], env)
        log("▶ petit monde : l'espace de Léa")
        built = subprocess.run(  # noqa: S603 - our own interpreter and script
            [str(PYTHON), str(Path(__file__).resolve()), "--build-world"],
            cwd=ROOT, env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        if built.returncode != 0:
            sys.stderr.write(built.stdout + built.stderr)
            raise SystemExit("échec de la construction du monde")
        world = json.loads(built.stdout.strip().splitlines()[-1])
        port = free_port(8765)
        log(f"▶ gunicorn sur {HOST}:{port} (collectstatic d'abord)")
        server = start_server(env, port, log_name="portal_weight.log")
        base = f"http://{HOST}:{port}"
        rows = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(
                    executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
                )
                for visitor, entries in world["pages"].items():
                    if not entries:
                        continue
                    state = log_in(browser, base, visitor, world["logins"], world["password"])
                    seen = set()
                    for name, path in entries:
                        weight = weigh(browser, base, state, path)
                        if weight is None or weight["url"] in seen:
                            continue
                        seen.add(weight["url"])
                        rows.append({"page": name, "visitor": visitor, **weight})
                browser.close()
        finally:
            stop_server(server)

    print()
    header = f"{'page':36} {'HTML':>7} {'CSS':>7} {'JS':>7} {'total':>8} {'non compr.':>11}"
    print("Poids au premier chargement (kB transférés, cache vide ; « non compr. » : décodés)")
    print(header)
    print("-" * len(header))
    totals, decoded_totals, heavy = [], [], []
    for row in rows:
        total, decoded = sum(row["sent"].values()), sum(row["decoded"].values())
        totals.append(total)
        decoded_totals.append(decoded)
        row["total_sent"], row["total_decoded"] = total, decoded
        sent = row["sent"]
        print(
            f"{row['page']:36} {kb(sent['HTML']):>7} {kb(sent['CSS']):>7} {kb(sent['JS']):>7} "
            f"{kb(total):>8} {kb(decoded):>11}"
        )
        if total >= BUDGET:
            heavy.append(row["page"])
    if not rows:
        raise SystemExit("aucune page pesée")
    print("-" * len(header))
    print(
        f"{'médiane (' + str(len(rows)) + ' pages)':36} {'':>7} {'':>7} {'':>7} "
        f"{kb(statistics.median(totals)):>8} {kb(statistics.median(decoded_totals)):>11}"
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "portal_weight.json").write_text(json.dumps(rows, indent=2), encoding="utf-8")
    if heavy:
        raise SystemExit(f"Pages de 150 kB ou plus : {', '.join(heavy)}")
    print(f"Toutes les pages sous {BUDGET // 1000} kB.")


if __name__ == "__main__":
    main()
