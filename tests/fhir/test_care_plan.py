"""CarePlan and Goal: the projet personnalisé (TDDUICarePlanProjetPersonnalise), its objectives
(TDDUIGoalObjectif) and the person's own words (TDDUIGoalAttente), checked against the rules of the
guide's FSH profiles."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from parcours.fhir.registry import tddui_profile
from parcours.fhir.validation import check_resource
from parcours.records.enums import ProjetStatus
from parcours.records.models import Goal, ProjetPersonnalise
from tests.factories import ProjetFactory, concept

pytestmark = pytest.mark.django_db

CAREPLAN = tddui_profile("tddui-careplan-projet-personnalise")
OBJECTIF = tddui_profile("tddui-goal-objectif")
ATTENTE = tddui_profile("tddui-goal-attente")
CAREPLAN_SYSTEM = "https://identifiant-medicosocial-projetpersonnalise.esante.gouv.fr"
OBJECTIF_SYSTEM = "https://identifiant-medicosocial-objectif.esante.gouv.fr"
ATTENTE_SYSTEM = "https://identifiant-medicosocial-attente.esante.gouv.fr"
EXT = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"
DISCRIMINATOR_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-discriminator"
SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"


def id_format(tag):
    return re.compile(rf"^3\d{{9}}/[A-Za-z0-9]+-{tag}-[A-Za-z0-9]+$")


def discriminated(element, code):
    return any(
        e["url"] == f"{EXT}tddui-discriminator"
        and e["valueCodeableConcept"]["coding"][0] == {"system": DISCRIMINATOR_SYSTEM, "code": code}
        for e in element.get("extension", [])
    )


def assert_careplan(resource):
    """identifier 1..1 (system, format), title 1..1, supportingInfo[accordStructure] 1..*, intent."""
    check_resource(resource)
    assert CAREPLAN in resource["meta"]["profile"]
    assert len(resource["identifier"]) == 1
    assert resource["identifier"][0]["system"] == CAREPLAN_SYSTEM
    assert id_format("PPER").match(resource["identifier"][0]["value"])
    assert resource["title"] and resource["intent"] == "plan"
    assert any(discriminated(info, "accordStructure") for info in resource["supportingInfo"])


def assert_goal(resource, profile):
    check_resource(resource)
    assert profile in resource["meta"]["profile"]
    assert len(resource["identifier"]) == 1
    projet_refs = [e for e in resource["extension"] if e["url"] == f"{EXT}tddui-careplan-reference"]
    assert len(projet_refs) == 1 and projet_refs[0]["valueReference"]["reference"].startswith("CarePlan/")
    if profile == OBJECTIF:
        assert resource["identifier"][0]["system"] == OBJECTIF_SYSTEM
        assert id_format("OBJE").match(resource["identifier"][0]["value"])
        titles = [n for n in resource["note"] if discriminated(n, "titreObjectif")]
        assert len(titles) == 1 and titles[0]["text"]
    else:
        assert resource["identifier"][0]["system"] == ATTENTE_SYSTEM
        assert id_format("ATTE").match(resource["identifier"][0]["value"])
        assert resource["expressedBy"]["reference"].startswith("Patient/")
        assert any(discriminated(n, "origineAttente") for n in resource["note"])


def careplan_resource(world, person, **changes):
    resource = {
        "resourceType": "CarePlan",
        "meta": {"profile": [CAREPLAN]},
        "identifier": [
            {"system": CAREPLAN_SYSTEM, "value": f"3{world.establishment.finess}/{person.uuid.hex}-PPER-1"}
        ],
        "status": "draft",
        "intent": "plan",
        "title": "Projet personnalisé",
        "subject": {"reference": f"Patient/{person.uuid}"},
        "period": {
            "start": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
            "end": (timezone.localdate() + datetime.timedelta(days=360)).isoformat(),
        },
        "author": {"reference": f"Practitioner/{world.educator.uuid}"},
        "contributor": [{"reference": f"Organization/{world.establishment.uuid}"}],
        "supportingInfo": [
            {
                "extension": [
                    {
                        "url": f"{EXT}tddui-discriminator",
                        "valueCodeableConcept": {
                            "coding": [{"system": DISCRIMINATOR_SYSTEM, "code": "accordStructure"}]
                        },
                    },
                    {
                        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
                        "valueCode": "unknown",
                    },
                ],
                "display": "Consentement structure",
            }
        ],
    }
    resource.update(changes)
    return resource


def objectif_resource(projet, title="Aller seul à l'atelier", needs=("1.2.1.3",), **changes):
    resource = {
        "resourceType": "Goal",
        "meta": {"profile": [OBJECTIF]},
        "extension": [
            {
                "url": f"{EXT}tddui-careplan-reference",
                "valueReference": {"reference": f"CarePlan/{projet.uuid}"},
            }
        ],
        "identifier": [
            {
                "system": OBJECTIF_SYSTEM,
                "value": f"3{projet.establishment.finess}/{projet.person.uuid.hex}-OBJE-1",
            }
        ],
        "lifecycleStatus": "planned",
        "description": {"text": "En bus, avec un accompagnement les premières semaines"},
        "subject": {"reference": f"Patient/{projet.person.uuid}"},
        "category": [{"coding": [{"system": SERAFIN, "code": national(code)}]} for code in needs],
        "note": [
            {
                "extension": [
                    {
                        "url": f"{EXT}tddui-discriminator",
                        "valueCodeableConcept": {
                            "coding": [{"system": DISCRIMINATOR_SYSTEM, "code": "titreObjectif"}]
                        },
                    }
                ],
                "text": title,
            }
        ],
    }
    resource.update(changes)
    return resource


def national(code):
    item = concept("serafin-ph-besoins", code)
    return item.national_code or item.code


@pytest.fixture
def api(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/*.*")


@pytest.fixture
def projet(fhir_world):
    projet = ProjetFactory(
        person=fhir_world.persons[0],
        establishment=fhir_world.establishment,
        author=fhir_world.educator,
        person_words="Je veux apprendre à cuisiner.",
    )
    goal = Goal.objects.create(projet=projet, title="Cuisiner un repas simple")
    goal.needs.set([concept("serafin-ph-besoins", "1.3.2.2")])
    return projet


def test_a_projet_is_read_with_its_goals_and_the_persons_words(fhir_world, api, projet):
    resource = api.get(f"CarePlan/{projet.uuid}").json()
    assert_careplan(resource)
    assert resource["status"] == "draft"
    assert resource["period"] == {"start": projet.date.isoformat(), "end": projet.review_date.isoformat()}
    assert resource["author"]["reference"] == f"Practitioner/{fhir_world.educator.uuid}"
    goal_ids = [item["reference"].split("/")[1] for item in resource["goal"]]
    assert len(goal_ids) == 2
    goals = [api.get(f"Goal/{goal_id}").json() for goal_id in goal_ids]
    attente = next(g for g in goals if ATTENTE in g["meta"]["profile"])
    objectif = next(g for g in goals if OBJECTIF in g["meta"]["profile"])
    assert_goal(attente, ATTENTE)
    assert_goal(objectif, OBJECTIF)
    assert attente["description"]["text"] == "Je veux apprendre à cuisiner."
    assert attente["id"] != str(projet.uuid)
    assert objectif["category"][0]["coding"][0]["code"] == national("1.3.2.2")
    assert objectif["lifecycleStatus"] == "planned"


def test_search_careplans_and_goals_with_paging(fhir_world, api, projet):
    ProjetFactory(
        person=fhir_world.persons[1], establishment=fhir_world.establishment, status=ProjetStatus.AGREED
    )
    person = fhir_world.persons[0]
    assert api.get("CarePlan", patient=str(person.uuid)).json()["total"] == 1
    assert api.get("CarePlan", subject=f"Patient/{person.uuid}").json()["total"] == 1
    assert api.get("CarePlan", status="active").json()["total"] == 1
    assert api.get("CarePlan", date=projet.date.isoformat()).json()["total"] >= 1
    page = api.get("CarePlan", _count=1).json()
    assert page["total"] == 2 and len(page["entry"]) == 1
    assert_careplan(page["entry"][0]["resource"])
    goals = api.get("Goal", patient=str(person.uuid)).json()
    assert goals["total"] == 2
    attente_id = next(
        e["resource"]["id"] for e in goals["entry"] if ATTENTE in e["resource"]["meta"]["profile"]
    )
    assert api.get("Goal", _id=attente_id).json()["total"] == 1


def test_the_team_writes_a_projet_and_its_goals_then_agreed_it_refuses_changes(fhir_world, api):
    person = fhir_world.persons[1]
    response = api.post("CarePlan", careplan_resource(fhir_world, person))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_careplan(created)
    projet = ProjetPersonnalise.objects.get(uuid=created["id"])
    response = api.post("Goal", objectif_resource(projet))
    assert response.status_code == 201, response.content
    assert_goal(response.json(), OBJECTIF)
    goal = Goal.objects.get(uuid=response.json()["id"])
    assert goal.title == "Aller seul à l'atelier" and [c.code for c in goal.needs.all()] == ["1.2.1.3"]
    renamed = objectif_resource(projet, title="Aller seul à l'atelier en bus", id=response.json()["id"])
    assert api.put(f"Goal/{goal.uuid}", renamed).status_code == 200
    goal.refresh_from_db()
    assert goal.title == "Aller seul à l'atelier en bus"
    history = api.get(f"Goal/{goal.uuid}/_history").json()
    assert history["total"] == 2
    for entry in history["entry"]:
        assert_goal(entry["resource"], OBJECTIF)
    ProjetPersonnalise.objects.filter(pk=projet.pk).update(status=ProjetStatus.AGREED)
    later = careplan_resource(fhir_world, person, id=created["id"], status="active")
    later["period"]["end"] = (timezone.localdate() + datetime.timedelta(days=100)).isoformat()
    answer = api.put(f"CarePlan/{created['id']}", later)
    assert answer.status_code == 422 and "validé" in answer.json()["issue"][0]["diagnostics"]
    assert api.put(f"Goal/{goal.uuid}", objectif_resource(projet, id=str(goal.uuid))).status_code == 422
    goal.refresh_from_db()
    assert goal.title == "Aller seul à l'atelier en bus"


def test_the_persons_words_are_written_as_their_attente(fhir_world, api, projet):
    attente_id = next(
        g["reference"].split("/")[1]
        for g in api.get(f"CarePlan/{projet.uuid}").json()["goal"]
        if g["reference"].split("/")[1] not in {str(goal.uuid) for goal in projet.goals.all()}
    )
    resource = api.get(f"Goal/{attente_id}").json()
    resource["description"]["text"] = "Je veux apprendre à cuisiner et à faire les courses."
    response = api.put(f"Goal/{attente_id}", resource)
    assert response.status_code == 200, response.content
    projet.refresh_from_db()
    assert projet.person_words == "Je veux apprendre à cuisiner et à faire les courses."
    assert api.get(f"Goal/{attente_id}/_history").json()["total"] == 1


def test_resources_breaking_the_profiles_are_refused_and_nothing_written(fhir_world, api, projet):
    person = fhir_world.persons[1]
    count = ProjetPersonnalise.objects.count()
    no_title = careplan_resource(fhir_world, person)
    del no_title["title"]
    for resource in (
        careplan_resource(fhir_world, person, identifier=[]),
        no_title,
        careplan_resource(fhir_world, person, supportingInfo=[]),
    ):
        answer = api.post("CarePlan", resource)
        assert answer.status_code == 422 and answer.json()["resourceType"] == "OperationOutcome"
    assert ProjetPersonnalise.objects.count() == count
    goals = Goal.objects.count()
    for resource in (
        objectif_resource(projet, note=[]),
        objectif_resource(projet, extension=[]),
        objectif_resource(projet, identifier=[]),
    ):
        assert api.post("Goal", resource).status_code == 422
    assert Goal.objects.count() == goals


def test_an_unknown_besoin_on_a_goal_is_code_invalid(fhir_world, api, projet):
    resource = objectif_resource(projet)
    resource["category"] = [{"coding": [{"system": SERAFIN, "code": "9.9.9"}]}]
    answer = api.post("Goal", resource)
    assert answer.status_code == 422 and answer.json()["issue"][0]["code"] == "code-invalid"
    assert projet.goals.count() == 1


def test_a_wrong_reference_is_refused(fhir_world, api, projet):
    resource = objectif_resource(projet)
    resource["extension"][0]["valueReference"] = {"reference": f"CarePlan/{uuid.uuid4()}"}
    assert api.post("Goal", resource).status_code == 422
    answer = api.post(
        "CarePlan",
        careplan_resource(
            fhir_world, fhir_world.persons[1], subject={"reference": f"Patient/{uuid.uuid4()}"}
        ),
    )
    assert answer.status_code == 422 and answer.json()["issue"][0]["expression"] == ["CarePlan.subject"]
    assert projet.goals.count() == 1


def test_scopes_and_rights_are_enforced(fhir_world, fhir_client_for, projet):
    reader = fhir_client_for(fhir_world.educator.user, "system/CarePlan.read")
    assert reader.post("CarePlan", careplan_resource(fhir_world, fhir_world.persons[1])).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/*.*")
    assert outsider.post("CarePlan", careplan_resource(fhir_world, fhir_world.persons[1])).status_code == 403
    assert outsider.post("Goal", objectif_resource(projet)).status_code == 403
    assert outsider.get(f"CarePlan/{projet.uuid}").status_code == 404
    assert ProjetPersonnalise.objects.count() == 1 and projet.goals.count() == 1
