"""A backup restored into an empty database gives back every record and every document."""

import io
import sqlite3
import tarfile
import uuid

import psycopg
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from parcours.access.journal import Actor
from parcours.core import crypto
from parcours.core.backup import BackupError, Target, restore_backup
from parcours.people.models import Person
from parcours.records.models import Document, Note
from parcours.records.services import attach_document
from parcours.staff.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def instance(settings, tmp_path):
    """A small instance with one stored document, committed so that pg_dump sees it."""
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("demo_data", "--scale", "tiny", "--seed", "3", stdout=io.StringIO())
    membership = Membership.objects.filter(role="professional", professional__user__isnull=False).first()
    person = Person.objects.filter(admissions__establishment=membership.establishment).first()
    document = attach_document(
        person,
        file=SimpleUploadedFile("compte-rendu.pdf", PDF, content_type="application/pdf"),
        title="Compte rendu",
        actor=Actor.system(membership.professional.user),
    )
    return document


@pytest.fixture
def empty_target(tmp_path):
    """A new, empty database of the same kind as the one under test."""
    if connection.vendor == "sqlite":
        yield Target.from_url(f"sqlite:///{tmp_path / 'restauree.sqlite3'}")
        return
    config = connection.settings_dict
    name = f"parcours_restore_{uuid.uuid4().hex[:10]}"
    admin = psycopg.connect(
        host=config["HOST"],
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgres://{config['USER']}:{config['PASSWORD']}@{config['HOST']}:{config['PORT'] or 5432}/{name}"
    try:
        yield Target.from_url(url)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def rows(target: Target, sql: str) -> list[tuple]:
    if target.vendor == "sqlite":
        with sqlite3.connect(target.path) as conn:
            return [tuple(str(v) for v in row) for row in conn.execute(sql).fetchall()]
    with psycopg.connect(target.url.replace("postgres://", "postgresql://", 1)) as conn:
        return [tuple(str(v) for v in row) for row in conn.execute(sql).fetchall()]


def test_backup_then_restore_into_an_empty_database_finds_every_record(instance, empty_target, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    out = io.StringIO()
    call_command("backup", "--output", str(archive), stdout=out)
    assert "Sauvegarde écrite" in out.getvalue()
    assert oct(archive.stat().st_mode & 0o777) == "0o600"

    media = tmp_path / "media-restaurees"
    out = io.StringIO()
    call_command(
        "restore", str(archive), "--database-url", empty_target.url, "--media-root", str(media), stdout=out
    )
    assert "Restauration vérifiée" in out.getvalue()

    # Same persons, same notes, same document, field for field.
    expected_persons = sorted(
        (str(p.uuid).replace("-", ""), p.birth_name, p.first_names, str(p.birth_date))
        for p in Person.objects.all()
    )
    restored_persons = sorted(
        (u.replace("-", ""), n, f, d)
        for u, n, f, d in rows(
            empty_target, "SELECT uuid, birth_name, first_names, birth_date FROM people_person"
        )
    )
    assert restored_persons == expected_persons
    assert len(rows(empty_target, "SELECT id FROM records_note")) == Note.objects.count() > 0
    assert Document.objects.count() == len(rows(empty_target, "SELECT id FROM records_document")) == 1

    # Encrypted at rest in the archive too, and readable with the same key file: every note's text,
    # the document's title and content.
    expected_notes = sorted((str(n.uuid).replace("-", ""), n.text) for n in Note.objects.all())
    restored_notes = sorted(
        (u.replace("-", ""), crypto.decrypt_text(token))
        for u, token in rows(empty_target, "SELECT uuid, text FROM records_note")
    )
    assert restored_notes == expected_notes
    [(title,)] = rows(empty_target, "SELECT title FROM records_document")
    assert crypto.decrypt_text(title) == "Compte rendu"
    stored = (media / instance.file.name).read_bytes()
    assert b"PDF" not in stored
    assert crypto.decrypt_bytes(stored) == PDF


def test_the_key_file_stays_out_of_the_archive(instance, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    keys = [key.decode() for key in crypto.load_keys()]
    with tarfile.open(archive, "r:gz") as tar:
        names = tar.getnames()
        contents = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert not any("data_keys" in name for name in names)
    assert not any(key.encode() in contents for key in keys)
    assert b"%PDF" not in contents and b"Compte rendu" not in contents
    note = Note.objects.first()
    assert note.text.encode() not in contents


def test_restore_refuses_a_key_file_without_the_backup_key(instance, empty_target, tmp_path, settings):
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    settings.PARCOURS_DATA_KEYS_FILE = tmp_path / "autres_cles"
    crypto.write_key_file(settings.PARCOURS_DATA_KEYS_FILE, [crypto.new_key()])
    with pytest.raises(CommandError, match="n'a pas la clé de chiffrement de cette sauvegarde"):
        call_command(
            "restore", str(archive), "--database-url", empty_target.url, "--media-root", str(tmp_path / "m")
        )
    assert not (tmp_path / "m").exists()


def test_restore_refuses_a_database_that_is_not_empty(instance, tmp_path):
    archive = tmp_path / "sauvegarde.tar.gz"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    current = connection.settings_dict
    if connection.vendor == "sqlite":
        occupied = tmp_path / "occupee.sqlite3"
        sqlite3.connect(occupied).execute("CREATE TABLE t (x int)")
        url = f"sqlite:///{occupied}"
    else:
        url = (
            f"postgres://{current['USER']}:{current['PASSWORD']}@{current['HOST']}:{current['PORT'] or 5432}/"
            f"{current['NAME']}"
        )
    with pytest.raises(CommandError, match="n'est pas vide"):
        call_command("restore", str(archive), "--database-url", url, "--media-root", str(tmp_path / "m"))


def test_restore_refuses_an_archive_with_a_path_outside(tmp_path, empty_target):
    archive = tmp_path / "piege.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        manifest = (
            b'{"format": 1, "vendor": "%s", "tables": {}, "media": {}, "created_at": "", "migrations": {}}'
            % empty_target.vendor.encode()
        )
        for name, payload in [("manifest.json", manifest), ("../evasion.txt", b"x")]:
            info = tarfile.TarInfo(name)
            info.size = len(payload)
            tar.addfile(info, io.BytesIO(payload))
    with pytest.raises(BackupError, match="chemin suspect"):
        restore_backup(archive, empty_target, tmp_path / "m")
    assert not (tmp_path.parent / "evasion.txt").exists()
