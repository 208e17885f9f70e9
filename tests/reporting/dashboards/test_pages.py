"""The dashboard pages: who opens which, the figures they show (worked out by hand in conftest.py),
the period picker, the comparison with the scope above, the drill-down and the definitions."""

import xml.etree.ElementTree as ET

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.reporting import registry
from parcours.reporting.registry import Scope, ScopeKind
from parcours.staff.enums import Role
from tests.conftest import assert_page_ok
from tests.factories import EstablishmentFactory, GestionnaireFactory, make_professional
from tests.reporting.dashboards.conftest import YEAR_QUERY
from tests.reporting.dashboards.html import links, svgs, text

pytestmark = pytest.mark.django_db


def url(scope: Scope, query: str = YEAR_QUERY) -> str:
    return reverse("reporting:dashboard", kwargs={"scope": scope}) + query


def definition(code: str) -> str:
    return reverse("reporting:indicator", kwargs={"code": code})


def drill_down_links(content: str) -> list[str]:
    return [link for link in links(content, "tableau-detail") if "/indicateurs/" not in link]


def page_of(client, scope: Scope, query: str = YEAR_QUERY) -> str:
    return assert_page_ok(client.get(url(scope, query)))


# ---------- Who opens what ----------


def test_the_index_lists_what_a_director_may_open_by_kind(world, users, login):
    content = assert_page_ok(login(users["director"]).get(reverse("reporting:index")))
    assert "Établissements et services IME Les Tilleuls" in text(content)
    assert "Organismes gestionnaires Association Les Cèdres" in text(content)
    assert "Départements Département 69" in text(content)
    assert "Régions Région 84" in text(content)
    assert url(Scope.establishment(world["E1"]), "") in links(content)
    assert url(Scope.establishment(world["E2"]), "") not in links(content)


def test_the_index_lists_the_territories_of_an_authority(world, users, login):
    content = assert_page_ok(login(users["ars"]).get(reverse("reporting:index")))
    assert "Départements Département 01 Département 69 Régions Région 84" in text(content, "contenu")
    assert url(Scope.region("84"), "") in links(content)


def test_a_professional_without_a_reporting_role_is_told_dashboards_are_for_directions(users, login):
    client = login(users["professional"])
    response = client.get(reverse("reporting:index"))
    assert response.status_code == 403
    assert "Les tableaux de bord sont réservés aux directions et aux autorités" in response.content.decode()
    home = assert_page_ok(client.get(reverse("core:home")))
    assert reverse("reporting:index") not in links(home)


def test_the_navigation_links_to_the_dashboards_for_directors_and_authorities(users, login):
    for role in ("director", "gdirector", "cd69"):
        home = assert_page_ok(login(users[role]).get(reverse("core:home")))
        assert reverse("reporting:index") in links(home), role


def test_anonymous_users_are_sent_to_the_login_page(world, client):
    response = client.get(url(Scope.gestionnaire(world["cedres"])))
    assert response.status_code == 302 and "/compte/connexion/" in response["Location"]


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        ("professional", "E1"),
        ("director", "E2"),
        ("director", "hetre"),
        ("gdirector", "E4"),
        ("gdirector", "hetre"),
        ("cd69", "E3"),
        ("cd69", "region 11"),
        ("ars", "department 75"),
    ],
)
def test_a_scope_the_user_may_not_see_is_not_found(world, users, login, role, scope):
    scopes = {
        "E1": Scope.establishment(world["E1"]),
        "E2": Scope.establishment(world["E2"]),
        "E3": Scope.establishment(world["E3"]),
        "E4": Scope.establishment(world["E4"]),
        "hetre": Scope.gestionnaire(world["hetre"]),
        "region 11": Scope.region("11"),
        "department 75": Scope.department("75"),
    }
    client = login(users[role])
    assert client.get(url(scopes[scope])).status_code == 404
    export = reverse("reporting:export_xlsx", kwargs={"scope": scopes[scope]}) + YEAR_QUERY
    assert client.get(export).status_code == 404


# ---------- Figures, one page of each kind ----------


def test_the_establishment_page_shows_its_figures_in_full_and_compares_them_with_the_department(
    world, users, login
):
    content = page_of(login(users["director"]), Scope.establishment(world["E1"]))
    assert "IME Les Tilleuls" in text(content, "contenu")
    persons = text(content, "chiffre-personnes-accompagnees")
    assert persons.startswith("12 Personnes accompagnées sur la période (personnes)")
    # Department 69: 36 persons in 3 establishments.
    assert "Département 69 : 12,0 en moyenne par établissement (36 pour 3 établissements)" in persons
    # 24 admissions in the department, 8 per establishment; E1 admitted nobody in 2025.
    admissions = text(content, "chiffre-admissions")
    assert admissions.startswith("0 Admissions sur la période")
    assert "Département 69 : 8,0 en moyenne par établissement (24 pour 3 établissements)" in admissions
    # 3 exits in the department: a small count, masked for the director of one establishment.
    assert "Département 69 : masqué (petit effectif)" in text(content, "chiffre-sorties")
    assert "Petits effectifs masqués dans les comparaisons" in text(content)
    # The prestations of E1, month by month: 3 in January, 12 in March.
    evolution = text(content, "tableau-evolution")
    assert "janvier 2025 12 3" in evolution
    assert "février 2025 12 0" in evolution
    assert "mars 2025 12 12" in evolution


def test_the_gestionnaire_page_averages_its_counts_over_its_establishments(world, users, login):
    content = page_of(login(users["gdirector"]), Scope.gestionnaire(world["cedres"]))
    persons = text(content, "chiffre-personnes-accompagnees")
    assert persons.startswith("31 Personnes accompagnées sur la période")
    assert "soit 10,3 par établissement (3 établissements)" in persons  # 31 ÷ 3
    # Its department is the one of most of its establishments: 69 (E1 and E2; E3 is in 01).
    assert "Département 69 : 12,0 en moyenne par établissement" in persons
    # The breakdown by mode: 12 in internat (E1), 19 in externat (E2 4 + E3 15); the department has
    # 12 and 24 (4 and 8 per establishment).
    modes = text(content, "tableau-personnes-accompagnees-par-mode")
    assert "Internat 12 4,0 4,0" in modes
    assert "Externat 19 6,3 8,0" in modes
    assert "Total 31 10,3 12,0" in modes


def test_the_department_page_is_masked_for_an_authority(world, users, login):
    content = page_of(login(users["cd69"]), Scope.department("69"))
    assert (
        "Les effectifs inférieurs à 10 sont masqués, ainsi que ceux qui permettraient de les retrouver"
        in text(content)
    )
    assert text(content, "chiffre-personnes-accompagnees").startswith("36 Personnes accompagnées")
    # Region 84: 51 persons in 4 establishments.
    assert "Région 84 : 12,8 en moyenne par établissement (51 pour 4 établissements)" in text(
        content, "chiffre-personnes-accompagnees"
    )
    assert text(content, "chiffre-sorties").startswith("masqué Sorties sur la période")
    # The mean length of the 3 supports ended in 2025 is masked with them: « masqué », not « < 10 »
    # (it is not a mean below 10 days).
    assert text(content, "chiffre-duree-moyenne-accompagnement").startswith("masqué Durée moyenne")
    assert "Région 84 : masqué (petit effectif)" in text(content, "chiffre-duree-moyenne-accompagnement")
    # In January, 3 prestations: masked; in March, 12: masked with them, or the year's 15 shown
    # below would give the 3 back.
    evolution = text(content, "tableau-evolution")
    assert "janvier 2025 12 masqué" in evolution
    assert "mars 2025 36 masqué" in evolution


def test_the_region_page_lists_its_departments(world, users, login):
    content = page_of(login(users["ars"]), Scope.region("84"))
    assert text(content, "chiffre-personnes-accompagnees").startswith("51 Personnes accompagnées")
    assert "Région 84" in text(content, "contenu")
    detail = text(content, "tableau-detail")
    # Department 01: E3 (15 persons, admitted in 2024); department 69: 36 persons, 24 admissions.
    assert "Département 01 Département 15 0" in detail
    assert "Département 69 Département 36 24" in detail


# ---------- Charts ----------


def test_every_breakdown_has_a_chart_and_its_table(world, users, login):
    content = page_of(login(users["director"]), Scope.establishment(world["E1"]))
    breakdowns = [
        indicator.code
        for indicator in registry.all()
        if ScopeKind.ESTABLISHMENT in indicator.scopes
        and isinstance(indicator.evaluate(Scope.establishment(world["E1"]), registry.Period.year(2025)), list)
    ]
    charts = svgs(content)
    ids = [ET.fromstring(svg).get("id") for svg in charts]  # noqa: S314 -- our own page
    for code in breakdowns:
        assert f"graphique-{code}" in ids
        assert f'id="tableau-{code}"' in content
    assert "evolution-personnes-accompagnees" in ids and "evolution-prestations-realisees-par-bloc" in ids


def test_masked_values_are_hatched_in_the_charts(world, users, login):
    content = page_of(login(users["cd69"]), Scope.department("69"))
    evolution = next(svg for svg in svgs(content) if 'id="evolution-prestations-realisees-par-bloc"' in svg)
    root = ET.fromstring(evolution)  # noqa: S314 -- our own page
    masked = root.findall(".//{http://www.w3.org/2000/svg}rect[@data-masked='true']")
    assert [box.find("{http://www.w3.org/2000/svg}title").text for box in masked] == [
        "janvier 2025 : valeur masquée",
        "mars 2025 : valeur masquée",
    ]


# ---------- Period ----------


def test_the_period_defaults_to_the_last_complete_year_and_can_be_changed(world, users, login):
    client = login(users["gdirector"])
    scope = Scope.gestionnaire(world["cedres"])
    content = page_of(client, scope, "")
    assert "Tableau de bord — organisme gestionnaire — année 2025" in text(content)
    # January 2025 only: E2 admitted nobody before March, so 12 (E1) + 15 (E3).
    content = page_of(client, scope, "?debut=2025-01-01&fin=2025-01-31")
    assert "du 1 janvier 2025 au 31 janvier 2025" in text(content)
    assert text(content, "chiffre-personnes-accompagnees").startswith("27 ")
    # The drill-down keeps the period.
    assert url(Scope.establishment(world["E1"]), "?debut=2025-01-01&fin=2025-01-31") in links(content)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (
            "?debut=2025-06-30&fin=2025-01-01",
            "La fin de la période doit être le même jour que son début ou après.",
        ),
        ("?debut=2019-01-01&fin=2025-01-01", "La période ne peut pas dépasser 5 ans."),
        ("?debut=2025-13-01&fin=2025-12-31", "Saisissez une date valide, par exemple 31/12/2025."),
        ("?debut=2025-01-01", "Indiquez le début et la fin de la période."),
    ],
)
def test_a_wrong_period_is_explained_and_shows_no_figure(world, users, login, query, message):
    client = login(users["gdirector"])
    content = page_of(client, Scope.gestionnaire(world["cedres"]), query)
    assert message in text(content)
    assert "Corrigez la période pour afficher les chiffres." in text(content)
    assert 'id="chiffre-personnes-accompagnees"' not in content
    export = reverse("reporting:export_xlsx", kwargs={"scope": Scope.gestionnaire(world["cedres"])}) + query
    response = client.get(export)
    assert response.status_code == 400 and message in response.content.decode()


# ---------- Drill-down ----------


def test_the_drill_down_links_only_to_scopes_the_user_may_open(world, users, login):
    client = login(users["gdirector"])
    content = page_of(client, Scope.department("69"))
    detail_links = drill_down_links(content)
    # Department 69 holds Les Cèdres' E1 and E2, and Hêtre's E4, which the director may not open.
    assert detail_links == [url(Scope.gestionnaire(world["cedres"]), "?annee=2025")]
    for link in detail_links:
        assert client.get(link).status_code == 200
    # An authority of the department opens Hêtre (all of it in 69), and the establishments of Les
    # Cèdres in 69, not Les Cèdres (E3 is in 01).
    content = page_of(login(users["cd69"]), Scope.department("69"))
    assert drill_down_links(content) == [
        url(Scope.gestionnaire(world["hetre"]), "?annee=2025"),
        url(Scope.establishment(world["E1"]), "?annee=2025"),
        url(Scope.establishment(world["E2"]), "?annee=2025"),
    ]
    detail = text(content, "tableau-detail")
    # The SESSAD's 4 persons and 4 admissions are masked; with the department's totals on the page
    # (36 persons, 24 admissions), a second count of each column is masked with them: the smallest
    # non-zero one (IME Les Tilleuls' 12 persons, Hêtre's 20 admissions).
    assert "Association Hêtre Organisme gestionnaire 20 masqué" in detail
    assert "IME Les Tilleuls Établissement ou service masqué 0" in detail
    assert "SESSAD Le Lien Établissement ou service masqué masqué" in detail


def test_the_gestionnaire_page_drills_down_to_its_establishments_in_full(world, users, login):
    content = page_of(login(users["gdirector"]), Scope.gestionnaire(world["cedres"]))
    detail = text(content, "tableau-detail")
    assert "Foyer Bêta Établissement ou service 15 0" in detail
    assert "IME Les Tilleuls Établissement ou service 12 0" in detail
    assert "SESSAD Le Lien Établissement ou service 4 4" in detail


# ---------- Definitions ----------


@pytest.mark.parametrize("role", ["director", "gdirector", "cd69", "ars"])
def test_every_figure_and_table_links_to_its_definition(world, users, login, role):
    scope = {
        "director": Scope.establishment(world["E1"]),
        "gdirector": Scope.gestionnaire(world["cedres"]),
        "cd69": Scope.department("69"),
        "ars": Scope.region("84"),
    }[role]
    content = page_of(login(users[role]), scope)
    page_links = links(content)
    for indicator in registry.all():
        if scope.kind in indicator.scopes:
            assert definition(indicator.code) in page_links, indicator.code
            anchor = (
                f"chiffre-{indicator.code}"
                if f'id="chiffre-{indicator.code}"' in content
                else f"tableau-{indicator.code}"
            )
            assert definition(indicator.code) in links(content, anchor), indicator.code


def test_the_definitions_are_open_to_any_signed_in_user(users, login):
    client = login(users["professional"])
    listing = assert_page_ok(client.get(reverse("reporting:indicators")))
    for indicator in registry.all():
        assert definition(indicator.code) in links(listing)
    assert "Personnes accompagnées" in text(listing) and "Ressources humaines" in text(listing)
    content = assert_page_ok(client.get(definition("taux-occupation-par-mode")))
    page = text(content)
    indicator = registry.get("taux-occupation-par-mode")
    assert indicator.formula in page and indicator.source in page
    assert "établissement ou service, organisme gestionnaire, département, région" in page
    assert "là où cette population (indicateur « personnes-accompagnees-par-mode ») est masquée" in page
    assert client.get(definition("indicateur-inconnu")).status_code == 404


def test_a_long_drill_down_is_paginated_and_its_export_follows_the_page(users, login):
    big = GestionnaireFactory(name="Association Grande")
    for number in range(27):
        EstablishmentFactory(gestionnaire=big, name=f"Service {number:02d}")
    client = login(make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=big).user)
    scope = Scope.gestionnaire(big)
    first = page_of(client, scope)
    assert len(drill_down_links(first)) == 25
    assert "Service 24" in text(first, "tableau-detail") and "Service 25" not in text(first, "tableau-detail")
    second = page_of(client, scope, YEAR_QUERY + "&page=2")
    assert "Service 25 " in text(second, "tableau-detail") and "Service 26 " in text(second, "tableau-detail")
    assert len(drill_down_links(second)) == 2
    export = reverse("reporting:export_xlsx", kwargs={"scope": scope}) + "?annee=2025&page=2"
    assert export in links(second)


def test_the_navigation_links_to_dashboards_and_finances_by_role(users, login):
    def navigation(user) -> list[str]:
        """The links of the home page: its only links to these sections are the navigation's."""
        return links(login(user).get(reverse("core:home")).content.decode())

    dashboards, finances = reverse("reporting:index"), reverse("finance:list")
    for role in ("director", "gdirector"):
        assert {dashboards, finances} <= set(navigation(users[role])), role
    # An authority's agent: dashboards, not the finance pages of the establishments' directions.
    assert dashboards in navigation(users["ars"]) and finances not in navigation(users["ars"])
    assert not {dashboards, finances} & set(navigation(users["professional"]))


def test_a_masked_page_takes_complete_years_only(world, users, login):
    """Overlapping periods would give masked counts back by difference (2025, and 2025 but its last
    day; the year so far, today and yesterday): a masked page offers complete calendar years only."""
    client = login(users["cd69"])
    scope = Scope.department("69")
    content = assert_page_ok(client.get(url(scope, "?debut=2025-01-01&fin=2025-12-30")))
    assert "choisissez une année civile complète" in text(content)
    assert 'id="chiffre-personnes-accompagnees"' not in content
    assert 'name="debut"' not in content
    this_year = timezone.localdate().year
    assert f'<option value="{this_year}"' not in content
    content = assert_page_ok(client.get(url(scope, f"?annee={this_year}")))
    assert 'id="chiffre-personnes-accompagnees"' not in content
    # The same export refused the same way; a director sees their own establishment over any dates.
    response = client.get(
        reverse("reporting:export_xlsx", kwargs={"scope": scope}) + "?debut=2025-01-01&fin=2025-12-30"
    )
    assert response.status_code == 400
    content = assert_page_ok(
        login(users["director"]).get(
            url(Scope.establishment(world["E1"]), "?debut=2025-01-01&fin=2025-12-30")
        )
    )
    assert 'id="chiffre-personnes-accompagnees"' in content


def test_the_masked_comparison_is_for_complete_years_only(world, users, login):
    """A director picks any dates on their own page; the department beside it is masked, so it is
    shown for complete calendar years only (two overlapping periods would give its small counts)."""
    client = login(users["director"])
    scope = Scope.establishment(world["E1"])
    content = assert_page_ok(client.get(url(scope, "?annee=2025")))
    assert "Département 69" in text(content, "chiffre-personnes-accompagnees")
    content = assert_page_ok(client.get(url(scope, "?debut=2025-01-01&fin=2025-12-30")))
    assert text(content, "chiffre-personnes-accompagnees").startswith("12 ")
    assert "Département 69" not in text(content, "chiffre-personnes-accompagnees")
