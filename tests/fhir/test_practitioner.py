"""Practitioner (TDDUIPractitioner) and PractitionerRole (TDDUIPractitionerRole), from their FSH files:
identifier[idNatPs] 1..1 (urn:oid:1.2.250.1.71.4.2.1, 8 + RPPS), name 0..1, code 0..1 with the
tddui-profession extension, practitioner and organization references."""

import datetime

import pytest

from parcours.fhir.validation import check_resource
from parcours.staff.enums import Profession, Role
from parcours.staff.models import Membership, Professional
from tests.factories import UserFactory, make_professional

pytestmark = pytest.mark.django_db

TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
PROFILE = f"{TDDUI}/tddui-practitioner"
PROFILE_ROLE = f"{TDDUI}/tddui-practitioner-role"
PROFESSION = f"{TDDUI}/tddui-profession"
ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
RPPS = "https://rpps.esante.gouv.fr"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"


def checked(resource, profile):
    check_resource(resource)
    assert resource["meta"]["profile"] == [profile]
    return resource


@pytest.fixture
def reader(fhir_world, fhir_client_for):
    return fhir_client_for(
        fhir_world.educator.user, "system/Practitioner.read", "system/PractitionerRole.read"
    )


@pytest.fixture
def importer(fhir_client_for):
    admin = UserFactory(is_superuser=True, is_staff=True)
    return fhir_client_for(
        admin, "system/Practitioner.*", "system/PractitionerRole.*", "system/Organization.read"
    )


def test_a_practitioner_with_rpps_carries_idnatps_and_rpps(fhir_world, reader):
    nurse = make_professional(fhir_world.establishment, profession=Profession.INFIRMIER, rpps="10003456789")
    resource = checked(reader.get(f"Practitioner/{nurse.uuid}").json(), PROFILE)
    id_nat = [i for i in resource["identifier"] if i["system"] == ID_NAT_PS]
    assert len(id_nat) == 1 and id_nat[0]["value"] == "810003456789"
    assert [i["value"] for i in resource["identifier"] if i["system"] == RPPS] == ["10003456789"]
    assert resource["name"] == [{"family": nurse.last_name, "given": [nurse.first_name]}]
    assert "birthDate" not in resource


def test_a_practitioner_without_rpps_says_its_national_identifier_is_unknown(fhir_world, reader):
    resource = checked(reader.get(f"Practitioner/{fhir_world.educator.uuid}").json(), PROFILE)
    id_nat = [i for i in resource["identifier"] if i["system"] == ID_NAT_PS]
    assert len(id_nat) == 1 and "value" not in id_nat[0]
    assert id_nat[0]["extension"] == [{"url": ABSENT, "valueCode": "unknown"}]


def test_a_practitioner_role_links_the_professional_and_the_establishment(fhir_world, reader):
    membership = Membership.objects.get(professional=fhir_world.educator)
    found = reader.get("PractitionerRole", practitioner=f"Practitioner/{fhir_world.educator.uuid}").json()
    assert found["total"] == 1
    resource = checked(found["entry"][0]["resource"], PROFILE_ROLE)
    assert resource["practitioner"]["reference"] == f"Practitioner/{fhir_world.educator.uuid}"
    assert resource["organization"]["reference"] == f"Organization/{fhir_world.establishment.uuid}"
    assert resource["period"] == {"start": membership.start_date.isoformat()}
    code = resource["code"][0]
    assert code["text"] == Role.PROFESSIONAL.label
    profession = next(e for e in code["extension"] if e["url"] == PROFESSION)
    assert profession["valueCodeableConcept"]["text"] == Profession.EDUCATEUR_SPECIALISE.label
    # The id is stable: reading it gives the same resource.
    again = checked(reader.get(f"PractitionerRole/{resource['id']}").json(), PROFILE_ROLE)
    assert again["id"] == resource["id"]


def test_search_practitioners_and_roles(fhir_world, reader):
    bundle = reader.get("Practitioner", name=fhir_world.educator.last_name).json()
    assert str(fhir_world.educator.uuid) in {e["resource"]["id"] for e in bundle["entry"]}
    roles = reader.get(
        "PractitionerRole", organization=f"Organization/{fhir_world.establishment.uuid}"
    ).json()
    assert roles["total"] == 2  # the director and the educator
    page = reader.get("Practitioner", _count=2).json()
    assert page["total"] == 3 and len(page["entry"]) == 2
    assert any(link["relation"] == "next" for link in page["link"])
    nurse = make_professional(fhir_world.establishment, rpps="10003456789")
    by_id = reader.get("Practitioner", identifier=f"{ID_NAT_PS}|810003456789").json()
    assert [e["resource"]["id"] for e in by_id["entry"]] == [str(nurse.uuid)]


def test_a_team_client_cannot_write_practitioners(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/Practitioner.*")
    count = Professional.objects.count()
    response = api.post("Practitioner", new_practitioner())
    assert response.status_code == 403
    assert Professional.objects.count() == count


def new_practitioner(**changes):
    resource = {
        "resourceType": "Practitioner",
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "use": "official",
                "type": {
                    "coding": [
                        {
                            "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203",
                            "code": "IDNPS",
                        }
                    ]
                },
                "system": ID_NAT_PS,
                "extension": [{"url": ABSENT, "valueCode": "unknown"}],
            }
        ],  # fmt: skip
        "name": [{"family": "Moreau", "given": ["Inès"]}],
    }
    resource.update(changes)
    return resource


def test_an_administrator_imports_a_practitioner_and_its_role(fhir_world, importer):
    response = importer.post("Practitioner", new_practitioner())
    assert response.status_code == 201, response.content
    professional = Professional.objects.get(uuid=response.json()["id"])
    assert professional.user is None and professional.profession == Profession.AUTRE
    role = {
        "resourceType": "PractitionerRole",
        "meta": {"profile": [PROFILE_ROLE]},
        "period": {"start": "2024-09-01"},
        "practitioner": {"reference": f"Practitioner/{professional.uuid}"},
        "organization": {"reference": f"Organization/{fhir_world.establishment.uuid}"},
        "code": [{"extension": [{"url": PROFESSION, "valueCodeableConcept": {"text": Profession.AES.label}}],
                  "text": Role.PROFESSIONAL.label}],
    }  # fmt: skip
    response = importer.post("PractitionerRole", role)
    assert response.status_code == 201, response.content
    stored = checked(response.json(), PROFILE_ROLE)
    membership = Membership.objects.get(professional=professional)
    assert membership.establishment == fhir_world.establishment
    assert membership.start_date == datetime.date(2024, 9, 1)
    professional.refresh_from_db()
    assert professional.profession == Profession.AES
    ended = {**role, "id": stored["id"], "period": {"start": "2024-09-01", "end": "2025-06-30"}}
    response = importer.put(f"PractitionerRole/{stored['id']}", ended)
    assert response.status_code == 200, response.content
    membership.refresh_from_db()
    assert membership.end_date == datetime.date(2025, 6, 30)
    history = importer.get(f"PractitionerRole/{stored['id']}/_history").json()
    assert history["total"] == 2


def _no_id_nat(resource):
    resource["identifier"] = []
    return resource


def _id_nat_without_value_or_reason(resource):
    del resource["identifier"][0]["extension"]
    return resource


def _no_name(resource):
    del resource["name"]
    return resource


@pytest.mark.parametrize("breaking", [_no_id_nat, _id_nat_without_value_or_reason, _no_name])
def test_a_practitioner_breaking_the_profile_is_refused(importer, breaking):
    count = Professional.objects.count()
    response = importer.post("Practitioner", breaking(new_practitioner()))
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Professional.objects.count() == count


def test_a_role_with_a_wrong_reference_or_without_start_is_refused(fhir_world, importer):
    count = Membership.objects.count()
    role = {
        "resourceType": "PractitionerRole",
        "meta": {"profile": [PROFILE_ROLE]},
        "period": {"start": "2024-09-01"},
        "practitioner": {"reference": "Practitioner/11111111-2222-4333-8444-555555555555"},
        "organization": {"reference": f"Organization/{fhir_world.establishment.uuid}"},
    }
    assert importer.post("PractitionerRole", role).status_code == 422
    role["practitioner"] = {"reference": f"Practitioner/{fhir_world.educator.uuid}"}
    role["period"] = {}
    assert importer.post("PractitionerRole", role).status_code == 422
    assert Membership.objects.count() == count
