"""The round trip the issue asks for, with the fhirpy client against running servers: an
establishment's records exported in bulk from this instance, downloaded, imported into an empty
second instance, exported again from there: nothing lost (same counts per type, same resources)."""

import datetime
import json
import time
from collections import Counter

import pytest
import requests
from django.core.files.base import ContentFile
from django.utils import timezone

from parcours.fhir import registry
from parcours.fhir.outcome import FhirError
from parcours.fhir.resources.group import group_uuid
from parcours.fhir.validation import check_resource
from parcours.records.enums import AgendaKind, FrequencyPeriod, PresenceStatus
from parcours.records.models import AgendaEntry, Document, Goal, PlannedService, Presence
from parcours.staff.enums import Role
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    NeedsAssessmentFactory,
    NoteFactory,
    PersonFactory,
    ProjetFactory,
    RelativeFactory,
    ServiceDeliveryFactory,
    concept,
    make_professional,
)
from tests.fhir.instances import ADMIN

pytestmark = pytest.mark.django_db(transaction=True)

TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"
NDJSON = "application/fhir+ndjson"
POLLS = 120

# Run on the second instance once the records are in: its administrator becomes the director of the
# imported establishment, the login that may export its records there (nobody else works there yet).
MAKE_DIRECTOR = """
import datetime
from django.contrib.auth import get_user_model
from parcours.organisations.models import Establishment
from parcours.staff.enums import Role
from parcours.staff.models import Membership, Professional
user = get_user_model().objects.get(username="{admin}")
professional = Professional.objects.create(user=user, last_name="Reprise", first_name="Admin",
                                           profession="{profession}")
Membership.objects.create(professional=professional, role=Role.ESTABLISHMENT_DIRECTOR,
                          establishment=Establishment.objects.get(uuid="{establishment}"),
                          start_date=datetime.date(2020, 1, 1))
"""


def kick_off(fhirpy, url: str, **kwargs) -> str:
    """The 202's Content-Location (fhirpy does not show headers): the one call made with requests."""
    headers = {"Authorization": fhirpy.authorization, **kwargs.pop("headers", {})}
    response = requests.request(kwargs.pop("method", "GET"), url, headers=headers, timeout=300, **kwargs)
    assert response.status_code == 202, response.text
    return response.headers["Content-Location"]


def wait(fhirpy, status_url: str) -> dict:
    """Poll the status URL with fhirpy until the manifest comes (202 has no body)."""
    for _ in range(POLLS):
        manifest = fhirpy.execute(status_url, method="get")
        if manifest:
            return manifest
        time.sleep(0.5)
    raise AssertionError("travail non terminé")


def download(fhirpy, manifest: dict) -> list[str]:
    lines = []
    for item in manifest["output"]:
        response = requests.get(item["url"], headers={"Authorization": fhirpy.authorization}, timeout=60)
        assert response.status_code == 200, response.text
        assert response.headers["Content-Type"] == NDJSON
        got = [line for line in response.text.split("\n") if line]
        assert len(got) == item["count"]
        lines += got
    return lines


def parsed(lines: list[str]) -> dict[str, dict]:
    """Type/id -> resource, each line checked: R4 (fhir.resources R4B) with its TDDUI profile."""
    resources = {}
    for line in lines:
        resource = json.loads(line)
        try:
            check_resource(resource)
        except FhirError as error:
            raise AssertionError(f"{resource['resourceType']} invalide : {error.as_fhir()}") from None
        assert any(profile.startswith(TDDUI) for profile in resource["meta"]["profile"]), resource[
            "resourceType"
        ]
        resources[f"{resource['resourceType']}/{resource['id']}"] = resource
    return resources


def comparable(resource: dict) -> dict:
    resource = json.loads(json.dumps(resource))
    meta = resource.get("meta", {})
    meta.pop("lastUpdated", None)
    meta.pop("versionId", None)
    return resource


def build_establishment():
    """An establishment with its director and team, and the records of the persons it supports:
    admissions (one person also supported elsewhere before), relatives, needs, projet, services,
    notes."""
    today = timezone.localdate()
    establishment = EstablishmentFactory()
    director = make_professional(establishment, role=Role.ESTABLISHMENT_DIRECTOR)
    educator = make_professional(establishment)
    before = EstablishmentFactory()
    persons = [PersonFactory(opened_by=establishment), PersonFactory(opened_by=establishment, qualified=True),
               PersonFactory(opened_by=before)]  # fmt: skip
    AdmissionFactory(person=persons[2], establishment=before, start_date=datetime.date(2018, 9, 1),
                     end_date=datetime.date(2021, 7, 1), exit_reason="89")  # fmt: skip
    for person in persons:
        AdmissionFactory(person=person, establishment=establishment)
        RelativeFactory(person=person)
        NeedsAssessmentFactory(person=person, establishment=establishment, assessed_by=educator,
                               needs=["1.1.1.1", "1.2.1.1"])  # fmt: skip
        projet = ProjetFactory(person=person, establishment=establishment, author=educator)
        goal = Goal.objects.create(projet=projet, title="Prendre le bus seul jusqu'à l'atelier")
        goal.needs.add(concept("serafin-ph-besoins", "1.1.1.1"))
        PlannedService.objects.create(
            projet=projet,
            goal=goal,
            concept=concept("serafin-ph-prestations", "2.3.1.1"),
            frequency_count=2,
            frequency_period=FrequencyPeriod.WEEK,
        )
        ServiceDeliveryFactory(person=person, establishment=establishment, professional=educator)
        note = NoteFactory(person=person, establishment=establishment, author=educator)
        Presence.objects.create(
            person=person,
            establishment=establishment,
            date=today - datetime.timedelta(days=1),
            status=PresenceStatus.PRESENT,
            arrived_at=datetime.time(9),
            left_at=datetime.time(16),
            recorded_by=educator,
        )
        AgendaEntry.objects.create(
            person=person,
            establishment=establishment,
            kind=AgendaKind.APPOINTMENT,
            starts_at=timezone.now() + datetime.timedelta(days=2),
            title="Orthophoniste",
            created_by=educator,
        )
        Document.objects.create(
            person=person,
            note=note,
            title="Compte rendu orthophonie",
            file=ContentFile(b"%PDF-1.4 compte rendu", name="cr.pdf"),
            content_type="application/pdf",
            size=21,
            uploaded_by=educator,
        )
    # Supported elsewhere only: not a member of the establishment's Group.
    AdmissionFactory(person=PersonFactory(opened_by=before), establishment=before)
    return establishment, director, persons


def test_a_bulk_export_reimported_into_an_empty_instance_loses_nothing(
    fhirpy_client, live_server, empty_instance
):
    establishment, director, persons = build_establishment()
    group = f"Group/{group_uuid(establishment.uuid)}"
    source = fhirpy_client(director.user, "system/*.read")

    # 1. Export the establishment from this instance, and download it.
    status_url = kick_off(
        source, f"{live_server.url}/fhir/{group}/$export", headers={"Prefer": "respond-async"}
    )
    manifest = wait(source, status_url)
    assert manifest["requiresAccessToken"] is True and manifest["error"] == []
    lines = download(source, manifest)
    exported = parsed(lines)
    types = Counter(key.split("/")[0] for key in exported)
    assert {f"Patient/{person.uuid}" for person in persons} <= set(exported)
    assert types["Patient"] == len(persons)

    # 2. Import the files, concatenated, into the empty instance.
    target = empty_instance.fhirpy()
    assert target.resources("Patient").fetch_all() == []
    import_url = kick_off(target, f"{empty_instance.fhir}/$import", method="POST",
                          data="\n".join(lines).encode(), headers={"Content-Type": NDJSON})  # fmt: skip
    result = wait(target, import_url)
    read_only = {name for name in types if not any(m.writable for m in registry.parts(name))}
    written = {item["type"]: item["count"] for item in result["output"]}
    assert written == {name: count for name, count in types.items() if name not in read_only}
    ignored = {item["type"]: item["count"] for item in result.get("extension", {}).get("ignored", [])}
    assert ignored == {name: types[name] for name in read_only}

    # 3. Export the same establishment from the second instance, as its director there.
    empty_instance.manage("shell", "-c", MAKE_DIRECTOR.format(admin=ADMIN, establishment=establishment.uuid,
                                                              profession=director.profession))  # fmt: skip
    again_url = kick_off(
        target, f"{empty_instance.fhir}/{group}/$export", headers={"Prefer": "respond-async"}
    )
    again = parsed(download(target, wait(target, again_url)))

    # Nothing lost: the same resources, field for field (but their dates and versions of this instance).
    compared = {key: resource for key, resource in exported.items() if key.split("/")[0] not in read_only}
    again = {key: resource for key, resource in again.items() if key.split("/")[0] not in read_only}
    assert Counter(key.split("/")[0] for key in again) == Counter(key.split("/")[0] for key in compared)
    assert set(again) == set(compared)
    differing = {
        key: {name: (value, comparable(again[key]).get(name)) for name, value in comparable(resource).items()
              if comparable(again[key]).get(name) != value}
        for key, resource in compared.items()
        if comparable(again[key]) != comparable(resource)
    }  # fmt: skip
    assert not differing, json.dumps(differing, indent=1, ensure_ascii=False)[:6000]
    # And a search of the second instance finds them.
    found = {patient["id"] for patient in target.resources("Patient").fetch_all()}
    assert found == {str(person.uuid) for person in persons}
