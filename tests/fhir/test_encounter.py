"""Encounter: the stays (TDDUIEncounterSejour) and the agenda's events (TDDUIEncounterEvenement),
checked against the rules of the guide's FSH profiles."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from parcours.access.models import AccessLogEntry
from parcours.fhir.registry import tddui_profile
from parcours.fhir.validation import check_resource
from parcours.records.models import Admission, AgendaEntry
from tests.factories import AdmissionFactory, PersonFactory

pytestmark = pytest.mark.django_db

SEJOUR = tddui_profile("tddui-encounter-sejour")
EVENEMENT = tddui_profile("tddui-encounter-evenement")
STAY_SYSTEM = "https://identifiant-medicosocial-sejour.esante.gouv.fr"
STAY_TYPE = ("https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-encounter-identifier", "SEJ")
EVENT_SYSTEM = "https://identifiant-medicosocial-evenement.esante.gouv.fr"
EXIT_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R358-MotifStatutPersonnePriseCharge/FHIR/TRE-R358-MotifStatutPersonnePriseCharge"
ID_FORMAT = re.compile(r"^3\d{9}/[A-Za-z0-9]+-(SEJOUR|EVN)-[A-Za-z0-9]+$")


def assert_stay(resource):
    """The rules of TDDUIEncounterSejour: idStay (system, type SEJ, format), subject, serviceProvider."""
    check_resource(resource)
    assert SEJOUR in resource["meta"]["profile"]
    stay_ids = [i for i in resource["identifier"] if i["system"] == STAY_SYSTEM]
    assert len(stay_ids) == 1
    coding = stay_ids[0]["type"]["coding"][0]
    assert (coding["system"], coding["code"]) == STAY_TYPE
    assert ID_FORMAT.match(stay_ids[0]["value"]) and "-SEJOUR-" in stay_ids[0]["value"]
    assert resource["subject"]["reference"].startswith("Patient/")
    assert resource["serviceProvider"]["reference"].startswith("Organization/")
    assert resource["class"]["system"] and resource["class"]["code"]


def assert_event(resource):
    """TDDUIEncounterEvenement: one identifier (system, format, type), subject, period.start, type."""
    check_resource(resource)
    assert EVENEMENT in resource["meta"]["profile"]
    assert len(resource["identifier"]) == 1
    identifier = resource["identifier"][0]
    assert identifier["system"] == EVENT_SYSTEM and "-EVN-" in identifier["value"]
    assert ID_FORMAT.match(identifier["value"]) and identifier["type"]["coding"]
    assert resource["subject"]["reference"].startswith("Patient/")
    assert resource["period"]["start"]
    assert "end" in resource["period"] or resource["period"]["_end"]["extension"]


def stay_resource(world, person, **changes):
    resource = {
        "resourceType": "Encounter",
        "meta": {"profile": [SEJOUR]},
        "identifier": [
            {
                "type": {"coding": [{"system": STAY_TYPE[0], "code": "SEJ"}]},
                "system": STAY_SYSTEM,
                "value": f"3{world.other.finess}/{person.uuid.hex}-SEJOUR-1",
            }
        ],
        "status": "in-progress",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "NONAC"},
        "type": [{"text": "Internat"}],
        "subject": {"reference": f"Patient/{person.uuid}"},
        "period": {"start": (timezone.localdate() - datetime.timedelta(days=10)).isoformat()},
        "serviceProvider": {"reference": f"Organization/{world.other.uuid}"},
    }
    resource.update(changes)
    return resource


@pytest.fixture
def director_api(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.director.user, "system/*.*")


def test_a_stay_is_read_with_the_profiles_mandatory_elements(fhir_world, director_api):
    admission = Admission.objects.get(person=fhir_world.persons[0])
    response = director_api.get(f"Encounter/{admission.uuid}")
    assert response.status_code == 200, response.content
    resource = response.json()
    assert_stay(resource)
    assert resource["status"] == "in-progress"
    assert resource["subject"]["reference"] == f"Patient/{fhir_world.persons[0].uuid}"
    assert resource["serviceProvider"]["reference"] == f"Organization/{fhir_world.establishment.uuid}"
    assert resource["type"][0]["text"] == "Externat" and resource["class"]["code"] == "AMB"
    assert resource["identifier"][0]["value"].startswith(f"3{fhir_world.establishment.finess}/")
    assert AccessLogEntry.objects.filter(
        person=fhir_world.persons[0], category="parcours", channel="fhir"
    ).exists()


def test_an_ended_stay_is_finished_with_its_exit_reason(fhir_world, director_api):
    ended = AdmissionFactory(
        person=fhir_world.persons[1],
        establishment=fhir_world.establishment,
        ended=True,
        start_date=timezone.localdate() - datetime.timedelta(days=900),
    )
    ended.start_date = timezone.localdate() - datetime.timedelta(days=400)
    ended.end_date = timezone.localdate() - datetime.timedelta(days=300)
    ended.save()
    resource = director_api.get(f"Encounter/{ended.uuid}").json()
    assert_stay(resource)
    assert resource["status"] == "finished"
    assert resource["period"]["end"] == ended.end_date.isoformat()
    coding = resource["hospitalization"]["dischargeDisposition"]["coding"][0]
    assert (coding["system"], coding["code"]) == (EXIT_SYSTEM, "89")
    labels = [e["valueString"] for e in resource["extension"] if e["url"].endswith("tddui-exit-mode-label")]
    assert labels == ["L'usager ne souhaite plus être pris en charge par l'ESMS"]


def test_search_by_patient_subject_date_status_with_paging_and_include(fhir_world, director_api):
    person = fhir_world.persons[0]
    by_patient = director_api.get("Encounter", patient=f"Patient/{person.uuid}").json()
    assert by_patient["total"] == 1
    assert_stay(by_patient["entry"][0]["resource"])
    assert director_api.get("Encounter", subject=str(person.uuid)).json()["total"] == 1
    today = timezone.localdate().isoformat()
    assert director_api.get("Encounter", date=today).json()["total"] == 2
    assert director_api.get("Encounter", date="1990").json()["total"] == 0
    assert director_api.get("Encounter", status="in-progress").json()["total"] == 2
    assert director_api.get("Encounter", status="finished").json()["total"] == 0
    page = director_api.get("Encounter", _count=1).json()
    assert page["total"] == 2 and len(page["entry"]) == 1
    assert any(link["relation"] == "next" for link in page["link"])
    included = director_api.get("Encounter", patient=str(person.uuid), _include="Encounter:subject").json()
    modes = sorted(entry["search"]["mode"] for entry in included["entry"])
    assert modes == ["include", "match"]
    patient = next(e["resource"] for e in included["entry"] if e["search"]["mode"] == "include")
    check_resource(patient)
    assert director_api.get("Encounter", status="bogus").status_code == 400


def test_the_team_creates_updates_and_ends_a_stay_with_history(fhir_world, fhir_client_for):
    # A director of the second establishment admits a person the first one opened the file of.
    from parcours.staff.enums import Role
    from tests.factories import make_professional

    director = make_professional(fhir_world.other, role=Role.ESTABLISHMENT_DIRECTOR)
    api = fhir_client_for(director.user, "system/Encounter.*", "system/Patient.read")
    person = fhir_world.stranger
    Admission.objects.filter(person=person).delete()
    response = api.post("Encounter", stay_resource(fhir_world, person))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_stay(created)
    admission = Admission.objects.get(uuid=created["id"])
    assert admission.mode == "internat" and admission.establishment == fhir_world.other
    ended = stay_resource(fhir_world, person, id=created["id"])
    ended["period"]["end"] = timezone.localdate().isoformat()
    ended["hospitalization"] = {"dischargeDisposition": {"coding": [{"system": EXIT_SYSTEM, "code": "91"}]}}
    response = api.put(f"Encounter/{created['id']}", ended)
    assert response.status_code == 200, response.content
    admission.refresh_from_db()
    assert admission.end_date == timezone.localdate() and admission.exit_reason == "91"
    history = api.get(f"Encounter/{created['id']}/_history").json()
    assert history["total"] == 2
    for entry in history["entry"]:
        assert_stay(entry["resource"])


def test_a_stay_breaking_the_profile_is_refused_and_nothing_written(fhir_world, director_api):
    person = PersonFactory(opened_by=fhir_world.establishment)
    count = Admission.objects.count()
    without_id = stay_resource(fhir_world, person, identifier=[])
    assert director_api.post("Encounter", without_id).status_code == 422
    bad_format = stay_resource(fhir_world, person)
    bad_format["identifier"][0]["value"] = "SEJ-12"
    answer = director_api.post("Encounter", bad_format)
    assert answer.status_code == 422 and answer.json()["resourceType"] == "OperationOutcome"
    no_provider = stay_resource(fhir_world, person)
    del no_provider["serviceProvider"]
    assert director_api.post("Encounter", no_provider).status_code == 422
    assert Admission.objects.count() == count


def test_an_unknown_exit_reason_is_code_invalid(fhir_world, director_api):
    person = PersonFactory(opened_by=fhir_world.establishment)
    resource = stay_resource(
        fhir_world, person, serviceProvider={"reference": f"Organization/{fhir_world.establishment.uuid}"}
    )
    resource["period"]["end"] = timezone.localdate().isoformat()
    resource["hospitalization"] = {
        "dischargeDisposition": {"coding": [{"system": EXIT_SYSTEM, "code": "999"}]}
    }
    answer = director_api.post("Encounter", resource)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["code"] == "code-invalid"
    assert not Admission.objects.filter(person=person).exists()


def test_a_wrong_reference_is_refused(fhir_world, director_api):
    person = PersonFactory(opened_by=fhir_world.establishment)
    resource = stay_resource(fhir_world, person, subject={"reference": f"Patient/{uuid.uuid4()}"})
    answer = director_api.post("Encounter", resource)
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["expression"] == ["Encounter.subject"]


def test_a_read_only_token_cannot_write_and_an_outsider_cannot_admit(fhir_world, fhir_client_for):
    person = PersonFactory(opened_by=fhir_world.establishment)
    reader = fhir_client_for(fhir_world.director.user, "system/Encounter.read")
    assert reader.post("Encounter", stay_resource(fhir_world, person)).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/*.*")
    resource = stay_resource(
        fhir_world,
        fhir_world.persons[0],
        serviceProvider={"reference": f"Organization/{fhir_world.establishment.uuid}"},
    )
    assert outsider.post("Encounter", resource).status_code == 403
    assert Admission.objects.filter(person=fhir_world.persons[0]).count() == 1


# --- events


def event_resource(world, person, **changes):
    start = timezone.localtime() + datetime.timedelta(days=2)
    resource = {
        "resourceType": "Encounter",
        "meta": {"profile": [EVENEMENT]},
        "extension": [
            {
                "url": "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-event-label",
                "valueString": "Piscine",
            }
        ],
        "identifier": [
            {
                "type": {
                    "coding": [
                        {
                            "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identifier-type",
                            "code": "VN",
                        }
                    ]
                },
                "system": EVENT_SYSTEM,
                "value": f"3{world.establishment.finess}/{person.uuid.hex}-EVN-1",
            }
        ],
        "status": "planned",
        "class": {"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "AMB"},
        "type": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                        "code": "not-permitted",
                    }
                ],
                "text": "Activité",
            }
        ],
        "subject": {"reference": f"Patient/{person.uuid}"},
        "period": {"start": start.isoformat(), "end": (start + datetime.timedelta(hours=1)).isoformat()},
        "serviceProvider": {"reference": f"Organization/{world.establishment.uuid}"},
    }
    resource.update(changes)
    return resource


def test_an_agenda_entry_is_an_event_part_of_the_stay(fhir_world, fhir_client_for):
    from parcours.access.journal import Actor
    from parcours.records.daily import add_agenda_entry

    person = fhir_world.persons[0]
    entry = add_agenda_entry(
        person,
        establishment=fhir_world.establishment,
        kind="appointment",
        starts_at=timezone.now() + datetime.timedelta(days=1),
        title="Dentiste",
        actor=Actor.system(fhir_world.educator.user),
    )
    api = fhir_client_for(fhir_world.educator.user, "system/Encounter.read")
    resource = api.get(f"Encounter/{entry.uuid}").json()
    assert_event(resource)
    assert resource["status"] == "planned" and resource["type"][0]["text"] == "Rendez-vous"
    stay = Admission.objects.get(person=person)
    assert resource["partOf"]["reference"] == f"Encounter/{stay.uuid}"
    assert "_end" in resource["period"]
    found = api.get("Encounter", patient=str(person.uuid), date=timezone.localdate().isoformat()).json()
    assert found["total"] == 1  # the stay covers today; the appointment is tomorrow
    planned = api.get("Encounter", patient=str(person.uuid), status="planned").json()
    assert [e["resource"]["id"] for e in planned["entry"]] == [str(entry.uuid)]


def test_the_team_plans_and_cancels_an_event(fhir_world, fhir_client_for):
    person = fhir_world.persons[1]
    api = fhir_client_for(fhir_world.educator.user, "system/Encounter.*")
    response = api.post("Encounter", event_resource(fhir_world, person))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_event(created)
    entry = AgendaEntry.objects.get(uuid=created["id"])
    assert entry.title == "Piscine" and entry.kind == "activity"
    cancelled = event_resource(fhir_world, person, id=created["id"], status="cancelled")
    response = api.put(f"Encounter/{created['id']}", cancelled)
    assert response.status_code == 200, response.content
    entry.refresh_from_db()
    assert entry.cancelled_at is not None and response.json()["status"] == "cancelled"
    unlabelled = event_resource(fhir_world, person, extension=[])
    assert api.post("Encounter", unlabelled).status_code == 422
    assert AgendaEntry.objects.filter(person=person).count() == 1


@pytest.mark.django_db(transaction=True)
def test_fhirpy_creates_a_stay_and_a_delivered_service_and_finds_them_by_patient(fhirpy_client):
    from parcours.staff.enums import Role
    from tests.factories import EstablishmentFactory, ServiceDeliveryFactory, make_professional

    establishment = EstablishmentFactory()
    director = make_professional(establishment, role=Role.ESTABLISHMENT_DIRECTOR)
    person = PersonFactory(opened_by=establishment)
    client = fhirpy_client(director.user, "system/*.*")

    class World:
        other = establishment

    stay = client.resource("Encounter", **stay_resource(World, person))
    stay.save()
    assert Admission.objects.filter(uuid=stay.id, person=person).exists()
    template = ServiceDeliveryFactory.build(person=person, establishment=establishment)
    from tests.fhir.test_task import delivered_resource

    task = client.resource("Task", **delivered_resource(establishment, person, template.date))
    task.save()
    found = client.resources("Encounter").search(patient=f"Patient/{person.uuid}").fetch_all()
    assert [resource.id for resource in found] == [stay.id]
    tasks = client.resources("Task").search(patient=str(person.uuid)).fetch_all()
    assert [resource.id for resource in tasks] == [task.id]
    for resource in [*found, *tasks]:
        check_resource(resource.serialize())
