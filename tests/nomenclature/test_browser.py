import pytest
from django.urls import reverse
from django.utils.html import escape

from parcours.nomenclature.models import CodeSystem, Concept
from parcours.nomenclature.views import build_tree
from tests.core.pages import page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def detail_url(slug: str) -> str:
    return reverse("nomenclature:detail", kwargs={"slug": slug})


def test_anonymous_is_sent_to_login(client):
    assert client.get(reverse("nomenclature:list")).status_code == 302
    assert client.get(detail_url("serafin-ph-besoins")).status_code == 302


def test_every_logged_in_user_sees_the_code_systems_and_their_source(login):
    content = page(login(UserFactory()).get(reverse("nomenclature:list")))
    for system in CodeSystem.objects.all():
        assert escape(system.name) in content
        assert detail_url(system.slug) in content
    assert "smt.esante.gouv.fr" in content
    assert "36 codes" in content  # SERAFIN-PH besoins


def test_concepts_form_an_indented_tree(login):
    content = page(login(UserFactory()).get(detail_url("serafin-ph-besoins")))
    assert '<ul class="tree">' in content
    root = content.index('<span class="tree__code">1</span>')
    child = content.index('<span class="tree__code">1.1</span>')
    assert root < child
    # The child sits in a nested list under its parent.
    assert "<ul>" in content[root:child]
    assert "Besoins en matière de santé somatique ou psychique" in content
    assert "Non vérifié dans la source" in content


def test_search_ignores_accents_and_case_and_keeps_ancestors(login):
    client = login(UserFactory())
    content = page(client.get(detail_url("serafin-ph-besoins"), {"q": "SANTE SOMATIQUE"}))
    assert "Besoins en matière de santé somatique ou psychique" in content
    assert '<span class="tree__code">1</span>' in content  # ancestor kept for context
    assert "« SANTE SOMATIQUE »" in content
    assert "Besoins pour entretenir et prendre soin de sa santé" not in content


def test_search_by_code(login):
    content = page(login(UserFactory()).get(detail_url("finess-categories"), {"q": "166"}))
    assert "Centre Parents-Enfants de moins de 3 ans" in content
    assert "1 code sur 108 correspond" in content


def test_search_without_result_says_so(login):
    content = page(login(UserFactory()).get(detail_url("finess-categories"), {"q": "zzzz"}))
    assert "Aucun code ne correspond" in content


def test_inactive_concepts_are_marked(login):
    content = page(login(UserFactory()).get(detail_url("finess-categories"), {"q": "Centre parental"}))
    assert "Inactif depuis le 05/05/2016" in content


def test_unknown_system_is_404(login):
    assert login(UserFactory()).get(detail_url("inconnue")).status_code == 404


def test_build_tree_attaches_orphans_at_the_root_and_counts_matches():
    system = CodeSystem(slug="essai", name="Essai", source="test")
    concepts = [
        Concept(system=system, code="1", label="Élan"),
        Concept(system=system, code="1.1", parent_code="1", label="Émotion"),
        Concept(system=system, code="1.2", parent_code="1", label="Autre"),
        Concept(system=system, code="9.1", parent_code="9", label="Orphelin"),
    ]
    roots, count = build_tree(concepts)
    assert [node.concept.code for node in roots] == ["1", "9.1"]
    assert [node.concept.code for node in roots[0].children] == ["1.1", "1.2"]
    assert count == 4

    roots, count = build_tree(concepts, "emotion")
    assert count == 1
    assert [node.concept.code for node in roots] == ["1"] and not roots[0].matches
    assert [(node.concept.code, node.matches) for node in roots[0].children] == [("1.1", True)]


def test_page_query_count_is_small(login, django_assert_max_num_queries):
    client = login(UserFactory())
    # 6: the page's own queries, and one for the navigation's links that depend on the user's roles
    # (dashboards, finances).
    with django_assert_max_num_queries(6):
        page(client.get(detail_url("serafin-ph-prestations")))
    with django_assert_max_num_queries(6):
        page(client.get(reverse("nomenclature:list")))
