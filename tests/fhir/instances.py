"""A second Parcours instance for the exchange tests: its own database (a fresh copy of a migrated
template: a SQLite file, or a PostgreSQL database in the PostgreSQL pass) and its own server process,
with an administrator and an API client allowed to import.

`empty_instance()` (fixture in conftest) gives an `Instance` with nothing but the reference data."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
ADMIN = "admin-instance"
PASSWORD = "instance-B-mot-de-passe-de-test"  # noqa: S105 (a throwaway instance's test login)
SCOPES = ["system/*.read", "system/*.write"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _pg_url(name: str) -> str:
    settings = connection.settings_dict
    user, password = settings["USER"], settings.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{settings['HOST'] or '127.0.0.1'}:{settings['PORT'] or 5432}/{name}"


def _env(database_url: str, media: str) -> dict:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url,
        PARCOURS_TEST_MEDIA=media,
        PYTHONPATH=str(ROOT),
    )
    env.pop("PARCOURS_TEST_DB_NAME", None)
    return env


def _manage(env: dict, *args: str, timeout: int = 300) -> str:
    result = subprocess.run(  # noqa: S603 (our own interpreter and project)
        [sys.executable, "-m", "django", *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise RuntimeError(f"`{' '.join(args)}` a échoué : {result.stderr[-2000:]}")
    return result.stdout


class Templates:
    """The migrated template database, made once per test session."""

    def __init__(self, tmp_dir: Path):
        self.tmp_dir = tmp_dir
        self.vendor = connection.vendor
        self.counter = 0
        base = connection.settings_dict["NAME"]
        if self.vendor == "postgresql":
            self.template = f"{base}_tmpl_b"[:60]
            self._psql(f'DROP DATABASE IF EXISTS "{self.template}"')
            self._psql(f'CREATE DATABASE "{self.template}"')
            url = _pg_url(self.template)
        else:
            self.template = str(tmp_dir / "template.sqlite3")
            url = f"sqlite:///{self.template}"
        _manage(_env(url, "test-media-instance-b"), "migrate", "--noinput", "-v", "0", timeout=600)

    def _psql(self, statement: str) -> None:
        with connection.cursor() as cursor:
            cursor.execute(statement)

    def new_database(self) -> tuple[str, callable]:
        self.counter += 1
        if self.vendor == "postgresql":
            name = f"{self.template}_{self.counter}"[:63]
            self._psql(f'DROP DATABASE IF EXISTS "{name}"')
            self._psql(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
            return _pg_url(name), lambda: self._psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        path = self.tmp_dir / f"instance-{self.counter}.sqlite3"
        shutil.copyfile(self.template, path)
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)

    def drop(self) -> None:
        if self.vendor == "postgresql":
            self._psql(f'DROP DATABASE IF EXISTS "{self.template}" WITH (FORCE)')


@dataclass
class Instance:
    url: str  # the server's root, e.g. http://127.0.0.1:PORT
    token: str  # a bearer token of the administrator's client (import allowed)
    env: dict
    process: subprocess.Popen

    @property
    def fhir(self) -> str:
        return f"{self.url}/fhir"

    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}", "Accept": "application/fhir+json"}

    def fhirpy(self):
        from fhirpy import SyncFHIRClient

        return SyncFHIRClient(self.fhir, authorization=f"Bearer {self.token}")

    def manage(self, *args: str) -> str:
        return _manage(self.env, *args)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_instance(templates: Templates) -> tuple[Instance, callable]:
    database_url, drop = templates.new_database()
    env = _env(database_url, f"test-media-instance-{os.getpid()}-{templates.counter}")
    env["DJANGO_SUPERUSER_PASSWORD"] = PASSWORD
    _manage(env, "createsuperuser", "--noinput", "--username", ADMIN, "--email", "admin@example.org")
    out = _manage(env, "fhir_client", "--user", ADMIN, "--name", "Reprise de données",
                  *[arg for scope in SCOPES for arg in ("--scope", scope)])  # fmt: skip
    client_id = re.search(r"client_id=(\S+)", out)[1]
    secret = re.search(r"client_secret=(\S+)", out)[1]
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (our own interpreter and project)
        [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{url}/fhir/metadata", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise RuntimeError("La seconde instance n'a pas démarré.")
        time.sleep(0.2)
    answer = requests.post(f"{url}/fhir/auth/token", data={"grant_type": "client_credentials"},
                           auth=(client_id, secret), timeout=10)  # fmt: skip
    answer.raise_for_status()
    instance = Instance(url=url, token=answer.json()["access_token"], env=env, process=process)

    def finish():
        instance.stop()
        drop()
        shutil.rmtree(ROOT / "var" / env["PARCOURS_TEST_MEDIA"], ignore_errors=True)

    return instance, finish
