"""Factories of the person's space (links, invitations, messages, questionnaires)."""

import datetime

import factory
from django.utils import timezone

from parcours.access.enums import PortalRole
from parcours.people.enums import ProtectionMeasure, RepresentativeKind
from parcours.people.models import LegalProtection
from parcours.portal.models import PortalAccount
from tests.factories import PersonFactory, RelativeFactory, UserFactory


class LegalProtectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LegalProtection

    person = factory.SubFactory(PersonFactory)
    measure = ProtectionMeasure.TUTELLE
    representative_kind = RepresentativeKind.FAMILY
    representative_relative = factory.SubFactory(RelativeFactory, person=factory.SelfAttribute("..person"))
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=400))


class PortalAccountFactory(factory.django.DjangoModelFactory):
    """A login linked to a person's space. Default: a relative with every right."""

    class Meta:
        model = PortalAccount

    user = factory.SubFactory(UserFactory)
    person = factory.SubFactory(PersonFactory)
    role = PortalRole.RELATIVE
    relative = factory.Maybe(
        factory.LazyAttribute(lambda o: o.role == PortalRole.RELATIVE),
        yes_declaration=factory.SubFactory(RelativeFactory, person=factory.SelfAttribute("..person")),
        no_declaration=None,
    )
    rights = factory.LazyAttribute(
        lambda o: ["day", "projet", "messages"] if o.role == PortalRole.RELATIVE else []
    )
    rights_changed_by = factory.SelfAttribute("user")
