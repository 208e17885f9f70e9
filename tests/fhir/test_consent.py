"""Consent: the answers to the projet personnalisé (TDDUIConsentAccord) and the consents to share the
record with another establishment (TDDUIConsent), checked against the guide's FSH rules."""

import datetime

import pytest
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.enums import ConsentDecision, ConsentHow
from parcours.access.models import AccessLogEntry, Consent
from parcours.access.services import record_consent
from parcours.fhir.models import ResourceVersion
from parcours.fhir.validation import check_resource
from parcours.records.enums import ProjetResponseKind, ResponseCapacity
from parcours.records.models import ProjetResponse, ProjetVersion
from tests.factories import EstablishmentFactory, ProjetFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCORD = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-consent-accord"
SHARING = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-consent"


def assert_tddui_consent(resource, profile):
    """TDDUIConsent / TDDUIConsentAccord: performer 1..1, dateTime 1..1, and the base Consent's
    mandatory status, scope, category and policy."""
    check_resource(resource)
    assert profile in resource["meta"]["profile"]
    assert len(resource["performer"]) == 1
    assert resource["dateTime"]
    assert resource["status"] and resource["scope"]["coding"][0]["code"] == "patient-privacy"
    assert resource["category"][0]["coding"][0] == {"system": "http://loinc.org", "code": "59284-0"}
    assert resource["policy"]


def answer(world, person, kind=ProjetResponseKind.AGREE, capacity=ResponseCapacity.PERSON, text=""):
    projet = ProjetFactory(person=person, establishment=world.establishment, author=world.educator)
    version = ProjetVersion.objects.create(
        projet=projet, number=1, content="{}", proposed_by=world.educator.user
    )
    return ProjetResponse.objects.create(version=version, kind=kind, author=UserFactory(), capacity=capacity,
                                         text=text)  # fmt: skip


def share(world, person, **fields):
    fields.setdefault("establishment", world.other)
    fields.setdefault("categories", ["identity", "projet"])
    return record_consent(person, actor=Actor(world.director.user), **fields)


def sharing_resource(
    world, person, *, status="active", kind="permit", how="Document papier signé (numérisé)"
):
    return {
        "resourceType": "Consent",
        "meta": {"profile": [SHARING]},
        "status": status,
        "scope": {
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}
            ]
        },
        "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
        "policy": [{"authority": "https://www.cnsa.fr/"}],
        "patient": {"reference": f"Patient/{person.uuid}"},
        "dateTime": "2024-05-02T10:00:00+02:00",
        "performer": [{"reference": f"Patient/{person.uuid}"}],
        "sourceAttachment": {"title": how},
        "provision": {
            "type": kind,
            "period": {"start": "2024-05-02"},
            "actor": [
                {
                    "role": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                                "code": "IRCP",
                            }
                        ]
                    },
                    "reference": {"reference": f"Organization/{world.other.uuid}"},
                }
            ],
            "code": [{"text": "Identité et coordonnées"}, {"text": "Projet personnalisé"}],
        },
    }


def test_read_an_agreement_and_a_request_for_changes_to_the_projet(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    agreement = answer(fhir_world, person)
    request = answer(
        fhir_world, person, ProjetResponseKind.CHANGES, ResponseCapacity.REPRESENTATIVE, "Plus de sport"
    )
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.read")
    resource = api.get(f"Consent/{agreement.uuid}").json()
    assert_tddui_consent(resource, ACCORD)
    assert resource["status"] == "active"
    assert resource["performer"] == [{"reference": f"Patient/{person.uuid}"}]
    assert resource["sourceReference"] == {"reference": f"CarePlan/{agreement.version.projet.uuid}"}
    resource = api.get(f"Consent/{request.uuid}").json()
    assert_tddui_consent(resource, ACCORD)
    assert resource["status"] == "rejected"
    assert resource["performer"] == [{"display": "Son représentant légal"}]
    assert AccessLogEntry.objects.filter(channel="fhir", category="projet", action="read").count() == 2


def test_read_a_sharing_consent_and_its_withdrawal(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    consent = share(fhir_world, person, how=ConsentHow.ORAL, witness_name="Mme Témoin")
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.read")
    resource = api.get(f"Consent/{consent.uuid}").json()
    assert_tddui_consent(resource, SHARING)
    assert resource["status"] == "active"
    provision = resource["provision"]
    assert provision["type"] == "permit"
    assert provision["actor"][0]["reference"]["reference"] == f"Organization/{fhir_world.other.uuid}"
    assert [code["text"] for code in provision["code"]] == ["Identité et coordonnées", "Projet personnalisé"]
    assert resource["sourceAttachment"]["title"] == "Oralement, devant un témoin"
    assert resource["verification"][0]["verifiedWith"]["display"] == "Mme Témoin"
    assert AccessLogEntry.objects.filter(channel="fhir", category="identity", action="read").exists()


def test_search_by_patient_status_and_date(fhir_world, fhir_client_for):
    first, second = fhir_world.persons
    agreement = answer(fhir_world, first)
    granted = share(fhir_world, first)
    refused = share(fhir_world, first, decision=ConsentDecision.REFUSED)
    share(fhir_world, second)
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.read")
    bundle = api.get("Consent", patient=f"Patient/{first.uuid}").json()
    assert {e["resource"]["id"] for e in bundle["entry"]} == {
        str(agreement.uuid),
        str(granted.uuid),
        str(refused.uuid),
    }
    for entry in bundle["entry"]:
        check_resource(entry["resource"])
    active = api.get("Consent", patient=str(first.uuid), status="active").json()
    assert {e["resource"]["id"] for e in active["entry"]} == {str(agreement.uuid), str(granted.uuid)}
    rejected = api.get("Consent", patient=str(first.uuid), status="rejected").json()
    assert [e["resource"]["id"] for e in rejected["entry"]] == [str(refused.uuid)]
    assert api.get("Consent", date=timezone.localdate().isoformat()).json()["total"] == 4
    assert api.get("Consent", status="nonsense").status_code == 400


def test_the_team_records_a_consent_then_withdraws_it(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.*")
    response = api.post("Consent", sharing_resource(fhir_world, person))
    assert response.status_code == 201, response.content
    created = response.json()
    assert_tddui_consent(created, SHARING)
    consent = Consent.objects.get(uuid=created["id"])
    assert consent.recorded_by == fhir_world.educator.user
    assert consent.categories == ["identity", "projet"] and consent.establishment == fhir_world.other
    withdrawal = {**sharing_resource(fhir_world, person, status="inactive"), "id": created["id"]}
    response = api.put(f"Consent/{created['id']}", withdrawal)
    assert response.status_code == 200, response.content
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert api.get(f"Consent/{created['id']}/_history").json()["total"] == 2
    changed = {**sharing_resource(fhir_world, person, status="inactive"), "id": created["id"]}
    changed["provision"]["code"] = [{"text": "Documents"}]
    assert api.put(f"Consent/{created['id']}", changed).status_code == 422


def test_an_administrator_imports_a_withdrawn_consent(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    admin = UserFactory(is_staff=True, is_superuser=True)
    api = fhir_client_for(admin, "system/Consent.write")
    resource = sharing_resource(fhir_world, person, status="inactive")
    resource["meta"]["lastUpdated"] = "2024-06-01T12:00:00+02:00"
    response = api.post("Consent", resource)
    assert response.status_code == 201, response.content
    consent = Consent.objects.get()
    assert consent.recorded_at == datetime.datetime.fromisoformat("2024-05-02T10:00:00+02:00")
    assert consent.withdrawn_at == datetime.datetime.fromisoformat("2024-06-01T12:00:00+02:00")
    assert consent.valid_from == datetime.date(2024, 5, 2)
    entry = AccessLogEntry.objects.get(actor=admin, action="create")
    assert entry.basis == "import" and entry.category == "identity"


def test_an_answer_to_the_projet_is_not_written_through_the_api(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.write")
    resource = sharing_resource(fhir_world, person)
    resource["meta"]["profile"] = [ACCORD]
    assert api.post("Consent", resource).status_code == 422
    assert not ProjetResponse.objects.exists()


@pytest.mark.parametrize(
    "broken",
    [
        lambda r: r.pop("performer"),
        lambda r: r.update(performer=[r["performer"][0], r["performer"][0]]),
        lambda r: r.pop("dateTime"),
        lambda r: r.pop("patient"),
        lambda r: r["provision"].pop("actor"),
        lambda r: r["provision"].update(code=[{"text": "Tout le dossier"}]),
        lambda r: r.update(sourceAttachment={"title": "Par pigeon voyageur"}),
        lambda r: r.update(status="rejected"),
        lambda r: r["provision"]["actor"][0].update(
            reference={"reference": "Organization/00000000-0000-4000-8000-000000000000"}
        ),
    ],
    ids=[
        "no-performer",
        "two-performers",
        "no-datetime",
        "no-patient",
        "no-recipient",
        "unknown-part",
        "unknown-how",
        "status-of-a-permit",
        "unknown-organization",
    ],  # fmt: skip
)
def test_a_consent_breaking_the_rules_is_refused_and_nothing_written(fhir_world, fhir_client_for, broken):
    api = fhir_client_for(fhir_world.educator.user, "system/Consent.write")
    resource = sharing_resource(fhir_world, fhir_world.persons[0])
    broken(resource)
    response = api.post("Consent", resource)
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert not Consent.objects.exists()
    assert not ResourceVersion.objects.exists()


def test_scope_and_access_refusals(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    # Shared with a third establishment: the outsider's (fhir_world.other) is not the recipient.
    consent = share(fhir_world, person, establishment=EstablishmentFactory())
    reader = fhir_client_for(fhir_world.educator.user, "system/Consent.read")
    assert reader.post("Consent", sharing_resource(fhir_world, person)).status_code == 403
    outsider = fhir_client_for(fhir_world.outsider.user, "system/Consent.*")
    assert outsider.get(f"Consent/{consent.uuid}").status_code == 404
    response = outsider.post("Consent", sharing_resource(fhir_world, person))
    assert response.status_code == 403, response.content
    assert Consent.objects.count() == 1
    refusals = AccessLogEntry.objects.filter(actor=fhir_world.outsider.user, person=person, allowed=False)
    assert {entry.action for entry in refusals} == {"read", "create"}
