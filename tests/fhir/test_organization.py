"""Organization (TDDUIOrganization): establishments (FINESS géographique) and gestionnaires (SIREN), from
TDDUIOrganization.fsh (identifier[idNatSt] 1..1) and the FR Core Organization slices."""

import pytest

from parcours.fhir.validation import check_resource
from parcours.organisations.models import Establishment, Gestionnaire
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PROFILE = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-organization"
ID_NAT = "urn:oid:1.2.250.1.71.4.2.2"
FINESS = "https://finess.esante.gouv.fr"
SIREN = "https://sirene.fr"
V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
CATEGORY = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"


def checked(resource):
    check_resource(resource)
    assert resource["meta"]["profile"] == [PROFILE]
    return resource


@pytest.fixture
def reader(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/Organization.read")


@pytest.fixture
def importer(fhir_client_for):
    return fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/Organization.*")


def new_establishment(gestionnaire, finess="690000005", **changes):
    resource = {
        "resourceType": "Organization",
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "use": "official",
                "type": {"coding": [{"system": V2_0203, "code": "IDNST"}]},
                "system": ID_NAT,
                "value": f"1{finess}",
            },
            {"type": {"coding": [{"system": V2_0203, "code": "FINEG"}]}, "system": FINESS, "value": finess},
        ],
        "active": True,
        "type": [{"coding": [{"system": CATEGORY, "code": "183"}]}],
        "name": "IME Les Tilleuls",
        "telecom": [{"system": "phone", "value": "0478000000"}],
        "address": [
            {
                "line": ["2 rue Vauban"],
                "city": "Lyon",
                "postalCode": "69006",
                "district": "69",
                "state": "84",
                "country": "FR",
            }
        ],
        "partOf": {"reference": f"Organization/{gestionnaire.uuid}"},
    }
    resource.update(changes)
    return resource


def test_an_establishment_reads_with_its_idnatst_finess_category_and_gestionnaire(fhir_world, reader):
    establishment = fhir_world.establishment
    resource = checked(reader.get(f"Organization/{establishment.uuid}").json())
    id_nat = [i for i in resource["identifier"] if i["system"] == ID_NAT]
    assert len(id_nat) == 1  # TDDUIOrganization: identifier[idNatSt] 1..1
    assert id_nat[0]["value"] == f"1{establishment.finess}" and id_nat[0]["use"] == "official"
    assert id_nat[0]["type"]["coding"][0] == {"system": V2_0203, "code": "IDNST"}
    finess = next(i for i in resource["identifier"] if i["system"] == FINESS)
    assert finess["value"] == establishment.finess
    assert resource["type"][0]["coding"][0]["system"] == CATEGORY
    assert resource["type"][0]["coding"][0]["code"] == "246"
    assert resource["partOf"]["reference"] == f"Organization/{establishment.gestionnaire.uuid}"
    gestionnaire = checked(reader.get(resource["partOf"]["reference"]).json())
    siren = next(i for i in gestionnaire["identifier"] if i["system"] == SIREN)
    assert siren["value"] == establishment.gestionnaire.siren
    assert [i["value"] for i in gestionnaire["identifier"] if i["system"] == ID_NAT] == [
        f"2{establishment.gestionnaire.siren}"
    ]


def test_organizations_are_readable_with_the_scope_alone(fhir_world, reader, fhir_client_for):
    # Not a person's data: another establishment is readable too.
    assert reader.get(f"Organization/{fhir_world.other.uuid}").status_code == 200
    refused = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    assert refused.get(f"Organization/{fhir_world.other.uuid}").status_code == 403


def test_search_by_identifier_and_name_with_paging(fhir_world, reader):
    establishment = fhir_world.establishment

    def ids(**params):
        bundle = reader.get("Organization", **params).json()
        for entry in bundle["entry"]:
            checked(entry["resource"])
        return {entry["resource"]["id"] for entry in bundle["entry"]}

    assert ids(identifier=f"{FINESS}|{establishment.finess}") == {str(establishment.uuid)}
    assert ids(identifier=f"{ID_NAT}|1{establishment.finess}") == {str(establishment.uuid)}
    assert ids(identifier=f"{SIREN}|{establishment.gestionnaire.siren}") == {
        str(establishment.gestionnaire.uuid)
    }
    assert ids(name=establishment.name) == {str(establishment.uuid)}
    page = reader.get("Organization", _count=3).json()
    assert page["total"] == 4 and len(page["entry"]) == 3  # two establishments, two gestionnaires
    assert any(link["relation"] == "next" for link in page["link"])


def test_a_team_client_cannot_create_or_update_an_organization(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/Organization.*")
    count = Establishment.objects.count()
    response = api.post("Organization", new_establishment(fhir_world.establishment.gestionnaire))
    assert response.status_code == 403
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Establishment.objects.count() == count
    current = api.get(f"Organization/{fhir_world.establishment.uuid}").json()
    current["name"] = "Autre nom"
    assert api.put(f"Organization/{fhir_world.establishment.uuid}", current).status_code == 403
    assert Establishment.objects.get(pk=fhir_world.establishment.pk).name != "Autre nom"


def test_an_administrator_imports_a_gestionnaire_then_its_establishment(importer):
    gestionnaire = {
        "resourceType": "Organization",
        "meta": {"profile": [PROFILE]},
        "identifier": [
            {
                "use": "official",
                "type": {"coding": [{"system": V2_0203, "code": "IDNST"}]},
                "system": ID_NAT,
                "value": "2404833048",
            },
            {
                "type": {"coding": [{"system": V2_0203, "code": "SIREN"}]},
                "system": SIREN,
                "value": "404833048",
            },
        ],
        "active": True,
        "name": "Association des Tilleuls",
    }
    response = importer.post("Organization", gestionnaire)
    assert response.status_code == 201, response.content
    created = Gestionnaire.objects.get(uuid=response.json()["id"])
    assert created.siren == "404833048"
    written = new_establishment(created)
    response = importer.post("Organization", written)
    assert response.status_code == 201, response.content
    stored = checked(response.json())
    establishment = Establishment.objects.get(uuid=stored["id"])
    assert establishment.gestionnaire == created
    assert establishment.department_code == "69" and establishment.region_code == "84"
    assert establishment.category.code == "183"
    assert {k: v for k, v in stored.items() if k not in ("id", "meta")} == {
        **{k: v for k, v in written.items() if k != "meta"},
        "partOf": {"reference": f"Organization/{created.uuid}", "display": created.name},
        "type": [{"coding": [{**written["type"][0]["coding"][0], "display": establishment.category.label}]}],
    }
    # Posted again (same FINESS): found, updated, not duplicated; the history has two versions.
    again = new_establishment(created, name="IME Les Tilleuls (Lyon 6e)")
    response = importer.post("Organization", again)
    assert response.status_code == 201 and response.json()["id"] == str(establishment.uuid)
    assert Establishment.objects.filter(finess="690000005").count() == 1
    establishment.refresh_from_db()
    assert establishment.name == "IME Les Tilleuls (Lyon 6e)"
    history = importer.get(f"Organization/{establishment.uuid}/_history").json()
    assert history["total"] == 2
    for entry in history["entry"]:
        checked(entry["resource"])


def _no_id_nat(resource):
    resource["identifier"] = resource["identifier"][1:]
    return resource


def _bad_id_nat(resource):
    resource["identifier"][0]["value"] = "1ABC"
    return resource


def _no_category(resource):
    del resource["type"]
    return resource


def _unknown_category(resource):
    resource["type"] = [{"coding": [{"system": CATEGORY, "code": "99999"}]}]
    return resource


def _no_gestionnaire(resource):
    del resource["partOf"]
    return resource


def _bad_finess_key(resource):
    resource["identifier"][0]["value"] = "1690000002"
    resource["identifier"][1]["value"] = "690000002"
    return resource


@pytest.mark.parametrize(
    "breaking", [_no_id_nat, _bad_id_nat, _no_category, _unknown_category, _no_gestionnaire, _bad_finess_key]
)
def test_an_establishment_breaking_the_profile_is_refused_and_nothing_written(fhir_world, importer, breaking):
    count = Establishment.objects.count()
    response = importer.post(
        "Organization", breaking(new_establishment(fhir_world.establishment.gestionnaire))
    )
    assert response.status_code == 422, response.content
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Establishment.objects.count() == count
