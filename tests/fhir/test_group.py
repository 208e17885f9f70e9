"""Group: the persons an establishment supports today, read by its team and direction only, and
exported in bulk with `Group/<id>/$export`."""

import datetime
import json
import uuid

import pytest

from parcours.access.models import AccessLogEntry
from parcours.fhir.resources.group import group_uuid
from parcours.fhir.validation import check_resource
from parcours.staff.enums import Role
from tests.factories import AdmissionFactory, PersonFactory, make_professional

pytestmark = pytest.mark.django_db


def test_the_group_lists_the_persons_supported_today(fhir_world, fhir_client_for):
    establishment = fhir_world.establishment
    gone = PersonFactory(opened_by=establishment)
    AdmissionFactory(person=gone, establishment=establishment, start_date=datetime.date(2020, 1, 1),
                     end_date=datetime.date(2021, 1, 1))  # fmt: skip
    api = fhir_client_for(fhir_world.educator.user, "system/Group.read")
    response = api.get(f"Group/{group_uuid(establishment.uuid)}")
    assert response.status_code == 200, response.content
    group = response.json()
    check_resource(group)
    assert group["id"] == str(group_uuid(establishment.uuid))
    assert group["type"] == "person"
    assert group["actual"] is True
    assert group["managingEntity"]["reference"] == f"Organization/{establishment.uuid}"
    assert group["characteristic"][0]["valueReference"]["reference"] == f"Organization/{establishment.uuid}"
    members = {member["entity"]["reference"] for member in group["member"]}
    assert members == {f"Patient/{person.uuid}" for person in fhir_world.persons}
    assert group["quantity"] == 2
    # Listing the members is a read of their identity: logged.
    listed = AccessLogEntry.objects.filter(action="list", actor=fhir_world.educator.user, channel="fhir")
    assert sorted(listed.values_list("person_id", flat=True)) == sorted(p.pk for p in fhir_world.persons)


def test_the_group_id_is_derived_from_the_establishment_and_stable(fhir_world):
    first = group_uuid(fhir_world.establishment.uuid)
    assert first == group_uuid(str(fhir_world.establishment.uuid))
    assert first == uuid.uuid5(fhir_world.establishment.uuid, "parcours:group:personnes-accompagnees")
    assert first != group_uuid(fhir_world.other.uuid)


def test_only_the_team_and_direction_of_the_establishment_read_it(fhir_world, fhir_client_for):
    group_id = group_uuid(fhir_world.establishment.uuid)
    director = fhir_client_for(fhir_world.director.user, "system/Group.read")
    assert director.get(f"Group/{group_id}").status_code == 200
    outsider = fhir_client_for(fhir_world.outsider.user, "system/Group.read")
    refused = outsider.get(f"Group/{group_id}")
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    unknown = director.get(f"Group/{uuid.uuid4()}")
    assert unknown.status_code == 404
    no_scope = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    assert no_scope.get(f"Group/{group_id}").status_code == 403


def test_groups_are_read_only(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.*")
    group_id = group_uuid(fhir_world.establishment.uuid)
    group = api.get(f"Group/{group_id}").json()
    response = api.put(f"Group/{group_id}", group)
    assert response.status_code in (405, 422)
    assert response.json()["resourceType"] == "OperationOutcome"


def _export(api, path, django_capture_on_commit_callbacks, **params):
    with django_capture_on_commit_callbacks(execute=True):
        return api.http.get(f"/fhir/{path}", params, headers={"Prefer": "respond-async"})


def test_group_export_holds_the_members_records(
    fhir_world, fhir_client_for, django_capture_on_commit_callbacks
):
    establishment = fhir_world.establishment
    # A person of another establishment the director may also see is not a member.
    elsewhere = PersonFactory(opened_by=fhir_world.other)
    AdmissionFactory(person=elsewhere, establishment=fhir_world.other)
    AdmissionFactory(person=elsewhere, establishment=establishment, start_date=datetime.date(2019, 1, 1),
                     end_date=datetime.date(2019, 6, 1))  # fmt: skip
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    kick_off = _export(
        api, f"Group/{group_uuid(establishment.uuid)}/$export", django_capture_on_commit_callbacks
    )
    assert kick_off.status_code == 202, kick_off.content
    manifest = api.http.get(kick_off["Content-Location"]).json()
    patients = []
    for item in manifest["output"]:
        lines = [json.loads(line) for line in api.http.get(item["url"]).content.decode().splitlines()]
        for resource in lines:
            check_resource(resource)
        if item["type"] == "Patient":
            patients += lines
    assert {patient["id"] for patient in patients} == {str(person.uuid) for person in fhir_world.persons}


def test_group_export_is_refused_outside_the_establishment(
    fhir_world, fhir_client_for, django_capture_on_commit_callbacks
):
    group_id = group_uuid(fhir_world.establishment.uuid)
    head = make_professional(fhir_world.other, role=Role.ESTABLISHMENT_DIRECTOR)
    api = fhir_client_for(head.user, "system/*.read")
    response = _export(api, f"Group/{group_id}/$export", django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    reader = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    assert _export(reader, f"Group/{group_id}/$export", django_capture_on_commit_callbacks).status_code == 403
