"""`POST /fhir` with a Bundle: a transaction writes everything or nothing (the failing entry named), in
the order of what references what, keeping the entries' urn:uuid as ids; a batch answers entry by
entry; a Bundle declaring TDDUIBundle follows its rules (TDDUIBundle.fsh)."""

import copy
import uuid

import pytest

from parcours.access.models import AccessLogEntry
from parcours.fhir.validation import check_resource
from parcours.people.models import Person, Relative
from tests.factories import RelativeFactory, nir_for

pytestmark = pytest.mark.django_db

BUNDLE_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-bundle"
INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"


def transaction(*entries, kind="transaction", **extra) -> dict:
    return {"resourceType": "Bundle", "type": kind, "entry": list(entries), **extra}


def served(api, resource_type: str, resource_id) -> dict:
    """A resource as this server serves it, made ready to be posted as a new one."""
    response = api.get(f"{resource_type}/{resource_id}")
    assert response.status_code == 200, response.content
    resource = response.json()
    check_resource(resource)
    resource.pop("id")
    resource["meta"].pop("versionId", None)
    resource["meta"].pop("lastUpdated", None)
    return resource


def new_patient(api, person, family: str) -> dict:
    """The Patient of `person` as served, renamed and without its INS (a new person's Patient)."""
    resource = served(api, "Patient", person.uuid)
    resource["name"][0]["family"] = family
    resource.pop("identifier", None)
    resource["meta"]["profile"] = [
        p.replace("tddui-patient-ins", "tddui-patient") for p in resource["meta"]["profile"]
    ]
    return resource


def post(full_url: str, resource: dict, **request) -> dict:
    return {
        "fullUrl": full_url,
        "resource": resource,
        "request": {"method": "POST", "url": resource["resourceType"], **request},
    }


def expressions(outcome: dict) -> list[str]:
    return [expression for issue in outcome["issue"] for expression in issue.get("expression", [])]


# --- what is not a transaction or a batch


def test_what_is_not_a_transaction_or_batch_bundle_is_refused_400(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    for body in (
        {"resourceType": "Patient"},
        transaction(kind="collection"),
        transaction(kind="searchset"),
        {"resourceType": "Bundle", "type": "transaction", "entry": [{"unknown": 1}]},
        {"resourceType": "Bundle", "type": "transaction", "entry": "pas une liste"},
    ):
        response = api.post("", body)
        assert response.status_code == 400, (body, response.content)
        assert response.json()["resourceType"] == "OperationOutcome"


def test_an_entry_without_request_or_with_an_unsupported_method_is_refused(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    person = fhir_world.persons[0]
    response = api.post("", transaction({"fullUrl": "urn:uuid:" + str(uuid.uuid4())}))
    assert response.status_code == 400
    assert expressions(response.json()) == ["Bundle.entry[0].request"]
    response = api.post("", transaction({"request": {"method": "DELETE", "url": f"Patient/{person.uuid}"}}))
    assert response.status_code == 400
    assert expressions(response.json()) == ["Bundle.entry[0].request.method"]
    assert Person.objects.filter(pk=person.pk).exists()


# --- TDDUIBundle


def test_a_bundle_declaring_tddui_bundle_follows_its_rules_or_is_refused_422(fhir_world, fhir_client_for):
    """TDDUIBundle.fsh: type = #transaction; every entry has resource 1..1 and request 1..1 whose
    method = #POST."""
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    person = fhir_world.persons[0]
    patient = new_patient(api, person, "Nouveau")
    before = Person.objects.count()
    profile = {"profile": [BUNDLE_PROFILE]}
    cases = [
        (transaction(post(f"urn:uuid:{uuid.uuid4()}", patient), kind="batch", meta=profile), "Bundle.type"),
        (
            transaction({"request": {"method": "GET", "url": f"Patient/{person.uuid}"}}, meta=profile),
            "Bundle.entry[0].resource",
        ),
        (transaction({"resource": patient}, meta=profile), "Bundle.entry[0].request"),
        (
            transaction(
                {
                    "resource": {**patient, "id": str(person.uuid)},
                    "request": {"method": "PUT", "url": f"Patient/{person.uuid}"},
                },
                meta=profile,
            ),
            "Bundle.entry[0].request.method",
        ),
    ]
    for bundle, expression in cases:
        response = api.post("", bundle)
        assert response.status_code == 422, (expression, response.content)
        outcome = response.json()
        assert outcome["resourceType"] == "OperationOutcome"
        assert expression in expressions(outcome)
    assert Person.objects.count() == before


# --- reads inside a transaction, batch


def test_a_transaction_reads_and_searches_and_answers_in_the_requests_order(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    first, second = fhir_world.persons
    response = api.post(
        "",
        transaction(
            {"request": {"method": "GET", "url": f"Patient/{second.uuid}"}},
            {"request": {"method": "GET", "url": f"Patient?_id={first.uuid}"}},
            {"request": {"method": "GET", "url": f"Patient/{first.uuid}"}},
        ),
    )
    assert response.status_code == 200, response.content
    bundle = response.json()
    check_resource(bundle)
    assert bundle["type"] == "transaction-response"
    assert [entry["response"]["status"] for entry in bundle["entry"]] == ["200 OK"] * 3
    assert bundle["entry"][0]["resource"]["id"] == str(second.uuid)
    assert bundle["entry"][1]["resource"]["type"] == "searchset"
    assert bundle["entry"][1]["resource"]["entry"][0]["resource"]["id"] == str(first.uuid)
    assert bundle["entry"][2]["resource"]["id"] == str(first.uuid)
    assert AccessLogEntry.objects.filter(person=second, channel="fhir", allowed=True).exists()


def test_a_transaction_fails_as_a_whole_naming_the_entry(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    response = api.post(
        "",
        transaction(
            {"request": {"method": "GET", "url": f"Patient/{fhir_world.persons[0].uuid}"}},
            {"request": {"method": "GET", "url": f"Patient/{fhir_world.stranger.uuid}"}},
        ),
    )
    assert response.status_code == 404
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert expressions(outcome) == ["Bundle.entry[1]"]
    # The refusal to read the stranger's record stays in the access log.
    assert AccessLogEntry.objects.filter(person=fhir_world.stranger, allowed=False, channel="fhir").exists()


def test_a_batch_answers_each_entry_on_its_own(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    response = api.post(
        "",
        transaction(
            {"request": {"method": "GET", "url": f"Patient/{fhir_world.persons[0].uuid}"}},
            {"request": {"method": "GET", "url": f"Patient/{fhir_world.stranger.uuid}"}},
            {"request": {"method": "DELETE", "url": f"Patient/{fhir_world.persons[0].uuid}"}},
            {"request": {"method": "GET", "url": f"Patient/{fhir_world.persons[1].uuid}"}},
            kind="batch",
        ),
    )
    assert response.status_code == 200, response.content
    bundle = response.json()
    check_resource(bundle)
    assert bundle["type"] == "batch-response"
    statuses = [entry["response"]["status"] for entry in bundle["entry"]]
    assert statuses == ["200 OK", "404 Not Found", "400 Bad Request", "200 OK"]
    assert bundle["entry"][1]["response"]["outcome"]["resourceType"] == "OperationOutcome"
    assert bundle["entry"][3]["resource"]["id"] == str(fhir_world.persons[1].uuid)


def test_a_write_needs_the_write_scope(fhir_world, fhir_client_for):
    reader = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    patient = new_patient(reader, fhir_world.persons[0], "Nouveau")
    before = Person.objects.count()
    response = reader.post("", transaction(post(f"urn:uuid:{uuid.uuid4()}", patient)))
    assert response.status_code == 403
    assert expressions(response.json()) == ["Bundle.entry[0]"]
    assert Person.objects.count() == before


# --- conditional create


def test_a_conditional_create_finds_the_person_by_ins_and_creates_nothing(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    person.identity_status, person.nir = "QUAL", nir_for(person.sex, person.birth_date, 7)
    person.save(update_fields=["identity_status", "nir"])
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    patient = served(api, "Patient", person.uuid)
    before = Person.objects.count()
    response = api.post(
        "",
        transaction(
            post(f"urn:uuid:{uuid.uuid4()}", patient, ifNoneExist=f"identifier={INS_NIR}|{person.nir}"),
        ),
    )
    assert response.status_code == 200, response.content
    answer = response.json()["entry"][0]["response"]
    assert answer["status"] == "200 OK"
    assert answer["location"].startswith(f"Patient/{person.uuid}/_history/")
    assert Person.objects.count() == before


def test_a_conditional_create_on_other_criteria_is_not_supported(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    patient = new_patient(api, fhir_world.persons[0], "Nouveau")
    before = Person.objects.count()
    response = api.post(
        "", transaction(post(f"urn:uuid:{uuid.uuid4()}", patient, ifNoneExist="name=Nouveau"))
    )
    assert response.status_code == 400
    outcome = response.json()
    assert "non prise en charge" in outcome["issue"][0]["diagnostics"]
    assert expressions(outcome) == ["Bundle.entry[0].request.ifNoneExist"]
    assert Person.objects.count() == before


# --- writes


def location_id(entry: dict) -> str:
    """The id in a transaction-response entry's location (Type/<id>/_history/<version>)."""
    return entry["response"]["location"].split("/")[1]


def test_a_transaction_creates_and_reads_after_writing(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    patient = new_patient(api, fhir_world.persons[0], "Transactionnel")
    response = api.post(
        "",
        transaction(
            # The search comes first in the bundle but runs after the writes.
            {"request": {"method": "GET", "url": "Patient?name=Transactionnel"}},
            post(f"urn:uuid:{uuid.uuid4()}", patient),
        ),
    )
    assert response.status_code == 200, response.content
    bundle = response.json()
    check_resource(bundle)
    search, created = bundle["entry"]
    assert created["response"]["status"] == "201 Created"
    new = Person.objects.get(birth_name="Transactionnel")
    assert created["response"]["location"] == f"Patient/{new.uuid}/_history/1"
    assert created["response"]["etag"] == 'W/"1"'
    assert [entry["resource"]["id"] for entry in search["resource"]["entry"]] == [str(new.uuid)]


def test_a_transaction_writes_nothing_when_one_entry_is_invalid(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    good = new_patient(api, fhir_world.persons[0], "Valide")
    bad = copy.deepcopy(good)
    bad["birthDate"] = "pas une date"
    before = Person.objects.count()
    response = api.post(
        "", transaction(post(f"urn:uuid:{uuid.uuid4()}", good), post(f"urn:uuid:{uuid.uuid4()}", bad))
    )
    assert response.status_code == 400, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert all(expression.startswith("Bundle.entry[1]") for expression in expressions(outcome))
    assert Person.objects.count() == before


def test_entries_reference_each_other_by_urn_whatever_their_order(fhir_world, fhir_client_for):
    """A RelatedPerson placed before the Patient it references by urn:uuid: the Patient is written
    first (mapping order), and the RelatedPerson points to it."""
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    person = fhir_world.persons[0]
    relative = RelativeFactory(person=person)
    contact = served(api, "RelatedPerson", relative.uuid)
    patient_id, contact_id = uuid.uuid4(), uuid.uuid4()
    contact["patient"] = {"reference": f"urn:uuid:{patient_id}"}
    patient = new_patient(api, person, "Référencée")
    response = api.post(
        "", transaction(post(f"urn:uuid:{contact_id}", contact), post(f"urn:uuid:{patient_id}", patient))
    )
    assert response.status_code == 200, response.content
    answers = response.json()["entry"]
    assert [entry["response"]["status"] for entry in answers] == ["201 Created", "201 Created"]
    contact_uuid, patient_uuid = location_id(answers[0]), location_id(answers[1])
    created = Relative.objects.get(uuid=contact_uuid)
    assert str(created.person.uuid) == patient_uuid
    assert created.person.birth_name == "Référencée"
    read = api.get(f"RelatedPerson/{contact_uuid}").json()
    assert read["patient"]["reference"] == f"Patient/{patient_uuid}"


def test_a_reference_to_no_entry_is_refused_422(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    relative = RelativeFactory(person=fhir_world.persons[0])
    contact = served(api, "RelatedPerson", relative.uuid)
    contact["patient"] = {"reference": f"urn:uuid:{uuid.uuid4()}"}
    before = Relative.objects.count()
    response = api.post("", transaction(post(f"urn:uuid:{uuid.uuid4()}", contact)))
    assert response.status_code == 422, response.content
    assert any(e.startswith("Bundle.entry[0]") for e in expressions(response.json()))
    assert Relative.objects.count() == before


# --- fhirpy


@pytest.mark.django_db(transaction=True)
def test_fhirpy_posts_a_transaction_and_reads_back_what_it_created(
    fhir_world, fhirpy_client, fhir_client_for
):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    person = fhir_world.persons[0]
    relative = RelativeFactory(person=person)
    contact = served(api, "RelatedPerson", relative.uuid)
    patient = new_patient(api, person, "Fhirpy")
    patient_id, contact_id = uuid.uuid4(), uuid.uuid4()
    contact["patient"] = {"reference": f"urn:uuid:{patient_id}"}
    client = fhirpy_client(fhir_world.director.user, "system/*.*")
    answer = client.execute(
        "/",
        method="post",
        data=transaction(post(f"urn:uuid:{patient_id}", patient), post(f"urn:uuid:{contact_id}", contact)),
    )
    assert answer["type"] == "transaction-response"
    assert [entry["response"]["status"] for entry in answer["entry"]] == ["201 Created", "201 Created"]
    patient_uuid, contact_uuid = location_id(answer["entry"][0]), location_id(answer["entry"][1])
    read_patient = client.reference("Patient", patient_uuid).to_resource()
    assert read_patient["name"][0]["family"] == "Fhirpy"
    read_contact = client.reference("RelatedPerson", contact_uuid).to_resource()
    assert read_contact["patient"]["reference"] == f"Patient/{patient_uuid}"
    check_resource(read_patient.serialize())
    check_resource(read_contact.serialize())
