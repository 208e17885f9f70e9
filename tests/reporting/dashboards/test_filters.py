"""The FINESS category filter of the dashboards of several establishments (conftest's world, with
E1 an IME (183), E2 a SESSAD (182), E3 and E4 ESAT (246, the factory's category)).

Les Cèdres filtered on IME: E1 only, 12 persons; department 69 filtered on IME: E1 only, 12 persons in
1 establishment. Department 69 filtered on SESSAD: E2 only, 4 persons (masked for an authority).
"""

import csv
import io

import pytest
from django.urls import reverse

from parcours.reporting import permissions
from parcours.reporting.registry import Scope, ScopeKind
from tests.conftest import assert_page_ok
from tests.factories import concept
from tests.reporting.dashboards.conftest import YEAR_QUERY
from tests.reporting.dashboards.html import links, text

pytestmark = pytest.mark.django_db

IME = "183"
SESSAD = "182"
ESAT = "246"
IME_LABEL = "Institut Médico-Educatif (I.M.E.)"
SESSAD_LABEL = "Service d'Éducation Spéciale et de Soins à Domicile"
ESAT_LABEL = "Etablissement et Service d'Aide par le Travail (E.S.A.T.)"


@pytest.fixture
def categorised(world):
    for key, code in (("E1", IME), ("E2", SESSAD)):
        world[key].category = concept("finess-categories", code)
        world[key].save(update_fields=["category"])
    return world


def url(scope: Scope, query: str) -> str:
    return reverse("reporting:dashboard", kwargs={"scope": scope}) + query


def test_the_scope_keeps_its_category_apart():
    assert Scope.gestionnaire(3) != Scope(ScopeKind.GESTIONNAIRE, 3, IME)
    assert hash(Scope(ScopeKind.GESTIONNAIRE, 3, IME)) == hash(Scope(ScopeKind.GESTIONNAIRE, "3", IME))
    assert Scope(ScopeKind.ESTABLISHMENT, 3, IME) == Scope.establishment(3)  # ignored for one establishment
    assert Scope(ScopeKind.REGION, "84", IME).unfiltered == Scope.region("84")


def test_the_filtered_gestionnaire_page_shows_the_category_only(categorised, users, login):
    scope = Scope.gestionnaire(categorised["cedres"])
    content = assert_page_ok(login(users["gdirector"]).get(url(scope, f"{YEAR_QUERY}&categorie={IME}")))
    persons = text(content, "chiffre-personnes-accompagnees")
    assert persons.startswith("12 Personnes accompagnées sur la période (personnes)")
    assert "soit 12,0 par établissement (1 établissement)" in persons
    # Compared with department 69 narrowed to the same category: E1 alone.
    assert f"Département 69 (catégorie : {IME_LABEL}) : 12,0 en moyenne par établissement" in persons
    assert f"catégorie d'établissement : {IME_LABEL}" in text(content, "contenu")
    # Unfiltered: 31 persons.
    content = assert_page_ok(login(users["gdirector"]).get(url(scope, YEAR_QUERY)))
    assert text(content, "chiffre-personnes-accompagnees").startswith("31 Personnes accompagnées")


def test_the_picker_lists_the_categories_present_in_the_scope(categorised, users, login):
    client = login(users["gdirector"])
    content = assert_page_ok(client.get(url(Scope.gestionnaire(categorised["cedres"]), YEAR_QUERY)))
    picker = text(content, "filtre-categorie")
    assert picker.startswith("Catégorie d'établissement Toutes")
    for label in (IME_LABEL, SESSAD_LABEL, ESAT_LABEL):
        assert label in picker
    assert "Maison d'Accueil Spécialisée" not in picker  # in the nomenclature, not in the scope
    assert 'name="annee" value="2025"' in content  # the period is kept
    # An establishment has no picker.
    content = assert_page_ok(client.get(url(Scope.establishment(categorised["E1"]), YEAR_QUERY)))
    assert 'id="filtre-categorie"' not in content


def test_a_category_absent_from_the_scope_gives_an_error_and_no_figures(categorised, users, login):
    client = login(users["gdirector"])
    scope = Scope.gestionnaire(categorised["cedres"])
    content = assert_page_ok(client.get(url(scope, f"{YEAR_QUERY}&categorie=255")))
    assert "Choisissez une catégorie d'établissement de la liste." in text(content, "contenu")
    assert "La période demandée n'est pas valide" not in content
    assert 'id="chiffre-personnes-accompagnees"' not in content
    assert "Aucun chiffre à afficher" in content
    export = client.get(
        reverse("reporting:export_xlsx", kwargs={"scope": scope}) + YEAR_QUERY + "&categorie=x"
    )
    assert export.status_code == 400
    assert export.content.decode().startswith("Catégorie incorrecte : Choisissez une catégorie")


def test_the_access_rules_apply_to_the_filtered_establishments(categorised, users):
    cedres = Scope.gestionnaire(categorised["cedres"])
    assert permissions.access_to(users["gdirector"], cedres.with_category(IME)) == permissions.FULL
    assert permissions.access_to(users["gdirector"], cedres.with_category("")) == permissions.FULL
    # A category with no establishment in the scope: never in full, no crash.
    assert permissions.access_to(users["gdirector"], cedres.with_category("999")) != permissions.FULL
    assert permissions.access_to(users["cd69"], Scope.department("69").with_category(IME)).masked
    assert permissions.access_to(users["professional"], cedres.with_category(IME)) is None


def test_the_drill_down_keeps_the_category_and_leaves_out_empty_children(categorised, users, login):
    client = login(users["gdirector"])
    scope = Scope.gestionnaire(categorised["cedres"])
    content = assert_page_ok(client.get(url(scope, f"{YEAR_QUERY}&categorie={IME}")))
    children = [link for link in links(content, "tableau-detail") if "/indicateurs/" not in link]
    # Only E1 is an IME: E2 (SESSAD) and E3 (ESAT) are left out.
    assert children == [url(Scope.establishment(categorised["E1"]), f"?annee=2025&categorie={IME}")]
    assert text(content, "chiffre-personnes-accompagnees").startswith("12 Personnes accompagnées")


def test_the_exports_carry_the_category(categorised, users, login):
    client = login(users["gdirector"])
    scope = Scope.gestionnaire(categorised["cedres"])
    content = assert_page_ok(client.get(url(scope, f"{YEAR_QUERY}&categorie={IME}")))
    exports = [link for link in links(content) if "/export." in link]
    assert exports and all(f"categorie={IME}" in link for link in exports)
    response = client.get(
        reverse("reporting:export_csv", kwargs={"scope": scope})
        + f"{YEAR_QUERY}&categorie={IME}&indicateur=personnes-accompagnees"
    )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert ["Périmètre", f"Association Les Cèdres (catégorie : {IME_LABEL})"] in rows
    row = next(row for row in rows if row and row[0] == "Personnes accompagnées sur la période")
    assert row[1] == "12"


def test_a_masked_page_offers_no_filter_and_ignores_one(categorised, users, login):
    """Department 69 holds 36 persons: 12 in the IME, 4 in the SESSAD, 20 in the ESAT. Filtered pages
    would show 36, 12 and 20, and 36 − 12 − 20 gives the SESSAD's 4 back: no filter when masked."""
    client = login(users["cd69"])
    content = assert_page_ok(client.get(url(Scope.department("69"), f"?annee=2025&categorie={IME}")))
    assert "filtre-categorie" not in content
    assert text(content, "chiffre-personnes-accompagnees").startswith("36 Personnes accompagnées")
