"""The small demo data set: announced volumes, determinism, the models' rules, the printed logins."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parcours.access import policy
from parcours.access.models import AccessLogEntry
from parcours.coordination.models import WaitingListEntry
from parcours.core.identifiers import finess_department, validate_finess, validate_nir, validate_siren
from parcours.demo.generator import DEMO_PASSWORD, DEMO_USERNAMES, expected_person_names
from parcours.demo.profiles import DEPARTMENT_REGION, PROFILE_BY_CODE
from parcours.demo.writers import reset_demo_data
from parcours.finance.models import FinancialStatement
from parcours.organisations.models import (
    Authority,
    AuthorityAgent,
    Capacity,
    Establishment,
    Gestionnaire,
    Unit,
)
from parcours.people.enums import IdentityStatus
from parcours.people.models import Deficiency, LegalProtection, MdphDecision, Person, Relative
from parcours.records.models import (
    Admission,
    Goal,
    Need,
    NeedsAssessment,
    Note,
    PlannedService,
    ProjetPersonnalise,
    ServiceDelivery,
)
from parcours.staff.enums import Role
from parcours.staff.models import Absence, Contract, Membership, Professional

SEED = 5
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def small_demo(django_db_setup, django_db_blocker):
    """One small data set for the whole module (committed), wiped afterwards."""
    out = io.StringIO()
    with django_db_blocker.unblock():
        call_command("demo_data", "--scale", "small", "--seed", str(SEED), stdout=out)
    yield out.getvalue()
    with django_db_blocker.unblock(), transaction.atomic():
        reset_demo_data(connection)


def test_announced_volumes(small_demo):
    assert Gestionnaire.objects.count() == 2
    assert Establishment.objects.count() == 5
    assert 180 <= Person.objects.count() <= 220
    assert Professional.objects.count() >= 60
    assert ServiceDelivery.objects.count() > 10_000
    assert Note.objects.count() > 1_000
    for model in (
        Unit,
        Capacity,
        Relative,
        LegalProtection,
        MdphDecision,
        Deficiency,
        NeedsAssessment,
        Need,
        ProjetPersonnalise,
        Goal,
        PlannedService,
        Contract,
        Membership,
    ):
        assert model.objects.exists(), model
    # One year of history, ending today.
    today = timezone.localdate()
    span = ServiceDelivery.objects.aggregate(first=Min("date"), last=Max("date"))
    assert span["last"] <= today
    assert today - span["first"] <= timedelta(days=365)
    assert "Données de démonstration « small »" in small_demo


def test_some_persons_are_followed_by_several_structures_at_once(small_demo):
    today = timezone.localdate()
    current = (
        Admission.objects.active(today).values("person").annotate(n=Count("establishment")).filter(n__gte=2)
    )
    assert current.exists()


def test_same_seed_same_persons(small_demo):
    stored = list(Person.objects.order_by("id").values_list("birth_name", "first_names"))
    assert stored == expected_person_names("small", SEED)
    assert expected_person_names("small", SEED + 1) != stored


def test_rows_satisfy_the_models_rules(small_demo):
    models = (
        Gestionnaire,
        Establishment,
        Capacity,
        Unit,
        Professional,
        Contract,
        Membership,
        Person,
        Relative,
        LegalProtection,
        MdphDecision,
        Deficiency,
        Admission,
        NeedsAssessment,
        Need,
        ProjetPersonnalise,
        Goal,
        PlannedService,
        ServiceDelivery,
        Note,
        Absence,
        WaitingListEntry,
        FinancialStatement,
        Authority,
        AuthorityAgent,
    )
    for model in models:
        assert model.objects.exists(), model
        ids = list(model.objects.order_by("id").values_list("id", flat=True))
        sample = set(ids[:10] + ids[-10:] + ids[:: max(1, len(ids) // 20)])
        for obj in model.objects.filter(id__in=sample):
            obj.full_clean()


def test_identifiers_have_valid_keys(small_demo):
    for siren in Gestionnaire.objects.values_list("siren", flat=True):
        validate_siren(siren)
    for finess, department, region in Establishment.objects.values_list(
        "finess", "department_code", "region_code"
    ):
        validate_finess(finess)
        assert finess_department(finess) == department
        assert DEPARTMENT_REGION[department] == region
    with_nir = Person.objects.exclude(nir="")
    assert with_nir.count() > 20
    for person in with_nir:
        validate_nir(person.nir)
        assert person.nir[0] == {"M": "1", "F": "2"}[person.sex]
        assert person.nir[1:5] == f"{person.birth_date.year % 100:02d}{person.birth_date.month:02d}"
        assert person.nir[5:10] == person.birth_place_code
    assert not Person.objects.filter(
        identity_status__in=[IdentityStatus.RECUPEREE, IdentityStatus.QUALIFIEE], nir=""
    ).exists()
    assert Person.objects.filter(birth_place_code__startswith="99").exists() or Person.objects.count() < 100


def test_ages_and_capacities_are_plausible(small_demo):
    today = timezone.localdate()
    for admission in Admission.objects.select_related("person", "establishment__category"):
        profile = PROFILE_BY_CODE[admission.establishment.category.code]
        born, start = admission.person.birth_date, admission.start_date
        age = start.year - born.year - ((start.month, start.day) < (born.month, born.day))
        assert profile.ages[0] <= age <= profile.ages[2] + 15, (profile.code, age)
        if profile.gir and admission.person.opened_by_id == admission.establishment_id:
            assert admission.person.gir in range(1, 7)
    for establishment in Establishment.objects.all():
        capacity = sum(establishment.capacities.values_list("places", flat=True))
        active = Admission.objects.active(today).filter(establishment=establishment).count()
        assert 0.5 * capacity <= active <= capacity, (establishment.category_id, active, capacity)
    ages = [(today - b).days / 365.25 for b in Professional.objects.values_list("birth_date", flat=True)]
    assert 19 < min(ages) and max(ages) < 66


def test_teams_contracts_and_directors(small_demo):
    today = timezone.localdate()
    for establishment in Establishment.objects.all():
        directors = Membership.objects.active(today).filter(
            establishment=establishment, role=Role.ESTABLISHMENT_DIRECTOR
        )
        assert directors.count() == 1
    for gestionnaire in Gestionnaire.objects.all():
        assert (
            Membership.objects.filter(gestionnaire=gestionnaire, role=Role.GESTIONNAIRE_DIRECTOR).count() == 1
        )
    fte = Contract.objects.aggregate(low=Min("fte"), high=Max("fte"))
    assert fte["low"] >= 0.5 and fte["high"] <= 1
    assert Contract.objects.filter(contract_type="cdi").count() > Contract.objects.count() / 2


def test_records_are_coded_and_dated(small_demo):
    now = timezone.now()
    today = timezone.localdate()
    assert not ServiceDelivery.objects.exclude(concept__code__startswith="2.").exists()
    assert not ServiceDelivery.objects.filter(
        Q(duration_minutes__lt=15) | Q(duration_minutes__gt=240)
    ).exists()
    assert ServiceDelivery.objects.filter(is_group=True).exists()
    assert not Need.objects.filter(concept__level__lt=3).exists()
    assert not PlannedService.objects.exclude(concept__code__startswith="2.").exists()
    assert not Note.objects.filter(written_at__gt=now).exists()
    assert Note.objects.filter(shareable=True).exists()
    assert Note.objects.values("category").distinct().count() >= 5
    assert not Admission.objects.filter(start_date__gt=today).exists()
    assert not Admission.objects.filter(end_date__isnull=False, exit_reason="").exists()
    assert not NeedsAssessment.objects.filter(date__gt=today).exists()
    assert not ProjetPersonnalise.objects.filter(date__gt=today).exists()
    # Notes are written by a member of the establishment's team.
    for note in Note.objects.order_by("?")[:30]:
        assert Membership.objects.filter(
            professional_id=note.author_id,
            establishment_id=note.establishment_id,
            start_date__lte=note.written_at.date(),
        ).exists()
    assert not AccessLogEntry.objects.exists()


def test_printed_logins_work(small_demo):
    assert DEMO_PASSWORD in small_demo
    for username in DEMO_USERNAMES:
        assert username in small_demo
        assert Client().login(username=username, password=DEMO_PASSWORD), username
    from parcours.accounts.models import User

    users = {user.username: user for user in User.objects.filter(username__in=DEMO_USERNAMES)}
    assert users["admin"].is_superuser and not hasattr(users["admin"], "professional")
    for username in ("educatrice", "directrice", "direction-gestionnaire"):
        assert users[username].professional is not None
        assert policy.visible_persons(users[username]).exists(), username
    assert not policy.visible_persons(users["admin"]).exists()


def test_refuses_to_run_on_existing_data_without_reset(small_demo):
    with pytest.raises(CommandError, match="--reset"):
        call_command("demo_data", "--scale", "tiny", stdout=io.StringIO())
    assert Establishment.objects.count() == 5


def test_the_family_login_follows_a_day_and_a_projet_waiting_for_its_answer(small_demo, client):
    from parcours.portal.models import PortalAccount

    assert "famille" in small_demo and "personne" in small_demo
    account = PortalAccount.objects.select_related("person").get(user__username="famille")
    assert PortalAccount.objects.get(user__username="personne").role == "person"
    client.force_login(account.user)
    day = client.get(reverse("portal:day", args=[account.person.uuid]))
    assert day.status_code == 200
    assert "Repas pris avec appétit" in day.content.decode()
    projet = client.get(reverse("portal:projet", args=[account.person.uuid])).content.decode()
    assert "Version 1, proposée le" in projet
