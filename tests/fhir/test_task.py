"""Task: the planned and the delivered SERAFIN-PH prestations (TDDUITaskPrestation), checked against
the rules of the guide's FSH profile."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from parcours.fhir.registry import tddui_profile
from parcours.fhir.validation import check_resource
from parcours.records.enums import ProjetStatus
from parcours.records.models import PlannedService, ServiceDelivery
from tests.factories import ProjetFactory, ServiceDeliveryFactory, concept

pytestmark = pytest.mark.django_db

PROFILE = tddui_profile("tddui-task-prestation")
SYSTEM = "https://identifiant-medicosocial-prestation.esante.gouv.fr"
INPUT = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-task-input-prestation"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
ID_FORMAT = re.compile(r"^3\d{9}/[A-Za-z0-9]+-PRES-[A-Za-z0-9]+$")


def assert_prestation(resource):
    """TDDUITaskPrestation: identifier (system, format), basedOn 1..1, input[titre] 1..1."""
    check_resource(resource)
    assert PROFILE in resource["meta"]["profile"]
    assert len(resource["identifier"]) == 1
    assert resource["identifier"][0]["system"] == SYSTEM
    assert ID_FORMAT.match(resource["identifier"][0]["value"])
    assert len(resource["basedOn"]) == 1
    titles = [i for i in resource["input"] if i["type"]["coding"][0] == {"system": INPUT, "code": "titre"}]
    assert len(titles) == 1 and titles[0]["valueString"]
    kinds = [i for i in resource["input"] if i["type"]["coding"][0]["code"] == "typePrestation"]
    assert kinds[0]["valueCodeableConcept"]["coding"][0]["system"] == SERAFIN


def delivered_resource(establishment, person, day, code="2.3.1.1", **changes):
    resource = {
        "resourceType": "Task",
        "meta": {"profile": [PROFILE]},
        "identifier": [{"system": SYSTEM, "value": f"3{establishment.finess}/{person.uuid.hex}-PRES-1"}],
        "basedOn": [
            {
                "display": "Aucun projet personnalisé à cette date",
                "extension": [
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                        "valueCode": "unknown",
                    }
                ],
            }
        ],
        "status": "completed",
        "intent": "unknown",
        "code": {"coding": [{"system": SERAFIN, "code": code}]},
        "for": {"reference": f"Patient/{person.uuid}"},
        "executionPeriod": {"start": day.isoformat(), "end": day.isoformat()},
        "requester": {"reference": f"Organization/{establishment.uuid}"},
        "note": [{"text": "Durée : 45 minutes"}],
        "input": [{"type": {"coding": [{"system": INPUT, "code": "titre"}]}, "valueString": "Atelier"}],
    }
    resource.update(changes)
    return resource


def planned_resource(projet, code="2.3.1.1", **changes):
    resource = {
        "resourceType": "Task",
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {"system": SYSTEM, "value": f"3{projet.establishment.finess}/{projet.person.uuid.hex}-PRES-2"}
        ],
        "basedOn": [{"reference": f"CarePlan/{projet.uuid}"}],
        "status": "draft",
        "intent": "plan",
        "code": {"coding": [{"system": SERAFIN, "code": code}]},
        "for": {"reference": f"Patient/{projet.person.uuid}"},
        "note": [{"text": "Fréquence : 2 par semaine"}],
        "input": [{"type": {"coding": [{"system": INPUT, "code": "titre"}]}, "valueString": "Atelier"}],
    }
    resource.update(changes)
    return resource


@pytest.fixture
def api(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/*.*")


def national(code):
    item = concept("serafin-ph-prestations", code)
    return item.national_code or item.code


def test_a_delivered_service_is_read_and_searched(fhir_world, api):
    person = fhir_world.persons[0]
    projet = ProjetFactory(person=person, establishment=fhir_world.establishment)
    delivery = ServiceDeliveryFactory(
        person=person, establishment=fhir_world.establishment, professional=fhir_world.educator, is_group=True
    )
    ServiceDeliveryFactory(person=fhir_world.persons[1], establishment=fhir_world.establishment)
    resource = api.get(f"Task/{delivery.uuid}").json()
    assert_prestation(resource)
    assert resource["status"] == "completed"
    assert resource["basedOn"][0]["reference"] == f"CarePlan/{projet.uuid}"
    assert resource["owner"]["reference"] == f"Practitioner/{fhir_world.educator.uuid}"
    assert {"text": "Prestation collective"} in resource["note"]
    assert resource["executionPeriod"]["start"] == delivery.date.isoformat()
    assert api.get("Task", patient=str(person.uuid)).json()["total"] == 1
    assert api.get("Task", subject=f"Patient/{person.uuid}").json()["total"] == 1
    assert api.get("Task", date=delivery.date.isoformat(), status="completed").json()["total"] == 2
    assert api.get("Task", status="draft").json()["total"] == 0
    assert api.get("Task", status="requested").json()["total"] == 0
    assert api.get("Task", status="bogus").status_code == 400
    page = api.get("Task", _count=1).json()
    assert page["total"] == 2 and len(page["entry"]) == 1 and page["link"][2]["relation"] == "next"
    for entry in page["entry"]:
        assert_prestation(entry["resource"])


def test_a_planned_service_is_a_task_of_its_projet(fhir_world, api):
    projet = ProjetFactory(
        person=fhir_world.persons[0], establishment=fhir_world.establishment, status=ProjetStatus.AGREED
    )
    service = PlannedService.objects.create(
        projet=projet,
        concept=concept("serafin-ph-prestations", "2.3.1.1"),
        frequency_count=3,
        frequency_period="week",
    )
    resource = api.get(f"Task/{service.uuid}").json()
    assert_prestation(resource)
    assert resource["intent"] == "plan" and resource["status"] == "in-progress"
    assert resource["basedOn"] == [{"reference": f"CarePlan/{projet.uuid}"}]
    assert resource["restriction"]["repetitions"] == 3
    assert {"text": "Fréquence : 3 par semaine"} in resource["note"]
    assert api.get("Task", status="in-progress").json()["total"] == 1


def test_the_team_logs_and_corrects_a_delivered_service_with_history(fhir_world, api):
    person = fhir_world.persons[0]
    day = timezone.localdate() - datetime.timedelta(days=1)
    response = api.post("Task", delivered_resource(fhir_world.establishment, person, day))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_prestation(created)
    delivery = ServiceDelivery.objects.get(uuid=created["id"])
    assert delivery.duration_minutes == 45 and delivery.professional == fhir_world.educator
    changed = delivered_resource(
        fhir_world.establishment,
        person,
        day,
        id=created["id"],
        note=[{"text": "Durée : 30 minutes"}, {"text": "Prestation collective"}],
    )
    # Declared or not, the profile is the same for both kinds of Task: sent here without it (see
    # test_a_task_without_profile_goes_to_the_right_kind).
    del changed["meta"]
    response = api.put(f"Task/{created['id']}", changed)
    assert response.status_code == 200, response.content
    delivery.refresh_from_db()
    assert delivery.duration_minutes == 30 and delivery.is_group
    history = api.get(f"Task/{created['id']}/_history").json()
    assert history["total"] == 2
    for entry in history["entry"]:
        assert_prestation(entry["resource"])


def test_a_task_without_profile_goes_to_the_right_kind(fhir_world, api):
    projet = ProjetFactory(person=fhir_world.persons[0], establishment=fhir_world.establishment)
    planned = planned_resource(projet)
    del planned["meta"]
    response = api.post("Task", planned)
    assert response.status_code == 201, response.content
    assert PlannedService.objects.filter(uuid=response.json()["id"], frequency_count=2).exists()
    day = timezone.localdate()
    delivered = delivered_resource(fhir_world.establishment, fhir_world.persons[0], day)
    del delivered["meta"]
    response = api.post("Task", delivered)
    assert response.status_code == 201, response.content
    assert ServiceDelivery.objects.filter(uuid=response.json()["id"]).exists()


def test_a_planned_service_is_refused_in_an_agreed_projet(fhir_world, api):
    projet = ProjetFactory(
        person=fhir_world.persons[0], establishment=fhir_world.establishment, status=ProjetStatus.AGREED
    )
    answer = api.post("Task", planned_resource(projet))
    assert answer.status_code == 422
    assert "validé" in answer.json()["issue"][0]["diagnostics"]
    assert not PlannedService.objects.exists()


def test_tasks_breaking_the_profile_are_refused_and_nothing_written(fhir_world, api):
    person, day = fhir_world.persons[0], timezone.localdate()
    establishment = fhir_world.establishment
    cases = [
        delivered_resource(establishment, person, day, identifier=[]),
        delivered_resource(establishment, person, day, basedOn=[]),
        delivered_resource(establishment, person, day, input=[]),
        delivered_resource(establishment, person, day, note=[]),
        delivered_resource(establishment, person, day, status="in-progress"),
    ]
    wrong = delivered_resource(establishment, person, day)
    wrong["identifier"][0]["value"] = "PRES-1"
    cases.append(wrong)
    for resource in cases:
        answer = api.post("Task", resource)
        assert answer.status_code == 422, resource
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert not ServiceDelivery.objects.exists()


def test_an_unknown_serafin_code_is_code_invalid(fhir_world, api):
    answer = api.post(
        "Task",
        delivered_resource(
            fhir_world.establishment, fhir_world.persons[0], timezone.localdate(), code="9.9.9.9"
        ),
    )
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["code"] == "code-invalid"
    assert not ServiceDelivery.objects.exists()


def test_a_wrong_reference_is_refused(fhir_world, api):
    resource = delivered_resource(
        fhir_world.establishment,
        fhir_world.persons[0],
        timezone.localdate(),
        requester={"reference": f"Organization/{uuid.uuid4()}"},
    )
    answer = api.post("Task", resource)
    assert answer.status_code == 422 and answer.json()["issue"][0]["expression"] == ["Task.requester"]
    assert not ServiceDelivery.objects.exists()


def test_scopes_and_rights_are_enforced(fhir_world, fhir_client_for):
    day = timezone.localdate()
    reader = fhir_client_for(fhir_world.educator.user, "system/Task.read")
    resource = delivered_resource(fhir_world.establishment, fhir_world.persons[0], day)
    assert reader.post("Task", resource).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/*.*")
    assert outsider.post("Task", resource).status_code == 403
    assert not ServiceDelivery.objects.exists()


def test_the_bulk_export_path_writes_the_same_tasks_as_a_read(fhir_world, api):
    """The export builds delivered services from rows (its fast path): the same resources, to the
    byte, as the mapping's `to_fhir` — with and without a projet in force, a professional, a group."""
    from parcours.fhir import registry
    from parcours.fhir.context import Context

    person, other = fhir_world.persons
    day = timezone.localdate()
    ProjetFactory(
        person=person, establishment=fhir_world.establishment, date=day - datetime.timedelta(days=30)
    )
    ProjetFactory(
        person=person, establishment=fhir_world.establishment, date=day - datetime.timedelta(days=400)
    )
    deliveries = [
        ServiceDeliveryFactory(person=person, establishment=fhir_world.establishment, date=day,
                               professional=fhir_world.educator, is_group=True),
        ServiceDeliveryFactory(person=person, establishment=fhir_world.establishment,
                               date=day - datetime.timedelta(days=500)),
        ServiceDeliveryFactory(person=other, establishment=fhir_world.establishment, date=day),
    ]  # fmt: skip
    mapping = next(m for m in registry.parts("Task") if m.model is ServiceDelivery)
    ctx = Context(caller=None)
    fast = {resource["id"]: resource for resource in mapping.export_rows([person.pk, other.pk], ctx)}
    assert set(fast) == {str(delivery.uuid) for delivery in deliveries}
    for obj in mapping.for_persons([person.pk, other.pk]):
        assert fast[str(obj.uuid)] == mapping.to_fhir(obj, ctx)
        check_resource(fast[str(obj.uuid)])
