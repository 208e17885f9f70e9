"""A small world shared by the people, records and access tests.

Gestionnaire G runs establishments A and B; gestionnaire H runs C.
- pro_a works in A, pro_b in B, pro_c in C; director_a directs A; gdir directs gestionnaire G.
- person_a is supported by A (current admission); person_b only by B.
"""

import datetime
from dataclasses import dataclass

import pytest
from django.utils import timezone

from parcours.access.journal import Actor
from parcours.organisations.models import Establishment, Gestionnaire
from parcours.people.models import Person
from parcours.staff.enums import Role
from parcours.staff.models import Professional
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    GestionnaireFactory,
    PersonFactory,
    make_professional,
)


@dataclass
class World:
    g: Gestionnaire
    h: Gestionnaire
    a: Establishment
    b: Establishment
    c: Establishment
    pro_a: Professional
    pro_b: Professional
    pro_c: Professional
    director_a: Professional
    gdir: Professional
    person_a: Person
    person_b: Person

    def actor(self, professional: Professional) -> Actor:
        return Actor(user=professional.user, ip_address="127.0.0.1")


@pytest.fixture
def world(db) -> World:
    g, h = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, name="IME Les Tilleuls")
    b = EstablishmentFactory(gestionnaire=g, name="ESAT du Rhône")
    c = EstablishmentFactory(gestionnaire=h, name="Foyer des Monts")
    start = timezone.localdate() - datetime.timedelta(days=400)
    person_a = PersonFactory(
        birth_name="Lefèvre", first_names="Élodie Marie", birth_date=datetime.date(1998, 3, 12)
    )
    person_b = PersonFactory(
        birth_name="Martin", first_names="Lucas", sex="M", birth_date=datetime.date(1985, 7, 1)
    )
    AdmissionFactory(person=person_a, establishment=a, start_date=start)
    AdmissionFactory(person=person_b, establishment=b, start_date=start)
    return World(
        g=g,
        h=h,
        a=a,
        b=b,
        c=c,
        pro_a=make_professional(a),
        pro_b=make_professional(b),
        pro_c=make_professional(c),
        director_a=make_professional(a, role=Role.ESTABLISHMENT_DIRECTOR),
        gdir=make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=g),
        person_a=person_a,
        person_b=person_b,
    )
