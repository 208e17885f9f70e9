"""A dashboard page reads a bounded number of queries: a few per indicator, none per person or per
row, and a handful once its figures are cached; the cache follows the data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.organisations.enums import SupportMode
from parcours.reporting import dashboards, registry, rollups
from parcours.reporting.registry import Period, Scope, ScopeKind
from tests.factories import ServiceDeliveryFactory
from tests.reporting.dashboards.conftest import YEAR_QUERY, D, admit
from tests.reporting.dashboards.html import text

pytestmark = pytest.mark.django_db

MONTHS = 12
CHILDREN = 3
# Per indicator: its value on the page's scope and on the parent scope, at most two queries each.
PER_INDICATOR = 4
# Per month of the monthly charts: persons (one query) and prestations (two).
PER_MONTH = 3
# Per child of the drill-down: its access, and three figures of at most two queries.
PER_CHILD = 7
# The session, the user, the second factor, the roles, the navigation, the scope and its parent.
FIXED = 40
CACHED = 25


def count(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_gestionnaire_page_reads_a_bounded_number_of_queries(world, users, login):
    client = login(users["gdirector"])
    client.get(reverse("core:home"))  # the navigation's answer is kept in the session
    url = reverse("reporting:dashboard", kwargs={"scope": Scope.gestionnaire(world["cedres"])}) + YEAR_QUERY
    indicators = [indicator for indicator in registry.all() if ScopeKind.GESTIONNAIRE in indicator.scopes]
    first = count(client, url)
    assert first <= FIXED + PER_INDICATOR * len(indicators) + PER_MONTH * MONTHS + PER_CHILD * CHILDREN
    # From the cache: the access checks and the drill-down's names only.
    assert count(client, url) <= CACHED
    # Ten more persons change no query count: nothing is read person by person.
    admit(world["E2"], 10, mode=SupportMode.EXTERNAT, start=D(2025, 5, 1))
    cache.clear()
    assert count(client, url) == first


def test_cached_figures_follow_a_new_data_version(world, users, login):
    client = login(users["director"])
    url = reverse("reporting:dashboard", kwargs={"scope": Scope.establishment(world["E1"])}) + YEAR_QUERY
    assert "mars 2025 12 12" in text(client.get(url).content.decode(), "tableau-evolution")
    # Two more prestations in March and a new admission: the page keeps its figures (the rollups follow
    # the log at once, the page within CACHE_SECONDS) until the data version changes.
    person = world["E1"].admissions.first().person
    for _ in range(2):
        ServiceDeliveryFactory(person=person, establishment=world["E1"], date=D(2025, 3, 20))
    rollups.refresh([world["E1"].pk], [D(2025, 3, 20)])
    admit(world["E1"], 1, mode=SupportMode.INTERNAT, start=D(2025, 6, 1))
    content = client.get(url).content.decode()
    assert "mars 2025 12 12" in text(content, "tableau-evolution")
    assert text(content, "chiffre-personnes-accompagnees").startswith("12 ")
    dashboards.bump_data_version()
    content = client.get(url).content.decode()
    assert "mars 2025 12 14" in text(content, "tableau-evolution")
    assert text(content, "chiffre-personnes-accompagnees").startswith("13 ")
    # The nightly rebuild of the rollups is a new version too.
    admit(world["E1"], 1, mode=SupportMode.INTERNAT, start=D(2025, 6, 1))
    rollups.refresh_all()
    assert text(client.get(url).content.decode(), "chiffre-personnes-accompagnees").startswith("14 ")


def test_warmed_figures_are_read_not_computed(world, users, login, django_assert_max_num_queries):
    """After `parcours dashboards warm`, the pages of the default period compute no indicator: the
    gestionnaire's page, its department's comparison and its drill-down read the shared values."""
    period = Period(D(2025, 1, 1), D(2025, 12, 31))
    computed = dashboards.warm(period)
    scopes = dashboards.every_scope()  # 4 establishments, 2 gestionnaires, 2 departments, 1 region
    assert len(scopes) == 9
    assert computed >= 9 * 5
    client = login(users["gdirector"])
    url = reverse("reporting:dashboard", kwargs={"scope": Scope.gestionnaire(world["cedres"])}) + YEAR_QUERY
    with django_assert_max_num_queries(CACHED + 10):
        content = client.get(url).content.decode()
    assert text(content, "chiffre-personnes-accompagnees").startswith("31 ")
