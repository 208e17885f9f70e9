"""AuditEvent: the access log, read only, for the direction (and the data protection officer); its
reading is itself logged, and anybody else is refused."""

import pytest

from parcours.access.api import Actor
from parcours.access.enums import Action, Basis, Category
from parcours.access.journal import record
from parcours.access.models import AccessLogEntry
from parcours.fhir.validation import check_resource

pytestmark = pytest.mark.django_db

PROFILE = "http://hl7.org/fhir/StructureDefinition/AuditEvent"


def log(world, person, user=None, action=Action.READ, allowed=True):
    actor = Actor(user or world.educator.user, ip_address="10.0.0.5")
    basis = Basis.TEAM if allowed else Basis.NONE
    return record(actor, person=person, action=action, category=Category.NOTES, allowed=allowed, basis=basis)


def assert_audit_event(resource):
    """The base AuditEvent's mandatory elements (no TDDUI profile exists for it)."""
    check_resource(resource)
    assert resource["meta"]["profile"] == [PROFILE]
    assert resource["type"]["code"] and resource["recorded"]
    assert resource["agent"] and all("requestor" in agent for agent in resource["agent"])
    assert resource["source"]["observer"]
    assert resource["entity"][0]["what"]["reference"].startswith("Patient/")


def test_the_direction_reads_who_opened_a_record_and_that_reading_is_logged(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    entry = log(fhir_world, person)
    api = fhir_client_for(fhir_world.director.user, "system/AuditEvent.read")
    response = api.get(f"AuditEvent/{entry.uuid}")
    assert response.status_code == 200, response.content
    event = response.json()
    assert_audit_event(event)
    assert event["action"] == "R" and event["outcome"] == "0"
    assert event["agent"][0]["who"] == {"reference": f"Practitioner/{fhir_world.educator.uuid}"}
    assert event["agent"][0]["network"]["address"] == "10.0.0.5"
    assert event["entity"][0]["what"] == {"reference": f"Patient/{person.uuid}"}
    assert event["entity"][0]["description"] == "Transmissions"
    assert event["source"]["site"] == "web"
    reading = AccessLogEntry.objects.filter(actor=fhir_world.director.user, channel="fhir").get()
    assert (reading.person, reading.category, reading.action, reading.allowed) == (
        person,
        "identity",
        "read",
        True,
    )


def test_search_by_patient_action_and_outcome(fhir_world, fhir_client_for):
    first, second = fhir_world.persons
    read = log(fhir_world, first)
    created = log(fhir_world, first, action=Action.CREATE)
    refused = log(fhir_world, first, user=fhir_world.outsider.user, allowed=False)
    log(fhir_world, second)
    api = fhir_client_for(fhir_world.director.user, "system/AuditEvent.read")
    bundle = api.get("AuditEvent", patient=f"Patient/{first.uuid}").json()
    assert {e["resource"]["id"] for e in bundle["entry"]} == {
        str(read.uuid),
        str(created.uuid),
        str(refused.uuid),
    }
    for entry in bundle["entry"]:
        assert_audit_event(entry["resource"])
    creations = api.get("AuditEvent", patient=str(first.uuid), action="C").json()
    assert [e["resource"]["id"] for e in creations["entry"]] == [str(created.uuid)]
    refusals = api.get("AuditEvent", patient=str(first.uuid), outcome="4").json()
    assert [e["resource"]["id"] for e in refusals["entry"]] == [str(refused.uuid)]
    assert api.get("AuditEvent", date="lt2000-01-01").json()["total"] == 0
    assert api.get("AuditEvent", action="X").status_code == 400


def test_a_team_member_may_not_read_the_log_and_the_refusal_is_logged(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    entry = log(fhir_world, person, user=fhir_world.director.user)
    api = fhir_client_for(fhir_world.educator.user, "system/AuditEvent.read")
    response = api.get(f"AuditEvent/{entry.uuid}")
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert api.get("AuditEvent", patient=str(person.uuid)).status_code == 403
    refusals = AccessLogEntry.objects.filter(actor=fhir_world.educator.user, allowed=False, channel="fhir")
    assert refusals.count() == 2
    assert not AccessLogEntry.objects.filter(actor=fhir_world.educator.user, allowed=True).exists()


def test_a_director_elsewhere_does_not_see_the_entries(fhir_world, fhir_client_for):
    from parcours.staff.enums import Role
    from tests.factories import make_professional

    entry = log(fhir_world, fhir_world.persons[0])
    elsewhere = make_professional(fhir_world.other, role=Role.ESTABLISHMENT_DIRECTOR)
    api = fhir_client_for(elsewhere.user, "system/AuditEvent.read")
    assert api.get(f"AuditEvent/{entry.uuid}").status_code == 404
    assert api.get("AuditEvent").json()["total"] == 0


def test_the_log_is_read_only_and_needs_its_scope(fhir_world, fhir_client_for):
    entry = log(fhir_world, fhir_world.persons[0])
    api = fhir_client_for(fhir_world.director.user, "system/AuditEvent.*")
    event = api.get(f"AuditEvent/{entry.uuid}").json()
    count = AccessLogEntry.objects.count()
    response = api.post("AuditEvent", {k: v for k, v in event.items() if k not in ("id", "meta")})
    assert response.status_code in (405, 422)
    assert response.json()["resourceType"] == "OperationOutcome"
    assert api.put(f"AuditEvent/{entry.uuid}", event).status_code in (405, 422)
    assert AccessLogEntry.objects.count() == count
    no_scope = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    assert no_scope.get(f"AuditEvent/{entry.uuid}").status_code == 403
