"""The pages of the admission requests, as the IME's team and the ESAT's team use them."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.access.models import AccessLogEntry
from parcours.coordination import requests as services
from parcours.coordination.enums import RequestStatus
from parcours.coordination.models import AdmissionRequest
from parcours.records.models import Admission
from tests.conftest import assert_page_ok
from tests.coordination.conftest import ago
from tests.coordination.test_requests import actor, move, send
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    MdphDecisionFactory,
    PersonFactory,
    concept,
)


def test_the_team_sends_requests_from_the_orientation(department, login):
    d = department
    client = login(d.ime_pro.user)
    url = reverse("coordination:requests_send", args=[d.tom.uuid])
    page = assert_page_ok(client.get(url, {"decision": d.orientation_esat.uuid, "q": "rhone"}))
    assert "ESAT du Rhône" in page and "Foyer des Monts" not in page
    response = client.post(
        url,
        {
            "decision": d.orientation_esat.uuid,
            "establishments": [d.esat.uuid],
            "mode": "externat",
            "consent_given_by": "person",
            "consent_how": "signed_paper",
        },
    )
    page = assert_page_ok(response)
    assert "Sans cet accord, la demande ne peut pas être envoyée." in page
    assert not AdmissionRequest.objects.exists()
    response = client.post(
        url,
        {
            "decision": d.orientation_esat.uuid,
            "establishments": [d.esat.uuid],
            "mode": "externat",
            "consent": "on",
            "consent_given_by": "person",
            "consent_how": "signed_paper",
        },
    )
    assert response.status_code == 302
    request = AdmissionRequest.objects.get()
    page = assert_page_ok(client.get(reverse("coordination:person_requests", args=[d.tom.uuid])))
    assert "ESAT du Rhône" in page and "Envoyée" in page and "MDPH69-2026-0042" in page
    assert reverse("records:mdph_create", args=[d.tom.uuid]) in page
    assert reverse("coordination:request", args=[request.uuid]) in page


def test_the_establishment_asked_lists_and_moves_its_requests(department, login):
    d = department
    (request,) = send(d)
    client = login(d.esat_pro.user)
    page = assert_page_ok(client.get(reverse("coordination:received", args=[d.esat.uuid])))
    assert "MOREAU Tom" in page or "Tom" in page
    assert AccessLogEntry.objects.filter(actor=d.esat_pro.user, person=d.tom, action="list").exists()
    url = reverse("coordination:request", args=[request.uuid])
    page = assert_page_ok(client.get(url))
    # Only the legal next steps are offered: reading, or cancelling.
    assert 'value="40"' in page and 'value="49"' in page and 'value="72"' not in page
    response = client.post(url, {"status": "40", "date": "2000-01-01"})
    assert "La date précède" in assert_page_ok(response)
    response = client.post(url, {"status": "40", "date": request.sent_on.isoformat()})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == RequestStatus.READ
    filtered = client.get(reverse("coordination:received", args=[d.esat.uuid]), {"step": "45"})
    assert "Aucune demande." in assert_page_ok(filtered)


def test_the_sender_may_only_cancel(department, login):
    d = department
    (request,) = send(d)
    client = login(d.ime_pro.user)
    url = reverse("coordination:request", args=[request.uuid])
    page = assert_page_ok(client.get(url))
    assert 'value="49"' in page and 'value="40"' not in page
    assert client.post(url, {"status": "40", "date": request.sent_on.isoformat()}).status_code == 200
    request.refresh_from_db()
    assert request.status == RequestStatus.SENT


def test_an_establishment_not_asked_sees_nothing(department, login):
    d = department
    (request,) = send(d)
    client = login(d.foyer_pro.user)
    assert client.get(reverse("coordination:request", args=[request.uuid])).status_code == 404
    assert client.get(reverse("coordination:received", args=[d.esat.uuid])).status_code == 404
    assert client.get(reverse("coordination:person_requests", args=[d.tom.uuid])).status_code == 404


def test_entry_from_the_page_admits_the_person(department, login):
    d = department
    (request,) = send(d)
    for status in (RequestStatus.READ, RequestStatus.UNDER_STUDY, RequestStatus.ADMISSIBLE):
        request = move(d, request, status)
    client = login(d.esat_director.user)
    url = reverse("coordination:request", args=[request.uuid])
    response = client.post(url, {"status": "47", "date": request.status_date.isoformat()})
    assert response.status_code == 302
    assert Admission.objects.filter(person=d.tom, establishment=d.esat).exists()
    page = assert_page_ok(client.get(url))
    assert "Admission réalisée" in page


def test_a_refusal_from_the_page_needs_its_reason(department, login):
    d = department
    (request,) = send(d)
    services.change_status(request, RequestStatus.READ, actor=actor(d.esat_pro))
    client = login(d.esat_pro.user)
    url = reverse("coordination:request", args=[request.uuid])
    response = client.post(url, {"status": "45", "date": request.sent_on.isoformat(), "reason": ""})
    assert "Indiquez le motif du refus." in assert_page_ok(response)
    request.refresh_from_db()
    assert request.status == RequestStatus.READ


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert_page_ok(client.get(url))
    return len(captured)


def test_the_lists_read_as_many_rows_with_many_requests_as_with_one(department, login):
    d = department
    send(d)
    services.send_requests(d.tom, d.orientation_foyer, [d.foyer], mode="internat", actor=actor(d.ime_pro))
    esat_client, ime_client = login(d.esat_pro.user), login(d.ime_pro.user)
    received = reverse("coordination:received", args=[d.esat.uuid])
    person = reverse("coordination:person_requests", args=[d.tom.uuid])
    before = (queries(esat_client, received), queries(ime_client, person))
    for index in range(4):
        other = EstablishmentFactory(name=f"ESAT {index}", category=concept("finess-categories", "246"))
        services.send_requests(d.tom, d.orientation_esat, [other], mode="externat", actor=actor(d.ime_pro))
        young = PersonFactory(opened_by=d.ime)
        decision = MdphDecisionFactory(person=young, category="246", start_date=ago(10))
        AdmissionFactory(person=young, establishment=d.ime, start_date=ago(100))
        services.send_requests(young, decision, [d.esat], mode="externat", actor=actor(d.ime_pro))
    assert (queries(esat_client, received), queries(ime_client, person)) == before
