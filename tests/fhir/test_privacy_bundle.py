"""The archive of a person's data (right of access) carries their record as a TDDUI Bundle."""

import io
import json
import zipfile

import pytest
from fhir.resources.R4B.bundle import Bundle

from parcours.fhir.validation import check_resource
from parcours.privacy.export import collect, write_archive
from tests.factories import RelativeFactory

pytestmark = pytest.mark.django_db


def test_the_archive_holds_the_record_as_a_tddui_bundle(fhir_world):
    person = fhir_world.persons[0]
    RelativeFactory(person=person)
    target = io.BytesIO()
    write_archive(collect(person, about={"requested_at": "2026-11-23T10:00:00+01:00"}), target)
    archive = zipfile.ZipFile(target)
    bundle = json.loads(archive.read("fhir/Bundle.json"))
    Bundle.model_validate(bundle)
    assert bundle["type"] == "transaction"
    assert bundle["meta"]["profile"] == [
        "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/tddui-bundle"
    ]
    kinds = {entry["resource"]["resourceType"] for entry in bundle["entry"]}
    assert {"Patient", "RelatedPerson", "Encounter", "Organization"} <= kinds
    patients = [
        entry["resource"] for entry in bundle["entry"] if entry["resource"]["resourceType"] == "Patient"
    ]
    assert [patient["id"] for patient in patients] == [str(person.uuid)]
    for entry in bundle["entry"]:
        check_resource(entry["resource"])
        assert entry["fullUrl"] == f"urn:uuid:{entry['resource']['id']}"
    # Only this person's record: the other person of the establishment is not in it.
    assert str(fhir_world.persons[1].uuid) not in json.dumps(bundle)
