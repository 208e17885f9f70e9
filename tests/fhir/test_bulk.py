"""Bulk export ($export, FHIR Bulk Data Access v2.0.0) and NDJSON import ($import): kick-off, status
polling, files, cancel, scopes, the login's rights, errors as OperationOutcome."""

import datetime
import json
import uuid

import pytest
from django.utils import timezone

from parcours.access.models import AccessLogEntry
from parcours.fhir import bulk, registry
from parcours.fhir.models import BulkFile, BulkJob, JobStatus
from parcours.fhir.validation import check_resource
from parcours.people.models import Person
from parcours.staff.enums import Role
from tests.factories import GestionnaireFactory, UserFactory, make_professional

pytestmark = pytest.mark.django_db

ASYNC = {"Prefer": "respond-async"}
TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"


@pytest.fixture
def export(django_capture_on_commit_callbacks):
    """export(api, path="$export", headers=ASYNC, **params) -> the kick-off's answer; the job runs
    when the request is committed (immediate task backend)."""

    def kick_off(api, path="$export", headers=ASYNC, **params):
        with django_capture_on_commit_callbacks(execute=True):
            return api.http.get(f"/fhir/{path}", params, headers=headers)

    return kick_off


def manifest_of(api, response) -> dict:
    assert response.status_code == 202, response.content
    status = api.http.get(response["Content-Location"])
    assert status.status_code == 200, status.content
    assert status["Content-Type"].startswith("application/fhir+json")
    return status.json()


def download(api, manifest) -> dict[str, list[dict]]:
    """The manifest's files, parsed: type -> resources. Every line is an R4 resource with a TDDUI
    profile (Group has none in the guide and is never exported)."""
    resources: dict[str, list[dict]] = {}
    for item in manifest["output"]:
        response = api.http.get(item["url"])
        assert response.status_code == 200, response.content
        assert response["Content-Type"] == "application/fhir+ndjson"
        lines = [json.loads(line) for line in response.content.decode().splitlines() if line]
        assert len(lines) == item["count"]
        for resource in lines:
            assert resource["resourceType"] == item["type"]
            check_resource(resource)
            assert any(profile.startswith(TDDUI) for profile in resource["meta"]["profile"])
        resources.setdefault(item["type"], []).extend(lines)
    return resources


def test_kick_off_requires_respond_async(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    response = export(api, headers={})
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert "respond-async" in outcome["issue"][0]["diagnostics"]
    assert not BulkJob.objects.exists()


def test_export_kick_off_poll_and_download(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    response = export(api)
    assert response.status_code == 202
    assert response["Content-Location"].startswith("http://testserver/fhir/$export-status/")
    manifest = manifest_of(api, response)
    assert manifest["requiresAccessToken"] is True
    assert manifest["request"] == "http://testserver/fhir/$export"
    assert manifest["error"] == []
    assert datetime.datetime.fromisoformat(manifest["transactionTime"]) <= timezone.now()
    resources = download(api, manifest)
    assert {patient["id"] for patient in resources["Patient"]} == {str(p.uuid) for p in fhir_world.persons}
    # Every type of the manifest is one the API exports.
    assert set(resources) <= set(bulk.exportable_types())


def test_each_person_and_category_exported_is_logged_once(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest_of(api, export(api))
    entries = AccessLogEntry.objects.filter(action="export")
    assert sorted(entries.values_list("person_id", "category")) == sorted(
        (person.pk, "identity") for person in fhir_world.persons
    )
    assert {entry.basis for entry in entries} == {"establishment_direction"}
    assert {entry.channel for entry in entries} == {"fhir"}
    assert not entries.filter(person=fhir_world.stranger).exists()


def test_a_client_exports_only_what_its_login_may_export(fhir_world, fhir_client_for, export):
    # The team exports the persons it supports, not the other establishment's.
    team = fhir_client_for(fhir_world.educator.user, "system/*.read")
    patients = download(team, manifest_of(team, export(team)))["Patient"]
    assert {patient["id"] for patient in patients} == {str(p.uuid) for p in fhir_world.persons}
    # A gestionnaire's direction reads the records but never exports them.
    gestionnaire = GestionnaireFactory()
    fhir_world.establishment.gestionnaire = gestionnaire
    fhir_world.establishment.save()
    head = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=gestionnaire)
    api = fhir_client_for(head.user, "system/*.read")
    assert api.get(f"Patient/{fhir_world.persons[0].uuid}").status_code == 200
    manifest = manifest_of(api, export(api))
    assert manifest["output"] == []
    assert not AccessLogEntry.objects.filter(actor=head.user, action="export").exists()


def test_patient_level_export_is_the_same_as_the_system_level(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    system = download(api, manifest_of(api, export(api)))
    patient_level = download(api, manifest_of(api, export(api, "Patient/$export")))
    assert {k: len(v) for k, v in system.items()} == {k: len(v) for k, v in patient_level.items()}


def test_scopes_limit_the_types(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest = manifest_of(api, export(api))
    assert {item["type"] for item in manifest["output"]} == {"Patient"}
    # A type named explicitly that the token may not read: 403.
    refused = export(api, _type="Patient,Encounter")
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    assert "system/Encounter.read" in refused.json()["issue"][0]["diagnostics"]
    # No exported type readable at all: 403.
    other = fhir_client_for(fhir_world.director.user, "system/CodeSystem.read")
    assert export(other).status_code == 403


def test_type_parameter_selects_the_types(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    manifest = manifest_of(api, export(api, _type="Patient"))
    assert {item["type"] for item in manifest["output"]} == {"Patient"}
    unknown = export(api, _type="Patient,Spaceship")
    assert unknown.status_code == 400
    assert unknown.json()["issue"][0]["expression"] == ["_type"]


def test_since_keeps_what_changed_after(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    later = (timezone.now() + datetime.timedelta(hours=1)).isoformat()
    assert manifest_of(api, export(api, _since=later))["output"] == []
    Person.objects.filter(pk=fhir_world.persons[0].pk).update(
        updated_at=timezone.now() + datetime.timedelta(hours=2)
    )
    manifest = manifest_of(api, export(api, _since=later))
    assert [item["count"] for item in manifest["output"]] == [1]
    assert export(api, _since="hier").status_code == 400
    assert export(api, _since="2025-01-01T00:00:00").status_code == 400  # an instant has its time zone


def test_output_format_and_unknown_parameters(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    for accepted in ("application/fhir+ndjson", "application/ndjson", "ndjson"):
        assert export(api, _outputFormat=accepted).status_code == 202
    assert export(api, _outputFormat="text/csv").status_code == 400
    refused = export(api, _typeFilter="Patient?gender=female")
    assert refused.status_code == 400
    assert refused.json()["issue"][0]["code"] == "not-supported"
    lenient = export(api, headers={"Prefer": "respond-async, handling=lenient"}, _typeFilter="x")
    assert lenient.status_code == 202


def test_status_answers_202_with_progress_until_the_job_ran(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    response = api.http.get("/fhir/$export", headers=ASYNC)  # the job is not run: not committed
    assert response.status_code == 202
    status = api.http.get(response["Content-Location"])
    assert status.status_code == 202
    assert status["X-Progress"] == "En attente"
    assert status["Retry-After"]
    job = BulkJob.objects.get()
    assert bulk.run_job(str(job.uuid)) == {"status": JobStatus.DONE}
    assert api.http.get(response["Content-Location"]).status_code == 200
    # Run once only.
    assert bulk.run_job(str(job.uuid)) == {"status": "skipped"}


def test_progress_is_shown_while_the_export_runs(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    api.http.get("/fhir/$export", headers=ASYNC)
    job = BulkJob.objects.get()
    seen = []
    original = bulk._progress

    def watch(job, text):
        original(job, text)
        seen.append(BulkJob.objects.get(pk=job.pk).progress)

    bulk._progress, saved = watch, bulk._progress
    try:
        bulk.run_job(str(job.uuid))
    finally:
        bulk._progress = saved
    assert "Patient 2/2" in seen


def test_only_the_client_that_asked_sees_the_status_and_files(fhir_world, fhir_client_for, export, client):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    response = export(api)
    manifest = manifest_of(api, response)
    other = fhir_client_for(fhir_world.director.user, "system/*.read")  # same login, another client
    assert other.http.get(response["Content-Location"]).status_code == 404
    url = manifest["output"][0]["url"]
    assert other.http.get(url).status_code == 404
    anonymous = client.get(url)
    assert anonymous.status_code == 401
    assert anonymous.json()["resourceType"] == "OperationOutcome"
    assert client.get(response["Content-Location"]).status_code == 401


def test_cancel_deletes_the_files(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    response = export(api)
    manifest = manifest_of(api, response)
    stored = [bulk_file.file.name for bulk_file in BulkFile.objects.all()]
    assert stored
    cancelled = api.http.delete(response["Content-Location"])
    assert cancelled.status_code == 202
    assert cancelled.json()["resourceType"] == "OperationOutcome"
    assert api.http.get(response["Content-Location"]).status_code == 404
    assert api.http.get(manifest["output"][0]["url"]).status_code == 404
    assert not BulkFile.objects.exists()
    storage = BulkFile._meta.get_field("file").storage
    assert not any(storage.exists(name) for name in stored)
    assert api.http.delete(response["Content-Location"]).status_code == 404


def test_a_job_cancelled_while_it_runs_stops_and_leaves_no_file(fhir_world, fhir_client_for):
    api = fhir_client_for(fhir_world.director.user, "system/*.read")
    api.http.get("/fhir/$export", headers=ASYNC)
    job = BulkJob.objects.get()
    original = bulk._progress

    def cancel_then_report(job, text):
        BulkJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED)
        original(job, text)

    bulk._progress = cancel_then_report
    try:
        assert bulk.run_job(str(job.uuid)) == {"status": JobStatus.CANCELLED}
    finally:
        bulk._progress = original
    assert not BulkFile.objects.exists()


def test_a_failed_export_answers_500_with_an_operation_outcome(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    response = api.http.get("/fhir/$export", headers=ASYNC)
    # The login is deactivated before the job runs: the export fails, and says why.
    user = fhir_world.director.user
    user.is_active = False
    user.save()
    bulk.run_job(str(BulkJob.objects.get().uuid))
    user.is_active = True
    user.save()
    status = api.http.get(response["Content-Location"])
    assert status.status_code == 500
    outcome = status.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"] == "Ce client n'est plus autorisé à appeler l'API."
    assert not BulkFile.objects.exists()


def test_files_expire(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    response = export(api)
    manifest = manifest_of(api, response)
    assert api.http.get(response["Content-Location"])["Expires"]
    BulkJob.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert api.http.get(manifest["output"][0]["url"]).status_code == 404
    assert api.http.get(response["Content-Location"]).status_code == 404
    assert not BulkFile.objects.exists()


def test_expired_files_are_purged_by_the_next_job(fhir_world, fhir_client_for, export, settings):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest_of(api, export(api))
    BulkJob.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    settings.PARCOURS_FHIR_EXPORT_HOURS = 24
    manifest_of(api, export(api))
    assert BulkFile.objects.filter(job__expires_at__lt=timezone.now()).count() == 0
    assert BulkFile.objects.count() == 1


def test_the_purge_task_deletes_the_expired_files(fhir_world, fhir_client_for, export):
    from parcours.fhir.tasks import purge_bulk_files

    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest_of(api, export(api))
    assert purge_bulk_files.call() == {"purged": 0}
    BulkJob.objects.update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert purge_bulk_files.call() == {"purged": 1}
    assert not BulkFile.objects.exists()
    assert BulkJob.objects.count() == 1  # the job stays, as a trace


def test_files_are_encrypted_at_rest(fhir_world, fhir_client_for, export):
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest_of(api, export(api))
    bulk_file = BulkFile.objects.get()
    raw = bulk_file.file.storage.read_raw(bulk_file.file.name)
    assert fhir_world.persons[0].birth_name.encode() not in raw
    assert b"Patient" not in raw


def test_files_are_sent_compressed_to_a_client_that_accepts_gzip(fhir_world, fhir_client_for, export):
    import gzip

    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    url = manifest_of(api, export(api))["output"][0]["url"]
    plain = api.http.get(url)
    compressed = api.http.get(url, headers={"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain and compressed["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.content) == plain.content
    assert {json.loads(line)["id"] for line in plain.content.decode().splitlines()} == {
        str(person.uuid) for person in fhir_world.persons
    }


def test_big_types_are_cut_into_several_files(fhir_world, fhir_client_for, export, monkeypatch):
    monkeypatch.setattr(bulk, "LINES_PER_FILE", 1)
    api = fhir_client_for(fhir_world.director.user, "system/Patient.read")
    manifest = manifest_of(api, export(api))
    assert [(item["type"], item["count"]) for item in manifest["output"]] == [("Patient", 1), ("Patient", 1)]
    assert len({item["url"] for item in manifest["output"]}) == 2


# --- import


@pytest.fixture
def import_ndjson(django_capture_on_commit_callbacks):
    def post(api, lines, content_type="application/fhir+ndjson"):
        body = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
        with django_capture_on_commit_callbacks(execute=True):
            return api.http.post("/fhir/$import", body, content_type=content_type)

    return post


def exported_patients(api, export) -> list[dict]:
    return download(api, manifest_of(api, export(api, _type="Patient")))["Patient"]


def as_new(patient: dict) -> dict:
    """The same person as if from another instance: a new id (the local identifier carries the id)."""
    copy = dict(patient, id=str(uuid.uuid4()))
    copy.pop("identifier", None)
    return copy


def test_import_creates_the_resources_with_their_ids(fhir_world, fhir_client_for, export, import_ndjson):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patients = [as_new(patient) for patient in exported_patients(director, export)]
    admin = fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/*.read", "system/*.write")
    response = import_ndjson(admin, patients)
    assert response.status_code == 202, response.content
    assert "/fhir/$import-status/" in response["Content-Location"]
    status = admin.http.get(response["Content-Location"])
    assert status.status_code == 200, status.content
    assert status.json()["output"] == [{"type": "Patient", "count": 2}]
    assert Person.objects.filter(uuid__in=[p["id"] for p in patients]).count() == 2
    assert not BulkFile.objects.filter(kind="input").exists()  # the NDJSON is not kept once imported


def test_import_is_all_or_nothing_and_names_the_line(fhir_world, fhir_client_for, export, import_ndjson):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patients = [as_new(patient) for patient in exported_patients(director, export)]
    admin = fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/*.read", "system/*.write")
    broken = dict(patients[1], gender="dragon")
    response = import_ndjson(admin, [patients[0], "", broken])
    status = admin.http.get(response["Content-Location"])
    assert status.status_code == 500
    outcome = status.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"].startswith(f"Ligne 3 (Patient/{broken['id']}) : ")
    assert not Person.objects.filter(uuid__in=[p["id"] for p in patients]).exists()  # nothing written
    assert not BulkFile.objects.filter(kind="input").exists()


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{pas du json", "Ligne 2 : JSON invalide."),
        ('["Patient"]', "Ligne 2 : Ressource FHIR attendue (resourceType)."),
        ('{"resourceType": "Spaceship", "id": "x"}', "Ligne 2 : Type de ressource non servi"),
        ('{"resourceType": "Patient"}', "Ligne 2 : La ressource n'a pas d'id"),
    ],
)
def test_import_refuses_lines_that_are_not_resources(
    fhir_world, fhir_client_for, export, import_ndjson, line, message
):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patient = exported_patients(director, export)[0]
    admin = fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/*.write")
    status = admin.http.get(import_ndjson(admin, [patient, line])["Content-Location"])
    assert status.status_code == 500
    assert status.json()["issue"][0]["diagnostics"].startswith(message)


def test_import_needs_the_write_scope_of_each_type(fhir_world, fhir_client_for, export, import_ndjson):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patients = exported_patients(director, export)
    admin = UserFactory(is_superuser=True, is_staff=True)
    reader = fhir_client_for(admin, "system/*.read")
    refused = import_ndjson(reader, patients)
    assert refused.status_code == 403
    assert refused.json()["resourceType"] == "OperationOutcome"
    other_type = fhir_client_for(admin, "system/Encounter.write")
    status = other_type.http.get(import_ndjson(other_type, patients)["Content-Location"])
    assert status.status_code == 500
    assert "system/Patient.write" in status.json()["issue"][0]["diagnostics"]


def test_import_without_rights_writes_nothing_and_logs_the_refusal(
    fhir_world, fhir_client_for, export, import_ndjson
):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patients = exported_patients(director, export)
    outsider = fhir_client_for(fhir_world.outsider.user, "system/*.write")
    changed = dict(patients[0], birthDate="1950-01-01")
    status = outsider.http.get(import_ndjson(outsider, [changed])["Content-Location"])
    assert status.status_code == 500
    assert status.json()["issue"][0]["code"] == "forbidden"
    person = fhir_world.persons[0]
    person.refresh_from_db()
    assert person.birth_date.isoformat() != "1950-01-01"
    assert AccessLogEntry.objects.filter(
        actor=fhir_world.outsider.user, person=person, allowed=False
    ).exists()


def test_import_refuses_other_formats_and_empty_bodies(fhir_world, fhir_client_for, import_ndjson):
    admin = fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/*.write")
    assert import_ndjson(admin, ["{}"], content_type="application/fhir+json").status_code == 415
    empty = import_ndjson(admin, [""])
    assert empty.status_code == 400
    assert empty.json()["resourceType"] == "OperationOutcome"
    assert not BulkJob.objects.exists()


def test_import_status_is_for_the_client_that_asked(fhir_world, fhir_client_for, export, import_ndjson):
    director = fhir_client_for(fhir_world.director.user, "system/*.read")
    patients = exported_patients(director, export)
    admin = fhir_client_for(UserFactory(is_superuser=True, is_staff=True), "system/*.write")
    location = import_ndjson(admin, patients)["Content-Location"]
    assert director.http.get(location).status_code == 404


def test_dependency_order_puts_what_is_referenced_first():
    first, second, third, organization = (str(uuid.uuid4()) for _ in range(4))
    order = {mapping.resource_type: mapping.order for mapping in registry.mappings()}
    assert order["Organization"] < order["Patient"] < order["Group"]

    def patient(line, key, *targets):
        links = [{"other": {"reference": f"Patient/{target}"}} for target in targets]
        return line, {"resourceType": "Patient", "id": key, "link": links}

    group = {
        "resourceType": "Group",
        "id": str(uuid.uuid4()),
        "member": [{"entity": {"reference": f"Patient/{first}"}}],
    }
    lines = [(1, group), patient(2, second, first), patient(3, first)]
    assert [line for line, _ in bulk.dependency_order(lines)] == [3, 2, 1]
    # Resources referencing each other are written together, in the mappings' order then the file's,
    # and what references them after them.
    cited = {"resourceType": "Organization", "id": organization, "partOf": {"reference": f"Patient/{third}"}}
    cycle = [(1, cited), patient(2, second, third), patient(3, third, second), patient(4, first)]
    assert [line for line, _ in bulk.dependency_order(cycle)] == [2, 3, 1, 4]


def test_the_daily_command_purges_the_files_of_expired_jobs(fhir_world):
    import io

    from django.core.files.base import ContentFile
    from django.core.management import call_command

    from parcours.fhir.clients import register_client
    from parcours.fhir.models import JobKind

    client, _, _ = register_client(user=fhir_world.director.user, name="x", scopes=["system/*.read"])
    job = BulkJob.objects.create(
        kind=JobKind.EXPORT, client=client, request_url="/fhir/$export", status=JobStatus.DONE,
        expires_at=timezone.now() - datetime.timedelta(minutes=1),
    )  # fmt: skip
    stored = BulkFile(job=job, resource_type="Patient", count=1)
    stored.file.save(f"{job.uuid}/Patient-1.ndjson", ContentFile(b"{}\n"), save=True)
    name = stored.file.name
    out = io.StringIO()
    call_command("fhir_purge_exports", stdout=out)
    assert "1 travail(s) purgé(s)" in out.getvalue()
    assert not BulkFile.objects.filter(job=job).exists()
    assert not stored.file.storage.exists(name)
