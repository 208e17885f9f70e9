"""Who sees the finance pages, and what the statement pages show."""

import html
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.finance.permissions import managed_establishments
from parcours.staff.enums import Role
from tests.conftest import assert_page_ok
from tests.factories import EstablishmentFactory, GestionnaireFactory, UserFactory, make_professional
from tests.finance.factories import FinancialStatementFactory
from tests.finance.test_import import HEADER

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture
def world():
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, name="Foyer des Tilleuls")
    b = EstablishmentFactory(gestionnaire=g, name="SESSAD du Rhône")
    c = EstablishmentFactory(gestionnaire=h, name="MAS des Autres")
    return {
        "a": a,
        "b": b,
        "c": c,
        "g": g,
        "sa": FinancialStatementFactory(establishment=a, year=2025),
        "sb": FinancialStatementFactory(establishment=b, year=2024),
        "sc": FinancialStatementFactory(establishment=c, year=2025),
        "director": make_professional(a, role=Role.ESTABLISHMENT_DIRECTOR).user,
        "gestionnaire_director": make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=g).user,
        "professional": make_professional(a).user,
    }


def urls(world) -> list[tuple[str, str]]:
    return [
        ("GET", reverse("finance:list")),
        ("GET", reverse("finance:detail", args=[world["sa"].uuid])),
        ("GET", reverse("finance:import")),
        ("POST", reverse("finance:import")),
        ("GET", reverse("finance:template_csv")),
        ("GET", reverse("finance:template_xlsx")),
    ]


def test_managed_establishments(world):
    assert managed_establishments(world["director"]) == {world["a"].pk}
    assert managed_establishments(world["gestionnaire_director"]) == {world["a"].pk, world["b"].pk}
    assert managed_establishments(world["professional"]) == frozenset()
    assert managed_establishments(UserFactory()) == frozenset()


@pytest.mark.parametrize("who", ["professional", "nobody"])
def test_anyone_but_the_directions_gets_a_403(world, login, who):
    user = world["professional"] if who == "professional" else UserFactory()
    client = login(user)
    for method, url in urls(world):
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == 403, url


def test_anonymous_users_are_sent_to_the_login_page(world, client):
    for method, url in urls(world):
        response = client.get(url) if method == "GET" else client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login") + "?next=")


def test_an_establishment_director_sees_their_establishments_statements_only(world, login):
    client = login(world["director"])
    page = html.unescape(assert_page_ok(client.get(reverse("finance:list"))))
    assert "Foyer des Tilleuls" in page
    assert "SESSAD du Rhône" not in page and "MAS des Autres" not in page
    assert_page_ok(client.get(reverse("finance:detail", args=[world["sa"].uuid])))
    for other in ("sb", "sc"):
        assert client.get(reverse("finance:detail", args=[world[other].uuid])).status_code == 404


def test_a_gestionnaire_director_sees_all_the_gestionnaire_establishments(world, login):
    client = login(world["gestionnaire_director"])
    page = html.unescape(assert_page_ok(client.get(reverse("finance:list"))))
    assert "Foyer des Tilleuls" in page and "SESSAD du Rhône" in page
    assert "MAS des Autres" not in page
    assert_page_ok(client.get(reverse("finance:detail", args=[world["sb"].uuid])))
    assert client.get(reverse("finance:detail", args=[world["sc"].uuid])).status_code == 404


def test_the_list_filters_by_establishment_and_year(world, login):
    FinancialStatementFactory(establishment=world["a"], year=2024)
    client = login(world["gestionnaire_director"])

    def shown(query) -> list:
        response = client.get(reverse("finance:list"), query)
        assert_page_ok(response)
        return [(s.establishment.name, s.year) for s in response.context["page"].object_list]

    assert shown({}) == [
        ("Foyer des Tilleuls", 2025),
        ("Foyer des Tilleuls", 2024),
        ("SESSAD du Rhône", 2024),
    ]
    assert shown({"etablissement": world["a"].pk}) == [
        ("Foyer des Tilleuls", 2025),
        ("Foyer des Tilleuls", 2024),
    ]
    assert shown({"exercice": 2024}) == [("Foyer des Tilleuls", 2024), ("SESSAD du Rhône", 2024)]
    assert shown({"etablissement": world["b"].pk, "exercice": 2024}) == [("SESSAD du Rhône", 2024)]
    # An establishment outside the user's reach is not a choice: the filter is ignored.
    assert len(shown({"etablissement": world["c"].pk})) == 3


def test_the_list_is_paginated_with_a_constant_number_of_queries(world, login):
    client = login(world["director"])
    client.get(reverse("finance:list"))  # the session's first request reads more (the second factor)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert_page_ok(client.get(reverse("finance:list")))
        return len(captured)

    few = queries()
    for year in range(2000, 2024):  # 24 more statements of A: 25 in all
        FinancialStatementFactory(establishment=world["a"], year=year)
    FinancialStatementFactory(establishment=world["a"], year=2024)
    assert queries() == few
    page = client.get(reverse("finance:list"))
    assert page.context["page"].paginator.num_pages == 2
    second = client.get(reverse("finance:list"), {"page": 2})
    assert [s.year for s in second.context["page"].object_list] == [2000]


def test_the_detail_shows_each_figure_and_computed_value_with_its_formula(world, login):
    client = login(world["director"])
    page = html.unescape(assert_page_ok(client.get(reverse("finance:detail", args=[world["sa"].uuid]))))
    # The factory's figures, worked out by hand in tests/finance/factories.py.
    for expected in (
        f"50{NBSP}000,00 €",  # result
        f"80{NBSP}000,00 €",  # CAF
        "8,0 %",  # CAF rate
        f"100{NBSP}000,00 €",  # FRNG
        f"40{NBSP}000,00 €",  # BFR
        f"60{NBSP}000,00 €",  # treasury
        "100,00 €",  # cost per day
        f"31{NBSP}666,67 €",  # cost per place
        "9" + NBSP + "500",  # days realised
        "total des produits − total des charges",
        "disponibilités − concours bancaires courants",
        "total des charges ÷ journées réalisées",
        "non vérifiées",
    ):
        assert expected in page, expected


def test_a_ratio_over_zero_is_shown_as_not_computable(world, login):
    statement = FinancialStatementFactory(establishment=world["a"], year=2023, days_realised=0)
    client = login(world["director"])
    page = assert_page_ok(client.get(reverse("finance:detail", args=[statement.uuid])))
    assert "non calculable" in page


def test_the_templates_hold_the_header_row_only(world, login):
    client = login(world["director"])
    response = client.get(reverse("finance:template_csv"))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert response.content.decode("utf-8") == "\ufeff" + ";".join(HEADER) + "\r\n"

    response = client.get(reverse("finance:template_xlsx"))
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert rows == [tuple(HEADER)]


def test_the_import_page_lists_the_columns(world, login):
    page = assert_page_ok(login(world["director"]).get(reverse("finance:import")))
    for column in HEADER:
        assert f"<code>{column}</code>" in page
