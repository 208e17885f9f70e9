"""The orientation follow-up (ANS guide "Suivi des décisions d'orientation") through the FHIR API: the
ESMSTask of each admission request followed by the SI-SDO, the SI-SDO's notifications (SDOTask)
applied to the requests, and the MDPH's decisions received as DocumentReference.

The world is the coordination's: Tom leaves the IME Les Tilleuls with orientations towards the ESAT du
Rhône (decision MDPH69-2026-0042, national identifier VT-2026-000042) and a foyer."""

import pytest

from parcours.coordination import sdo
from parcours.coordination.enums import RefusalReason, RequestStatus
from parcours.coordination.models import AdmissionRequest, AdmissionRequestEvent
from parcours.fhir.validation import check_resource
from parcours.people.models import MdphDecision, Person
from tests.coordination.conftest import department  # noqa: F401 (the coordination's world)
from tests.coordination.test_requests import PATHS, move, send

pytestmark = pytest.mark.django_db

S = RequestStatus
ESMS_TASK = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/esms-task"
SDO_TASK = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-task"
ESMS_DOCUMENT = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/esms-document-reference"
SDO_DOCUMENT = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-document-reference"
INPUT_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/sdo/CodeSystem/input-task-sdo-codesystem"
TRE_R66 = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"


@pytest.fixture
def d(department):  # noqa: F811
    department.orientation_esat.national_reference = "VT-2026-000042"
    department.orientation_esat.save()
    return department


def reach(d, status) -> AdmissionRequest:
    (request,) = send(d)
    for next_status in PATHS[status]:
        request = move(d, request, next_status)
    request.refresh_from_db()
    return request


def inputs(task) -> dict:
    return {item["type"]["coding"][0]["code"]: item for item in task["input"]}


def notification(request, status, reason=None) -> dict:
    """What the SI-SDO sends: an SDOTask naming the ESMS and the decision, with a status."""
    task = sdo.esms_task(request)
    task["meta"]["profile"] = [SDO_TASK]
    task.pop("id")
    task["input"] = [
        i for i in task["input"] if i["type"]["coding"][0]["code"] not in {"statutESMS", "motifESMS"}
    ]
    coding = {"system": sdo.STATUS_SYSTEM, "code": status}
    task["input"].append(
        {
            "type": {"coding": [{"system": INPUT_SYSTEM, "code": "statutESMS"}]},
            "valueCodeableConcept": {"coding": [coding]},
        }
    )
    if reason:
        task["input"].append(
            {
                "type": {"coding": [{"system": INPUT_SYSTEM, "code": "motifESMS"}]},
                "valueCodeableConcept": {"coding": [{"system": sdo.REASON_SYSTEM, "code": reason}]},
            }
        )
    return task


def check_esms_task(task: dict, request: AdmissionRequest, status: str) -> None:
    """The rules of the guide's ESMSTask profile (input/fsh/profiles/ESMSTask.fsh) on what we return."""
    check_resource(task)
    assert task["resourceType"] == "Task"
    assert task["meta"]["profile"] == [ESMS_TASK]
    assert task["meta"]["lastUpdated"]  # meta.lastUpdated 1..
    assert (task["intent"], task["status"]) == ("plan", "completed")  # fixed codes
    assert all(item["type"]["coding"][0]["system"] == INPUT_SYSTEM for item in task["input"])
    values = inputs(task)
    for code in ("idNat_Struct", "nomESMS", "idDecision", "idNat_Decision"):  # the 1..1 slices
        assert [i["type"]["coding"][0]["code"] for i in task["input"]].count(code) == 1
    assert values["idNat_Struct"]["valueIdentifier"]["value"] == "1" + request.establishment.finess
    assert values["nomESMS"]["valueString"] == request.establishment.name
    assert values["idDecision"]["valueIdentifier"]["value"] == request.mdph_decision.reference
    assert values["idNat_Decision"]["valueIdentifier"]["value"] == request.mdph_decision.national_reference
    assert values["statutESMS"]["valueCodeableConcept"]["coding"][0] == {
        "system": sdo.STATUS_SYSTEM,
        "code": status,
        "display": S(status).label,
    }
    assert task["id"] == str(request.uuid)
    assert task["for"] == {"reference": f"Patient/{request.person.uuid}"}


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content
    resource = response.json()
    assert resource["resourceType"] == "OperationOutcome"
    check_resource(resource)
    return resource


def snapshot(request) -> tuple:
    request.refresh_from_db()
    return request.status, request.status_date, AdmissionRequestEvent.objects.count()


# --- Task


def test_a_notification_moves_the_request_and_its_esms_task_shows_it(d, fhir_client_for):
    request = reach(d, S.SENT)
    api = fhir_client_for(d.esat_pro.user, "system/Task.*")
    response = api.post("Task", notification(request, "40"))
    assert response.status_code == 201, response.content
    check_esms_task(response.json(), request, "40")
    request.refresh_from_db()
    assert request.status == S.READ
    assert request.events.last().recorded_by == d.esat_pro.user
    read = api.get(f"Task/{request.uuid}")
    assert read.status_code == 200
    check_esms_task(read.json(), request, "40")


def test_a_refusal_carries_its_reason_and_an_update_by_put_names_the_same_request(d, fhir_client_for):
    request = reach(d, S.UNDER_STUDY)
    api = fhir_client_for(d.esat_pro.user, "system/Task.*")
    response = api.put(f"Task/{request.uuid}", notification(request, "45", RefusalReason.DISTANCE.value))
    assert response.status_code == 200, response.content
    task = response.json()
    check_esms_task(task, request, "45")
    assert (
        inputs(task)["motifESMS"]["valueCodeableConcept"]["coding"][0]["code"] == RefusalReason.DISTANCE.value
    )
    request.refresh_from_db()
    assert (request.status, request.reason) == (S.IMPOSSIBLE, RefusalReason.DISTANCE)


@pytest.mark.parametrize(
    "case", ["no_decision", "intent", "illegal", "establishment", "esms_profile", "other_url"]
)
def test_an_invalid_notification_is_refused_with_422_and_changes_nothing(d, fhir_client_for, case):
    request = reach(d, S.SENT)
    other = None
    if case == "other_url":
        d.orientation_foyer.national_reference = "VT-2026-000043"
        d.orientation_foyer.save()
        (other,) = send(d, d.foyer, decision=d.orientation_foyer)
    task = notification(request, "47" if case == "illegal" else "40")
    if case == "no_decision":  # input[idNat_Decision] 1..1
        task["input"] = [i for i in task["input"] if i["type"]["coding"][0]["code"] != "idNat_Decision"]
    elif case == "intent":  # intent = #plan
        task["intent"] = "order"
    elif case == "establishment":
        inputs(task)["idNat_Struct"]["valueIdentifier"]["value"] = "1999999999"
    elif case == "esms_profile":
        task["meta"]["profile"] = [ESMS_TASK]
    before = snapshot(request)
    api = fhir_client_for(d.esat_pro.user, "system/Task.*")
    if case == "other_url":
        response = api.put(f"Task/{other.uuid}", task)
    else:
        response = api.post("Task", task)
    refused = outcome(response, 422)
    assert refused["issue"][0]["diagnostics"]
    assert snapshot(request) == before


def test_a_task_without_an_sdo_profile_is_not_taken_as_a_notification(d, fhir_client_for):
    request = reach(d, S.SENT)
    task = notification(request, "40")
    del task["meta"]["profile"]
    before = snapshot(request)
    api = fhir_client_for(d.esat_pro.user, "system/Task.*")
    assert api.post("Task", task).status_code in (400, 422)
    assert snapshot(request) == before


def test_scopes_and_rights_are_enforced(d, fhir_client_for):
    request = reach(d, S.SENT)
    before = snapshot(request)
    reader = fhir_client_for(d.esat_pro.user, "system/Task.read")
    assert outcome(reader.post("Task", notification(request, "40")), 403)["issue"][0]["code"] == "forbidden"
    outcome(fhir_client_for(d.esat_pro.user, "system/Patient.read").get("Task"), 403)
    # The foyer's professional does not write in the ESAT's name.
    foyer = fhir_client_for(d.foyer_pro.user, "system/Task.*")
    outcome(foyer.post("Task", notification(request, "40")), 403)
    assert snapshot(request) == before


def test_a_searchset_of_notifications_is_applied_all_or_nothing(d, fhir_client_for):
    first = reach(d, S.SENT)
    api = fhir_client_for(d.esat_pro.user, "system/Task.*")

    def searchset(*tasks):
        return {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {"fullUrl": f"https://sdo.example/Task/{i}", "resource": t} for i, t in enumerate(tasks)
            ],
        }

    bad = notification(first, "40")
    bad["input"] = [i for i in bad["input"] if i["type"]["coding"][0]["code"] != "nomESMS"]
    before = snapshot(first)
    outcome(api.post("Task/$sdo-notifications", searchset(notification(first, "40"), bad)), 422)
    assert snapshot(first) == before
    response = api.post("Task/$sdo-notifications", searchset(notification(first, "40")))
    assert response.status_code == 200, response.content
    result = response.json()
    check_resource(result)
    assert result["type"] == "collection"
    (entry,) = result["entry"]
    first.refresh_from_db()
    check_esms_task(entry["resource"], first, "40")


def test_search_the_esms_tasks_by_patient_status_and_date(d, fhir_client_for):
    request = reach(d, S.READ)
    # A request whose decision the SI-SDO does not know is not an ESMSTask.
    (unfollowed,) = send(d, d.foyer, decision=d.orientation_foyer)
    api = fhir_client_for(d.esat_pro.user, "system/Task.read")
    found = api.get("Task", patient=f"Patient/{d.tom.uuid}").json()
    ids = [e["resource"]["id"] for e in found["entry"]]
    assert ids == [str(request.uuid)] and str(unfollowed.uuid) not in ids
    for entry in found["entry"]:
        check_resource(entry["resource"])
    assert api.get("Task", patient=f"Patient/{d.tom.uuid}", status="completed").json()["total"] == 1
    assert api.get("Task", patient=f"Patient/{d.tom.uuid}", status="in-progress").json()["total"] == 0
    day = request.status_date.isoformat()
    assert api.get("Task", patient=f"Patient/{d.tom.uuid}", date=f"ge{day}").json()["total"] == 1
    outcome(api.get("Task", status="perdu"), 400)


def test_the_sdo_search_parameters_of_the_esms_tasks(d, fhir_client_for):
    """statut-esms, owner and _lastUpdated are the ESMSTask's own: checked on its mapping, as the
    search interaction applies them (a search across every Task mapping needs the others to know them)."""
    from parcours.fhir import registry, service
    from parcours.fhir.auth import authenticate
    from parcours.fhir.context import Context
    from parcours.fhir.outcome import FhirError
    from parcours.fhir.resources.sdo import EsmsTaskMapping

    request = reach(d, S.READ)
    api = fhir_client_for(d.esat_pro.user, "system/Task.read")
    http_request = type("R", (), {"META": {"HTTP_AUTHORIZATION": api.http.defaults["HTTP_AUTHORIZATION"]}})()
    ctx = Context(authenticate(http_request), "http://testserver/fhir")
    mapping = next(m for m in registry.parts("Task") if isinstance(m, EsmsTaskMapping))

    def found(**params):
        return list(service.filtered(mapping, {k: [v] for k, v in params.items()}, ctx))

    assert found(**{"statut-esms": "40"}) == [request]
    assert found(**{"statut-esms": f"{sdo.STATUS_SYSTEM}|42"}) == []
    assert found(owner=f"Organization/{d.esat.uuid}") == [request]
    assert found(owner=f"Organization/{d.savs.uuid}") == []
    assert found(_lastUpdated=f"ge{request.updated_at.date().isoformat()}") == [request]
    assert found(code="anything") == []
    with pytest.raises(FhirError) as error:
        found(**{"statut-esms": "999"})
    assert error.value.status == 400


@pytest.mark.django_db(transaction=True)
def test_fhirpy_searches_the_esms_tasks_of_a_patient(department, fhirpy_client):  # noqa: F811
    department.orientation_esat.national_reference = "VT-2026-000042"
    department.orientation_esat.save()
    request = reach(department, S.READ)
    client = fhirpy_client(department.esat_pro.user, "system/Task.read")
    tasks = client.resources("Task").search(patient=f"Patient/{department.tom.uuid}").fetch_all()
    assert [task.id for task in tasks] == [str(request.uuid)]
    task = tasks[0].serialize()
    request.refresh_from_db()
    check_esms_task(task, request, "40")


# --- DocumentReference


def decision_document(d, **changes) -> dict:
    document = {
        "resourceType": "DocumentReference",
        "meta": {"profile": [ESMS_DOCUMENT]},
        "identifier": [
            {"use": "usual", "value": "MDPH69-2026-0101"},
            {"use": "official", "value": "VT-2026-000101"},
        ],
        "status": "current",
        "type": {
            "coding": [
                {"system": "http://loinc.org", "code": "57830-2", "display": "Admission request Document"}
            ]
        },
        "subject": {"reference": f"Patient/{d.tom.uuid}"},
        "date": "2026-03-02T00:00:00+01:00",
        "content": [{"attachment": {"title": "Document Individu et décision", "contentType": "text/xml"}}],
        "context": {
            "period": {"start": "2026-04-01", "end": "2031-03-31"},
            "facilityType": {"coding": [{"system": TRE_R66, "code": "446"}]},
        },
    }
    document.update(changes)
    return document


def test_a_decision_received_is_kept_for_the_person_and_read_back(d, fhir_client_for):
    api = fhir_client_for(d.ime_pro.user, "system/DocumentReference.*")
    response = api.post("DocumentReference", decision_document(d))
    assert response.status_code == 201, response.content
    document = response.json()
    check_resource(document)
    decision = MdphDecision.objects.get(national_reference="VT-2026-000101")
    assert decision.person == d.tom and decision.reference == "MDPH69-2026-0101"
    assert decision.orientation_category.code == "446"
    assert (str(decision.decision_date), str(decision.start_date), str(decision.end_date)) == (
        "2026-03-02",
        "2026-04-01",
        "2031-03-31",
    )
    # What the ESMSDocumentReference profile requires, on what the API returns.
    assert document["meta"]["profile"] == [ESMS_DOCUMENT]
    assert document["id"] == str(decision.uuid)
    assert sorted((i["use"], i["value"]) for i in document["identifier"]) == [
        ("official", "VT-2026-000101"),
        ("usual", "MDPH69-2026-0101"),
    ]
    assert document["type"]["coding"] == [
        {"system": "http://loinc.org", "code": "57830-2", "display": "Admission request Document"}
    ]
    (content,) = document["content"]
    assert content["attachment"]["title"] == "Document Individu et décision"
    assert document["context"]["facilityType"]["coding"][0]["code"] == "446"
    found = api.get("DocumentReference", identifier="VT-2026-000101", type="57830-2").json()
    assert "entry" in found, found
    assert [e["resource"]["id"] for e in found["entry"]] == [str(decision.uuid)]
    assert api.get("DocumentReference", identifier="VT-2026-000101", type="51848-0").json()["total"] == 0
    # Sent again (an update of the SI-SDO), it updates the same decision.
    again = api.post("DocumentReference", decision_document(d, date="2026-03-03T10:00:00+01:00"))
    assert again.status_code == 201 and again.json()["id"] == str(decision.uuid)
    assert MdphDecision.objects.filter(national_reference="VT-2026-000101").count() == 1
    decision.refresh_from_db()
    assert str(decision.decision_date) == "2026-03-03"


def test_a_decision_names_its_person_by_the_ins(d, fhir_client_for):
    Person.objects.filter(pk=d.tom.pk).update(nir="106056912345678")
    api = fhir_client_for(d.ime_pro.user, "system/DocumentReference.*")
    subject = {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "106056912345678"}}
    document = decision_document(d, subject=subject, meta={"profile": [SDO_DOCUMENT]})
    document["identifier"] = [{"use": "usual", "value": "MDPH69-2026-0102"}]
    response = api.post("DocumentReference", document)
    assert response.status_code == 201, response.content
    assert response.json()["meta"]["profile"] == [SDO_DOCUMENT]
    assert MdphDecision.objects.get(reference="MDPH69-2026-0102").person == d.tom
    unknown = {"identifier": {"system": "urn:oid:1.2.250.1.213.1.4.8", "value": "199999999999999"}}
    document["identifier"] = [{"use": "usual", "value": "MDPH69-2026-0103"}]
    outcome(api.post("DocumentReference", {**document, "subject": unknown}), 422)
    assert not MdphDecision.objects.filter(reference="MDPH69-2026-0103").exists()


@pytest.mark.parametrize(
    "case",
    [
        "no_usual_identifier",
        "one_identifier_esms",
        "evaluation",
        "title",
        "category",
        "no_subject",
        "no_start",
    ],
)
def test_an_invalid_decision_is_refused_with_422_and_writes_nothing(d, fhir_client_for, case):
    document = decision_document(d)
    if case == "no_usual_identifier":  # identifier[idDecision] 1..1
        document["identifier"] = [{"use": "official", "value": "VT-2026-000101"}]
    elif case == "one_identifier_esms":  # ESMSDocumentReference: identifier 2..2
        document["identifier"] = document["identifier"][:1]
    elif case == "evaluation":
        document["type"]["coding"][0].update(code="51848-0", display="Assessment note")
        document["content"][0]["attachment"]["title"] = "Document évaluation"
    elif case == "title":  # regle-NomPieceJointe-type
        document["content"][0]["attachment"]["title"] = "Décision"
    elif case == "category":
        document["context"]["facilityType"]["coding"][0]["code"] = "000"
    elif case == "no_subject":
        del document["subject"]
    elif case == "no_start":
        del document["context"]["period"]
    count = MdphDecision.objects.count()
    api = fhir_client_for(d.ime_pro.user, "system/DocumentReference.*")
    refused = outcome(api.post("DocumentReference", document), 422)
    assert refused["issue"][0]["diagnostics"]
    assert MdphDecision.objects.count() == count


def test_decisions_need_the_scope_and_the_right_to_write_in_the_record(d, fhir_client_for):
    count = MdphDecision.objects.count()
    reader = fhir_client_for(d.ime_pro.user, "system/DocumentReference.read")
    outcome(reader.post("DocumentReference", decision_document(d)), 403)
    # The SAVS has nothing to do with Tom's record.
    stranger = fhir_client_for(d.savs_pro.user, "system/DocumentReference.*")
    assert stranger.post("DocumentReference", decision_document(d)).status_code in (403, 422)
    assert MdphDecision.objects.count() == count
    assert Person.objects.filter(pk=d.tom.pk).exists()


def test_a_decision_of_the_world_reads_as_the_sdo_profile(d, fhir_client_for):
    api = fhir_client_for(d.ime_pro.user, "system/DocumentReference.read")
    found = api.get("DocumentReference", patient=f"Patient/{d.tom.uuid}").json()
    by_id = {e["resource"]["id"]: e["resource"] for e in found["entry"]}
    esat = by_id[str(d.orientation_esat.uuid)]
    foyer = by_id[str(d.orientation_foyer.uuid)]
    check_resource(esat)
    check_resource(foyer)
    assert esat["meta"]["profile"] == [ESMS_DOCUMENT]
    # Without its national identifier, the decision has only the SDO profile (identifier 1..2).
    assert foyer["meta"]["profile"] == [SDO_DOCUMENT]
    assert [i["use"] for i in foyer["identifier"]] == ["usual"]
