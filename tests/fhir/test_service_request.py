"""ServiceRequest: the needs of an assessment (TDDUIServiceRequestBesoin), checked against the rules
of the guide's FSH profile."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from parcours.fhir.registry import tddui_profile
from parcours.fhir.validation import check_resource
from parcours.records.models import Need, NeedsAssessment
from tests.factories import NeedsAssessmentFactory, ProjetFactory, concept

pytestmark = pytest.mark.django_db

PROFILE = tddui_profile("tddui-service-request-besoin")
SYSTEM = "https://identifiant-medicosocial-besoin.esante.gouv.fr"
TYPE = ("https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-service-request-identifier", "BES")
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
# The guide's constraint ServiceRequestBesoinIdentifierFormat.
ID_FORMAT = re.compile(r"^3[0-9]{9}/[A-Za-z0-9]+-BESO-[A-Za-z0-9]+$")


def national(code):
    item = concept("serafin-ph-besoins", code)
    return item.national_code or item.code


def assert_besoin(resource):
    """identifier idBesoin (type BES, system, format), code.text, basedOn 1..1, category ≤ 1 (J285)."""
    check_resource(resource)
    assert PROFILE in resource["meta"]["profile"]
    assert len(resource["identifier"]) == 1
    identifier = resource["identifier"][0]
    assert identifier["system"] == SYSTEM and ID_FORMAT.match(identifier["value"])
    assert (identifier["type"]["coding"][0]["system"], identifier["type"]["coding"][0]["code"]) == TYPE
    assert resource["code"]["text"]
    assert len(resource["basedOn"]) == 1
    assert len(resource["category"]) <= 1 and resource["category"][0]["coding"][0]["system"] == SERAFIN
    assert resource["subject"]["reference"].startswith("Patient/")


def besoin_resource(world, person, besoin, **changes):
    resource = {
        "resourceType": "ServiceRequest",
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "type": {"coding": [{"system": TYPE[0], "code": "BES"}]},
                "system": SYSTEM,
                "value": f"3{world.establishment.finess}/{person.uuid.hex}-BESO-1",
            }
        ],
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
        "status": "active",
        "intent": "plan",
        "code": {"coding": [{"system": SERAFIN, "code": besoin}], "text": "Besoin"},
        "orderDetail": [{"text": "Intensité du besoin : Importante"}],
        "subject": {"reference": f"Patient/{person.uuid}"},
        "authoredOn": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        "requester": {"reference": f"Practitioner/{world.educator.uuid}"},
        "performer": [{"reference": f"Organization/{world.establishment.uuid}"}],
    }
    resource.update(changes)
    return resource


@pytest.fixture
def api(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/*.*")


def test_a_need_is_read_with_its_code_intensity_and_projet(fhir_world, api):
    person = fhir_world.persons[0]
    projet = ProjetFactory(person=person, establishment=fhir_world.establishment)
    assessment = NeedsAssessmentFactory(
        person=person,
        establishment=fhir_world.establishment,
        assessed_by=fhir_world.educator,
        needs=["1.2.1.1"],
    )
    need = assessment.needs.get()
    resource = api.get(f"ServiceRequest/{need.uuid}").json()
    assert_besoin(resource)
    assert resource["code"]["coding"][0] == {
        "system": SERAFIN,
        "code": national("1.2.1.1"),
        "display": need.concept.label,
    }
    assert resource["authoredOn"] == assessment.date.isoformat()
    assert resource["basedOn"] == [{"reference": f"CarePlan/{projet.uuid}"}]
    assert resource["requester"]["reference"] == f"Practitioner/{fhir_world.educator.uuid}"
    assert resource["orderDetail"] == [{"text": "Intensité du besoin : Modérée"}]


def test_search_by_patient_subject_code_authored_with_paging(fhir_world, api):
    person = fhir_world.persons[0]
    assessment = NeedsAssessmentFactory(
        person=person,
        establishment=fhir_world.establishment,
        assessed_by=fhir_world.educator,
        needs=["1.2.1.1", "1.2.1.3"],
    )
    NeedsAssessmentFactory(
        person=fhir_world.persons[1],
        establishment=fhir_world.establishment,
        assessed_by=fhir_world.educator,
        needs=["1.2.1.1"],
    )
    assert api.get("ServiceRequest", patient=str(person.uuid)).json()["total"] == 2
    assert api.get("ServiceRequest", subject=f"Patient/{person.uuid}").json()["total"] == 2
    assert api.get("ServiceRequest", code=f"{SERAFIN}|{national('1.2.1.1')}").json()["total"] == 2
    assert api.get("ServiceRequest", code=national("1.2.1.3")).json()["total"] == 1
    assert api.get("ServiceRequest", authored=assessment.date.isoformat()).json()["total"] == 3
    assert api.get("ServiceRequest", authored="lt2000-01-01").json()["total"] == 0
    page = api.get("ServiceRequest", _count=2, _sort="authored").json()
    assert page["total"] == 3 and len(page["entry"]) == 2
    assert any(link["relation"] == "next" for link in page["link"])
    for entry in page["entry"]:
        assert_besoin(entry["resource"])


def test_a_need_is_created_in_the_assessment_of_its_date_then_updated_with_history(fhir_world, api):
    person = fhir_world.persons[0]
    response = api.post("ServiceRequest", besoin_resource(fhir_world, person, national("1.2.1.1")))
    assert response.status_code == 201, response.content
    first = response.json()
    assert_besoin(first)
    second = api.post("ServiceRequest", besoin_resource(fhir_world, person, national("1.2.1.3")))
    assert second.status_code == 201, second.content
    assessment = NeedsAssessment.objects.get(person=person)
    assert assessment.needs.count() == 2 and assessment.assessed_by == fhir_world.educator
    need = Need.objects.get(uuid=first["id"])
    assert need.intensity == 3
    changed = besoin_resource(
        fhir_world,
        person,
        national("1.2.1.1"),
        id=first["id"],
        orderDetail=[{"text": "Intensité du besoin : Faible"}],
        note=[{"text": "Revu"}],
    )
    response = api.put(f"ServiceRequest/{first['id']}", changed)
    assert response.status_code == 200, response.content
    need.refresh_from_db()
    assert need.intensity == 1 and need.comment == "Revu"
    history = api.get(f"ServiceRequest/{first['id']}/_history").json()
    assert history["total"] == 2
    for entry in history["entry"]:
        assert_besoin(entry["resource"])
    twice = api.post("ServiceRequest", besoin_resource(fhir_world, person, national("1.2.1.3")))
    assert twice.status_code == 422


def test_needs_breaking_the_profile_are_refused_and_nothing_written(fhir_world, api):
    person = fhir_world.persons[0]
    code = national("1.2.1.1")
    cases = [
        besoin_resource(fhir_world, person, code, identifier=[]),
        besoin_resource(fhir_world, person, code, basedOn=[]),
        besoin_resource(fhir_world, person, code, code={"coding": [{"system": SERAFIN, "code": code}]}),
        besoin_resource(fhir_world, person, code, orderDetail=[]),
    ]
    wrong_type = besoin_resource(fhir_world, person, code)
    wrong_type["identifier"][0]["type"]["coding"][0]["code"] = "SEJ"
    wrong_format = besoin_resource(fhir_world, person, code)
    wrong_format["identifier"][0]["value"] = "3123/abc-BESOIN-1"
    for resource in [*cases, wrong_type, wrong_format]:
        answer = api.post("ServiceRequest", resource)
        assert answer.status_code == 422, resource
        assert answer.json()["resourceType"] == "OperationOutcome"
    assert not NeedsAssessment.objects.exists() and not Need.objects.exists()


def test_an_unknown_besoin_is_code_invalid(fhir_world, api):
    answer = api.post("ServiceRequest", besoin_resource(fhir_world, fhir_world.persons[0], "9.9.9"))
    assert answer.status_code == 422
    assert answer.json()["issue"][0]["code"] == "code-invalid"
    prestation = concept("serafin-ph-prestations", "2.3.1.1")
    answer = api.post(
        "ServiceRequest",
        besoin_resource(fhir_world, fhir_world.persons[0], prestation.national_code or prestation.code),
    )
    assert answer.status_code == 422 and answer.json()["issue"][0]["code"] == "code-invalid"
    assert not Need.objects.exists()


def test_a_wrong_reference_is_refused(fhir_world, api):
    resource = besoin_resource(
        fhir_world,
        fhir_world.persons[0],
        national("1.2.1.1"),
        requester={"reference": f"Practitioner/{uuid.uuid4()}"},
    )
    answer = api.post("ServiceRequest", resource)
    assert answer.status_code == 422 and answer.json()["issue"][0]["expression"] == [
        "ServiceRequest.requester"
    ]
    other = besoin_resource(
        fhir_world,
        fhir_world.persons[0],
        national("1.2.1.1"),
        basedOn=[{"reference": f"CarePlan/{uuid.uuid4()}"}],
    )
    assert api.post("ServiceRequest", other).status_code == 422
    assert not NeedsAssessment.objects.exists()


def test_scopes_and_rights_are_enforced(fhir_world, fhir_client_for):
    resource = besoin_resource(fhir_world, fhir_world.persons[0], national("1.2.1.1"))
    reader = fhir_client_for(fhir_world.educator.user, "system/ServiceRequest.read")
    assert reader.post("ServiceRequest", resource).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/*.*")
    assert outsider.post("ServiceRequest", resource).status_code == 403
    assert not NeedsAssessment.objects.exists()
