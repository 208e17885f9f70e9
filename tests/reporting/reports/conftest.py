"""A small establishment whose yearly figures are worked out by hand (2025, a complete past year).

Establishment E "IME Les Érables" (gestionnaire "Association Les Chemins"): internat 4, externat 6.
Establishment F, another gestionnaire: its data never counts for E.

Admissions in E (days, modes):
    P1  internat  01/09/2024 -> ongoing                  supported in 2024 and 2025
    P2  externat  01/03/2025 -> 30/06/2025 (motif 89)    121 days
    P3  externat  01/10/2025 -> ongoing
    P4  internat  01/01/2023 -> 31/12/2024 (motif 87)    730 days; supported in 2024 only
    P5  in F, 2025
    2025: 3 persons supported, 2 admissions, 1 exit (mean length 121 days)
    2024: 2 persons supported, 1 admission, 1 exit (mean length 730 days)

Prestations delivered in E in 2025 (code, block, minutes):
    P1  2.1.1.1 (2.1) 45 on 10/02, 45 on 05/05    2.2.1.1 (2.2) 60 on 03/03
    P2  2.3.1.1 (2.3) 90 on 01/04, 60 on 08/04 (collective)
    P3  2.1.1.3 (2.1) 50 on 15/10                3.1.1.1 (3.1) 30 on 16/10
    by code: 2.1.1.1 2 / 90 min (1,5 h), 2.1.1.3 1 / 50 (0,8 h), 2.2.1.1 1 / 60 (1,0 h),
             2.3.1.1 2 / 150 (2,5 h), 3.1.1.1 1 / 30 (0,5 h)
    blocks:  2.1 3 / 140 (2,3 h), 2.2 1 / 60 (1,0 h), 2.3 2 / 150 (2,5 h), 3.1 1 / 30 (0,5 h)
    total    7 / 380 min (6,3 h)
    Outside: P1 2.1.1.1 30 min on 31/12/2024 (the year before: 1 prestation), P1 today (the current
    year's only one),
    P5 in F on 10/03/2025.

Needs assessments in E (the latest on or before 31/12/2025 counts):
    P1  15/01/2025 1.1.1.1, 1.2.1.1;  01/06/2025 1.2.1.1, 1.2.1.3, 1.3.1.1 (latest)
    P2  05/03/2025 1.2.1.1
    P4  01/06/2024 1.1.1.1 (not supported in 2025)
    2025: 2 persons assessed; 1.2.1.1 2, 1.2.1.3 1, 1.3.1.1 1; blocks 1.1 0, 1.2 3, 1.3 1; total 4

Users: the director of E, the director of its gestionnaire, a professional of E's team, the
director of F, an agent of the ARS of E's region (masked figures).

Staff of E: one educator, CDI from 01/01/2024 at 1.00 FTE; one nurse, CDD 01/07/2025 -> 31/12/2025
at 0.50 FTE.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.utils import timezone

from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Authority, AuthorityAgent, AuthorityKind
from parcours.people.enums import Sex
from parcours.reporting import rollups
from parcours.staff.enums import ContractType, Profession, Role
from parcours.staff.models import Contract
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    NeedsAssessmentFactory,
    PersonFactory,
    ProfessionalFactory,
    ServiceDeliveryFactory,
    UserFactory,
    concept,
    make_professional,
)

D = datetime.date


def authority_agent():
    """A user of the ARS of region 84, where E is."""
    ars = Authority.objects.create(kind=AuthorityKind.ARS, name="ARS Auvergne-Rhône-Alpes", region_code="84")
    user = UserFactory()
    AuthorityAgent.objects.create(user=user, authority=ars, start_date=D(2020, 1, 1))
    return user


@dataclass
class World:
    establishment: object
    other: object
    persons: list
    director: object
    gestionnaire_director: object
    professional: object
    other_director: object
    authority: object
    staff: list


@pytest.fixture
def world(db):
    gestionnaire = GestionnaireFactory(name="Association Les Chemins")
    e = EstablishmentFactory(
        name="IME Les Érables",
        gestionnaire=gestionnaire,
        street="12 rue des Lilas",
        capacities={SupportMode.INTERNAT: 4, SupportMode.EXTERNAT: 6},
    )
    f = EstablishmentFactory(name="Foyer Lointain")
    p1 = PersonFactory(
        birth_name="Boulard",
        first_names="Zéphirine",
        birth_date=D(1990, 5, 17),
        sex=Sex.FEMALE,
        qualified=True,
    )
    p2 = PersonFactory(
        birth_name="Quercia", first_names="Anatole", birth_date=D(2010, 2, 3), sex=Sex.MALE, qualified=True
    )
    p3 = PersonFactory(
        birth_name="Vignal",
        first_names="Hortense",
        birth_date=D(1985, 11, 30),
        sex=Sex.FEMALE,
        qualified=True,
    )
    p4 = PersonFactory(
        birth_name="Tournier", first_names="Barnabé", birth_date=D(2000, 7, 7), sex=Sex.MALE, qualified=True
    )
    p5 = PersonFactory(birth_name="Oudinot", first_names="Octave", birth_date=D(1970, 8, 19), qualified=True)

    AdmissionFactory(person=p1, establishment=e, mode=SupportMode.INTERNAT, start_date=D(2024, 9, 1))
    AdmissionFactory(
        person=p2,
        establishment=e,
        mode=SupportMode.EXTERNAT,
        start_date=D(2025, 3, 1),
        end_date=D(2025, 6, 30),
        exit_reason="89",
    )
    AdmissionFactory(person=p3, establishment=e, mode=SupportMode.EXTERNAT, start_date=D(2025, 10, 1))
    AdmissionFactory(
        person=p4,
        establishment=e,
        mode=SupportMode.INTERNAT,
        start_date=D(2023, 1, 1),
        end_date=D(2024, 12, 31),
        exit_reason="87",
    )
    AdmissionFactory(person=p5, establishment=f, mode=SupportMode.EXTERNAT, start_date=D(2025, 1, 1))

    def deliver(person, code, day, minutes, where=e, **kwargs):
        ServiceDeliveryFactory(
            person=person,
            establishment=where,
            concept=concept("serafin-ph-prestations", code),
            date=day,
            duration_minutes=minutes,
            **kwargs,
        )

    deliver(p1, "2.1.1.1", D(2025, 2, 10), 45)
    deliver(p1, "2.1.1.1", D(2025, 5, 5), 45)
    deliver(p1, "2.2.1.1", D(2025, 3, 3), 60)
    deliver(p2, "2.3.1.1", D(2025, 4, 1), 90)
    deliver(p2, "2.3.1.1", D(2025, 4, 8), 60, is_group=True)
    deliver(p3, "2.1.1.3", D(2025, 10, 15), 50)
    deliver(p3, "3.1.1.1", D(2025, 10, 16), 30)
    deliver(p1, "2.1.1.1", D(2024, 12, 31), 30)
    deliver(p1, "2.1.1.1", timezone.localdate(), 30)
    deliver(p5, "2.1.1.1", D(2025, 3, 10), 120, where=f)
    # The prestations are counted from the rollups of the service log, rebuilt as the nightly job does.
    rollups.refresh_all()

    director = make_professional(
        e, role=Role.ESTABLISHMENT_DIRECTOR, last_name="Valdeyron", first_name="Irène"
    )
    for person, day, needs in (
        (p1, D(2025, 1, 15), ["1.1.1.1", "1.2.1.1"]),
        (p1, D(2025, 6, 1), ["1.2.1.1", "1.2.1.3", "1.3.1.1"]),
        (p2, D(2025, 3, 5), ["1.2.1.1"]),
        (p4, D(2024, 6, 1), ["1.1.1.1"]),
    ):
        NeedsAssessmentFactory(person=person, establishment=e, date=day, assessed_by=director, needs=needs)

    educator = ProfessionalFactory(
        user=None, last_name="Ferrand", first_name="Gaspard", profession=Profession.EDUCATEUR_SPECIALISE
    )
    nurse = ProfessionalFactory(
        user=None, last_name="Mistral", first_name="Léonie", profession=Profession.INFIRMIER
    )
    Contract.objects.create(
        professional=educator,
        employer=e,
        contract_type=ContractType.CDI,
        start_date=D(2024, 1, 1),
        fte=Decimal("1.00"),
    )
    Contract.objects.create(
        professional=nurse,
        employer=e,
        contract_type=ContractType.CDD,
        start_date=D(2025, 7, 1),
        end_date=D(2025, 12, 31),
        fte=Decimal("0.50"),
    )
    return World(
        establishment=e,
        other=f,
        persons=[p1, p2, p3, p4, p5],
        director=director,
        gestionnaire_director=make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=gestionnaire),
        professional=make_professional(e),
        other_director=make_professional(f, role=Role.ESTABLISHMENT_DIRECTOR),
        authority=authority_agent(),
        staff=[educator, nurse],
    )
