"""Slot (TDDUISlotPresenceAbsence) and Schedule (TDDUISchedule): a person's presences and absences,
read, searched and written through the API, checked against the guide's FSH rules."""

import datetime
import re

import pytest
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.models import AccessLogEntry
from parcours.fhir.models import ResourceVersion
from parcours.fhir.resources.slot import schedule_id
from parcours.fhir.validation import check_resource
from parcours.records import daily
from parcours.records.enums import AbsenceReason, PresenceStatus
from parcours.records.models import Presence
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-slot-presence-absence"
SCHEDULE_PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-schedule"
PA_SYSTEM = "https://identifiant-medicosocial-presenceabsence.esante.gouv.fr"
R423 = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r423-type-presence-absence"
R424 = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r424-motif-absence"
STATUS_AUTHOR = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-status-author"
PLANNED_ABSENCE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-planned-absence"


def note(world, person, day, status=PresenceStatus.PRESENT, **fields):
    if status == PresenceStatus.PRESENT:
        fields.setdefault("arrived_at", datetime.time(8, 30))
    return daily.record_presence(person, establishment=world.establishment, date=day, status=status,
                                 actor=Actor(world.educator.user), **fields)  # fmt: skip


def at(day, hour=0, minute=0) -> str:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute))).isoformat()


def assert_tddui_slot(resource):
    """The rules TDDUISlotPresenceAbsence.fsh makes mandatory."""
    check_resource(resource)
    assert PROFILE in resource["meta"]["profile"]
    [identifier] = [i for i in resource["identifier"] if i["system"] == PA_SYSTEM]
    assert re.match(r"^3[0-9]{9}/[A-Za-z0-9]+-PA-[A-Za-z0-9]+$", identifier["value"])
    assert identifier["type"]["coding"][0]["code"] == "PA"
    assert resource["schedule"]["reference"].startswith("Schedule/")
    assert len(resource["serviceType"]) == 1
    assert resource["serviceType"][0]["coding"][0]["system"] == R423
    if resource["serviceType"][0]["coding"][0]["code"] == "2":
        assert resource["appointmentType"]
        assert any(e["url"] == PLANNED_ABSENCE for e in resource["extension"])


def slot_resource(world, person, day, *, absent=False, start="08:15:00", end="16:45:00"):
    finess = world.establishment.finess
    resource = {
        "resourceType": "Slot",
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": PA_SYSTEM, "value": f"3{finess}/{person.uuid.hex}-PA-1"}],
        "schedule": {"reference": f"Schedule/{schedule_id(person.uuid)}"},
        "status": "busy",
        "serviceType": [{"coding": [{"system": R423, "code": "2" if absent else "1"}]}],
        "start": f"{day.isoformat()}T{start}+02:00" if not absent else f"{day.isoformat()}T00:00:00+02:00",
        "end": f"{day.isoformat()}T{end}+02:00" if not absent else f"{day.isoformat()}T23:00:00+02:00",
    }
    if absent:
        resource["appointmentType"] = {"coding": [{"system": R424, "code": "1"}]}
    return resource


def test_read_a_presence_and_an_absence(fhir_world, fhir_client_for):
    today = timezone.localdate()
    person = fhir_world.persons[0]
    present = note(fhir_world, person, today, left_at=datetime.time(17, 0))
    absent = note(fhir_world, fhir_world.persons[1], today, status=PresenceStatus.ABSENT,
                  absence_reason=AbsenceReason.HOSPITAL)  # fmt: skip
    api = fhir_client_for(fhir_world.educator.user, "system/Slot.read")

    resource = api.get(f"Slot/{present.uuid}").json()
    assert_tddui_slot(resource)
    assert resource["identifier"][0]["value"] == (
        f"3{fhir_world.establishment.finess}/{person.uuid.hex}-PA-{present.uuid.hex}"
    )
    assert resource["serviceType"][0]["coding"][0]["code"] == "1"
    assert resource["status"] == "busy"
    assert resource["_status"]["extension"][0]["url"] == STATUS_AUTHOR
    assert resource["_status"]["extension"][0]["valueReference"]["reference"] == (
        f"Practitioner/{fhir_world.educator.uuid}"
    )
    assert datetime.datetime.fromisoformat(resource["start"]).time() == datetime.time(8, 30)
    assert datetime.datetime.fromisoformat(resource["end"]).time() == datetime.time(17, 0)
    assert resource["schedule"]["reference"] == f"Schedule/{schedule_id(person.uuid)}"

    resource = api.get(f"Slot/{absent.uuid}").json()
    assert_tddui_slot(resource)
    assert resource["appointmentType"]["coding"] == [
        {"system": R424, "code": "1", "display": "Hospitalisation de l'usager"}
    ]
    assert resource["appointmentType"]["text"] == "Hospitalisation"
    assert AccessLogEntry.objects.filter(channel="fhir", category="services", action="read").count() == 2


def test_schedule_is_the_persons_with_the_patient_as_actor(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    note(fhir_world, person, timezone.localdate())
    api = fhir_client_for(fhir_world.educator.user, "system/Schedule.read")
    response = api.get(f"Schedule/{schedule_id(person.uuid)}")
    assert response.status_code == 200, response.content
    schedule = response.json()
    check_resource(schedule)
    assert SCHEDULE_PROFILE in schedule["meta"]["profile"]
    assert schedule["actor"] == [{"reference": f"Patient/{person.uuid}"}]
    found = api.get("Schedule", actor=f"Patient/{person.uuid}").json()
    assert [entry["resource"]["id"] for entry in found["entry"]] == [schedule["id"]]


def test_search_by_patient_and_date(fhir_world, fhir_client_for):
    today = timezone.localdate()
    yesterday = today - datetime.timedelta(days=1)
    first, second = fhir_world.persons
    mine = [note(fhir_world, first, today), note(fhir_world, first, yesterday)]
    note(fhir_world, second, today)
    api = fhir_client_for(fhir_world.educator.user, "system/Slot.read")

    bundle = api.get("Slot", patient=f"Patient/{first.uuid}").json()
    assert {entry["resource"]["id"] for entry in bundle["entry"]} == {str(p.uuid) for p in mine}
    for entry in bundle["entry"]:
        assert_tddui_slot(entry["resource"])
    bundle = api.get("Slot", patient=str(first.uuid), date=today.isoformat()).json()
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(mine[0].uuid)]
    assert api.get("Slot", date=f"ge{today.isoformat()}").json()["total"] == 2
    assert AccessLogEntry.objects.filter(channel="fhir", action="search", category="services").exists()


def test_the_team_notes_a_presence_then_corrects_it_into_an_absence(fhir_world, fhir_client_for):
    today = timezone.localdate()
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Slot.*")
    resource = slot_resource(fhir_world, person, today)
    resource["start"] = timezone.make_aware(
        datetime.datetime.combine(today, datetime.time(8, 15))
    ).isoformat()
    resource["end"] = timezone.make_aware(datetime.datetime.combine(today, datetime.time(16, 45))).isoformat()
    response = api.post("Slot", resource)
    assert response.status_code == 201, response.content
    created = response.json()
    assert_tddui_slot(created)
    presence = Presence.objects.get(uuid=created["id"])
    assert (presence.status, presence.arrived_at, presence.left_at) == (
        PresenceStatus.PRESENT, datetime.time(8, 15), datetime.time(16, 45),
    )  # fmt: skip
    assert presence.recorded_by == fhir_world.educator

    correction = slot_resource(fhir_world, person, today, absent=True)
    correction["start"], correction["end"] = at(today), at(today, 23)
    correction["id"] = created["id"]
    response = api.put(f"Slot/{created['id']}", correction)
    assert response.status_code == 200, response.content
    presence.refresh_from_db()
    assert presence.status == PresenceStatus.ABSENT
    assert presence.absence_reason == AbsenceReason.HOSPITAL
    assert presence.arrived_at is None
    history = api.get(f"Slot/{created['id']}/_history").json()
    assert history["total"] == 2
    assert Presence.objects.count() == 1


def test_an_administrator_imports_a_presence_with_its_author(fhir_world, fhir_client_for):
    day = timezone.localdate() - datetime.timedelta(days=3)
    person = fhir_world.persons[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    api = fhir_client_for(admin, "system/Slot.write", "system/Slot.read")
    resource = slot_resource(fhir_world, person, day, absent=True)
    resource["start"] = timezone.make_aware(datetime.datetime.combine(day, datetime.time(0))).isoformat()
    next_day = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0))
    )
    resource["end"] = next_day.isoformat()
    resource["appointmentType"] = {"coding": [{"system": R424, "code": "2"}], "text": "Vacances"}
    without_author = api.post("Slot", resource)
    assert without_author.status_code == 422
    assert not Presence.objects.exists()
    resource["_status"] = {
        "extension": [
            {
                "url": STATUS_AUTHOR,
                "valueReference": {"reference": f"Practitioner/{fhir_world.educator.uuid}"},
            }
        ]
    }
    response = api.post("Slot", resource)
    assert response.status_code == 201, response.content
    presence = Presence.objects.get()
    assert (presence.date, presence.status, presence.absence_reason) == (day, "absent", AbsenceReason.HOLIDAY)
    assert presence.recorded_by == fhir_world.educator
    entry = AccessLogEntry.objects.filter(actor=admin, action="create", category="services").get()
    assert entry.basis == "import" and entry.allowed


@pytest.mark.parametrize(
    "broken",
    [
        lambda r: r.pop("serviceType"),
        lambda r: r.update(identifier=[{"system": PA_SYSTEM, "value": "3123/PA"}]),
        lambda r: r.update(identifier=[{"system": "https://example.org", "value": "x"}]),
        lambda r: r.update(serviceType=[{"coding": [{"system": R423, "code": "9"}]}]),
        lambda r: r.update(serviceType=[{"coding": [{"system": R423, "code": "2"}]}]),  # no reason
        lambda r: r.update(schedule={"reference": "Schedule/not-an-id"}),
    ],
    ids=[
        "no-service-type",
        "identifier-format",
        "identifier-system",
        "unknown-code",
        "absence-without-reason",
        "wrong-schedule",
    ],  # fmt: skip
)
def test_a_slot_breaking_the_profile_is_refused_and_nothing_written(fhir_world, fhir_client_for, broken):
    api = fhir_client_for(fhir_world.educator.user, "system/Slot.write")
    resource = slot_resource(fhir_world, fhir_world.persons[0], timezone.localdate())
    broken(resource)
    response = api.post("Slot", resource)
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not Presence.objects.exists()
    assert not ResourceVersion.objects.exists()


def test_scope_without_write_is_refused(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Slot.read")
    response = api.post("Slot", slot_resource(fhir_world, fhir_world.persons[0], timezone.localdate()))
    assert response.status_code == 403
    assert not Presence.objects.exists()


def test_outsiders_neither_read_nor_write_and_their_refusals_are_logged(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    presence = note(fhir_world, person, timezone.localdate())
    api = fhir_client_for(fhir_world.outsider.user, "system/Slot.*")
    assert api.get(f"Slot/{presence.uuid}").status_code == 404
    assert api.get("Slot", patient=str(person.uuid)).json()["total"] == 0
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = api.post("Slot", slot_resource(fhir_world, person, day))
    assert response.status_code == 403, response.content
    assert Presence.objects.count() == 1
    refusals = AccessLogEntry.objects.filter(actor=fhir_world.outsider.user, person=person, allowed=False)
    assert {entry.action for entry in refusals} == {"read", "create"}


@pytest.mark.django_db(transaction=True)
def test_fhirpy_searches_a_patients_slots_and_documents(fhir_world, fhirpy_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from parcours.records.services import attach_document

    person = fhir_world.persons[0]
    presence = note(fhir_world, person, timezone.localdate())
    document = attach_document(person, file=SimpleUploadedFile("bilan.txt", b"Bilan de la semaine."),
                               title="Bilan", actor=Actor(fhir_world.educator.user))  # fmt: skip
    client = fhirpy_client(fhir_world.educator.user, "system/Slot.read", "system/DocumentReference.read")
    slots = client.resources("Slot").search(patient=f"Patient/{person.uuid}").fetch_all()
    assert [slot["id"] for slot in slots] == [str(presence.uuid)]
    assert_tddui_slot(slots[0].serialize())
    documents = client.resources("DocumentReference").search(patient=f"Patient/{person.uuid}").fetch_all()
    assert [doc["id"] for doc in documents] == [str(document.uuid)]
    check_resource(documents[0].serialize())
