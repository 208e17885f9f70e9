"""Run the test provider in a second process for the length of a `with` block."""

import json
import os
import secrets
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Mot-de-passe-du-fournisseur-2026"
START_TIMEOUT = 60


@dataclass(frozen=True)
class Provider:
    url: str
    client_id: str
    client_secret: str

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    @property
    def login_url(self) -> str:
        return f"{self.url}/connexion/"


@contextmanager
def running_provider(directory: Path, *, redirect_uri: str, post_logout_redirect_uri: str, users: dict):
    """Start the provider with these users (username -> email, email_verified, given_name,
    family_name, acr; all with the password PASSWORD), wait until its discovery document answers,
    and stop it when the block ends, whatever happens inside."""
    client = {
        "id": "parcours-tests",
        "secret": secrets.token_urlsafe(32),
        "redirect_uri": redirect_uri,
        "post_logout_redirect_uri": post_logout_redirect_uri,
    }
    config = {
        "database": str(directory / "provider.sqlite3"),
        "port_file": str(directory / "port"),
        "client": client,
        "users": {username: {**account, "password": PASSWORD} for username, account in users.items()},
    }
    config_file = directory / "provider.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PARCOURS_", "DJANGO_"))}
    env["OIDC_PROVIDER_CONFIG"] = str(config_file)
    log = (directory / "provider.log").open("w", encoding="utf-8")
    process = subprocess.Popen(  # noqa: S603 - our own test server, fixed arguments
        [sys.executable, "-m", "tests.oidc_provider.serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        url = wait_until_ready(process, Path(config["port_file"]), directory / "provider.log")
        yield Provider(url=url, client_id=client["id"], client_secret=client["secret"])
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def wait_until_ready(process: subprocess.Popen, port_file: Path, log_file: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"Le fournisseur de test s'est arrêté :\n{log_file.read_text(encoding='utf-8')}"
            )
        if port_file.exists() and port_file.read_text(encoding="utf-8"):
            url = f"http://127.0.0.1:{port_file.read_text(encoding='utf-8')}"
            try:
                requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).raise_for_status()
            except requests.RequestException:
                pass
            else:
                return url
        time.sleep(0.1)
    raise RuntimeError(f"Le fournisseur de test ne répond pas :\n{log_file.read_text(encoding='utf-8')}")
