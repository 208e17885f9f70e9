"""factory_boy factories shared by the whole test suite.

Identifiers are generated with valid keys; coded values come from the real nomenclature
tables loaded by the migrations (never invented).
"""

import datetime
import random
from decimal import Decimal

import factory
from django.utils import timezone
from stdnum import luhn

from parcours.accounts.models import User
from parcours.coordination.enums import WaitingListOutcome
from parcours.coordination.models import WaitingListEntry
from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity, Establishment, Gestionnaire, Unit
from parcours.people.enums import IdentityStatus, MdphDecisionType, Sex
from parcours.people.models import Deficiency, MdphDecision, Person, Relative
from parcours.records.enums import NoteCategory
from parcours.records.models import (
    Admission,
    Need,
    NeedsAssessment,
    Note,
    ProjetPersonnalise,
    ServiceDelivery,
)
from parcours.staff.enums import AbsenceReason, ContractType, Profession, Role
from parcours.staff.models import Absence, Contract, Membership, Professional

PASSWORD = "Mot-de-passe-de-test-2026"


def with_luhn_key(prefix: str) -> str:
    return prefix + luhn.calc_check_digit(prefix)


def nir_for(sex: str, birth_date: datetime.date, serial: int) -> str:
    base = f"{1 if sex == Sex.MALE else 2}{birth_date:%y%m}75056{serial % 1000:03d}"
    return f"{base}{97 - int(base) % 97:02d}"


def concept(system: str, code: str) -> Concept:
    return Concept.objects.get(system__slug=system, code=code)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"utilisateur{n}")
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    password = factory.django.Password(PASSWORD)


class GestionnaireFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gestionnaire

    name = factory.Sequence(lambda n: f"Association numéro {n}")
    siren = factory.Sequence(lambda n: with_luhn_key(f"{40000000 + n:08d}"))


class EstablishmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Establishment
        skip_postgeneration_save = True

    gestionnaire = factory.SubFactory(GestionnaireFactory)
    name = factory.Sequence(lambda n: f"Établissement {n}")
    finess = factory.Sequence(lambda n: with_luhn_key(f"69{100000 + n:06d}"))
    category = factory.LazyFunction(lambda: concept("finess-categories", "246"))
    department_code = "69"
    region_code = "84"
    city = "Lyon"
    postal_code = "69003"

    @factory.post_generation
    def capacities(self, create, extracted, **kwargs):
        """`capacities={"internat": 20}`; by default 30 places of externat."""
        if not create:
            return
        for mode, places in (extracted or {SupportMode.EXTERNAT: 30}).items():
            Capacity.objects.create(establishment=self, mode=mode, places=places)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    establishment = factory.SubFactory(EstablishmentFactory)
    name = factory.Sequence(lambda n: f"Unité {n}")


class ProfessionalFactory(factory.django.DjangoModelFactory):
    """A professional with a login and no membership: see make_professional() for one in a team."""

    class Meta:
        model = Professional

    user = factory.SubFactory(UserFactory)
    first_name = factory.Faker("first_name", locale="fr_FR")
    last_name = factory.Faker("last_name", locale="fr_FR")
    profession = Profession.EDUCATEUR_SPECIALISE
    birth_date = datetime.date(1985, 4, 12)
    sex = Sex.FEMALE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    professional = factory.SubFactory(ProfessionalFactory)
    role = Role.PROFESSIONAL
    establishment = factory.SubFactory(EstablishmentFactory)
    start_date = datetime.date(2020, 1, 1)


def make_professional(
    establishment=None, *, role=Role.PROFESSIONAL, gestionnaire=None, **kwargs
) -> Professional:
    """A professional with a login and one active membership (team, direction or gestionnaire direction)."""
    professional = ProfessionalFactory(**kwargs)
    if role == Role.GESTIONNAIRE_DIRECTOR:
        Membership.objects.create(
            professional=professional,
            role=role,
            gestionnaire=gestionnaire,
            start_date=datetime.date(2020, 1, 1),
        )
    else:
        Membership.objects.create(
            professional=professional,
            role=role,
            establishment=establishment,
            start_date=datetime.date(2020, 1, 1),
        )
    return professional


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    birth_name = factory.Faker("last_name", locale="fr_FR")
    first_names = factory.Faker("first_name", locale="fr_FR")
    birth_date = factory.LazyFunction(
        lambda: datetime.date(1990, 1, 1) + datetime.timedelta(days=random.randint(0, 5000))
    )
    sex = Sex.FEMALE
    birth_place_code = "75056"
    identity_status = IdentityStatus.PROVISOIRE

    class Params:
        qualified = factory.Trait(
            identity_status=IdentityStatus.QUALIFIEE,
            nir=factory.LazyAttributeSequence(lambda o, n: nir_for(o.sex, o.birth_date, n)),
        )


class AdmissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Admission

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    mode = SupportMode.EXTERNAT
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=200))

    class Params:
        ended = factory.Trait(
            end_date=factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=100)),
            exit_reason="89",
        )


class RelativeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Relative

    person = factory.SubFactory(PersonFactory)
    last_name = factory.Faker("last_name", locale="fr_FR")
    first_name = factory.Faker("first_name", locale="fr_FR")
    relationship = "parent"


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    category = NoteCategory.DAILY_LIFE
    text = "Bonne journée à l'atelier, a participé au repas collectif."
    author = factory.SubFactory(ProfessionalFactory)


class ServiceDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServiceDelivery

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    concept = factory.LazyFunction(lambda: concept("serafin-ph-prestations", "2.3.1.1"))
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=3))
    duration_minutes = 60


class NeedsAssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NeedsAssessment
        skip_postgeneration_save = True

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    assessed_by = factory.SubFactory(ProfessionalFactory)

    @factory.post_generation
    def needs(self, create, extracted, **kwargs):
        """`needs=["1.2.1.1", ...]`: coded needs of moderate intensity."""
        if create and extracted:
            for code in extracted:
                Need.objects.create(assessment=self, concept=concept("serafin-ph-besoins", code), intensity=2)


class ProjetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProjetPersonnalise

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=20))
    review_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=345))
    author = factory.SubFactory(ProfessionalFactory)


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    professional = factory.SubFactory(ProfessionalFactory, user=None)
    employer = factory.SubFactory(EstablishmentFactory)
    contract_type = ContractType.CDI
    start_date = datetime.date(2020, 1, 1)
    fte = Decimal("1.00")


class AbsenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Absence

    contract = factory.SubFactory(ContractFactory)
    start_date = datetime.date(2025, 3, 3)
    end_date = datetime.date(2025, 3, 7)
    reason = AbsenceReason.SICKNESS


class DeficiencyFactory(factory.django.DjangoModelFactory):
    """`DeficiencyFactory(person=p, code="17")`: a main deficiency coded in the "deficiences" system."""

    class Meta:
        model = Deficiency
        exclude = ("code",)

    person = factory.SubFactory(PersonFactory)
    code = "14"
    concept = factory.LazyAttribute(lambda o: concept("deficiences", o.code))
    is_main = True


class MdphDecisionFactory(factory.django.DjangoModelFactory):
    """An orientation towards an establishment category (FINESS code 183 by default, IME)."""

    class Meta:
        model = MdphDecision
        exclude = ("category",)

    person = factory.SubFactory(PersonFactory)
    decision_type = MdphDecisionType.ORIENTATION_ESMS
    category = "183"
    orientation_category = factory.LazyAttribute(lambda o: concept("finess-categories", o.category))
    department_code = "69"
    decision_date = datetime.date(2024, 6, 1)
    start_date = datetime.date(2024, 7, 1)


class WaitingListEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WaitingListEntry

    person = factory.SubFactory(PersonFactory)
    establishment = factory.SubFactory(EstablishmentFactory)
    mode = SupportMode.EXTERNAT
    registered_on = datetime.date(2025, 1, 15)

    class Params:
        admitted = factory.Trait(left_on=datetime.date(2025, 9, 1), outcome=WaitingListOutcome.ADMITTED)
