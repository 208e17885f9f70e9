"""Admission requests after an MDPH orientation: sending, every step of the ANS statuses (legal and
illegal), the waiting list and the admission they lead to, consents and notifications."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Actor
from parcours.access.enums import Basis, Category
from parcours.access.models import AccessLogEntry, Consent
from parcours.access.services import record_consent
from parcours.coordination import requests as services
from parcours.coordination.enums import (
    REQUEST_TRANSITIONS,
    NotificationKind,
    RefusalReason,
    RequestStatus,
    WaitingListOutcome,
)
from parcours.coordination.models import (
    AdmissionRequest,
    AdmissionRequestEvent,
    Notification,
    WaitingListEntry,
)
from parcours.organisations.enums import SupportMode
from parcours.records.models import Admission
from tests.coordination.conftest import ago
from tests.factories import EstablishmentFactory, MdphDecisionFactory, concept, make_professional

S = RequestStatus
# A legal path from "envoyée" to each status.
PATHS = {
    S.SENT: [],
    S.READ: [S.READ],
    S.UNDER_STUDY: [S.READ, S.UNDER_STUDY],
    S.ADMISSIBLE: [S.READ, S.UNDER_STUDY, S.ADMISSIBLE],
    S.IMPOSSIBLE: [S.READ, S.IMPOSSIBLE],
    S.ENTERED: [S.READ, S.UNDER_STUDY, S.ADMISSIBLE, S.ENTERED],
    S.CANCELLED: [S.CANCELLED],
}
PAIRS = [(current, status) for current in RequestStatus for status in RequestStatus]


def actor(professional) -> Actor:
    """A fresh user each time: the policy keeps its decisions on the user object for a request."""
    user = type(professional.user).objects.get(pk=professional.user.pk)
    return Actor(user=user, ip_address="127.0.0.1")


def send(d, *establishments, decision=None, **kwargs) -> list[AdmissionRequest]:
    return services.send_requests(
        d.tom,
        decision or d.orientation_esat,
        list(establishments) or [d.esat],
        mode=kwargs.pop("mode", SupportMode.EXTERNAT),
        actor=actor(kwargs.pop("by", d.ime_pro)),
        **kwargs,
    )


def move(d, request, status, **kwargs) -> AdmissionRequest:
    by = kwargs.pop("by", None) or (d.ime_pro if status == S.CANCELLED else d.esat_pro)
    if status == S.IMPOSSIBLE:
        kwargs.setdefault("reason", RefusalReason.RESOURCES)
    return services.change_status(request, status, actor=actor(by), **kwargs)


def reach(d, status) -> AdmissionRequest:
    (request,) = send(d)
    for next_status in PATHS[status]:
        request = move(d, request, next_status)
    return request


def written(request) -> tuple:
    request.refresh_from_db()
    return (
        request.status,
        request.status_date,
        request.reason,
        request.admission_id,
        AdmissionRequestEvent.objects.count(),
        list(WaitingListEntry.objects.values_list("pk", "left_on", "outcome")),
        Admission.objects.count(),
        Notification.objects.count(),
    )


# Sending


def test_sending_creates_one_request_per_establishment_with_its_event(department):
    d = department
    other_esat = EstablishmentFactory(name="ESAT des Pentes", category=concept("finess-categories", "246"))
    requests = send(d, d.esat, other_esat, comment="Stage réussi")
    assert [r.establishment for r in requests] == [d.esat, other_esat]
    for request in requests:
        assert request.status == S.SENT
        assert request.sent_on == request.status_date == timezone.localdate()
        assert request.sent_from == d.ime
        assert request.sent_by == d.ime_pro.user
        assert request.mdph_decision == d.orientation_esat
        assert list(request.events.values_list("status", flat=True)) == [S.SENT]


def test_sending_records_the_consent_to_share_identity_and_parcours(department):
    d = department
    send(d)
    consent = Consent.objects.get(person=d.tom, establishment=d.esat)
    assert sorted(consent.categories) == sorted([Category.IDENTITY, Category.PARCOURS])
    assert consent.recorded_by == d.ime_pro.user
    # A second request to the same establishment (another orientation) reuses the consent in force.
    services.send_requests(
        d.tom, d.orientation_foyer, [d.foyer], mode=SupportMode.INTERNAT, actor=actor(d.ime_pro)
    )
    assert Consent.objects.filter(person=d.tom, establishment=d.esat).count() == 1
    assert Consent.objects.filter(person=d.tom, establishment=d.foyer).count() == 1


def test_an_active_consent_covering_both_is_not_recorded_again(department):
    d = department
    record_consent(
        d.tom, actor=actor(d.ime_pro), establishment=d.esat, categories=["identity", "parcours", "projet"]
    )
    send(d)
    assert Consent.objects.filter(person=d.tom, establishment=d.esat).count() == 1


def test_the_establishment_asked_reads_the_identity_only_once_the_request_is_sent(department):
    d = department
    assert not policy.decide(actor(d.esat_pro).user, d.tom, Category.IDENTITY)
    assert not policy.decide(actor(d.esat_director).user, d.tom, Category.PARCOURS)
    send(d)
    reader = actor(d.esat_pro).user
    assert policy.decide(reader, d.tom, Category.IDENTITY) == policy.Decision(True, Basis.CONSENT)
    assert policy.decide(reader, d.tom, Category.PARCOURS)
    assert not policy.decide(reader, d.tom, Category.NOTES)
    assert policy.decide(actor(d.esat_director).user, d.tom, Category.IDENTITY)
    # The foyer, not asked, still reads nothing.
    assert not policy.decide(actor(d.foyer_pro).user, d.tom, Category.IDENTITY)


def test_sending_tells_the_team_and_director_of_the_establishment_asked(department):
    d = department
    (request,) = send(d)
    notices = Notification.objects.filter(kind=NotificationKind.REQUEST_RECEIVED)
    assert {n.user for n in notices} == {d.esat_pro.user, d.esat_director.user}
    assert {n.url for n in notices} == {f"/coordination/demandes/{request.uuid}/"}


@pytest.mark.parametrize(
    "case, message",
    [
        ("category", "n'est pas de la catégorie de l'orientation"),
        ("expired", "en cours de validité"),
        ("not_orientation", "en cours de validité"),
        ("duplicate", "Une demande est déjà en cours auprès de ESAT du Rhône."),
        ("nothing", "Choisissez au moins un établissement ou service."),
        ("other_person", "concerne une autre personne"),
    ],
)
def test_sending_refuses_bad_input_and_writes_nothing(department, case, message):
    d = department
    decision, establishments = d.orientation_esat, [d.esat]
    if case == "category":
        establishments = [d.foyer]
    elif case == "expired":
        decision = MdphDecisionFactory(
            person=d.tom, category="246", decision_date=ago(900), start_date=ago(800), end_date=ago(10)
        )
    elif case == "not_orientation":
        decision = MdphDecisionFactory(person=d.tom, decision_type="rqth", start_date=ago(10))
    elif case == "duplicate":
        send(d)
    elif case == "nothing":
        establishments = []
    elif case == "other_person":
        decision = d.ines.mdph_decisions.get()
    before = (AdmissionRequest.objects.count(), Consent.objects.count(), Notification.objects.count())
    with pytest.raises(ValidationError) as error:
        services.send_requests(d.tom, decision, establishments, mode="externat", actor=actor(d.ime_pro))
    assert message in str(error.value)
    assert (AdmissionRequest.objects.count(), Consent.objects.count(), Notification.objects.count()) == before


def test_only_those_who_support_the_person_send(department):
    d = department
    with pytest.raises(AccessDenied):
        send(d, by=d.esat_pro)
    assert not AdmissionRequest.objects.exists()
    assert AccessLogEntry.objects.filter(actor=d.esat_pro.user, person=d.tom, allowed=False).exists()


# Steps: the whole table


@pytest.mark.parametrize("current, status", PAIRS, ids=lambda s: s.name if hasattr(s, "name") else s)
def test_every_step_of_the_table(department, current, status):
    d = department
    request = reach(d, current)
    events = request.events.count()
    if status in REQUEST_TRANSITIONS[current]:
        request = move(d, request, status)
        request.refresh_from_db()
        assert request.status == status
        assert request.events.count() == events + 1
        assert request.events.last().status == status
    else:
        before = written(request)
        with pytest.raises(ValidationError) as error:
            move(d, request, status)
        text = " ".join(error.value.message_dict["status"])
        assert f"« {services.step(current)} »" in text
        if current != status:
            assert f"« {services.step(status)} »" in text
        assert written(request) == before


def test_a_refused_request_can_no_longer_be_accepted(department):
    d = department
    request = reach(d, S.IMPOSSIBLE)
    with pytest.raises(ValidationError) as error:
        move(d, request, S.ADMISSIBLE)
    assert error.value.message_dict["status"] == [
        "Une demande « refusée » ne peut plus devenir « acceptée »."
    ]


def test_a_refusal_needs_a_reason_and_only_a_refusal_has_one(department):
    d = department
    request = reach(d, S.READ)
    before = written(request)
    with pytest.raises(ValidationError) as error:
        services.change_status(request, S.IMPOSSIBLE, actor=actor(d.esat_pro))
    assert error.value.message_dict["reason"] == ["Indiquez le motif du refus."]
    with pytest.raises(ValidationError) as error:
        services.change_status(request, S.IMPOSSIBLE, actor=actor(d.esat_pro), reason="999")
    assert error.value.message_dict["reason"] == ["Indiquez le motif du refus."]
    with pytest.raises(ValidationError) as error:
        services.change_status(request, S.UNDER_STUDY, actor=actor(d.esat_pro), reason=RefusalReason.AGE)
    assert "admission impossible" in error.value.message_dict["reason"][0]
    assert written(request) == before
    request = services.change_status(
        request, S.IMPOSSIBLE, actor=actor(d.esat_pro), reason=RefusalReason.AGE, comment="Trop jeune"
    )
    assert (request.status, request.reason) == (S.IMPOSSIBLE, RefusalReason.AGE)
    assert request.events.last().comment == "Trop jeune"


def test_a_date_before_the_last_step_or_in_the_future_is_refused(department):
    d = department
    (request,) = send(d, sent_on=ago(10))
    before = written(request)
    with pytest.raises(ValidationError) as error:
        move(d, request, S.READ, date=ago(11))
    assert "précède" in error.value.message_dict["date"][0]
    with pytest.raises(ValidationError):
        move(d, request, S.READ, date=ago(-1))
    assert written(request) == before
    assert move(d, request, S.READ, date=ago(8)).status_date == ago(8)


# Who records which step


def test_the_sender_does_not_record_the_steps_of_the_establishment_asked(department):
    d = department
    (request,) = send(d)
    with pytest.raises(AccessDenied) as error:
        move(d, request, S.READ, by=d.ime_pro)
    assert "Seul l'établissement sollicité" in str(error.value)
    request.refresh_from_db()
    assert request.status == S.SENT
    refusal = AccessLogEntry.objects.filter(actor=d.ime_pro.user, object_uuid=request.uuid).latest("sequence")
    assert not refusal.allowed


def test_an_establishment_not_asked_records_nothing(department):
    d = department
    (request,) = send(d)
    for outsider in (d.foyer_pro, d.savs_pro):
        for status in (S.READ, S.CANCELLED):
            with pytest.raises(AccessDenied):
                move(d, request, status, by=outsider)
    request.refresh_from_db()
    assert request.status == S.SENT


@pytest.mark.parametrize("who", ["ime_pro", "ime_director", "esat_pro", "esat_director"])
def test_either_side_cancels(department, who):
    d = department
    request = reach(d, S.UNDER_STUDY)
    request = move(d, request, S.CANCELLED, by=getattr(d, who), comment="La famille renonce")
    assert request.status == S.CANCELLED


def test_the_steps_of_the_establishment_asked_are_logged_on_the_arrival_basis(department):
    d = department
    (request,) = send(d)
    move(d, request, S.READ)
    entry = AccessLogEntry.objects.filter(actor=d.esat_pro.user, object_uuid=request.uuid).latest("sequence")
    assert (entry.allowed, entry.action, entry.category, entry.basis) == (
        True,
        "update",
        "parcours",
        "arrival",
    )


# Waiting list and admission


def test_study_puts_the_person_on_the_waiting_list_from_the_day_sent(department):
    d = department
    (request,) = send(d, sent_on=ago(30))
    move(d, request, S.READ, date=ago(20))
    move(d, request, S.UNDER_STUDY, date=ago(10))
    entry = WaitingListEntry.objects.get(request=request)
    assert (entry.person, entry.establishment, entry.mode) == (d.tom, d.esat, SupportMode.EXTERNAT)
    assert entry.registered_on == ago(30)
    assert entry.mdph_decision == d.orientation_esat
    assert entry.left_on is None and entry.outcome == ""


def test_entry_admits_the_person_and_takes_them_off_the_list(department):
    d = department
    request = reach(d, S.ADMISSIBLE)
    request = move(d, request, S.ENTERED, comment="Arrivée lundi")
    admission = request.admission
    assert (admission.person, admission.establishment, admission.mode) == (
        d.tom,
        d.esat,
        SupportMode.EXTERNAT,
    )
    assert admission.start_date == timezone.localdate()
    entry = WaitingListEntry.objects.get(request=request)
    assert (entry.left_on, entry.outcome) == (timezone.localdate(), WaitingListOutcome.ADMITTED)
    # The ESAT now supports Tom: its team reads and writes his record as the team.
    assert policy.decide(actor(d.esat_pro).user, d.tom, Category.NOTES, "create") == policy.Decision(
        True, Basis.TEAM
    )
    log = AccessLogEntry.objects.filter(object_uuid=admission.uuid).get()
    assert (log.action, log.category, log.allowed, log.basis) == ("create", "parcours", True, "arrival")


def test_entry_for_a_person_registered_there_goes_through_the_record(department):
    """Inès, admitted nowhere, was registered by the ESAT: its team writes her record, so the
    admission is the record's own."""
    d = department
    d.ines.opened_by = d.esat
    d.ines.save()
    decision = d.ines.mdph_decisions.get()
    other_esat = EstablishmentFactory(name="ESAT des Pentes", category=concept("finess-categories", "246"))
    (request,) = services.send_requests(
        d.ines, decision, [other_esat], mode=SupportMode.EXTERNAT, actor=actor(d.esat_pro)
    )
    assert request.sent_from == d.esat
    pentes_pro = make_professional(other_esat)
    for status in PATHS[S.ENTERED]:
        request = move(d, request, status, by=pentes_pro)
    assert request.admission.establishment == other_esat


@pytest.mark.parametrize(
    "reason, outcome",
    [
        (RefusalReason.RESOURCES, WaitingListOutcome.OTHER),
        (RefusalReason.ADMITTED_ELSEWHERE, WaitingListOutcome.ORIENTED_ELSEWHERE),
        (RefusalReason.DECEASED, WaitingListOutcome.DECEASED),
    ],
)
def test_a_refusal_takes_the_person_off_the_list_with_the_reason(department, reason, outcome):
    d = department
    request = reach(d, S.UNDER_STUDY)
    move(d, request, S.IMPOSSIBLE, reason=reason, comment="Vu en commission")
    entry = WaitingListEntry.objects.get(request=request)
    assert (entry.left_on, entry.outcome) == (timezone.localdate(), outcome)
    assert entry.decision_note == f"{RefusalReason(reason).label}. Vu en commission"
    assert Admission.objects.filter(establishment=d.esat).count() == 0


def test_a_cancellation_takes_the_person_off_the_list(department):
    d = department
    request = reach(d, S.ADMISSIBLE)
    move(d, request, S.CANCELLED)
    entry = WaitingListEntry.objects.get(request=request)
    assert (entry.outcome, entry.decision_note) == (WaitingListOutcome.WITHDRAWN, "Demande annulée.")


def test_a_refusal_before_study_touches_no_list(department):
    d = department
    request = reach(d, S.IMPOSSIBLE)
    assert request.status == S.IMPOSSIBLE
    assert not WaitingListEntry.objects.exists()


# Notifications


def test_each_step_tells_the_other_side(department):
    d = department
    (request,) = send(d)
    Notification.objects.all().delete()
    move(d, request, S.READ)
    decided = Notification.objects.filter(kind=NotificationKind.REQUEST_DECIDED)
    # The sender and the sending establishment's team (Tom's IME).
    assert {n.user for n in decided} == {d.ime_pro.user}
    Notification.objects.all().delete()
    move(d, request, S.CANCELLED, by=d.ime_director)
    assert {n.user for n in Notification.objects.all()} == {d.esat_pro.user, d.esat_director.user}


def test_every_request_of_the_person_keeps_its_history(department):
    d = department
    (request,) = send(d, sent_on=ago(40))
    move(d, request, S.READ, date=ago(35))
    move(d, request, S.UNDER_STUDY, date=ago(30))
    move(d, request, S.ADMISSIBLE, date=ago(5))
    assert [(e.status, e.date) for e in request.events.all()] == [
        (S.SENT, ago(40)),
        (S.READ, ago(35)),
        (S.UNDER_STUDY, ago(30)),
        (S.ADMISSIBLE, ago(5)),
    ]
    assert isinstance(request.events.first().recorded_at, datetime.datetime)
