"""SERAFIN-PH as terminology resources: the SMT CodeSystem and the ANS value sets J285, J284 and J283,
read and searched, and the $lookup and $validate-code operations, checked against the project's
reference data (../shared/reference/serafin-ph-*.csv, copied in parcours/nomenclature/data)."""

import csv
import uuid
from pathlib import Path

import pytest

from parcours.fhir.validation import check_resource
from parcours.nomenclature.loader import DATA_DIR

pytestmark = pytest.mark.django_db

SERAFIN = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
J285 = "https://mos.esante.gouv.fr/NOS/JDV_J285-Besoins_SERAFIN/FHIR/JDV-J285-Besoins-SERAFIN"
J284 = "https://mos.esante.gouv.fr/NOS/JDV_J284-PrestationsDirects_SERAFIN/FHIR/JDV-J284-PrestationsDirects-SERAFIN"
J283 = (
    "https://mos.esante.gouv.fr/NOS/JDV_J283-PrestationsIndirects_SERAFIN/FHIR/"
    "JDV-J283-PrestationsIndirects-SERAFIN"
)


def rows(name: str) -> list[dict]:
    with open(Path(DATA_DIR) / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


BESOINS = rows("serafin-ph-besoins.csv")
PRESTATIONS = rows("serafin-ph-prestations.csv")
SMT_LABELS = {row["smt_code"]: row["label_fr"] for row in BESOINS + PRESTATIONS if row["smt_code"]}


@pytest.fixture
def api(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/CodeSystem.read", "system/ValueSet.read")


def flatten(concepts, parent=None):
    for concept in concepts:
        yield concept, parent
        yield from flatten(concept.get("concept", []), concept["code"])


def params(resource: dict) -> dict:
    assert resource["resourceType"] == "Parameters"
    check_resource(resource)
    found = {}
    for parameter in resource["parameter"]:
        found.setdefault(parameter["name"], []).append(parameter)
    return found


def value(parameter: dict):
    return next(v for k, v in parameter.items() if k.startswith("value"))


def outcome(response, status: int) -> dict:
    assert response.status_code == status, response.content
    resource = response.json()
    assert resource["resourceType"] == "OperationOutcome"
    check_resource(resource)
    assert resource["issue"][0]["diagnostics"]
    return resource


def test_the_serafin_code_system_holds_every_smt_code_with_its_label_and_hierarchy(api):
    bundle = api.get("CodeSystem", url=SERAFIN).json()
    assert bundle["total"] == 1
    system = bundle["entry"][0]["resource"]
    check_resource(system)
    assert system["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, SERAFIN))
    assert (system["url"], system["version"], system["status"]) == (SERAFIN, "2023.1.0", "active")
    assert system["title"] == "Nomenclature des besoins et des prestations"
    assert system["content"] == "complete"
    concepts = dict((c["code"], (c, parent)) for c, parent in flatten(system["concept"]))
    assert {code: c.get("display", "") for code, (c, _) in concepts.items()} == SMT_LABELS
    assert system["count"] == len(SMT_LABELS)
    # The SMT flattens the CNSA level 3 of the health needs (1.1.1.1 in the CNSA guide is 1.1.1).
    assert concepts["1.1.1"][1] == "1.1" and concepts["1.1.10"][1] == "1.1"
    assert concepts["2.2.1"][1] == "2.2" and concepts["1.2.1.1"][1] == "1.2.1"
    assert [c["code"] for c in system["concept"]] == ["1", "2", "3"]
    read = api.get(f"CodeSystem/{system['id']}")
    assert read.status_code == 200 and read.json()["url"] == SERAFIN


@pytest.mark.parametrize(
    "url, oid, name, source",
    [
        (J285, "1.2.250.1.213.3.3.254", "JDV_J285_Besoins_SERAFIN", None),
        (J284, "1.2.250.1.213.3.3.253", "JDV_J284_PrestationsDirects_SERAFIN", "SMT:JDV_J284"),
        (J283, "1.2.250.1.213.3.3.252", "JDV_J283_PrestationsIndirects_SERAFIN", "SMT:JDV_J283"),
    ],
)
def test_each_ans_value_set_holds_the_codes_of_its_jdv(api, url, oid, name, source):
    bundle = api.get("ValueSet", url=url).json()
    assert bundle["total"] == 1
    value_set = bundle["entry"][0]["resource"]
    check_resource(value_set)
    assert value_set["id"] == str(uuid.uuid5(uuid.NAMESPACE_URL, url))
    assert value_set["identifier"] == [{"system": "urn:ietf:rfc:3986", "value": f"urn:oid:{oid}"}]
    assert (value_set["name"], value_set["version"], value_set["status"]) == (
        name,
        "20241025120000",
        "active",
    )
    (include,) = value_set["compose"]["include"]
    assert include["system"] == SERAFIN
    if source is None:
        expected = {row["smt_code"]: row["label_fr"] for row in BESOINS if row["smt_code"]}
    else:
        expected = {row["smt_code"]: row["label_fr"] for row in PRESTATIONS if source in row["source"]}
    assert {c["code"]: c["display"] for c in include["concept"]} == expected


def test_search_by_name_status_system_and_identifier(api):
    by_name = api.get("ValueSet", name="prestations").json()
    assert {e["resource"]["url"] for e in by_name["entry"]} == {J284, J283}
    assert api.get("ValueSet", system=SERAFIN, status="active").json()["total"] == 3
    assert api.get("ValueSet", status="retired").json()["total"] == 0
    assert (
        api.get("ValueSet", identifier="urn:oid:1.2.250.1.213.3.3.254").json()["entry"][0]["resource"]["url"]
        == J285
    )
    assert api.get("CodeSystem", name="besoins").json()["total"] == 1
    assert api.get("CodeSystem", url="https://example.org/autre").json()["total"] == 0
    outcome(api.get("ValueSet", status="perdu"), 400)


def test_terminology_resources_are_read_only(api, fhir_world, fhir_client_for):
    writer = fhir_client_for(fhir_world.director.user, "system/*.*")
    system = api.get("CodeSystem").json()["entry"][0]["resource"]
    response = writer.put(f"CodeSystem/{system['id']}", system)
    assert response.status_code in (405, 422)
    assert "lecture seule" in outcome(response, response.status_code)["issue"][0]["diagnostics"]


@pytest.mark.parametrize("row", [BESOINS[3], PRESTATIONS[12], PRESTATIONS[-1]], ids=lambda r: r["smt_code"])
def test_lookup_gives_the_label_of_the_reference_data(api, row):
    response = api.get("CodeSystem/$lookup", system=SERAFIN, code=row["smt_code"])
    assert response.status_code == 200, response.content
    found = params(response.json())
    assert value(found["display"][0]) == row["label_fr"]
    assert value(found["version"][0]) == "2023.1.0"
    assert value(found["name"][0]) == "Nomenclature des besoins et des prestations"
    properties = {}
    for item in found["property"]:
        parts = {part["name"]: value(part) for part in item["part"]}
        properties.setdefault(parts["code"], []).append(parts["value"])
    assert properties["inactive"] == [False]
    assert "parent" in properties


def test_lookup_lists_the_children_and_filters_the_properties(api):
    found = params(api.get("CodeSystem/$lookup", system=SERAFIN, code="1.3.2", property="child").json())
    children = [value(item["part"][1]) for item in found["property"]]
    assert children == ["1.3.2.1", "1.3.2.2"]


def test_lookup_by_post_of_parameters_and_at_instance_level(api):
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "coding", "valueCoding": {"system": SERAFIN, "code": "2.3.3.3"}}],
    }
    found = params(api.post("CodeSystem/$lookup", parameters).json())
    assert value(found["display"][0]) == "Accompagnements pour mener sa vie professionnelle"
    system_id = uuid.uuid5(uuid.NAMESPACE_URL, SERAFIN)
    found = params(api.get(f"CodeSystem/{system_id}/$lookup", code="1.2.1.3").json())
    assert value(found["display"][0]) == "Besoins pour la mobilité"


def test_lookup_of_an_unknown_code_or_system_is_an_operation_outcome(api):
    missing = outcome(api.get("CodeSystem/$lookup", system=SERAFIN, code="9.9.9"), 404)
    assert missing["issue"][0]["code"] == "not-found"
    assert "Code inconnu" in missing["issue"][0]["diagnostics"]
    outcome(api.get("CodeSystem/$lookup", system="https://example.org/inconnu", code="1"), 404)
    outcome(api.get("CodeSystem/$lookup", system=SERAFIN, code="1", version="1999"), 404)
    outcome(api.get("CodeSystem/$lookup", system=SERAFIN), 400)
    outcome(api.post("CodeSystem/$lookup", {"resourceType": "Patient"}), 400)


def test_validate_code_against_the_code_system(api):
    ok = params(api.get("CodeSystem/$validate-code", url=SERAFIN, code="1.1.4").json())
    assert value(ok["result"][0]) is True
    assert value(ok["display"][0]) == "Besoins relatifs à la voix, à la parole et à l'appareil bucco-dentaire"
    # A CNSA code the SMT does not publish is not a code of the national CodeSystem.
    absent = params(api.get("CodeSystem/$validate-code", url=SERAFIN, code="1.1.1.4").json())
    assert value(absent["result"][0]) is False and value(absent["message"][0])
    wrong = params(api.get("CodeSystem/$validate-code", url=SERAFIN, code="1.1.4", display="Dents").json())
    assert value(wrong["result"][0]) is False
    assert (
        value(wrong["display"][0]) == "Besoins relatifs à la voix, à la parole et à l'appareil bucco-dentaire"
    )
    assert "attendu" in value(wrong["message"][0])
    outcome(api.get("CodeSystem/$validate-code", url="https://example.org/inconnu", code="1"), 404)


def test_validate_code_against_a_value_set(api):
    inside = params(api.get("ValueSet/$validate-code", url=J284, system=SERAFIN, code="2.2.1").json())
    assert value(inside["result"][0]) is True
    outside = params(api.get("ValueSet/$validate-code", url=J284, system=SERAFIN, code="3.2.2").json())
    assert value(outside["result"][0]) is False
    other_system = params(
        api.get("ValueSet/$validate-code", url=J285, system="http://loinc.org", code="1").json()
    )
    assert value(other_system["result"][0]) is False
    value_set_id = uuid.uuid5(uuid.NAMESPACE_URL, J283)
    posted = api.post(
        f"ValueSet/{value_set_id}/$validate-code",
        {
            "resourceType": "Parameters",
            "parameter": [
                {"name": "system", "valueUri": SERAFIN},
                {"name": "code", "valueCode": "3.2.2.1"},
                {"name": "display", "valueString": "Fournir des repas"},
            ],
        },
    )
    assert value(params(posted.json())["result"][0]) is True
    outcome(api.get("ValueSet/$validate-code", url="https://example.org/vs", code="1"), 404)


def test_the_operations_need_the_terminology_scopes(fhir_world, fhir_client_for):
    patients_only = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    refused = outcome(patients_only.get("CodeSystem/$lookup", system=SERAFIN, code="1"), 403)
    assert refused["issue"][0]["code"] == "forbidden"
    outcome(patients_only.get("ValueSet/$validate-code", url=J285, code="1"), 403)
    outcome(patients_only.get("ValueSet"), 403)


@pytest.mark.django_db(transaction=True)
def test_lookup_through_fhirpy(fhirpy_client):
    from tests.factories import EstablishmentFactory, make_professional

    professional = make_professional(EstablishmentFactory())
    client = fhirpy_client(professional.user, "system/CodeSystem.read")
    result = client.execute("CodeSystem/$lookup", method="get", params={"system": SERAFIN, "code": "1.3.3.2"})
    check_resource(result)
    display = next(p["valueString"] for p in result["parameter"] if p["name"] == "display")
    assert display == "Besoins en lien avec le travail et l'emploi"
