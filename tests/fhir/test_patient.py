"""Patient (TDDUIPatient / TDDUIPatientINS): read, search, create, update, history, and the rules of
the profiles as the TDDUI FSH files state them (TDDUIPatient.fsh, TDDUIPatientINS.fsh, the rule set
TDDUIPatientCommonConstraints, FRCorePatientProfile.fsh, FrCorePatientINSProfile.fsh)."""

import copy
import datetime
import json

import pytest
from django.utils import timezone

from parcours.access.models import AccessLogEntry
from parcours.fhir.validation import check_resource
from parcours.people.enums import IdentityStatus, Sex
from parcours.people.models import Person
from parcours.privacy.models import Rectification
from tests.factories import PersonFactory, UserFactory, nir_for

pytestmark = pytest.mark.django_db

TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition"
PROFILE = f"{TDDUI}/tddui-patient"
PROFILE_INS = f"{TDDUI}/tddui-patient-ins"
INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"
LOCAL = "https://identifiant-medicosocial-localusager.esante.gouv.fr"
FR_CORE_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
RELIABILITY = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-identity-reliability"
BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_CODE = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-address-insee-code"
BIRTH_LIST = "https://hl7.fr/ig/fhir/core/StructureDefinition/fr-core-patient-birth-list-given-name"
BIRTH_ORDER = f"{TDDUI}/tddui-birth-order"
ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UNKNOWN = {"url": ABSENT, "valueCode": "unknown"}


def ext(element, url):
    return next(e for e in element.get("extension", []) if e["url"] == url)


def checked(resource):
    check_resource(resource)
    assert resource["meta"]["profile"][0] in (PROFILE, PROFILE_INS)
    return resource


def new_patient(establishment, **changes):
    resource = {
        "resourceType": "Patient",
        "meta": {"profile": [PROFILE]},
        "extension": [
            {
                "url": RELIABILITY,
                "extension": [
                    {
                        "url": "identityStatus",
                        "valueCoding": {
                            "system": "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identity-status",
                            "code": "PROV",
                            "display": "Identité provisoire",
                        },
                    }
                ],
            },
            {
                "url": BIRTH_PLACE,
                "valueAddress": {
                    "extension": [
                        {
                            "url": INSEE_CODE,
                            "valueCoding": {
                                "system": "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM",
                                "code": "69123",
                            },
                        }
                    ]
                },
            },
        ],
        "name": [
            {
                "use": "official",
                "family": "Martin",
                "given": ["Léa"],
                "extension": [{"url": BIRTH_LIST, "valueString": "Léa Marie"}],
            },
            {"use": "usual", "family": "Durand", "given": ["Lili"]},
        ],
        "telecom": [
            {"system": "phone", "value": "0601020304"},
            {"system": "email", "value": "lea@example.org"},
        ],
        "gender": "female",
        "birthDate": "2004-05-17",
        "_birthDate": {"extension": [{"url": BIRTH_ORDER, "extension": [UNKNOWN]}]},
        "address": [{"line": ["3 rue des Lilas"], "city": "Lyon", "postalCode": "69003"}],
        "managingOrganization": {"reference": f"Organization/{establishment.uuid}"},
    }
    resource.update(changes)
    return resource


def comparable(resource):
    """What a client wrote, without what the server adds (id, meta, the local identifier)."""
    content = copy.deepcopy(resource)
    for key in ("id", "meta"):
        content.pop(key, None)
    content["identifier"] = [i for i in content.get("identifier", []) if i.get("system") != LOCAL]
    if not content["identifier"]:
        del content["identifier"]
    content.get("managingOrganization", {}).pop("display", None)
    return content


@pytest.fixture
def team(fhir_world, fhir_client_for):
    return fhir_client_for(fhir_world.educator.user, "system/Patient.*", "system/Organization.read")


@pytest.fixture
def importer(fhir_client_for):
    admin = UserFactory(is_superuser=True, is_staff=True)
    return fhir_client_for(admin, "system/*.*")


# --- reading


def test_read_gives_a_tddui_patient_with_the_mandatory_elements(fhir_world, team):
    person = fhir_world.persons[0]
    resource = checked(team.get(f"Patient/{person.uuid}").json())
    assert resource["meta"]["profile"] == [PROFILE]
    official = [name for name in resource["name"] if name["use"] == "official"]
    assert len(official) == 1 and official[0]["family"] == person.birth_name
    assert official[0]["given"] == person.first_names.split()[:1]
    assert resource["birthDate"] == person.birth_date.isoformat()
    assert resource["gender"] == "female"
    # TDDUIPatient: birthDate.extension[tddui-birth-order] 1..1; no NIR here, so a reason of absence.
    order = ext(resource["_birthDate"], BIRTH_ORDER)
    assert ext(order, ABSENT)["valueCode"] == "unknown" and "valuePositiveInt" not in order
    # The local identifier: 3 + FINESS of the establishment that opened the record + / + local id.
    local = next(i for i in resource["identifier"] if i["system"] == LOCAL)
    assert local["value"] == f"3{fhir_world.establishment.finess}/{person.uuid}"
    assert local["use"] == "usual"
    assert local["type"]["coding"][0]["code"] == "PI"
    assert not any(i["system"] == INS_NIR for i in resource["identifier"])
    assert resource["managingOrganization"]["reference"] == f"Organization/{fhir_world.establishment.uuid}"
    status = ext(ext(resource, RELIABILITY), "identityStatus")["valueCoding"]
    assert status["code"] == "PROV"
    assert ext(ext(resource, BIRTH_PLACE)["valueAddress"], INSEE_CODE)["valueCoding"]["code"] == "75056"


def test_a_qualified_identity_is_a_tddui_patient_ins_with_its_ins(fhir_world, team):
    person = fhir_world.persons[0]
    person.identity_status = IdentityStatus.QUALIFIEE
    person.nir = nir_for(Sex.FEMALE, person.birth_date, 42)
    person.save()
    resource = checked(team.get(f"Patient/{person.uuid}").json())
    assert resource["meta"]["profile"] == [PROFILE_INS]
    ins = [i for i in resource["identifier"] if i["system"] == INS_NIR]
    assert len(ins) == 1
    assert ins[0]["value"] == person.nir and ins[0]["use"] == "official"
    assert ins[0]["type"]["coding"] == [{"system": FR_CORE_V2_0203, "code": "INS-NIR"}]
    # FRCorePatientINS: identityReliability 1..*, birthPlace with its INSEE code 1..1, one given name and
    # the list of the birth first names.
    assert ext(ext(resource, RELIABILITY), "identityStatus")["valueCoding"]["code"] == "QUAL"
    assert ext(ext(resource, BIRTH_PLACE)["valueAddress"], INSEE_CODE)["valueCoding"]["code"]
    official = next(name for name in resource["name"] if name["use"] == "official")
    assert len(official["given"]) == 1
    assert ext(official, BIRTH_LIST)["valueString"] == person.first_names


def test_a_known_nir_gives_the_birth_order_of_a_non_qualified_identity(fhir_world, team):
    person = fhir_world.persons[0]
    person.identity_status = IdentityStatus.RECUPEREE
    person.nir = nir_for(Sex.FEMALE, person.birth_date, 42)
    person.save()
    resource = checked(team.get(f"Patient/{person.uuid}").json())
    assert resource["meta"]["profile"] == [PROFILE]
    assert ext(resource["_birthDate"], BIRTH_ORDER)["valuePositiveInt"] == 42
    # The INS of an identity that is not qualified is never sent.
    assert person.nir not in str(resource["identifier"])


def test_a_team_client_does_not_read_a_person_of_another_establishment(fhir_world, team):
    response = team.get(f"Patient/{fhir_world.stranger.uuid}")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"
    assert AccessLogEntry.objects.filter(person=fhir_world.stranger, allowed=False, channel="fhir").exists()


def test_reading_without_the_scope_is_refused(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Organization.read")
    response = api.get(f"Patient/{fhir_world.persons[0].uuid}")
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


# --- searching


def test_search_by_each_parameter(fhir_world, team):
    person = fhir_world.persons[0]
    person.birth_name, person.first_names, person.sex = "Zébulon", "Ariane", Sex.MALE
    person.identity_status, person.nir = IdentityStatus.QUALIFIEE, nir_for(Sex.MALE, person.birth_date, 7)
    person.save()

    def ids(**params):
        bundle = team.get("Patient", **params).json()
        assert bundle["resourceType"] == "Bundle" and bundle["type"] == "searchset", bundle
        for entry in bundle["entry"]:
            checked(entry["resource"])
        return {entry["resource"]["id"] for entry in bundle["entry"]}

    me = {str(person.uuid)}
    assert ids(name="zebul") == me
    assert ids(family="Zébulon") == me
    assert ids(given="ariane") == me
    assert ids(birthdate=person.birth_date.isoformat()) >= me
    assert ids(gender="male") == me
    assert ids(identifier=f"{INS_NIR}|{person.nir}") == me
    assert ids(identifier=f"{LOCAL}|3{fhir_world.establishment.finess}/{person.uuid}") == me
    assert ids(identifier=f"{LOCAL}|3{fhir_world.other.finess}/{person.uuid}") == set()
    # The stranger of another establishment is never listed.
    assert str(fhir_world.stranger.uuid) not in ids()


def test_search_pages_with_next_links(fhir_world, team):
    first = team.get("Patient", _count=1).json()
    assert first["total"] == 2 and len(first["entry"]) == 1
    following = next(link["url"] for link in first["link"] if link["relation"] == "next")
    second = team.http.get(following[following.index("/fhir/") :]).json()
    assert len(second["entry"]) == 1
    assert second["entry"][0]["resource"]["id"] != first["entry"][0]["resource"]["id"]


def test_an_unknown_search_parameter_is_a_400(team):
    response = team.get("Patient", colour="blue")
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


# --- writing as a team


def test_create_read_back_gives_what_was_written(fhir_world, team):
    written = new_patient(fhir_world.establishment)
    response = team.post("Patient", written)
    assert response.status_code == 201, response.content
    created = checked(response.json())
    person = Person.objects.get(uuid=created["id"])
    assert person.opened_by == fhir_world.establishment
    assert person.first_names == "Léa Marie" and person.used_first_name == "Lili"
    read = checked(team.get(f"Patient/{created['id']}").json())
    assert comparable(read) == comparable(written)
    assert AccessLogEntry.objects.filter(person=person, action="create", allowed=True).exists()


def test_create_without_managing_organization_uses_the_callers_only_establishment(fhir_world, team):
    written = new_patient(fhir_world.establishment)
    del written["managingOrganization"]
    response = team.post("Patient", written)
    assert response.status_code == 201, response.content
    assert Person.objects.get(uuid=response.json()["id"]).opened_by == fhir_world.establishment


def test_update_keeps_the_rectification_and_history_has_two_versions(fhir_world, team):
    created = team.post("Patient", new_patient(fhir_world.establishment)).json()
    changed = new_patient(fhir_world.establishment, id=created["id"])
    changed["name"][1]["family"] = "Bernard"
    response = team.put(f"Patient/{created['id']}", changed)
    assert response.status_code == 200, response.content
    assert comparable(checked(response.json())) == comparable(changed)
    person = Person.objects.get(uuid=created["id"])
    assert person.used_name == "Bernard"
    assert Rectification.objects.filter(person=person).exists()
    history = team.get(f"Patient/{created['id']}/_history").json()
    assert history["total"] == 2
    assert [e["resource"]["meta"]["versionId"] for e in history["entry"]] == ["2", "1"]
    for entry in history["entry"]:
        checked(entry["resource"])


def test_a_team_client_cannot_update_a_person_of_another_establishment(fhir_world, team):
    stranger = fhir_world.stranger
    before = Person.objects.get(pk=stranger.pk)
    resource = new_patient(fhir_world.other, id=str(stranger.uuid))
    response = team.put(f"Patient/{stranger.uuid}", resource)
    assert response.status_code in (403, 404)
    assert response.json()["resourceType"] == "OperationOutcome"
    assert Person.objects.get(pk=stranger.pk).birth_name == before.birth_name
    assert AccessLogEntry.objects.filter(person=stranger, allowed=False, action="update").exists()


def test_writing_without_the_write_scope_is_refused(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read")
    count = Person.objects.count()
    response = api.post("Patient", new_patient(fhir_world.establishment))
    assert response.status_code == 403
    assert Person.objects.count() == count


# --- the profiles' rules: refused with a 422 and nothing written


def _without_birth_order(resource):
    resource.pop("_birthDate")
    return resource


def _two_official_names(resource):
    resource["name"].append({"use": "official", "family": "Autre", "given": ["Nom"]})
    return resource


def _no_family(resource):
    del resource["name"][0]["family"]
    return resource


def _other_gender(resource):
    resource["gender"] = "other"
    return resource


def _no_birth_date(resource):
    del resource["birthDate"]
    return resource


def _ins_in_the_non_ins_profile(resource):
    resource["identifier"] = [
        {
            "use": "official",
            "type": {"coding": [{"system": FR_CORE_V2_0203, "code": "INS-NIR"}]},
            "system": INS_NIR,
            "value": nir_for(Sex.FEMALE, datetime.date(2004, 5, 17), 3),
        }
    ]
    return resource


def _wrong_local_system(resource):
    resource["identifier"] = [
        {
            "use": "usual",
            "type": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0203", "code": "PI"}]},
            "system": "https://example.org/ids",
            "value": "12345",
        }
    ]
    return resource


def _ins_profile_without_ins(resource):
    resource["meta"] = {"profile": [PROFILE_INS]}
    resource["extension"][0]["extension"][0]["valueCoding"]["code"] = "QUAL"
    resource.pop("_birthDate")
    return resource


def _ins_profile_with_two_given(resource):
    resource = _ins_in_the_non_ins_profile(_ins_profile_without_ins(resource))
    resource["name"][0]["given"] = ["Léa", "Marie"]
    return resource


def _wrong_birth_order(resource):
    resource = _ins_in_the_non_ins_profile(_ins_profile_without_ins(resource))
    resource["_birthDate"] = {"extension": [{"url": BIRTH_ORDER, "valuePositiveInt": 999}]}
    return resource


def _unknown_organization(resource):
    resource["managingOrganization"] = {"reference": "Organization/3f1d1b1e-0000-4000-8000-000000000000"}
    return resource


def _unknown_status(resource):
    resource["extension"][0]["extension"][0]["valueCoding"]["code"] = "STATUT-INCONNU"
    return resource


def _future_birth(resource):
    resource["birthDate"] = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    return resource


@pytest.mark.parametrize(
    "breaking",
    [
        _without_birth_order,
        _two_official_names,
        _no_family,
        _other_gender,
        _no_birth_date,
        _ins_in_the_non_ins_profile,
        _wrong_local_system,
        _ins_profile_without_ins,
        _ins_profile_with_two_given,
        _wrong_birth_order,
        _unknown_organization,
        _unknown_status,
        _future_birth,
    ],
)
def test_a_resource_breaking_the_profile_is_refused_and_nothing_written(fhir_world, team, breaking):
    persons, log = Person.objects.count(), AccessLogEntry.objects.filter(allowed=True).count()
    response = team.post("Patient", breaking(new_patient(fhir_world.establishment)))
    assert response.status_code == 422, response.content
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"]
    assert Person.objects.count() == persons
    assert AccessLogEntry.objects.filter(allowed=True).count() == log


# --- import mode (the instance's administrator)


def test_an_administrator_imports_a_qualified_identity_with_its_ins(fhir_world, importer):
    nir = nir_for(Sex.FEMALE, datetime.date(2004, 5, 17), 12)
    written = new_patient(fhir_world.establishment, meta={"profile": [PROFILE_INS]})
    written["extension"][0]["extension"][0]["valueCoding"].update(code="QUAL", display="Identité qualifiée")
    written.pop("_birthDate")
    written["identifier"] = [
        {
            "use": "official",
            "type": {"coding": [{"system": FR_CORE_V2_0203, "code": "INS-NIR"}]},
            "system": INS_NIR,
            "value": nir,
        }
    ]
    response = importer.post("Patient", written)
    assert response.status_code == 201, response.content
    person = Person.objects.get(uuid=response.json()["id"])
    assert person.identity_status == IdentityStatus.QUALIFIEE and person.nir == nir
    assert AccessLogEntry.objects.filter(person=person, basis="import", action="create").exists()
    # The import basis writes; it does not open the record for reading: the answer is what was stored.
    stored = checked(response.json())
    assert stored["meta"]["profile"] == [PROFILE_INS]
    assert comparable(stored) == comparable(written)
    assert importer.get(f"Patient/{person.uuid}").status_code == 404
    changed = copy.deepcopy(written)
    changed["id"] = str(person.uuid)
    changed["telecom"] = [{"system": "phone", "value": "0700000000"}]
    response = importer.put(f"Patient/{person.uuid}", changed)
    assert response.status_code == 200, response.content
    assert Person.objects.get(pk=person.pk).phone == "0700000000"


def test_a_client_of_no_establishment_that_may_not_import_cannot_create(fhir_client_for, fhir_world):
    api = fhir_client_for(UserFactory(), "system/Patient.*")
    count = Person.objects.count()
    response = api.post("Patient", new_patient(fhir_world.establishment))
    assert response.status_code == 403
    assert Person.objects.count() == count


# --- the real FHIR client


@pytest.mark.django_db(transaction=True)
def test_fhirpy_creates_reads_searches_and_updates_a_patient(fhirpy_client):
    from tests.factories import AdmissionFactory, EstablishmentFactory, make_professional

    establishment = EstablishmentFactory()
    educator = make_professional(establishment)
    for _ in range(3):
        AdmissionFactory(person=PersonFactory(opened_by=establishment), establishment=establishment)
    client = fhirpy_client(educator.user, "system/Patient.*")
    patient = client.resource("Patient", **new_patient(establishment))
    patient.save()
    assert patient.id
    read = client.reference("Patient", patient.id).to_resource()
    check_resource(read.serialize())
    assert read["name"][0]["family"] == "Martin"
    found = client.resources("Patient").search(name="martin").fetch()
    # The other persons have random names: one of them may be a Martin too.
    assert patient.id in [item.id for item in found]
    assert all("martin" in json.dumps(item.serialize()["name"]).lower() for item in found)
    pages = list(client.resources("Patient").limit(2).fetch_all())
    assert len(pages) == 4
    read["telecom"] = [{"system": "phone", "value": "0611111111"}]
    read.save()
    assert Person.objects.get(uuid=patient.id).phone == "0611111111"


def test_search_includes_the_establishment_that_opened_the_record(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.read", "system/Organization.read")
    bundle = api.get("Patient", _include="Patient:organization:Organization").json()
    included = [e["resource"] for e in bundle["entry"] if e["search"]["mode"] == "include"]
    assert [r["id"] for r in included] == [str(fhir_world.establishment.uuid)]
    check_resource(included[0])
