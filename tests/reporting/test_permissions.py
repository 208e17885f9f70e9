"""Who sees which dashboard, masked or in full (parcours.reporting.permissions).

Establishments:
    A1, A2  gestionnaire G, department 69, region 84
    B       gestionnaire G, department 01, region 84
    C       gestionnaire H, department 69, region 84
    D       gestionnaire H, department 75, region 11
"""

import datetime

import pytest

from parcours.organisations.models import Authority, AuthorityAgent, AuthorityKind
from parcours.reporting import permissions
from parcours.reporting.permissions import access_to, children, dashboard_scopes, parent, scope_label
from parcours.reporting.registry import Scope
from parcours.staff.enums import Role
from tests.factories import EstablishmentFactory, GestionnaireFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    g = GestionnaireFactory(name="Association Gamma")
    h = GestionnaireFactory(name="Association Hêtre")
    a1 = EstablishmentFactory(gestionnaire=g, name="IME Alpha", department_code="69", region_code="84")
    a2 = EstablishmentFactory(gestionnaire=g, name="ESAT Alpha", department_code="69", region_code="84")
    b = EstablishmentFactory(gestionnaire=g, name="Foyer Bêta", department_code="01", region_code="84")
    c = EstablishmentFactory(gestionnaire=h, name="MAS Gamma", department_code="69", region_code="84")
    d = EstablishmentFactory(gestionnaire=h, name="SAVS Delta", department_code="75", region_code="11")
    return {"G": g, "H": h, "A1": a1, "A2": a2, "B": b, "C": c, "D": d}


def authority_agent(kind, *, region="", department="", end=None):
    authority = Authority.objects.create(
        kind=kind, name=f"Autorité {kind}", region_code=region, department_code=department
    )
    user = UserFactory()
    AuthorityAgent.objects.create(
        user=user, authority=authority, start_date=datetime.date(2020, 1, 1), end_date=end
    )
    return user


def fresh(user):
    """The same user, without the viewer cached for the request."""
    user.__dict__.pop(permissions._CACHE_ATTRIBUTE, None)
    return user


def masked(user, scope):
    access = access_to(fresh(user), scope)
    return None if access is None else access.masked


def test_establishment_director_sees_own_establishment_in_full_and_the_rest_masked_or_not_at_all(world):
    director = make_professional(world["A1"], role=Role.ESTABLISHMENT_DIRECTOR).user
    assert masked(director, Scope.establishment(world["A1"])) is False
    # Their own gestionnaire, department and region: to compare themselves, masked.
    assert masked(director, Scope.gestionnaire(world["G"])) is True
    assert masked(director, Scope.department("69")) is True
    assert masked(director, Scope.region("84")) is True
    # A sister establishment, another gestionnaire, another department or region: nothing.
    assert masked(director, Scope.establishment(world["A2"])) is None
    assert masked(director, Scope.establishment(world["C"])) is None
    assert masked(director, Scope.gestionnaire(world["H"])) is None
    assert masked(director, Scope.department("01")) is None
    assert masked(director, Scope.region("11")) is None


def test_gestionnaire_director_sees_the_gestionnaire_and_its_establishments_in_full(world):
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=world["G"]).user
    for key in ("A1", "A2", "B"):
        assert masked(director, Scope.establishment(world[key])) is False
    assert masked(director, Scope.gestionnaire(world["G"])) is False
    # Department 69 also holds C, of another gestionnaire: masked.
    assert masked(director, Scope.department("69")) is True
    assert masked(director, Scope.department("01")) is False  # B is all of department 01
    assert masked(director, Scope.establishment(world["C"])) is None
    assert masked(director, Scope.region("11")) is None


def test_a_professional_without_direction_role_has_no_dashboard(world):
    professional = make_professional(world["A1"]).user
    assert dashboard_scopes(professional) == []
    assert masked(professional, Scope.establishment(world["A1"])) is None
    assert not permissions.is_reporting_user(fresh(professional))


def test_ars_sees_its_region_masked_and_nothing_outside(world):
    ars = authority_agent(AuthorityKind.ARS, region="84")
    assert masked(ars, Scope.region("84")) is True
    assert masked(ars, Scope.department("69")) is True
    assert masked(ars, Scope.establishment(world["C"])) is True
    assert masked(ars, Scope.gestionnaire(world["G"])) is True  # all of G lies in region 84
    # H has D in region 11: its figures would reach beyond the territory.
    assert masked(ars, Scope.gestionnaire(world["H"])) is None
    assert masked(ars, Scope.establishment(world["D"])) is None
    assert masked(ars, Scope.region("11")) is None
    assert masked(ars, Scope.department("75")) is None


def test_departmental_authority_sees_its_department_and_compares_with_its_region(world):
    cd = authority_agent(AuthorityKind.DEPARTEMENT, department="69")
    assert masked(cd, Scope.department("69")) is True
    assert masked(cd, Scope.region("84")) is True
    assert masked(cd, Scope.establishment(world["A1"])) is True
    assert masked(cd, Scope.department("01")) is None
    assert masked(cd, Scope.establishment(world["B"])) is None
    assert masked(cd, Scope.gestionnaire(world["G"])) is None  # B lies outside department 69


def test_an_ended_mandate_opens_nothing(world):
    mdph = authority_agent(AuthorityKind.MDPH, department="69", end=datetime.date(2021, 12, 31))
    assert masked(mdph, Scope.department("69")) is None
    assert dashboard_scopes(fresh(mdph)) == []


def test_dashboard_scopes_lists_establishments_then_gestionnaires_then_territories(world):
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=world["G"]).user
    assert dashboard_scopes(director) == [
        Scope.establishment(world["A2"]),  # by name: ESAT Alpha, Foyer Bêta, IME Alpha
        Scope.establishment(world["B"]),
        Scope.establishment(world["A1"]),
        Scope.gestionnaire(world["G"]),
        Scope.department("01"),
        Scope.department("69"),
        Scope.region("84"),
    ]
    ars = authority_agent(AuthorityKind.ARS, region="84")
    assert dashboard_scopes(ars) == [Scope.department("01"), Scope.department("69"), Scope.region("84")]


def test_drill_down_goes_only_where_the_user_may_go(world):
    ars = authority_agent(AuthorityKind.ARS, region="84")
    assert children(ars, Scope.region("84")) == [Scope.department("01"), Scope.department("69")]
    # In 69: G (all in region 84) as a whole; H reaches region 11, so its establishment C directly.
    assert children(ars, Scope.department("69")) == [
        Scope.gestionnaire(world["G"]),
        Scope.establishment(world["C"]),
    ]
    assert children(ars, Scope.gestionnaire(world["G"])) == [
        Scope.establishment(world["A2"]),
        Scope.establishment(world["B"]),
        Scope.establishment(world["A1"]),
    ]
    director = make_professional(world["A1"], role=Role.ESTABLISHMENT_DIRECTOR).user
    assert children(director, Scope.gestionnaire(world["G"])) == [Scope.establishment(world["A1"])]
    assert children(director, Scope.establishment(world["A1"])) == []


def test_children_of_a_department_read_a_bounded_number_of_queries(world, django_assert_max_num_queries):
    ars = authority_agent(AuthorityKind.ARS, region="84")
    for _ in range(5):
        EstablishmentFactory(gestionnaire=GestionnaireFactory(), department_code="69", region_code="84")
    permissions.viewer_of(ars)
    with django_assert_max_num_queries(4):
        assert len(children(ars, Scope.department("69"))) == 7


def test_parent_and_labels(world):
    assert parent(Scope.establishment(world["B"])) == Scope.department("01")
    assert parent(Scope.gestionnaire(world["G"])) == Scope.department("69")  # two in 69, one in 01
    assert parent(Scope.department("75")) == Scope.region("11")
    assert parent(Scope.region("84")) is None
    assert scope_label(Scope.establishment(world["C"])) == "MAS Gamma"
    assert scope_label(Scope.gestionnaire(world["H"])) == "Association Hêtre"
    assert scope_label(Scope.department("69")) == "Département 69"
    assert scope_label(Scope.region("84")) == "Région 84"


def test_an_authority_must_match_its_kind_to_its_territory():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        Authority(kind=AuthorityKind.ARS, name="ARS", department_code="69").full_clean()
    with pytest.raises(ValidationError):
        Authority(kind=AuthorityKind.MDPH, name="MDPH", region_code="84").full_clean()
    Authority(kind=AuthorityKind.MDPH, name="MDPH du Rhône", department_code="69").full_clean()
