"""The API's common behaviour: metadata, tokens, scopes, errors as OperationOutcome, access log."""

import pytest

from parcours.access.models import AccessLogEntry
from tests.fhir.conftest import get_token

pytestmark = pytest.mark.django_db


def test_metadata_is_a_capability_statement(client):
    response = client.get("/fhir/metadata")
    assert response.status_code == 200
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    patient = next(r for r in statement["rest"][0]["resource"] if r["type"] == "Patient")
    assert (
        "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-patient"
        in patient["supportedProfile"]
    )


def test_without_token_the_answer_is_an_operation_outcome_401(client):
    response = client.get("/fhir/Patient")
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_token_is_refused_for_a_scope_the_client_was_not_given(fhir_world):
    from parcours.fhir.clients import register_client

    _, client_id, secret = register_client(
        user=fhir_world.director.user, name="x", scopes=["system/Patient.read"]
    )
    assert get_token(client_id, secret, scope="system/Patient.write")["status"] == 400
    assert get_token(client_id, secret, scope="system/Patient.read")["status"] == 200


def test_read_is_logged_and_scope_is_enforced(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    response = api.get(f"Patient/{person.uuid}")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == str(person.uuid)
    entry = AccessLogEntry.objects.filter(person=person, channel="fhir").get()
    assert entry.allowed and entry.category == "identity"
    denied = api.get("Encounter")
    assert denied.status_code in (403, 404)
    assert denied.json()["resourceType"] == "OperationOutcome"


def test_a_person_outside_the_callers_rights_is_not_found_and_the_refusal_logged(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/*.read")
    response = api.get(f"Patient/{fhir_world.stranger.uuid}")
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(person=fhir_world.stranger, allowed=False, channel="fhir").exists()


def test_search_pages_and_logs_each_person_listed(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    first = api.get("Patient", _count=1).json()
    assert first["total"] == 2 and len(first["entry"]) == 1
    assert any(link["relation"] == "next" for link in first["link"])
    assert AccessLogEntry.objects.filter(channel="fhir", action="search").count() == 1


def test_a_revoked_client_can_no_longer_call_the_api(fhir_world, fhir_client_for, login):
    from parcours.fhir.models import ApiClient
    from tests.factories import UserFactory

    admin_client = login(UserFactory(is_staff=True, is_superuser=True))
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    assert api.get(f"Patient/{fhir_world.persons[0].uuid}").status_code == 200
    client = ApiClient.objects.get()
    response = admin_client.post(
        "/admin/fhir/apiclient/", {"action": "revoke", "_selected_action": [client.pk]}, follow=True
    )
    assert response.status_code == 200
    client.refresh_from_db()
    assert client.revoked_at is not None
    refused = api.get(f"Patient/{fhir_world.persons[0].uuid}")
    assert refused.status_code == 401
    assert refused.json()["resourceType"] == "OperationOutcome"


def test_tokens_are_not_stored_in_clear(fhir_world):
    from oauth2_provider.models import AccessToken

    from parcours.fhir.clients import register_client

    _, client_id, secret = register_client(
        user=fhir_world.educator.user, name="x", scopes=["system/Patient.read"]
    )
    token = get_token(client_id, secret)["access_token"]
    stored = AccessToken.objects.get()
    assert token not in (stored.token, stored.token_checksum)


def test_a_search_may_keep_its_parameters_out_of_the_url(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    response = api.http.post(
        "/fhir/Patient/_search", {"family": person.birth_name, "birthdate": str(person.birth_date)}
    )
    assert response.status_code == 200, response.content
    bundle = response.json()
    assert bundle["type"] == "searchset"
    assert str(person.uuid) in [entry["resource"]["id"] for entry in bundle["entry"]]
