"""Right of access: the export of everything held on a person, built by a task into one archive (JSON,
PDF and the document files), downloadable by its requester only, for a limited time."""

import datetime
import io
import json
import re
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from parcours.access import services as access_services
from parcours.access.api import AccessDenied
from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.people import services as people_services
from parcours.privacy import export, services
from parcours.privacy.enums import ExportStatus
from parcours.privacy.models import ExportRequest
from parcours.records import services as records_services
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
from tests.conftest import assert_page_ok
from tests.factories import concept

pytestmark = pytest.mark.django_db

DOCUMENT_BYTES = b"Menu de la semaine : gratin, compote."


def full_record(world):
    """Person A with something in every part of the record, written with the real services."""
    person, actor = world.person_a, world.actor(world.pro_a)
    today = timezone.localdate()
    people_services.update_person(person, actor=actor, phone="0472000000", reason="Nouveau numéro")
    mother = people_services.add_relative(
        person,
        actor=actor,
        last_name="Lefèvre",
        first_name="Annie",
        relationship="parent",
        is_natural_carer=True,
    )
    people_services.add_legal_protection(
        person,
        actor=actor,
        measure="curatelle_simple",
        start_date=datetime.date(2020, 1, 6),
        representative_relative=mother,
    )
    people_services.set_deficiencies(person, actor=actor, main=concept("deficiences", "02"), associated=[])
    people_services.add_mdph_decision(
        person,
        actor=actor,
        decision_type="orientation_esms",
        orientation_category=concept("finess-categories", "183"),
        decision_date=datetime.date(2021, 5, 3),
        start_date=datetime.date(2021, 6, 1),
    )
    records_services.create_needs_assessment(
        person,
        actor=actor,
        establishment=world.a,
        date=today - datetime.timedelta(days=10),
        needs=[NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3, "Aide à la toilette")],
    )
    records_services.create_projet(
        person,
        actor=actor,
        establishment=world.a,
        date=today - datetime.timedelta(days=5),
        review_date=today + datetime.timedelta(days=360),
        person_words="Je veux apprendre à cuisiner.",
        goals=[GoalInput("Préparer un repas simple", needs=[concept("serafin-ph-besoins", "1.2.1.1")])],
        planned_services=[
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.1.1"), 2, "week", goal_index=0),
            PlannedServiceInput(concept("serafin-ph-prestations", "2.1.1.1"), 1, "month"),
        ],
    )
    records_services.log_service(
        person,
        actor=actor,
        establishment=world.a,
        concept=concept("serafin-ph-prestations", "2.3.1.1"),
        date=today - datetime.timedelta(days=2),
        duration_minutes=45,
    )
    records_services.write_note(
        person,
        actor=actor,
        establishment=world.a,
        category="daily_life",
        text="A préparé le dessert pour le groupe.",
        attachment=SimpleUploadedFile("menu.txt", DOCUMENT_BYTES),
        attachment_title="Menu de la semaine",
    )
    access_services.record_consent(
        person, actor=actor, establishment=world.c, categories=[Category.IDENTITY, Category.PARCOURS]
    )
    return person


def export_now(world, professional, django_capture_on_commit_callbacks) -> ExportRequest:
    """Request an export and run the task (immediate backend) once the request is committed."""
    with django_capture_on_commit_callbacks(execute=True):
        export_request = services.request_export(world.person_a, actor=world.actor(professional))
    export_request.refresh_from_db()
    return export_request


def pdf_objects(pdf: bytes) -> bytes:
    """The PDF with its compressed streams (object streams included) inflated, read without any
    PDF library: enough to find its pages, its title and its bookmarks."""
    chunks = [pdf]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    return b"\n".join(chunks)


def pdf_titles(objects: bytes) -> list[str]:
    """The /Title strings (document information and bookmarks): UTF-16 in hexadecimal, or plain
    ASCII in parentheses."""
    hexadecimal = [
        bytes.fromhex(text.decode()).decode("utf-16")
        for text in re.findall(rb"/Title\s*<([0-9a-fA-F]+)>", objects)
    ]
    literal = [text.decode("ascii") for text in re.findall(rb"/Title\s*\(([ -~]*?)\)", objects)]
    return hexadecimal + literal


export_storage = ExportRequest._meta.get_field("file").storage


def read_archive(export_request: ExportRequest) -> zipfile.ZipFile:
    """The archive as its requester downloads it (decrypted); on disk it is encrypted."""
    with export_request.file.open("rb") as handle:
        data = handle.read()
    assert export_request.size == len(data)
    with open(export_request.file.storage.path(export_request.file.name), "rb") as raw:
        on_disk = raw.read()
    assert not on_disk.startswith(b"PK") and data.startswith(b"PK")
    return zipfile.ZipFile(io.BytesIO(data))


def test_the_export_holds_every_part_of_the_record(world, django_capture_on_commit_callbacks):
    person = full_record(world)
    export_request = export_now(world, world.pro_a, django_capture_on_commit_callbacks)

    assert export_request.status == ExportStatus.READY
    assert export_request.file.name == f"exports/{export_request.uuid}.zip"
    assert export_request.expires_at - export_request.finished_at == datetime.timedelta(days=7)
    archive = read_archive(export_request)
    data = json.loads(archive.read("donnees.json"))

    assert data["format_version"] == export.FORMAT_VERSION
    assert data["export"]["uuid"] == str(export_request.uuid)
    assert data["export"]["requested_by"]["name"] == str(world.pro_a)
    identity = data["person"]
    assert identity["uuid"] == str(person.uuid)
    assert identity["birth_name"] == "Lefèvre"
    assert identity["first_names"] == "Élodie Marie"
    assert identity["birth_date"] == "1998-03-12"
    assert identity["sex"] == {"code": "F", "label": "Féminin"}
    assert identity["phone"] == "0472000000"
    assert "id" not in identity and "search_text" not in identity

    [relative] = data["relatives"]
    assert (relative["first_name"], relative["is_natural_carer"]) == ("Annie", True)
    [protection] = data["legal_protections"]
    assert protection["measure"]["code"] == "curatelle_simple"
    assert protection["representative_relative"]["uuid"] == relative["uuid"]
    [deficiency] = data["deficiencies"]
    assert deficiency["concept"]["code"] == "02"
    assert deficiency["concept"]["label"] == "Troubles du spectre de l'autisme"
    assert deficiency["is_main"] is True
    [mdph] = data["mdph_decisions"]
    assert mdph["orientation_category"]["code"] == "183"
    assert mdph["decision_date"] == "2021-05-03"
    [admission] = data["admissions"]
    assert admission["establishment"]["name"] == "IME Les Tilleuls"
    assert admission["establishment"]["finess"] == world.a.finess

    [assessment] = data["needs_assessments"]
    [need] = assessment["needs"]
    assert need["concept"]["code"] == "1.2.1.1"
    assert need["concept"]["system_url"].startswith("https://")
    assert need["concept"]["label"] == "Besoins en lien avec l'entretien personnel"
    assert need["intensity"] == {"code": 3, "label": "Importante"}
    assert need["comment"] == "Aide à la toilette"
    assert assessment["assessed_by"]["name"] == str(world.pro_a)

    [projet] = data["projets_personnalises"]
    assert projet["person_words"] == "Je veux apprendre à cuisiner."
    [goal] = projet["goals"]
    assert goal["title"] == "Préparer un repas simple"
    assert [n["code"] for n in goal["needs"]] == ["1.2.1.1"]
    [with_goal] = goal["planned_services"]
    assert with_goal["concept"]["code"] == "2.3.1.1"
    assert with_goal["frequency_period"] == {"code": "week", "label": "par semaine"}
    [without_goal] = projet["planned_services"]
    assert without_goal["concept"]["code"] == "2.1.1.1"

    [delivered] = data["services_delivered"]
    assert (delivered["concept"]["code"], delivered["duration_minutes"]) == ("2.3.1.1", 45)
    [note] = data["notes"]
    assert note["text"] == "A préparé le dessert pour le groupe."
    [document] = data["documents"]
    assert document["title"] == "Menu de la semaine"
    assert document["note"]["uuid"] == note["uuid"]
    assert archive.read(document["file"]) == DOCUMENT_BYTES
    [consent] = data["consents"]
    assert consent["establishment"]["name"] == "Foyer des Monts"
    assert consent["categories"] == ["identity", "parcours"]
    [rectification] = data["rectifications"]
    assert (rectification["field_name"], rectification["new_value"]) == ("phone", "0472000000")
    assert rectification["reason"] == "Nouveau numéro"

    log = data["access_log"]
    assert (
        len(log) == AccessLogEntry.objects.filter(person=person, at__lte=export_request.finished_at).count()
    )
    assert any(entry["action"]["code"] == "export" for entry in log)
    assert {entry["actor"]["name"] for entry in log} == {str(world.pro_a)}
    assert all("ip_address" not in entry and "entry_hash" not in entry for entry in log)

    pdf = archive.read("donnees.pdf")
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    objects = pdf_objects(pdf)
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", objects)) >= 2
    # The document's title and its bookmarks (one per heading) name the person and every part.
    titles = pdf_titles(objects)
    assert any("LEFÈVRE Élodie" in title for title in titles)
    assert {part.title for part in export.PARTS} <= set(titles)
    assert sorted(archive.namelist()) == sorted(
        ["donnees.json", "donnees.pdf", "fhir/Bundle.json", document["file"]]
    )


def test_every_exported_field_reads_in_french():
    """A field added to a model without a French label would show its English name in the PDF."""

    def walk(parts, parent):
        for part in parts:
            for model_field in part.fields(parent):
                # Django's own default label is the English field name.
                labelled = model_field._verbose_name is not None or model_field.name in export.LABELS
                assert labelled, f"{part.key}.{model_field.name}"
            yield from walk(part.children, part.model)
            yield part

    from parcours.people.models import Person

    assert len(list(walk(export.PARTS, Person))) > 10


def test_the_task_checks_the_policy_again(world, django_capture_on_commit_callbacks):
    """A requester who lost access before the task ran gets a failed export, and nothing is written."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        export_request = services.request_export(world.person_a, actor=world.actor(world.pro_a))
    world.pro_a.user.is_active = False
    world.pro_a.user.save()
    for callback in callbacks:
        callback()
    export_request.refresh_from_db()
    assert export_request.status == ExportStatus.FAILED
    assert not export_request.file


def test_a_professional_of_another_establishment_gets_404(world, login):
    client = login(world.pro_c.user)
    url = reverse("privacy:exports", args=[world.person_a.uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"confirm": "on"}).status_code == 404
    assert not ExportRequest.objects.exists()


def test_the_gestionnaire_direction_may_not_export(world, login):
    """It may not read the daily notes (nor export anything): it may not export the record."""
    client = login(world.gdir.user)
    url = reverse("privacy:exports", args=[world.person_a.uuid])
    assert client.get(url).status_code == 403
    assert client.post(url, {"confirm": "on"}).status_code == 403
    assert not ExportRequest.objects.exists()
    with pytest.raises(AccessDenied):
        services.request_export(world.person_a, actor=world.actor(world.gdir))
    assert not ExportRequest.objects.exists()
    assert AccessLogEntry.objects.filter(actor=world.gdir.user, action=Action.EXPORT, allowed=False).exists()
    assert not AccessLogEntry.objects.filter(
        actor=world.gdir.user, action=Action.EXPORT, allowed=True
    ).exists()
    detail = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert url not in detail


def test_the_page_starts_an_export_and_its_requester_downloads_it(
    world, login, django_capture_on_commit_callbacks
):
    client = login(world.director_a.user)
    url = reverse("privacy:exports", args=[world.person_a.uuid])
    content = assert_page_ok(client.get(url))
    assert "Aucun export demandé" in content
    # Without the confirmation nothing is requested.
    response = client.post(url, {})
    assert "Cochez la case" in assert_page_ok(response)
    assert not ExportRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"confirm": "on"})
    assert response.status_code == 302
    export_request = ExportRequest.objects.get()
    assert export_request.requested_by == world.director_a.user
    assert export_request.status == ExportStatus.READY

    content = assert_page_ok(client.get(url))
    download = reverse("privacy:export_download", args=[export_request.uuid])
    assert download in content
    assert "hx-trigger" not in content  # nothing left to wait for

    before = AccessLogEntry.objects.filter(action=Action.EXPORT, object_uuid=export_request.uuid).count()
    response = client.get(download)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert world.person_a.birth_name not in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).read("donnees.pdf").startswith(b"%PDF")
    logged = AccessLogEntry.objects.filter(
        actor=world.director_a.user, action=Action.EXPORT, object_uuid=export_request.uuid, allowed=True
    )
    assert logged.count() == before + len(Category.values)
    assert logged.filter(category=Category.NOTES).count() == 3  # requested, built, downloaded


def test_the_page_polls_an_export_in_preparation(world, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export_request = services.request_export(world.person_a, actor=world.actor(world.pro_a))
    client = login(world.pro_a.user)
    status_url = reverse("privacy:export_status", args=[export_request.uuid])
    content = assert_page_ok(client.get(reverse("privacy:exports", args=[world.person_a.uuid])))
    assert f'hx-get="{status_url}"' in content
    fragment = assert_page_ok(client.get(status_url))
    assert "En attente" in fragment and "hx-trigger" in fragment
    assert "Lefèvre".upper() not in fragment
    # A second request while the first is being prepared is refused, and changes nothing.
    response = client.post(reverse("privacy:exports", args=[world.person_a.uuid]), {"confirm": "on"})
    assert "déjà en préparation" in assert_page_ok(response)
    assert ExportRequest.objects.count() == 1
    services.build_export(export_request.uuid)
    fragment = assert_page_ok(client.get(status_url))
    assert "Prête" in fragment and "hx-trigger" not in fragment
    assert reverse("privacy:export_download", args=[export_request.uuid]) in fragment
    # Another user sees neither the state nor the archive.
    other = login(world.director_a.user)
    assert other.get(status_url).status_code == 404


def test_another_user_cannot_download_the_archive(world, login, django_capture_on_commit_callbacks):
    export_request = export_now(world, world.pro_a, django_capture_on_commit_callbacks)
    download = reverse("privacy:export_download", args=[export_request.uuid])
    director = login(world.director_a.user)
    content = assert_page_ok(director.get(reverse("privacy:exports", args=[world.person_a.uuid])))
    assert download not in content
    assert "Téléchargeable par la personne qui l'a demandée" in content
    assert director.get(download).status_code == 404
    assert login(world.pro_c.user).get(download).status_code == 404
    assert not AccessLogEntry.objects.filter(
        action=Action.EXPORT, object_uuid=export_request.uuid, actor=world.director_a.user
    ).exists()


def test_an_expired_archive_is_purged(world, login, django_capture_on_commit_callbacks):
    export_request = export_now(world, world.pro_a, django_capture_on_commit_callbacks)
    name = export_request.file.name
    assert export_storage.exists(name)
    ExportRequest.objects.filter(pk=export_request.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    client = login(world.pro_a.user)
    download = reverse("privacy:export_download", args=[export_request.uuid])
    assert client.get(download).status_code == 404

    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    assert "1 archive" in out.getvalue()
    assert not export_storage.exists(name)
    export_request.refresh_from_db()
    assert export_request.status == ExportStatus.EXPIRED
    assert not export_request.file
    content = assert_page_ok(client.get(reverse("privacy:exports", args=[world.person_a.uuid])))
    assert "Expirée" in content
    out = io.StringIO()
    call_command("purge_exports", stdout=out)
    assert "Aucune archive expirée" in out.getvalue()


def test_an_archive_within_its_lifetime_is_kept(world, django_capture_on_commit_callbacks):
    export_request = export_now(world, world.pro_a, django_capture_on_commit_callbacks)
    assert services.purge_expired_exports() == 0
    assert export_storage.exists(export_request.file.name)
    assert services.purge_expired_exports(now=export_request.expires_at) == 1
    assert not export_storage.exists(export_request.file.name)


def test_an_export_lost_by_its_worker_fails_after_a_day(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        export_request = services.request_export(world.person_a, actor=world.actor(world.pro_a))
    assert services.purge_expired_exports() == 0
    export_request.refresh_from_db()
    assert export_request.status == ExportStatus.PENDING
    services.purge_expired_exports(now=timezone.now() + datetime.timedelta(days=1, minutes=1))
    export_request.refresh_from_db()
    assert export_request.status == ExportStatus.FAILED
    # Its requester may ask again.
    assert (
        services.request_export(world.person_a, actor=world.actor(world.pro_a)).status == ExportStatus.PENDING
    )
