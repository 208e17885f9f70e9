"""Every URL × every role × every sharing scenario: the real HTTP answer against the answer written by
hand in `tests.security.matrix`; and a guard that fails when a URL has no row."""

import functools

import pytest
from django.apps import apps
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.matrix import COLUMNS, ROWS, Column, Outcome, Row
from tests.security.world import SCENARIOS

# Apps whose data a refused request must leave untouched (the access log excepted: refusals are
# written there on purpose).
WATCHED_APPS = {
    "finance",
    "coordination",
    "people",
    "records",
    "access",
    "organisations",
    "staff",
    "accounts",
    "otp_static",
    "otp_totp",
    "portal",
    "privacy",
    "retention",
}
UNWATCHED_MODELS = {"accesslogentry"}


@functools.cache
def watched_tables() -> tuple[tuple[str, str, tuple], ...]:
    """(label, SQL, parameters) reading every row of each watched model, field by field, in primary
    key order: compiled once, as building a query costs more than running it on these small tables."""
    tables = []
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label in WATCHED_APPS and meta.model_name not in UNWATCHED_MODELS and meta.managed:
            names = [f.attname for f in meta.concrete_fields]
            queryset = model._base_manager.order_by("pk").values_list(*names)
            sql, params = queryset.query.get_compiler(using=queryset.db).as_sql()
            tables.append((meta.label, sql, tuple(params)))
    return tuple(tables)


def fingerprint() -> dict:
    """Every row of the watched apps, field by field, as the database stores them."""
    state = {}
    with connection.cursor() as cursor:
        for label, sql, params in watched_tables():
            cursor.execute(sql, params)
            state[label] = cursor.fetchall()
    return state


def location_matches(response, outcome: Outcome, row: Row, world) -> bool:
    location = response.get("Location", "")
    if outcome.location == "login":
        return location.startswith(reverse("accounts:login") + "?next=")
    if outcome.location == "admin_login":
        return location.startswith(reverse("admin:login") + "?next=")
    if outcome.location == "success":
        return location == row.success(world)
    if outcome.location.startswith("/"):
        return location == outcome.location
    return location == reverse(outcome.location)


def request(world, row: Row, column: Column):
    client = world.client(column.role)
    url = reverse(row.name, kwargs=row.kwargs(world))
    if row.method == "GET":
        return client.get(url, row.query, headers=row.headers)
    return client.post(url, row.data(world), headers=row.headers)


@pytest.fixture(scope="module")
def column(request, shared_world, django_db_blocker) -> Column:
    """The column's scenario, set up once for all its cells in a savepoint rolled back after them
    (each cell runs in its own savepoint inside it): the cells are grouped by column."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            SCENARIOS[request.param.scenario](shared_world)
            yield request.param
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.mark.parametrize("column", COLUMNS, ids=str, indirect=True, scope="module")
@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_cell(world, row: Row, column: Column):
    if row.setup:
        row.setup(world)
    expected = row.expected(column)
    before = fingerprint() if row.method == "POST" else None
    probed = row.probe(world) if row.probe else None
    response = request(world, row, column)
    status, location = response.status_code, response.get("Location", "")
    if row.method == "POST" and expected.label == "OK" and row.success is not None:
        assert (status, location) == (302, row.success(world)), f"attendu {expected}"
    else:
        assert status == expected.status, f"attendu {expected}, reçu {status} {location}"
        if expected.location:
            assert location_matches(response, expected, row, world), f"attendu {expected}, reçu {location}"
    if row.method == "POST":
        if expected.allowed:
            if row.probe:
                assert row.probe(world) != probed, "rien n'a changé"
        else:
            assert fingerprint() == before, "une requête refusée a écrit"


# The guard


def named_patterns(resolver=None, namespace=""):
    """(name, pattern) of every URL; unnamed ones with name None."""
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from named_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else None), f"{namespace}{pattern.pattern}"


def test_every_url_has_a_row_and_every_row_a_url():
    names = set()
    unnamed = []
    for name, pattern in named_patterns():
        if name is None:
            # Django's admin adds two unnamed patterns per model (the old `<id>/` address, redirected
            # to the named change page) and a catch-all; they lead only to named admin pages.
            if not pattern.startswith("admin:"):
                unnamed.append(pattern)
            continue
        names.add(name)
    rows = {row.name for row in ROWS}
    assert unnamed == [], "URL sans nom (donnez-lui un nom et une ligne dans la matrice)"
    assert sorted(names - rows) == [], "URL sans ligne dans tests/security/matrix.py"
    assert sorted(rows - names) == [], "ligne de la matrice sans URL"


def test_every_row_has_its_cells_once():
    ids = [row.id for row in ROWS]
    assert len(ids) == len(set(ids))
    for row in ROWS:
        assert (row.method == "POST") == (row.data is not None), row.id
