"""`parcours rotate-data-key`: a new key, everything re-encrypted, the old keys retired."""

import base64
import io

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection

from parcours.core import crypto
from parcours.records import services
from parcours.records.models import Document, Note


@pytest.fixture
def keys(settings, tmp_path):
    settings.PARCOURS_DATA_KEYS_FILE = tmp_path / "data_keys"
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.PARCOURS_DATA_KEYS_FILE


def make_record(world, count: int) -> tuple[dict, dict]:
    actor = world.actor(world.pro_a)
    for k in range(count):
        services.write_note(
            world.person_a,
            establishment=world.a,
            category="health",
            text=f"Transmission n° {k} : a bien dormi",
            actor=actor,
            attachment=SimpleUploadedFile(f"cr{k}.pdf", b"%PDF-1.4 contenu " + bytes([k])),
        )
    return snapshot()


def snapshot() -> tuple[dict, dict]:
    notes = {note.uuid: note.text for note in Note.objects.all()}
    documents = {}
    for document in Document.objects.all():
        with document.file.open("rb") as handle:
            documents[document.uuid] = (document.title, handle.read())
    return notes, documents


def stored_tokens() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT text FROM records_note")
        return [row[0] for row in cursor.fetchall()]


def stored_files(media) -> list[bytes]:
    return [(media / d.file.name).read_bytes() for d in Document.objects.all()]


def run(*args) -> str:
    out = io.StringIO()
    call_command("rotate_data_key", *args, stdout=out, stderr=out)
    return out.getvalue()


def test_rotation_then_retirement_keeps_every_note_and_document(world, keys):
    before = make_record(world, 7)
    old_key = crypto.load_keys()[0]

    output = run("--batch-size", "3")
    assert "Nouvelle clé ajoutée" in output
    assert "records_note.text : 3/7" in output and "records_note.text : 7/7" in output
    assert "Rechiffré : " in output and "7 documents sur 7" in output
    new_key, kept = crypto.load_keys()
    assert kept == old_key
    copies = list(keys.parent.glob("data_keys.*.avant-rotation"))
    assert len(copies) == 1 and copies[0].read_text().split() == [old_key.decode()]
    assert oct(copies[0].stat().st_mode & 0o777) == "0o600"

    output = run("--retire-old")
    assert "Anciennes clés retirées du fichier : 1." in output
    assert crypto.load_keys() == [new_key]
    assert oct(keys.stat().st_mode & 0o777) == "0o600"

    assert snapshot() == before
    old, new = Fernet(old_key), Fernet(new_key)
    for token in stored_tokens():
        with pytest.raises(InvalidToken):
            old.decrypt(token)
        new.decrypt(token)
    for data in stored_files(keys.parent / "media"):
        with pytest.raises(InvalidToken):
            old.decrypt(base64.urlsafe_b64encode(data))
        new.decrypt(base64.urlsafe_b64encode(data))


def test_retirement_is_refused_while_a_value_needs_an_old_key_and_resume_finishes(world, keys):
    before = make_record(world, 2)
    old_key = crypto.load_keys()[0]
    run()
    # A process that still had the previous key file wrote one value with the old key meanwhile.
    note = Note.objects.first()
    late = Fernet(old_key).encrypt(note.text.encode()).decode()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE records_note SET text = %s WHERE id = %s", [late, note.pk])

    with pytest.raises(CommandError, match="1 textes et 0 documents en dépendent encore"):
        run("--retire-old")
    assert len(crypto.load_keys()) == 2

    output = run("--resume", "--retire-old")
    assert "Rechiffré : 1 textes sur 4, 0 documents sur 2." in output
    assert "Anciennes clés retirées" in output
    assert len(crypto.load_keys()) == 1
    assert snapshot() == before


def test_an_interrupted_rotation_resumes_where_it_stopped(world, keys, monkeypatch):
    before = make_record(world, 4)
    calls = {"n": 0}
    real = crypto.reencrypt_bytes

    def failing(data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError("disque plein")
        return real(data)

    monkeypatch.setattr(crypto, "reencrypt_bytes", failing)
    with pytest.raises(OSError, match="disque plein"):
        run()
    monkeypatch.undo()
    assert len(crypto.load_keys()) == 2

    output = run("--resume")
    assert "Nouvelle clé" not in output
    assert "Rechiffré : 0 textes sur 8, 2 documents sur 4." in output
    assert len(crypto.load_keys()) == 2
    run("--retire-old")
    assert snapshot() == before


def test_a_new_instance_gets_its_first_key_and_a_lost_key_file_is_not_replaced(world, keys, settings):
    settings.PARCOURS_DATA_KEYS_CREATE = False
    assert "Fichier de clés créé" in run()
    assert len(crypto.load_keys()) == 1
    make_record(world, 1)

    keys.unlink()
    with pytest.raises(CommandError, match="restaurez-le depuis sa copie"):
        run()
    assert not keys.exists()
