"""Pages of the admission requests: a person's orientations and requests, sending requests, the
requests an establishment received, and one request with its history and its next steps.

A person's requests are part of their parcours: whoever reads the parcours through `parcours.access`
reads them (the establishment asked, through the consent given when the request was sent). The steps
are written by `parcours.coordination.requests`, which decides who records which one.
"""

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from parcours.access import policy
from parcours.access.api import Action, Actor, Category, log_listing, open_person_page, require
from parcours.coordination import requests as services
from parcours.coordination.enums import OPEN_STATUSES, REQUEST_STEP, RequestStatus
from parcours.coordination.forms_orientations import (
    FilterEstablishmentsForm,
    ReceivedFilterForm,
    SendRequestsForm,
    StatusForm,
)
from parcours.coordination.models import AdmissionRequest, AdmissionRequestEvent
from parcours.core.forms import add_validation_errors, save_with
from parcours.core.text import fold
from parcours.organisations.models import Establishment
from parcours.people.enums import MdphDecisionType
from parcours.people.views import check_write

PAGE_SIZE = 25


def open_parcours(request, person_uuid):
    """The person and the decision on their parcours: 404 outside the policy, 403 (logged) when the
    identity is readable but not the parcours."""
    actor = Actor.from_request(request)
    person, identity, decisions = open_person_page(
        actor, person_uuid, [Category.PARCOURS], details={"page": "demandes"}
    )
    if not decisions[Category.PARCOURS]:
        require(actor, person, Category.PARCOURS, Action.READ)
    return actor, person, decisions[Category.PARCOURS]


def with_history(queryset):
    return queryset.select_related(
        "establishment", "sent_from", "mdph_decision__orientation_category"
    ).prefetch_related(
        Prefetch("events", queryset=AdmissionRequestEvent.objects.order_by("recorded_at", "pk"))
    )


def with_steps(requests):
    """Each request and each of its events with its plain word (envoyée, reçue...)."""
    for admission_request in requests:
        admission_request.step_word = REQUEST_STEP[RequestStatus(admission_request.status)]
        admission_request.is_open = admission_request.status in OPEN_STATUSES
        for event in admission_request.events.all():
            event.step_word = REQUEST_STEP[RequestStatus(event.status)]
    return requests


@require_http_methods(["GET"])
def person_requests(request, person_uuid):
    actor, person, decision = open_parcours(request, person_uuid)
    orientations = person.mdph_decisions.filter(
        decision_type=MdphDecisionType.ORIENTATION_ESMS
    ).select_related("orientation_category")
    today = timezone.localdate()
    requests = with_steps(list(with_history(person.admission_requests.all())))
    by_decision = {}
    for admission_request in requests:
        by_decision.setdefault(admission_request.mdph_decision_id, []).append(admission_request)
    rows = [
        {
            "decision": orientation,
            "valid": services.is_valid_orientation(orientation, today),
            "requests": by_decision.pop(orientation.pk, []),
        }
        for orientation in orientations
    ]
    can_write = policy.allows(decision.basis, Category.PARCOURS, Action.CREATE) and not policy.is_restricted(
        person
    )
    return render(
        request,
        "coordination/requests/person_requests.html",
        {
            "person": person,
            "rows": rows,
            "others": [r for rs in by_decision.values() for r in rs],
            "steps": REQUEST_STEP,
            "can_write": can_write,
            "open_statuses": OPEN_STATUSES,
        },
    )


@require_http_methods(["GET", "POST"])
def requests_send(request, person_uuid):
    actor, person, _ = open_parcours(request, person_uuid)
    check_write(actor, person, Category.PARCOURS)
    decisions = services.valid_orientations(person)
    source = request.POST if request.method == "POST" else request.GET
    chooser = FilterEstablishmentsForm(source or None, decisions=decisions)
    chosen = decisions.first()
    query = ""
    if chooser.is_bound and chooser.is_valid():
        chosen = chooser.cleaned_data["decision"] or chosen
        query = chooser.cleaned_data["q"].strip()
    establishments = Establishment.objects.none()
    if chosen is not None:
        establishments = services.matching_establishments(chosen).exclude(
            pk__in=person.admissions.active().values("establishment_id")
        )
        if query:
            folded = fold(query)
            keep = [e.pk for e in establishments if folded in fold(e.name) or folded in fold(e.city)]
            establishments = establishments.filter(pk__in=keep)
    form = SendRequestsForm(
        request.POST or None,
        decisions=decisions,
        establishments=establishments,
        initial={"decision": chosen.uuid if chosen else None},
    )
    if save_with(
        request,
        form,
        lambda data: services.send_requests(
            person,
            data["decision"],
            list(data["establishments"]),
            mode=data["mode"],
            actor=actor,
            consent_given_by=data["consent_given_by"],
            consent_how=data["consent_how"],
            witness_name=data["witness_name"],
            comment=data["comment"],
        ),
        success="Les demandes d'admission sont envoyées.",
    ):
        return redirect("coordination:person_requests", person_uuid=person.uuid)
    return render(
        request,
        "coordination/requests/send_form.html",
        {"person": person, "form": form, "chooser": chooser, "chosen": chosen, "query": query},
    )


@require_http_methods(["GET"])
def received(request, establishment_uuid):
    """The requests an establishment received: its team and its direction only."""
    scope = policy.scope_of(request.user)
    establishment = get_object_or_404(
        Establishment.objects.filter(pk__in=scope.team | scope.directed), uuid=establishment_uuid
    )
    filters = ReceivedFilterForm(request.GET or None)
    step = filters.cleaned_data["step"] if filters.is_valid() else ""
    queryset = establishment.admission_requests.select_related("person", "sent_from").annotate(
        closed=Case(
            When(status__in=OPEN_STATUSES, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )
    if step == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif step:
        queryset = queryset.filter(status=step)
    page = Paginator(queryset.order_by("closed", "-sent_on", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    visible = set(
        policy.visible_persons(request.user)
        .filter(pk__in={r.person_id for r in page.object_list})
        .values_list("pk", flat=True)
    )
    for admission_request in page.object_list:
        admission_request.step_word = REQUEST_STEP[RequestStatus(admission_request.status)]
    shown = {r.person_id: r.person for r in page.object_list if r.person_id in visible}
    if shown:
        log_listing(Actor.from_request(request), list(shown.values()), details={"page": "demandes_recues"})
    return render(
        request,
        "coordination/requests/received.html",
        {
            "establishment": establishment,
            "page": page,
            "filters": filters,
            "visible": visible,
            "steps": REQUEST_STEP,
            "open_statuses": OPEN_STATUSES,
        },
    )


@require_http_methods(["GET", "POST"])
def request_detail(request, request_uuid):
    person_uuid = (
        AdmissionRequest.objects.filter(uuid=request_uuid).values_list("person__uuid", flat=True).first()
    )
    if person_uuid is None:
        raise Http404("Demande introuvable.")
    actor, person, _ = open_parcours(request, person_uuid)
    admission_request = get_object_or_404(with_history(person.admission_requests.all()), uuid=request_uuid)
    with_steps([admission_request])
    statuses = allowed_steps(request.user, admission_request)
    form = None
    if statuses:
        form = StatusForm(request.POST or None, statuses=statuses, initial={"date": timezone.localdate()})
        if request.method == "POST":
            if save_with(
                request,
                form,
                lambda data: services.change_status(
                    admission_request,
                    data["status"],
                    actor=actor,
                    date=data["date"],
                    reason=data.get("reason", ""),
                    comment=data["comment"],
                ),
                success="L'étape est enregistrée.",
            ):
                return redirect("coordination:request", request_uuid=admission_request.uuid)
    elif request.method == "POST":
        # Nothing this user may record: the service decides (403, logged) or names the illegal step.
        form = StatusForm(request.POST, statuses=[])
        try:
            services.change_status(admission_request, request.POST.get("status", ""), actor=actor)
        except ValidationError as exc:
            add_validation_errors(form, exc)
    return render(
        request,
        "coordination/requests/request_detail.html",
        {
            "person": person,
            "req": admission_request,
            "form": form,
            "steps": REQUEST_STEP,
            "step": REQUEST_STEP[RequestStatus(admission_request.status)],
            "is_receiver": services.is_receiver(request.user, admission_request),
        },
    )


def allowed_steps(user, admission_request) -> list[RequestStatus]:
    """The next steps this user may record: the establishment asked all of them, the sending side the
    cancellation only."""
    following = services.next_statuses(admission_request.status)
    if services.is_receiver(user, admission_request):
        return following
    if services.is_sender(user, admission_request) and policy.decide(
        user, admission_request.person, Category.PARCOURS, Action.UPDATE
    ):
        return [status for status in following if status == RequestStatus.CANCELLED]
    return []
