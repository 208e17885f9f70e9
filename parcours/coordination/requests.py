"""Admission requests following an MDPH orientation: sending them, and every step after (the ANS codes
of TRE_R357, `coordination.enums.RequestStatus`).

Business rules:
- The team or the direction of an establishment supporting the person sends, from an orientation
  towards establishments or services (ORIENTATION_ESMS) valid on the day, one request per chosen
  establishment of the category the MDPH named. Sending shares the person's identity and parcours
  with the establishment asked: the person (or their legal representative) agrees, and that consent
  is recorded (unless one covering both is already in force), so the establishment asked reads who
  the person is.
- Only the steps of `REQUEST_TRANSITIONS` are taken; any other is refused with a message naming both
  steps, and nothing is written. A refusal ("admission impossible", 45) gives one of the TRE_R358
  reasons.
- The establishment asked (its team or direction) records reading, study, acceptance, refusal and
  entry; the sending side (the sender, the sending establishment's team or direction) or the
  establishment asked cancels.
- "En étude" puts the person on the establishment's waiting list; entry admits the person there (an
  admission in the record) and takes them off the list; a refusal or a cancellation takes them off too.
- Each step is kept (`AdmissionRequestEvent`) and announced to the other side (`notify`).
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require
from parcours.access.enums import Basis, ConsentGivenBy, ConsentHow
from parcours.access.journal import record
from parcours.access.models import Consent
from parcours.access.services import record_consent
from parcours.coordination.enums import (
    OPEN_STATUSES,
    REQUEST_STEP,
    REQUEST_TRANSITIONS,
    NotificationKind,
    RefusalReason,
    RequestStatus,
    WaitingListOutcome,
)
from parcours.coordination.models import AdmissionRequest, AdmissionRequestEvent, WaitingListEntry
from parcours.coordination.notifications import notify
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.enums import MdphDecisionType
from parcours.people.models import LegalProtection, MdphDecision, Person
from parcours.people.services import professional_of, require_writable_establishment
from parcours.records.models import Admission
from parcours.records.services import admit_person
from parcours.staff.enums import Role
from parcours.staff.models import Membership

# What sending a request shares with the establishment asked.
SHARED_CATEGORIES = [Category.IDENTITY, Category.PARCOURS]
# The steps the establishment asked records; a cancellation may come from either side.
RECEIVER_STEPS = {
    RequestStatus.READ,
    RequestStatus.UNDER_STUDY,
    RequestStatus.ADMISSIBLE,
    RequestStatus.IMPOSSIBLE,
    RequestStatus.ENTERED,
}
# Why an entry leaves the waiting list, by reason of refusal (other reasons: "autre motif").
REFUSAL_OUTCOMES = {
    RefusalReason.DECEASED: WaitingListOutcome.DECEASED,
    RefusalReason.ADMITTED_ELSEWHERE: WaitingListOutcome.ORIENTED_ELSEWHERE,
}


def step(status: str) -> str:
    """The plain word of a status (envoyée, reçue, en étude...)."""
    return REQUEST_STEP[RequestStatus(status)]


def next_statuses(status: str) -> list[RequestStatus]:
    """The steps that may follow, in the order of the enumeration."""
    allowed = REQUEST_TRANSITIONS[RequestStatus(status)]
    return [choice for choice in RequestStatus if choice in allowed]


def is_valid_orientation(decision: MdphDecision, on: datetime.date | None = None) -> bool:
    on = on or timezone.localdate()
    return (
        decision.decision_type == MdphDecisionType.ORIENTATION_ESMS
        and decision.orientation_category_id is not None
        and decision.start_date <= on
        and (decision.end_date is None or decision.end_date >= on)
    )


def valid_orientations(person: Person, on: datetime.date | None = None):
    """The person's orientations towards an establishment or service, in force on the day."""
    on = on or timezone.localdate()
    return (
        person.mdph_decisions.filter(decision_type=MdphDecisionType.ORIENTATION_ESMS, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .exclude(orientation_category__isnull=True)
        .select_related("orientation_category")
    )


def matching_establishments(decision: MdphDecision):
    """The instance's establishments of the category the MDPH named."""
    return Establishment.objects.filter(category_id=decision.orientation_category_id).order_by("name", "pk")


def receiving_users(establishment_id: int):
    """The team and the director of an establishment, today."""
    return _members(establishment_id, {Role.PROFESSIONAL, Role.ESTABLISHMENT_DIRECTOR})


def _members(establishment_id: int | None, roles) -> list:
    if establishment_id is None:
        return []
    memberships = (
        Membership.objects.active()
        .filter(establishment_id=establishment_id, role__in=roles)
        .select_related("professional__user")
    )
    return [membership.professional.user for membership in memberships]


def sending_users(request: AdmissionRequest) -> list:
    """The sender and the sending establishment's team."""
    return [request.sent_by, *_members(request.sent_from_id, {Role.PROFESSIONAL})]


def request_url(request: AdmissionRequest) -> str:
    return reverse("coordination:request", args=[request.uuid])


def is_receiver(user, request: AdmissionRequest) -> bool:
    scope = policy.scope_of(user)
    return request.establishment_id in scope.team | scope.directed


def is_sender(user, request: AdmissionRequest) -> bool:
    scope = policy.scope_of(user)
    return request.sent_by_id == user.pk or (
        request.sent_from_id is not None and request.sent_from_id in scope.team | scope.directed
    )


def has_consent(person: Person, establishment: Establishment) -> bool:
    consents = Consent.objects.active().filter(person=person, establishment=establishment)
    for category in SHARED_CATEGORIES:
        consents = consents.covering(category)
    return consents.exists()


def _default_sender(actor: Actor, person: Person) -> Establishment | None:
    """Where the actor writes and the person is supported now (else where the actor writes)."""
    writable = policy.writable_establishments(actor.user)
    supporting = writable.filter(pk__in=person.admissions.active().values("establishment_id")).first()
    return supporting or writable.first()


@atomic_service
def send_requests(
    person: Person,
    decision: MdphDecision,
    establishments,
    *,
    mode: str,
    actor: Actor,
    consent_given_by: str = ConsentGivenBy.PERSON,
    consent_how: str = ConsentHow.SIGNED_PAPER,
    witness_name: str = "",
    protection: LegalProtection | None = None,
    sent_from: Establishment | None = None,
    sent_on: datetime.date | None = None,
    comment: str = "",
) -> list[AdmissionRequest]:
    """Send one admission request per establishment chosen, from an orientation in force. Records the
    person's consent to share their identity and parcours with each establishment (unless one covering
    both is in force), and tells each establishment's team and director."""
    professional_of(actor)
    require(actor, person, Category.PARCOURS, Action.CREATE, obj=decision)
    today = timezone.localdate()
    sent_on = sent_on or today
    establishments = list(dict.fromkeys(establishments))
    if decision.person_id != person.pk:
        raise ValidationError({"decision": "Cette décision MDPH concerne une autre personne."})
    if not is_valid_orientation(decision, sent_on):
        raise ValidationError(
            {"decision": "Choisissez une orientation vers un établissement ou service en cours de validité."}
        )
    if not establishments:
        raise ValidationError({"establishments": "Choisissez au moins un établissement ou service."})
    if mode not in SupportMode.values:
        raise ValidationError({"mode": "Choisissez le mode d'accompagnement demandé."})
    if sent_on > today:
        raise ValidationError({"sent_on": "La date d'envoi ne peut pas être dans le futur."})
    sent_from = sent_from or _default_sender(actor, person)
    if sent_from is None:
        raise ValidationError("Vous n'écrivez au nom d'aucun établissement.")
    require_writable_establishment(actor, sent_from)
    open_requests = set(
        AdmissionRequest.objects.filter(
            person=person, mdph_decision=decision, status__in=OPEN_STATUSES
        ).values_list("establishment_id", flat=True)
    )
    errors = []
    for establishment in establishments:
        if establishment.category_id != decision.orientation_category_id:
            errors.append(f"{establishment.name} n'est pas de la catégorie de l'orientation.")
        elif establishment.pk == sent_from.pk:
            errors.append(f"{establishment.name} est l'établissement qui envoie la demande.")
        elif establishment.pk in open_requests:
            errors.append(f"Une demande est déjà en cours auprès de {establishment.name}.")
    if errors:
        raise ValidationError({"establishments": errors})
    requests = []
    for establishment in establishments:
        if not has_consent(person, establishment):
            record_consent(
                person,
                actor=actor,
                establishment=establishment,
                categories=SHARED_CATEGORIES,
                given_by=consent_given_by,
                how=consent_how,
                witness_name=witness_name,
                protection=protection,
            )
        request = AdmissionRequest(
            person=person,
            mdph_decision=decision,
            establishment=establishment,
            mode=mode,
            status=RequestStatus.SENT,
            status_date=sent_on,
            sent_on=sent_on,
            sent_by=actor.user,
            sent_from=sent_from,
            comment=comment.strip(),
        )
        request.full_clean()
        request.save()
        AdmissionRequestEvent.objects.create(
            request=request, status=RequestStatus.SENT, date=sent_on, recorded_by=actor.user
        )
        notify(receiving_users(establishment.pk), NotificationKind.REQUEST_RECEIVED, request_url(request))
        requests.append(request)
    return requests


def transition_refusal(current: str, status: str) -> str | None:
    """Why this step may not follow the current one (None when it may)."""
    if status in REQUEST_TRANSITIONS[RequestStatus(current)]:
        return None
    if status == current:
        return f"La demande est déjà « {step(current)} »."
    if not REQUEST_TRANSITIONS[RequestStatus(current)]:
        return f"Une demande « {step(current)} » ne peut plus devenir « {step(status)} »."
    possible = ", ".join(f"« {step(s)} »" for s in next_statuses(current))
    return (
        f"Une demande « {step(current)} » ne peut pas devenir « {step(status)} » "
        f"(étapes possibles : {possible})."
    )


def _refuse(actor: Actor, request: AdmissionRequest, message: str) -> AccessDenied:
    """A refusal of the write, written to the access log once the transaction is rolled back."""

    def log() -> None:
        record(actor, person=request.person, action=Action.UPDATE, category=Category.PARCOURS,
               allowed=False, basis=Basis.NONE, obj=request, details={"demande": 1})  # fmt: skip

    return AccessDenied(message, pending_refusal=log)


def _authorise(actor: Actor, request: AdmissionRequest, status: str) -> None:
    """The sending side writes in the record it supports; the establishment asked records the steps of
    the open request on the policy's "arrival" basis (docs/access.md). Both are the policy's writes,
    logged."""
    user = actor.user
    receiver = is_receiver(user, request)
    if status == RequestStatus.CANCELLED and not receiver and is_sender(user, request):
        require(actor, request.person, Category.PARCOURS, Action.UPDATE, obj=request)
        return
    if not receiver:
        if status in RECEIVER_STEPS and is_sender(user, request):
            raise _refuse(actor, request, "Seul l'établissement sollicité enregistre cette étape.")
        raise _refuse(actor, request, "Vous n'avez pas accès à cette demande.")
    if request.status not in OPEN_STATUSES:
        return  # a closed request takes no step: the transition's check says so, writing nothing
    require(actor, request.person, Category.PARCOURS, Action.UPDATE, obj=request)


@atomic_service
def change_status(
    request: AdmissionRequest,
    status: str,
    *,
    actor: Actor,
    date: datetime.date | None = None,
    reason: str = "",
    comment: str = "",
) -> AdmissionRequest:
    """Move a request to its next step, with its consequences (waiting list, admission) and the notice
    to the other side. An illegal step, or a refusal without its reason, writes nothing."""
    request = (
        AdmissionRequest.objects.select_for_update(of=("self",))
        .select_related("person", "establishment", "mdph_decision")
        .get(pk=request.pk)
    )
    if status not in RequestStatus.values:
        raise ValidationError({"status": "Étape inconnue."})
    status = RequestStatus(status)
    _authorise(actor, request, status)
    refusal = transition_refusal(request.status, status)
    if refusal:
        raise ValidationError({"status": refusal})
    date = date or timezone.localdate()
    reason = reason or ""
    errors = {}
    if date > timezone.localdate():
        errors["date"] = "La date ne peut pas être dans le futur."
    elif date < request.status_date:
        errors["date"] = (
            f"La date précède celle de l'étape « {step(request.status)} » ({request.status_date:%d/%m/%Y})."
        )
    if status == RequestStatus.IMPOSSIBLE and reason not in RefusalReason.values:
        errors["reason"] = "Indiquez le motif du refus."
    elif status != RequestStatus.IMPOSSIBLE and reason:
        errors["reason"] = "Un motif ne s'indique que pour une admission impossible."
    if errors:
        raise ValidationError(errors)
    comment = comment.strip()
    request.status, request.status_date, request.reason = status, date, reason
    if status == RequestStatus.UNDER_STUDY:
        _put_on_waiting_list(request)
    elif status == RequestStatus.ENTERED:
        request.admission = _admit(request, actor, date)
        _leave_waiting_list(request, date, WaitingListOutcome.ADMITTED, comment)
    elif status == RequestStatus.IMPOSSIBLE:
        note = " ".join(filter(None, [RefusalReason(reason).label + ".", comment]))
        _leave_waiting_list(request, date, REFUSAL_OUTCOMES.get(reason, WaitingListOutcome.OTHER), note)
    elif status == RequestStatus.CANCELLED:
        _leave_waiting_list(request, date, WaitingListOutcome.WITHDRAWN, comment or "Demande annulée.")
    request.full_clean()
    request.save()
    AdmissionRequestEvent.objects.create(
        request=request, status=status, reason=reason, date=date, comment=comment, recorded_by=actor.user
    )
    if is_receiver(actor.user, request):
        notify(sending_users(request), NotificationKind.REQUEST_DECIDED, request_url(request))
    else:
        notify(
            receiving_users(request.establishment_id), NotificationKind.REQUEST_DECIDED, request_url(request)
        )
    return request


def _put_on_waiting_list(request: AdmissionRequest) -> WaitingListEntry:
    entry = request.waiting_list_entries.filter(left_on__isnull=True).first()
    if entry is None:
        entry = WaitingListEntry(
            person=request.person,
            establishment=request.establishment,
            mode=request.mode,
            registered_on=request.sent_on,
            mdph_decision=request.mdph_decision,
            request=request,
        )
        entry.full_clean()
        entry.save()
    return entry


def _leave_waiting_list(request: AdmissionRequest, date: datetime.date, outcome: str, note: str) -> None:
    for entry in request.waiting_list_entries.filter(left_on__isnull=True):
        entry.left_on = max(date, entry.registered_on)
        entry.outcome = outcome
        entry.decision_note = note
        entry.full_clean()
        entry.save(update_fields=["left_on", "outcome", "decision_note"])


def _admit(request: AdmissionRequest, actor: Actor, date: datetime.date) -> Admission:
    """The admission in the establishment asked, through the record's own service: the establishment
    that accepted the person (the request still "acceptée" in the database) writes it on the arrival
    basis of the policy, the only write the acceptance opens."""
    return admit_person(
        request.person,
        establishment=request.establishment,
        mode=request.mode,
        start_date=date,
        actor=actor,
    )
