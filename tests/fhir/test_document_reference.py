"""DocumentReference (TDDUIDocumentReference, MHD SimplifiedPublish): the documents of a person's
record, the file itself in base64, read, searched and added through the API."""

import base64

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.models import AccessLogEntry
from parcours.fhir import registry
from parcours.fhir.models import ResourceVersion
from parcours.fhir.validation import check_resource
from parcours.records.models import Document
from parcours.records.services import attach_document
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-document-reference"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def add(world, person, content=b"Compte rendu de la semaine.", name="compte-rendu.txt", title="Compte rendu"):
    upload = SimpleUploadedFile(name, content)
    return attach_document(person, file=upload, title=title, actor=Actor(world.educator.user))


def assert_tddui_document(resource):
    """The rules of TDDUIDocumentReference (MHD SimplifiedPublish) on what the API returns."""
    check_resource(resource)
    assert PROFILE in resource["meta"]["profile"]
    assert resource["masterIdentifier"]["value"] == f"urn:uuid:{resource['id']}"
    assert resource["status"] == "current"
    assert resource["subject"]["reference"].startswith("Patient/")
    assert resource["author"]
    [content] = resource["content"]
    attachment = content["attachment"]
    assert attachment["contentType"] and attachment["data"] and attachment["title"]
    assert "url" not in attachment


def document_resource(person, author, content=PDF, content_type="application/pdf"):
    return {
        "resourceType": "DocumentReference",
        "meta": {"profile": [PROFILE]},
        "masterIdentifier": {
            "system": "urn:ietf:rfc:3986",
            "value": "urn:uuid:5b0b8f36-3f34-4b8e-9d1d-2b3a1f2d8c11",
        },
        "status": "current",
        "subject": {"reference": f"Patient/{person.uuid}"},
        "author": [{"reference": f"Practitioner/{author.uuid}"}],
        "date": "2024-03-01T10:00:00+01:00",
        "content": [
            {
                "attachment": {
                    "contentType": content_type,
                    "data": base64.b64encode(content).decode(),
                    "title": "Bilan orthophonique",
                    "creation": "2024-03-01T10:00:00+01:00",
                }
            }
        ],
    }


def test_read_gives_the_decrypted_file(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    document = add(fhir_world, person)
    api = fhir_client_for(fhir_world.educator.user, "system/DocumentReference.read")
    response = api.get(f"DocumentReference/{document.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    assert_tddui_document(resource)
    attachment = resource["content"][0]["attachment"]
    assert base64.b64decode(attachment["data"]) == b"Compte rendu de la semaine."
    assert attachment["contentType"] == "text/plain; charset=utf-8"
    assert attachment["size"] == len(b"Compte rendu de la semaine.")
    assert attachment["title"] == "Compte rendu"
    assert resource["subject"]["reference"] == f"Patient/{person.uuid}"
    assert resource["author"] == [{"reference": f"Practitioner/{fhir_world.educator.uuid}"}]
    assert AccessLogEntry.objects.filter(channel="fhir", category="documents", action="read").count() == 1


def test_search_by_patient_date_identifier_and_type(fhir_world, fhir_client_for):
    first, second = fhir_world.persons
    text = add(fhir_world, first)
    pdf = add(fhir_world, first, PDF, "bilan.pdf", "Bilan")
    add(fhir_world, second)
    api = fhir_client_for(fhir_world.educator.user, "system/DocumentReference.read")
    bundle = api.get("DocumentReference", patient=f"Patient/{first.uuid}").json()
    assert {entry["resource"]["id"] for entry in bundle["entry"]} == {str(text.uuid), str(pdf.uuid)}
    for entry in bundle["entry"]:
        assert_tddui_document(entry["resource"])
    today = timezone.localdate().isoformat()
    assert api.get("DocumentReference", patient=str(first.uuid), date=today).json()["total"] == 2
    assert api.get("DocumentReference", date="lt2000-01-01").json()["total"] == 0
    found = api.get("DocumentReference", identifier=f"urn:ietf:rfc:3986|urn:uuid:{pdf.uuid}").json()
    assert [entry["resource"]["id"] for entry in found["entry"]] == [str(pdf.uuid)]
    # Parcours does not code the type of a record's document.
    assert api.get("DocumentReference", patient=str(first.uuid), type="11488-4").json()["total"] == 0


def test_the_team_adds_a_document_through_the_records_service(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/DocumentReference.*")
    response = api.post("DocumentReference", document_resource(person, fhir_world.director))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_tddui_document(created)
    document = Document.objects.get(uuid=created["id"])
    assert document.uploaded_by == fhir_world.educator  # who adds it, whatever the resource says
    assert document.content_type == "application/pdf" and document.size == len(PDF)
    with document.file.open("rb") as handle:
        assert handle.read() == PDF
    history = api.get(f"DocumentReference/{created['id']}/_history").json()
    assert history["total"] == 1
    update = api.put(f"DocumentReference/{created['id']}", {**document_resource(person, fhir_world.educator),
                                                            "id": created["id"]})  # fmt: skip
    assert update.status_code == 422


def test_an_administrator_imports_a_document_with_its_author_and_date(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    api = fhir_client_for(admin, "system/DocumentReference.write")
    response = api.post("DocumentReference", document_resource(person, fhir_world.director))
    assert response.status_code == 201, response.content
    document = Document.objects.get()
    assert document.uploaded_by == fhir_world.director
    assert document.uploaded_at.isoformat().startswith("2024-03-01T09:00:00")
    entry = AccessLogEntry.objects.get(actor=admin, category="documents", action="create")
    assert entry.allowed and entry.basis == "import"


@pytest.mark.parametrize(
    "broken",
    [
        lambda r: r.pop("masterIdentifier"),
        lambda r: r.update(status="superseded"),
        lambda r: r.pop("subject"),
        lambda r: r.pop("author"),
        lambda r: r["content"][0]["attachment"].pop("contentType"),
        lambda r: r["content"][0]["attachment"].pop("data"),
        lambda r: r["content"][0]["attachment"].pop("title"),
        lambda r: r["content"][0]["attachment"].update(url="https://example.org/doc.pdf"),
        lambda r: r["content"][0]["attachment"].update(contentType="application/x-msdownload"),
        lambda r: r["content"][0]["attachment"].update(data=base64.b64encode(b"MZ not a pdf").decode()),
        lambda r: r.update(subject={"reference": "Patient/00000000-0000-4000-8000-000000000000"}),
    ],
    ids=[
        "master-identifier",
        "status",
        "subject",
        "author",
        "content-type",
        "data",
        "title",
        "url",
        "type-not-allowed",
        "bytes-not-a-pdf",
        "unknown-patient",
    ],  # fmt: skip
)
def test_a_document_breaking_the_rules_is_refused_and_nothing_written(fhir_world, fhir_client_for, broken):
    api = fhir_client_for(fhir_world.educator.user, "system/DocumentReference.write")
    resource = document_resource(fhir_world.persons[0], fhir_world.educator)
    broken(resource)
    response = api.post("DocumentReference", resource)
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not Document.objects.exists()
    assert not ResourceVersion.objects.exists()


def test_an_sdo_decision_is_never_taken_for_a_record_document():
    mapping = next(m for m in registry.parts("DocumentReference") if m.profiles == (PROFILE,))
    sdo = {"meta": {"profile": ["https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/sdo-x"]}}
    assert not mapping.accepts(sdo)
    assert mapping.accepts({"resourceType": "DocumentReference"})


def test_scope_and_access_refusals(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    document = add(fhir_world, person)
    reader = fhir_client_for(fhir_world.educator.user, "system/DocumentReference.read")
    assert reader.post("DocumentReference", document_resource(person, fhir_world.educator)).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/DocumentReference.*")
    assert outsider.get(f"DocumentReference/{document.uuid}").status_code == 404
    response = outsider.post("DocumentReference", document_resource(person, fhir_world.outsider))
    assert response.status_code == 403, response.content
    assert Document.objects.count() == 1
    refusals = AccessLogEntry.objects.filter(actor=fhir_world.outsider.user, person=person, allowed=False)
    assert {entry.action for entry in refusals} == {"read", "create"}
    assert all(entry.category == "documents" for entry in refusals)
