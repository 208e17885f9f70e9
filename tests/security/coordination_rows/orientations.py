"""Matrix rows of the coordination of the parcours: orientations and admission requests.

A person's requests are part of their parcours: the page of P's requests is READ_P (B reads it through
the consent covering the parcours), sending requests is a write of P's parcours (WRITE_P). The world's
request (written by the row's setup, through the service, as A's professional sends it) goes from A to
C, the Foyer of another gestionnaire, whose team is no column: on its page, A's side may only cancel it
(WRITE_P: the gestionnaire's direction, B with the consent and the emergency access read it, and get a
403). The requests received by an establishment are for its team and its director: A's page to A's
professional and director, 404 to anyone else (the gestionnaire's direction included)."""

from django.urls import reverse
from django.utils import timezone

from parcours.access.journal import Actor
from parcours.coordination import requests as services
from parcours.coordination.models import AdmissionRequest
from parcours.people.models import MdphDecision
from tests.security.matrix import LOGIN, N404, OK, READ_P, WRITE_P, Row
from tests.security.world import day

RECEIVED_BY_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def orientation(w) -> MdphDecision:
    """An orientation of P towards C's category, in force (written as the MDPH's notification is)."""
    decision = MdphDecision.objects.filter(person=w.person, decision_type="orientation_esms").first()
    if decision is None:
        decision = MdphDecision.objects.create(
            person=w.person,
            decision_type="orientation_esms",
            orientation_category=w.c.category,
            reference="MDPH-MATRICE-1",
            national_reference="VT-MATRICE-1",
            decision_date=day(-60),
            start_date=day(-30),
            end_date=day(1000),
        )
    return decision


def request_to_c(w) -> AdmissionRequest:
    found = AdmissionRequest.objects.filter(person=w.person, establishment=w.c).first()
    if found is None:
        user = type(w.users["pro_a"]).objects.get(pk=w.users["pro_a"].pk)
        (found,) = services.send_requests(
            w.person,
            orientation(w),
            [w.c],
            mode="internat",
            actor=Actor(user=user, ip_address="127.0.0.1"),
            sent_from=w.a,
        )
    return found


def request_page(w) -> str:
    return reverse("coordination:request", args=[request_to_c(w).uuid])


ROWS = [
    Row("coordination:person_requests", "GET", READ_P, lambda w: {"person_uuid": w.person.uuid}),
    Row(
        "coordination:requests_send",
        "GET",
        WRITE_P,
        lambda w: {"person_uuid": w.person.uuid},
        setup=orientation,
    ),
    Row(
        "coordination:requests_send",
        "POST",
        WRITE_P,
        lambda w: {"person_uuid": w.person.uuid},
        data=lambda w: {
            "decision": str(orientation(w).uuid),
            "establishments": [str(w.c.uuid)],
            "mode": "internat",
            "consent": "on",
            "consent_given_by": "person",
            "consent_how": "signed_paper",
            "witness_name": "",
            "comment": "",
        },
        success=lambda w: reverse("coordination:person_requests", args=[w.person.uuid]),
        probe=lambda w: AdmissionRequest.objects.count(),
        setup=orientation,
    ),
    Row("coordination:received", "GET", RECEIVED_BY_A, lambda w: {"establishment_uuid": w.a.uuid}),
    Row(
        "coordination:request",
        "GET",
        READ_P,
        lambda w: {"request_uuid": request_to_c(w).uuid},
        setup=request_to_c,
    ),
    Row(
        "coordination:request",
        "POST",
        WRITE_P,
        lambda w: {"request_uuid": request_to_c(w).uuid},
        data=lambda w: {
            "status": "49",
            "date": timezone.localdate().isoformat(),
            "comment": "La famille renonce.",
        },
        success=request_page,
        probe=lambda w: AdmissionRequest.objects.get(pk=request_to_c(w).pk).status,
        setup=request_to_c,
    ),
]
