"""A dashboard page reads a bounded number of queries: a few per indicator, none per person or per
row, and a handful once its figures are cached; the cache follows the data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.organisations.enums import SupportMode
from parcours.reporting import dashboards, registry, rollups
from parcours.reporting.registry import Scope, ScopeKind
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


def test_cached_figures_follow_the_service_log_and_a_new_data_version(world, users, login):
    client = login(users["director"])
    url = reverse("reporting:dashboard", kwargs={"scope": Scope.establishment(world["E1"])}) + YEAR_QUERY
    assert "mars 2025 12 12" in text(client.get(url).content.decode(), "tableau-evolution")
    # Two more prestations in March: the rollups' refresh (after every write of the log) renews the page.
    person = world["E1"].admissions.first().person
    for _ in range(2):
        ServiceDeliveryFactory(person=person, establishment=world["E1"], date=D(2025, 3, 20))
    rollups.refresh([world["E1"].pk], [D(2025, 3, 20)])
    assert "mars 2025 12 14" in text(client.get(url).content.decode(), "tableau-evolution")
    # A new admission reaches the cached page after CACHE_SECONDS, or at once with a new data version.
    admit(world["E1"], 1, mode=SupportMode.INTERNAT, start=D(2025, 6, 1))
    assert text(client.get(url).content.decode(), "chiffre-personnes-accompagnees").startswith("12 ")
    dashboards.bump_data_version()
    assert text(client.get(url).content.decode(), "chiffre-personnes-accompagnees").startswith("13 ")
