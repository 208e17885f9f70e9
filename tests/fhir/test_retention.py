"""The versions the API keeps for `_history` do not outlive the retention periods."""

import json

import pytest

from parcours.fhir.models import ResourceVersion
from parcours.retention.disposal import dispose
from parcours.retention.enums import FinalAction, RetentionCategory

pytestmark = pytest.mark.django_db


def test_anonymising_a_record_forgets_the_versions_the_api_kept(fhir_world, fhir_client_for):
    person = fhir_world.persons[0]
    api = fhir_client_for(fhir_world.educator.user, "system/Patient.*")
    former_name = person.birth_name
    ResourceVersion.objects.create(
        resource_type="Patient", resource_id=person.uuid, version=1, person=person, method="PUT",
        actor=fhir_world.educator.user, content=json.dumps({"name": [{"family": former_name}]}),
    )  # fmt: skip
    assert len(api.get(f"Patient/{person.uuid}/_history").json()["entry"]) == 1

    dispose(person, RetentionCategory.IDENTITY, FinalAction.ANONYMISATION)

    assert not ResourceVersion.objects.filter(person=person).exists()
    history = api.get(f"Patient/{person.uuid}/_history").json()
    assert former_name not in json.dumps(history)
