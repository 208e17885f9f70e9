"""The admin serves reference data to superusers; person data never appears there."""

import pytest
from django.contrib import admin
from django.urls import reverse

from parcours.accounts.models import User
from parcours.nomenclature.models import CodeSystem, Concept
from parcours.organisations.models import Establishment, Gestionnaire
from parcours.staff.models import Professional
from tests.factories import EstablishmentFactory, ProfessionalFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser():
    return User.objects.create_superuser("admin", "admin@example.org", "Mot-de-passe-de-test-2026")


def test_reference_models_are_registered():
    registered = set(admin.site._registry)
    assert {CodeSystem, Concept, Gestionnaire, Establishment, Professional, User} <= registered


@pytest.mark.parametrize("user_kind", ["staff", "professional"])
def test_only_superusers_enter_the_admin(login, user_kind):
    user = (
        UserFactory(is_staff=True) if user_kind == "staff" else make_professional(EstablishmentFactory()).user
    )
    response = login(user).get(reverse("admin:index"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_superuser_sees_reference_pages(login, superuser):
    client = login(superuser)
    establishment = EstablishmentFactory()
    professional = ProfessionalFactory()
    for url in [
        reverse("admin:index"),
        reverse("admin:organisations_establishment_change", args=[establishment.pk]),
        reverse("admin:organisations_gestionnaire_change", args=[establishment.gestionnaire.pk]),
        reverse("admin:staff_professional_change", args=[professional.pk]),
        reverse("admin:nomenclature_concept_changelist") + "?system__id__exact=1",
        reverse("admin:accounts_user_changelist"),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url


def test_concepts_are_read_only(login, superuser):
    client = login(superuser)
    concept = Concept.objects.first()
    assert client.get(reverse("admin:nomenclature_concept_add")).status_code == 403
    response = client.post(
        reverse("admin:nomenclature_concept_change", args=[concept.pk]), {"label": "Modifié"}
    )
    assert response.status_code == 403
    concept.refresh_from_db()
    assert concept.label != "Modifié"


def test_establishment_admin_has_capacity_and_unit_inlines():
    inlines = {inline.model.__name__ for inline in admin.site._registry[Establishment].inlines}
    assert inlines == {"Capacity", "Unit"}
    inlines = {inline.model.__name__ for inline in admin.site._registry[Professional].inlines}
    assert inlines == {"Contract", "Membership"}
