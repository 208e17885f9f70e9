import os
import shutil
import socket

import pytest
from django.test import Client

from tests.accounts.otp import verified_client

DB_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}

INVALID_MARKER = "INVALID_TEMPLATE_VARIABLE"


def pytest_collection_modifyitems(config, items):
    """Tests of one database's own behaviour (PostgreSQL triggers, SQLite guards) run in that database's
    pass of the suite; `make test` runs both passes."""
    from django.db import connection

    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    deselected = [item for item in items if item.get_closest_marker(other)]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = [item for item in items if not item.get_closest_marker(other)]


@pytest.fixture(autouse=True)
def no_outside_network(monkeypatch):
    """Tests talk to this machine only (PostgreSQL, Redis, the live server, Chromium)."""
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
        ):
            raise RuntimeError(f"Les tests n'ont pas accès au réseau extérieur ({host}).")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture
def login():
    """login(user) -> a test client logged in as that user: password checked, and the second factor
    verified with an authentication app (django-otp TOTP device) created for the user if needed."""

    def _login(user) -> Client:
        return verified_client(user)

    return _login


def assert_page_ok(response) -> str:
    """A rendered page with no undefined template variable."""
    assert response.status_code == 200, response.status_code
    content = response.content.decode()
    assert INVALID_MARKER not in content, "variable de gabarit indéfinie"
    return content


@pytest.fixture(autouse=True)
def reference_data(request):
    """The nomenclatures loaded by the migrations, reloaded when a transactional test flushed them."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "live_server" in request.fixturenames
        or "transactional_db" in request.fixturenames
        or (marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0])))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from parcours.nomenclature.loader import load_systems
    from parcours.nomenclature.models import CodeSystem, Concept

    if not CodeSystem.objects.exists():
        load_systems(CodeSystem, Concept)
        # The FHIR API keeps the codes of each system in memory, by primary key: new rows, new keys.
        from parcours.fhir.codes import clear_cache

        clear_cache()


# Playwright driving Debian's headless Chromium against the live test server.
CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium introuvable ({CHROMIUM}) : lancez `make services`.")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test itself stays synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-background-networking",
                "--disable-gpu",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session", autouse=True)
def no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """PostgreSQL: before the test database is dropped, name any session still connected to it (a
    connection a test or a thread left open would make the drop fail) and end it."""
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, application_name, state, left(query, 200) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        left = cursor.fetchall()
        for pid, application, state, query in left:
            print(f"\nsession restée ouverte sur la base de test : {pid} {application} {state} {query}")
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connection.close()
