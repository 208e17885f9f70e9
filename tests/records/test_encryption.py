"""The free text and the documents of the records are encrypted at rest, and read back as written."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from parcours.core.fields import encrypted_fields
from parcours.records import services
from parcours.records.models import Admission, Document, Need, Note
from parcours.records.services import NeedInput
from tests.factories import concept

TOKEN = re.compile(r"gAAAAA[A-Za-z0-9_=-]+\Z")
SECRET = "Mme Lefèvre a confié son inquiétude pour sa fille"
PDF = b"%PDF-1.4\n" + f"Compte rendu : {SECRET}".encode() + b"\n%%EOF\n"


@pytest.fixture
def keys(settings, tmp_path):
    """A key file and a documents folder of this test's own."""
    settings.PARCOURS_DATA_KEYS_FILE = tmp_path / "data_keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PARCOURS_DATA_KEYS_FILE


def raw(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def write_note_with_document(world) -> Note:
    return services.write_note(
        world.person_a,
        establishment=world.a,
        category="health",
        text=SECRET,
        actor=world.actor(world.pro_a),
        attachment=SimpleUploadedFile("cr.pdf", PDF, content_type="application/pdf"),
        attachment_title="Compte rendu de Mme Lefèvre",
    )


def test_the_database_and_the_disk_hold_no_plaintext(world, keys):
    note = write_note_with_document(world)
    document = note.documents.get()

    [(stored_text,)] = raw("SELECT text FROM records_note WHERE id = %s", [note.pk])
    assert TOKEN.match(stored_text) and "Lef" not in stored_text
    [(stored_title,)] = raw("SELECT title FROM records_document WHERE id = %s", [document.pk])
    assert TOKEN.match(stored_title)
    on_disk = (keys.parent / "media" / document.file.name).read_bytes()
    assert b"PDF" not in on_disk and SECRET.encode() not in on_disk
    assert len(on_disk) < len(PDF) + 100  # stored as binary, not base64

    # Read back through the ORM, as written.
    assert Note.objects.get(pk=note.pk).text == SECRET
    assert Document.objects.get(pk=document.pk).title == "Compte rendu de Mme Lefèvre"
    with Document.objects.get(pk=document.pk).file.open("rb") as handle:
        assert handle.read() == PDF
    assert Note.objects.values_list("text", flat=True).get(pk=note.pk) == SECRET


def test_the_download_serves_the_original_bytes(world, keys, login):
    document = write_note_with_document(world).documents.get()
    client = login(world.pro_a.user)
    response = client.get(reverse("records:document_download", args=[world.person_a.uuid, document.uuid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert int(response["Content-Length"]) == len(PDF)


def test_edits_through_bulk_update_are_encrypted_too(world, keys):
    actor = world.actor(world.pro_a)
    besoin = concept("serafin-ph-besoins", "1.3.4.1")
    assessment = services.create_needs_assessment(
        world.person_a,
        establishment=world.a,
        date=world.person_a.admissions.get().start_date,
        actor=actor,
        needs=[NeedInput(besoin, 1, "Sorties au marché")],
        comment="Première synthèse",
    )
    services.update_needs_assessment(
        assessment,
        establishment=world.a,
        date=assessment.date,
        comment="Synthèse revue",
        needs=[NeedInput(besoin, 2, "Sorties seule au marché")],
        actor=actor,
    )
    [(stored,)] = raw("SELECT comment FROM records_need")
    assert TOKEN.match(stored)
    assert Need.objects.get().comment == "Sorties seule au marché"
    assert assessment.__class__.objects.get().comment == "Synthèse revue"


def test_an_empty_text_stays_empty_and_is_the_only_value_it_compares_with(world, keys):
    admission = world.person_a.admissions.get()
    assert raw("SELECT comment FROM records_admission WHERE id = %s", [admission.pk]) == [("",)]
    assert Admission.objects.filter(pk=admission.pk, comment="").exists()
    with pytest.raises(ValueError, match="texte vide"):
        Note.objects.filter(text=SECRET).exists()
    with pytest.raises(Exception, match="icontains"):
        Note.objects.filter(text__icontains="Lef").exists()


def test_the_demo_generator_writes_encrypted_values(keys, settings, db):
    call_command("demo_data", "--scale", "tiny", "--seed", "5", stdout=io.StringIO())
    checked = 0
    for model, field in encrypted_fields():
        for (value,) in raw(f'SELECT "{field.column}" FROM "{model._meta.db_table}"'):  # noqa: S608
            assert value == "" or TOKEN.match(value), (model, field.name)
            checked += value != ""
    assert checked > 100
    assert all(note.text for note in Note.objects.all()[:50])


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_rows_and_files_and_can_be_undone(world, keys):
    note = write_note_with_document(world)
    document = note.documents.get()
    path = keys.parent / "media" / document.file.name
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate([("records", "0001_initial")])
        assert raw("SELECT text FROM records_note") == [(SECRET,)]
        assert raw("SELECT title FROM records_document") == [("Compte rendu de Mme Lefèvre",)]
        assert path.read_bytes() == PDF
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    [(stored,)] = raw("SELECT text FROM records_note")
    assert TOKEN.match(stored)
    assert path.read_bytes() != PDF
    assert Note.objects.get().text == SECRET
    with Document.objects.get().file.open("rb") as handle:
        assert handle.read() == PDF
