"""The demonstration's coordination (parcours/demo/coordination.py) on the small demo: requests at each
step with a history that follows the allowed transitions, a liaison file sent with a consent covering
its parts, and a circle around the family login's person that its members, and only they, open."""

import io
import json
import random

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from parcours.access import circle as circle_rules
from parcours.access.enums import Category
from parcours.access.models import AccessLogEntry, Consent
from parcours.accounts.models import User
from parcours.coordination.enums import (
    OPEN_STATUSES,
    REQUEST_TRANSITIONS,
    CircleRole,
    LiaisonPart,
    LiaisonStatus,
    RequestStatus,
    ThreadAudience,
)
from parcours.coordination.liaison import PART_CATEGORY, content_of
from parcours.coordination.models import (
    AdmissionRequest,
    CircleEvent,
    CircleMember,
    CircleTask,
    CircleThread,
    LiaisonFile,
    WaitingListEntry,
)
from parcours.demo.coordination import LOGIN_PARTNER, create_demo_coordination
from parcours.demo.generator import DEMO_PASSWORD, LOGIN_DIRECTOR, LOGIN_PROFESSIONAL
from parcours.demo.portal import LOGIN_FAMILY
from parcours.demo.writers import reset_demo_data
from parcours.portal.models import PortalAccount
from parcours.records.models import Admission
from parcours.staff.models import Professional

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def coordination_demo(django_db_setup, django_db_blocker):
    """The small demo (committed) with its coordination, wiped afterwards."""
    with django_db_blocker.unblock():
        call_command("demo_data", "--scale", "small", "--seed", "5", stdout=io.StringIO())
        logins = []
        if not CircleMember.objects.exists():  # until the demo command writes it itself
            educator = Professional.objects.get(user__username=LOGIN_PROFESSIONAL)
            with transaction.atomic():
                _counts, logins = create_demo_coordination(
                    educator.memberships.get().establishment_id,
                    educator_user_id=educator.user_id,
                    director_user_id=User.objects.get(username=LOGIN_DIRECTOR).pk,
                    family_username=LOGIN_FAMILY,
                    password=DEMO_PASSWORD,
                    rng=random.Random(5),
                )
    yield logins
    with django_db_blocker.unblock(), transaction.atomic():
        reset_demo_data(connection)


def test_requests_at_every_step_with_a_history_that_follows_the_transitions(coordination_demo):
    requests = list(AdmissionRequest.objects.prefetch_related("events").select_related("mdph_decision"))
    statuses = {request.status for request in requests}
    assert {
        RequestStatus.SENT,
        RequestStatus.READ,
        RequestStatus.UNDER_STUDY,
        RequestStatus.ADMISSIBLE,
    } <= statuses
    assert RequestStatus.IMPOSSIBLE in statuses
    for request in requests:
        request.full_clean()
        steps = [event.status for event in request.events.all()]
        assert steps[0] == RequestStatus.SENT
        assert steps[-1] == request.status
        for before, after in zip(steps, steps[1:], strict=False):
            assert after in REQUEST_TRANSITIONS[before], (before, after)
        if request.mdph_decision is not None:
            assert request.mdph_decision.person_id == request.person_id
            assert request.mdph_decision.orientation_category_id == request.establishment.category_id
        if request.status == RequestStatus.IMPOSSIBLE:
            assert request.reason and request.events.last().reason == request.reason


def test_requests_received_and_sent_with_their_waiting_list_entries(coordination_demo):
    educator = Professional.objects.get(user__username=LOGIN_PROFESSIONAL)
    establishment_id = educator.memberships.get().establishment_id
    received = AdmissionRequest.objects.filter(establishment_id=establishment_id)
    assert received.count() >= 3
    for request in received:
        assert request.sent_from_id is None
        assert not Admission.objects.active().filter(person=request.person, establishment_id=establishment_id)
    sent = AdmissionRequest.objects.filter(sent_from_id=establishment_id)
    assert sent.exists()
    for request in sent:
        assert Admission.objects.active().filter(person=request.person, establishment_id=establishment_id)
        assert request.establishment_id != establishment_id
    # Registered on the list once "en étude"; taken off it at a refusal.
    for request in AdmissionRequest.objects.prefetch_related("events"):
        entries = WaitingListEntry.objects.filter(request=request)
        if RequestStatus.UNDER_STUDY in {event.status for event in request.events.all()}:
            entry = entries.get()
            entry.full_clean()
            assert (entry.person_id, entry.establishment_id) == (request.person_id, request.establishment_id)
            if request.status in OPEN_STATUSES:
                assert entry.left_on is None
            else:
                assert entry.left_on == request.status_date


def test_a_liaison_file_sent_with_a_consent_covering_its_parts(coordination_demo):
    liaison = LiaisonFile.objects.get()
    assert liaison.status == LiaisonStatus.SENT and liaison.sent_at is not None
    content = content_of(liaison)
    assert sorted(content) == sorted(liaison.parts)
    consent = Consent.objects.active().get(pk=liaison.consent_id)
    assert consent.person_id == liaison.person_id
    assert consent.establishment_id == liaison.to_establishment_id
    assert {PART_CATEGORY[part] for part in liaison.parts} <= set(consent.categories)
    assert liaison.person.birth_name in json.dumps(content[LiaisonPart.IDENTITY], ensure_ascii=False)


def test_a_circle_around_the_family_logins_person(coordination_demo):
    account = PortalAccount.objects.select_related("person", "user").get(user__username=LOGIN_FAMILY)
    person = account.person
    members = list(CircleMember.objects.active().filter(person=person).select_related("user"))
    roles = {member.role for member in members}
    assert CircleRole.REFERENT in roles and CircleRole.COORDINATOR in roles
    assert roles & {CircleRole.CARER, CircleRole.REPRESENTATIVE}
    for member in members:
        member.full_clean()
    educator = User.objects.get(username=LOGIN_PROFESSIONAL)
    partner = User.objects.get(username=LOGIN_PARTNER)
    # The partner works in a structure that does not support the person, named by their consent.
    partner_member = next(m for m in members if m.user_id == partner.pk)
    assert (
        not Admission.objects.active()
        .filter(person=person, establishment=partner_member.establishment)
        .exists()
    )
    assert (
        Consent.objects.active()
        .covering(Category.IDENTITY)
        .filter(person=person, establishment=partner_member.establishment)
        .exists()
    )
    assert partner.check_password(DEMO_PASSWORD)
    assert any(username == LOGIN_PARTNER for username, _ in coordination_demo) or not coordination_demo
    # Members open the circle; the family only its conversations with the family.
    assert circle_rules.decide_circle(educator, person).allowed
    assert circle_rules.decide_circle(partner, person).allowed
    assert not circle_rules.decide_circle(account.user, person).allowed
    assert circle_rules.decide_circle(account.user, person, with_family=True).allowed
    director = User.objects.get(username=LOGIN_DIRECTOR)
    assert not circle_rules.decide_circle(director, person).allowed
    # Tasks, agenda past and upcoming, a conversation of each kind.
    assert CircleTask.objects.filter(person=person, owner__in=members).count() == 3
    events = CircleEvent.objects.filter(person=person)
    assert events.count() == 3
    for task in CircleTask.objects.filter(person=person):
        task.full_clean()
    assert {thread.audience for thread in CircleThread.objects.filter(person=person)} == set(
        ThreadAudience.values
    )
    for thread in CircleThread.objects.filter(person=person):
        assert thread.messages.exists()


def test_nothing_in_the_access_log(coordination_demo):
    assert not AccessLogEntry.objects.exists()
