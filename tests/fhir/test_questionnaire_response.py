"""QuestionnaireResponse (TDDUIQuestionnaireResponse): a person's answers to a satisfaction
questionnaire, served only when the person chose to show them to the team."""

import re

import pytest
from django.utils import timezone

from parcours.access.enums import PortalRole
from parcours.access.models import AccessLogEntry
from parcours.fhir.validation import check_resource
from parcours.portal.enums import QuestionKind
from parcours.portal.models import Answer, EvaluationResponse, Question, Questionnaire
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-questionnaire-response"
EVALUATION_SYSTEM = "https://identifiant-medicosocial-evaluation.esante.gouv.fr"
QR_PARTICIPANT = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-qr-participant"


def assert_tddui_response(resource):
    """TDDUIQuestionnaireResponse.fsh: identifier 1..1 (system, value format), questionnaire 1..1,
    subject 1..1 (Patient), item 1..*, and for a self-evaluation the "porteur" (auto-eval-porteur)."""
    check_resource(resource)
    assert PROFILE in resource["meta"]["profile"]
    assert resource["identifier"]["system"] == EVALUATION_SYSTEM
    assert re.match(r"^3[0-9]{9}/[A-Za-z0-9]+-EVAL-[A-Za-z0-9]+$", resource["identifier"]["value"])
    assert resource["questionnaire"]
    assert resource["subject"]["reference"].startswith("Patient/")
    assert resource["item"]
    if "Patient/" in resource.get("source", {}).get("reference", ""):
        participant = next(e for e in resource["extension"] if e["url"] == QR_PARTICIPANT)
        assert any(sub["url"] == "TDDUIPorteur" for sub in participant["extension"])


@pytest.fixture
def questionnaire(fhir_world):
    questionnaire = Questionnaire.objects.create(
        establishment=fhir_world.establishment, title="Votre avis", opens_on=timezone.localdate(),
        created_by=fhir_world.director.user,
    )  # fmt: skip
    for position, (text, kind) in enumerate(
        [("L'accueil vous plaît ?", QuestionKind.SCALE), ("En sécurité ?", QuestionKind.YES_NO),
         ("Que faudrait-il améliorer ?", QuestionKind.TEXT), ("Les activités ?", QuestionKind.SCALE)],
        start=1,
    ):  # fmt: skip
        Question.objects.create(questionnaire=questionnaire, position=position, text=text, kind=kind)
    return questionnaire


def respond(questionnaire, person, shared=True):
    response = EvaluationResponse.objects.create(questionnaire=questionnaire, person=person,
                                                 answered_by=UserFactory(), capacity=PortalRole.PERSON,
                                                 shared_with_team=shared)  # fmt: skip
    questions = {q.position: q for q in questionnaire.questions.all()}
    Answer.objects.create(response=response, question=questions[1], value=4)
    Answer.objects.create(response=response, question=questions[2], value=1)
    Answer.objects.create(response=response, question=questions[3], text="Plus de sorties.")
    return response


def test_read_a_shared_response_with_its_answers(fhir_world, fhir_client_for, questionnaire):
    person = fhir_world.persons[0]
    response = respond(questionnaire, person)
    api = fhir_client_for(fhir_world.educator.user, "system/QuestionnaireResponse.read")
    answer = api.get(f"QuestionnaireResponse/{response.uuid}")
    assert answer.status_code == 200, answer.content
    resource = answer.json()
    assert_tddui_response(resource)
    assert resource["identifier"]["value"] == (
        f"3{fhir_world.establishment.finess}/{person.uuid.hex}-EVAL-{response.uuid.hex}"
    )
    assert resource["status"] == "completed"
    assert resource["questionnaire"] == f"urn:uuid:{questionnaire.uuid}"
    items = {item["linkId"]: item for item in resource["item"]}
    assert items["1"]["answer"] == [{"valueInteger": 4}]
    assert items["2"]["answer"] == [{"valueBoolean": True}]
    assert items["3"]["answer"] == [{"valueString": "Plus de sorties."}]
    assert "answer" not in items["4"]
    entry = AccessLogEntry.objects.get(channel="fhir", person=person, action="read")
    assert entry.category == "identity" and entry.allowed


def test_a_response_the_person_kept_to_themself_is_never_served(fhir_world, fhir_client_for, questionnaire):
    kept = respond(questionnaire, fhir_world.persons[0], shared=False)
    api = fhir_client_for(fhir_world.director.user, "system/QuestionnaireResponse.read")
    assert api.get(f"QuestionnaireResponse/{kept.uuid}").status_code == 404
    assert api.get("QuestionnaireResponse").json()["total"] == 0


def test_search_by_patient_authored_and_status(fhir_world, fhir_client_for, questionnaire):
    first, second = fhir_world.persons
    mine = respond(questionnaire, first)
    respond(questionnaire, second)
    api = fhir_client_for(fhir_world.educator.user, "system/QuestionnaireResponse.read")
    bundle = api.get("QuestionnaireResponse", patient=f"Patient/{first.uuid}").json()
    assert [entry["resource"]["id"] for entry in bundle["entry"]] == [str(mine.uuid)]
    assert_tddui_response(bundle["entry"][0]["resource"])
    today = timezone.localdate().isoformat()
    assert api.get("QuestionnaireResponse", authored=today).json()["total"] == 2
    assert api.get("QuestionnaireResponse", authored="lt2000").json()["total"] == 0
    assert api.get("QuestionnaireResponse", status="completed").json()["total"] == 2
    assert api.get("QuestionnaireResponse", status="in-progress").json()["total"] == 0
    assert api.get("QuestionnaireResponse", status="nonsense").status_code == 400


def test_responses_are_read_only(fhir_world, fhir_client_for, questionnaire):
    api = fhir_client_for(fhir_world.educator.user, "system/QuestionnaireResponse.*")
    resource = {
        "resourceType": "QuestionnaireResponse",
        "meta": {"profile": [PROFILE]},
        "identifier": {"system": EVALUATION_SYSTEM, "value": "31234567890/abc-EVAL-1"},
        "questionnaire": f"urn:uuid:{questionnaire.uuid}",
        "status": "completed",
        "subject": {"reference": f"Patient/{fhir_world.persons[0].uuid}"},
        "item": [{"linkId": "1", "answer": [{"valueInteger": 3}]}],
    }
    response = api.post("QuestionnaireResponse", resource)
    assert response.status_code in (405, 422)
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not EvaluationResponse.objects.exists()


def test_scope_and_access_refusals(fhir_world, fhir_client_for, questionnaire):
    person = fhir_world.persons[0]
    response = respond(questionnaire, person)
    no_scope = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    assert no_scope.get(f"QuestionnaireResponse/{response.uuid}").status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/QuestionnaireResponse.read")
    assert outsider.get(f"QuestionnaireResponse/{response.uuid}").status_code == 404
    assert outsider.get("QuestionnaireResponse").json()["total"] == 0
    assert AccessLogEntry.objects.filter(
        actor=fhir_world.outsider.user, person=person, allowed=False
    ).exists()
