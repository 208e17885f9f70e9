"""A small world for the dashboard pages, with figures worked out by hand.

Year 2025. Establishments (gestionnaire, department, region, authorised places):
    E1  IME Les Tilleuls   Les Cèdres  69  84   20 internat
    E2  SESSAD Le Lien     Les Cèdres  69  84   30 externat
    E3  Foyer Bêta         Les Cèdres  01  84   30 externat
    E4  MAS Gamma          Hêtre       69  84   30 externat

Persons supported in 2025 (one admission each, still open on 31/12/2025):
    E1  12 persons, internat, admitted 01/09/2024
    E2   4 persons, externat, admitted 01/03/2025     (4 admissions in 2025)
    E3  15 persons, externat, admitted 01/09/2024
    E4  20 persons, externat, admitted 01/02/2025     (20 admissions in 2025; 3 of them left on
        30/06/2025)

    → Les Cèdres 31 persons (3 establishments: 10,3 each); department 69: 12 + 4 + 20 = 36 persons
      (3 establishments: 12,0 each); admissions in department 69: 24 (8,0 each); exits in department
      69: 3 (masked for whoever sees the department masked); region 84: 51 persons, 4 establishments.

Prestations delivered in E1: 3 in January 2025, 12 in March 2025, none in the other months.
"""

import datetime

import pytest
from django.core.cache import cache

from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Authority, AuthorityAgent, AuthorityKind
from parcours.reporting import rollups
from parcours.staff.enums import Role
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    PersonFactory,
    ServiceDeliveryFactory,
    UserFactory,
    make_professional,
    with_luhn_key,
)

D = datetime.date
YEAR_QUERY = "?annee=2025"


@pytest.fixture(autouse=True)
def empty_cache():
    """Dashboards cache their figures: each test starts with none (primary keys are reused)."""
    cache.clear()
    yield
    cache.clear()


def admit(establishment, count, *, mode, start):
    for _ in range(count):
        AdmissionFactory(person=PersonFactory(), establishment=establishment, mode=mode, start_date=start)


@pytest.fixture
def world(db):
    cedres = GestionnaireFactory(name="Association Les Cèdres")
    hetre = GestionnaireFactory(name="Association Hêtre")
    e1 = EstablishmentFactory(
        gestionnaire=cedres, name="IME Les Tilleuls", capacities={SupportMode.INTERNAT: 20}
    )
    e2 = EstablishmentFactory(gestionnaire=cedres, name="SESSAD Le Lien")
    e3 = EstablishmentFactory(
        gestionnaire=cedres,
        name="Foyer Bêta",
        department_code="01",
        finess=with_luhn_key("01000123"),
        region_code="84",
    )
    e4 = EstablishmentFactory(gestionnaire=hetre, name="MAS Gamma")
    admit(e1, 12, mode=SupportMode.INTERNAT, start=D(2024, 9, 1))
    admit(e2, 4, mode=SupportMode.EXTERNAT, start=D(2025, 3, 1))
    admit(e3, 15, mode=SupportMode.EXTERNAT, start=D(2024, 9, 1))
    admit(e4, 20, mode=SupportMode.EXTERNAT, start=D(2025, 2, 1))
    for admission in e4.admissions.order_by("pk")[:3]:
        admission.end_date, admission.exit_reason = D(2025, 6, 30), "89"
        admission.save(update_fields=["end_date", "exit_reason"])
    person = e1.admissions.first().person
    for day, count in ((D(2025, 1, 15), 3), (D(2025, 3, 10), 12)):
        for _ in range(count):
            ServiceDeliveryFactory(person=person, establishment=e1, date=day)
    rollups.refresh_all()
    return {"cedres": cedres, "hetre": hetre, "E1": e1, "E2": e2, "E3": e3, "E4": e4}


def authority_user(kind, *, region="", department=""):
    authority = Authority.objects.create(
        kind=kind, name=f"Autorité {kind}", region_code=region, department_code=department
    )
    user = UserFactory()
    AuthorityAgent.objects.create(user=user, authority=authority, start_date=D(2020, 1, 1))
    return user


@pytest.fixture
def users(world):
    return {
        "professional": make_professional(world["E1"]).user,
        "director": make_professional(world["E1"], role=Role.ESTABLISHMENT_DIRECTOR).user,
        "gdirector": make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=world["cedres"]).user,
        "ars": authority_user(AuthorityKind.ARS, region="84"),
        "cd69": authority_user(AuthorityKind.DEPARTEMENT, department="69"),
    }
