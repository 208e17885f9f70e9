"""RelatedPerson (TDDUIRelatedPersonContact): a person's relatives, from TDDUIRelatedPersonContact.fsh and
its FR Core parent (identifier 1..1; relationship from JDV_J11-RelationPatient-CISIS and
JDV-J384-Role-Membre-Famille-MS)."""

import pytest

from parcours.access.models import AccessLogEntry
from parcours.fhir.validation import check_resource
from parcours.people.enums import RelationshipKind
from parcours.people.models import Relative
from tests.factories import RelativeFactory, UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-related-person-contact"
RELATION = "https://mos.esante.gouv.fr/NOS/TRE_R216-HL7RoleCode/FHIR/TRE-R216-HL7RoleCode"
ROLE = "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass"


def checked(resource):
    check_resource(resource)
    assert resource["meta"]["profile"] == [PROFILE]
    return resource


def new_relative(person, **changes):
    resource = {
        "resourceType": "RelatedPerson",
        "meta": {"profile": [PROFILE]},
        "patient": {"reference": f"Patient/{person.uuid}"},
        "relationship": [
            {"coding": [{"system": RELATION, "code": "SIGOTHR", "display": "Conjoint"}]},
            {"coding": [{"system": ROLE, "code": "CAREGIVER", "display": "Aidant"}]},
        ],
        "name": [{"family": "Dupont", "given": ["Paul"]}],
        "telecom": [{"system": "phone", "value": "0612345678"}],
        "address": [{"line": ["1 place Bellecour"], "city": "Lyon", "postalCode": "69002"}],
    }
    resource.update(changes)
    return resource


def comparable(resource):
    content = {k: v for k, v in resource.items() if k not in ("id", "meta", "identifier")}
    return content


@pytest.fixture
def team(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/RelatedPerson.*")


@pytest.fixture
def relative(fhir_world):
    return RelativeFactory(
        person=fhir_world.persons[0],
        relationship=RelationshipKind.PARENT,
        is_emergency_contact=True,
        email="parent@example.org",
    )


def test_read_gives_the_mandatory_elements(relative, team):
    resource = checked(team.get(f"RelatedPerson/{relative.uuid}").json())
    # FR Core RelatedPerson: identifier 1..1; patient 1..1; relationship 1..*.
    assert resource["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{relative.uuid}"}]
    assert resource["patient"]["reference"] == f"Patient/{relative.person.uuid}"
    # A parent has no sex-neutral code in JDV_J11: sent as text, never as a guessed mother or father.
    assert {"text": "Parent"} in resource["relationship"]
    roles = [c for r in resource["relationship"] for c in r.get("coding", []) if c["system"] == ROLE]
    assert [c["code"] for c in roles] == ["ECON"]
    assert resource["name"] == [{"family": relative.last_name, "given": [relative.first_name]}]
    assert resource["telecom"] == [{"system": "email", "value": "parent@example.org"}]


def test_a_relative_of_a_person_of_another_establishment_is_not_found(fhir_world, team):
    stranger_relative = RelativeFactory(person=fhir_world.stranger)
    response = team.get(f"RelatedPerson/{stranger_relative.uuid}")
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(person=fhir_world.stranger, allowed=False).exists()


def test_scope_is_required(fhir_world, relative, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    assert api.get(f"RelatedPerson/{relative.uuid}").status_code == 403


def test_search_by_patient_and_name_with_paging(fhir_world, relative, team):
    RelativeFactory(person=fhir_world.persons[0], last_name="Zorro")
    RelativeFactory(person=fhir_world.persons[1])
    RelativeFactory(person=fhir_world.stranger, last_name="Zorro")
    bundle = team.get("RelatedPerson", patient=f"Patient/{fhir_world.persons[0].uuid}").json()
    assert bundle["total"] == 2
    for entry in bundle["entry"]:
        checked(entry["resource"])
    named = team.get("RelatedPerson", name="zorr").json()
    assert bundle["total"] == 2 and named["total"] == 1
    first = team.get("RelatedPerson", _count=2).json()
    assert first["total"] == 3 and len(first["entry"]) == 2
    assert any(link["relation"] == "next" for link in first["link"])


def test_create_update_and_history(fhir_world, team):
    person = fhir_world.persons[0]
    written = new_relative(person)
    response = team.post("RelatedPerson", written)
    assert response.status_code == 201, response.content
    created = checked(response.json())
    relative = Relative.objects.get(uuid=created["id"])
    assert relative.relationship == RelationshipKind.SPOUSE and relative.is_natural_carer
    read = checked(team.get(f"RelatedPerson/{created['id']}").json())
    assert comparable(read) == comparable(written)
    changed = new_relative(person, id=created["id"])
    changed["relationship"] = [{"text": "Frère ou sœur"}]
    response = team.put(f"RelatedPerson/{created['id']}", changed)
    assert response.status_code == 200, response.content
    assert comparable(checked(response.json())) == comparable(changed)
    relative.refresh_from_db()
    assert relative.relationship == RelationshipKind.SIBLING and not relative.is_natural_carer
    history = team.get(f"RelatedPerson/{created['id']}/_history").json()
    assert history["total"] == 2


def test_a_team_cannot_add_a_relative_to_a_person_of_another_establishment(fhir_world, team):
    count = Relative.objects.count()
    response = team.post("RelatedPerson", new_relative(fhir_world.stranger))
    assert response.status_code == 403
    assert Relative.objects.count() == count
    assert AccessLogEntry.objects.filter(person=fhir_world.stranger, allowed=False, action="create").exists()


def _no_name(resource):
    del resource["name"]
    return resource


def _no_relationship(resource):
    del resource["relationship"]
    return resource


def _unknown_relation_code(resource):
    resource["relationship"] = [{"coding": [{"system": RELATION, "code": "XYZ"}]}]
    return resource


def _only_a_role(resource):
    resource["relationship"] = [{"coding": [{"system": ROLE, "code": "ECON"}]}]
    return resource


def _two_addresses(resource):
    resource["address"] = resource["address"] * 2
    return resource


def _unknown_patient(resource):
    resource["patient"] = {"reference": "Patient/0d5e8f3c-1111-4222-8333-444455556666"}
    return resource


@pytest.mark.parametrize(
    "breaking",
    [_no_name, _no_relationship, _unknown_relation_code, _only_a_role, _two_addresses, _unknown_patient],
)
def test_a_resource_breaking_the_profile_is_refused_and_nothing_written(fhir_world, team, breaking):
    count = Relative.objects.count()
    response = team.post("RelatedPerson", breaking(new_relative(fhir_world.persons[0])))
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Relative.objects.count() == count


def test_an_administrator_imports_a_relative_keeping_its_id(fhir_world, fhir_client_for):
    admin = UserFactory(is_superuser=True, is_staff=True)
    api = fhir_client_for(admin, "system/*.*")
    given_id = "6f0b7f4e-2c1d-4e5f-8a9b-0c1d2e3f4a5b"
    written = new_relative(fhir_world.persons[0], identifier=[{"system": "urn:ietf:rfc:3986",
                                                               "value": f"urn:uuid:{given_id}"}])  # fmt: skip
    response = api.put(f"RelatedPerson/{given_id}", written)
    assert response.status_code == 201, response.content
    relative = Relative.objects.get(uuid=given_id)
    assert relative.person == fhir_world.persons[0]
    assert AccessLogEntry.objects.filter(person=relative.person, basis="import", action="create").exists()
