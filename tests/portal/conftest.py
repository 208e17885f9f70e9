"""A small world for the person's space: an IME with an educator and its director, Léa admitted there,
her own login, her mother (a relative), her guardian (a legal representative under a tutelle), and
another person of the same IME whom none of them may see."""

import datetime
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone

from parcours.access.enums import PortalRole
from parcours.staff.enums import Role
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    PersonFactory,
    RelativeFactory,
    UserFactory,
    make_professional,
)
from tests.portal.factories import LegalProtectionFactory, PortalAccountFactory


@pytest.fixture
def family(db):
    ime = EstablishmentFactory(name="IME Les Tilleuls")
    educator = make_professional(ime, first_name="Inès", last_name="Martin")
    director = make_professional(ime, role=Role.ESTABLISHMENT_DIRECTOR, first_name="Paul", last_name="Roche")
    lea = PersonFactory(birth_name="Durand", first_names="Léa Marie", birth_date=datetime.date(2008, 3, 14))
    AdmissionFactory(
        person=lea, establishment=ime, start_date=timezone.localdate() - datetime.timedelta(days=300)
    )
    other = PersonFactory(birth_name="Petit", first_names="Hugo")
    AdmissionFactory(person=other, establishment=ime)

    mother_relative = RelativeFactory(
        person=lea, first_name="Sophie", last_name="Durand", relationship="parent"
    )
    guardian_relative = RelativeFactory(
        person=lea, first_name="Marc", last_name="Durand", relationship="parent"
    )
    protection = LegalProtectionFactory(person=lea, representative_relative=guardian_relative)

    lea_user = UserFactory(username="lea", first_name="Léa", last_name="Durand")
    mother_user = UserFactory(username="sophie", first_name="Sophie", last_name="Durand")
    guardian_user = UserFactory(username="marc", first_name="Marc", last_name="Durand")
    PortalAccountFactory(user=lea_user, person=lea, role=PortalRole.PERSON, relative=None)
    PortalAccountFactory(user=mother_user, person=lea, relative=mother_relative)
    PortalAccountFactory(
        user=guardian_user, person=lea, role=PortalRole.REPRESENTATIVE, relative=guardian_relative,
        protection=protection,
    )  # fmt: skip
    return SimpleNamespace(
        ime=ime,
        educator=educator,
        director=director,
        lea=lea,
        other=other,
        mother_relative=mother_relative,
        guardian_relative=guardian_relative,
        protection=protection,
        lea_user=lea_user,
        mother=mother_user,
        guardian=guardian_user,
    )


@pytest.fixture
def portal_client():
    """portal_client(user) -> a test client logged in as a portal user (no second factor is required)."""

    def _client(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return _client
