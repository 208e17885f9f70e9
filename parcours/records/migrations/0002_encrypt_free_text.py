"""Encrypt the free text and the documents of the records (docs/security.md, "Encryption at rest").

The existing rows and files are encrypted with the first key of PARCOURS_DATA_KEYS_FILE, which must
therefore be in place before `migrate`; going back decrypts them. Files are not transactional: each
one is replaced at once, and a file already encrypted is left as it is, so the migration can be run
again after an interruption.
"""

from django.conf import settings
from django.db import migrations, models

import parcours.core.fields
import parcours.core.storage
import parcours.records.models
from parcours.core import crypto

BATCH = 1000
COLUMNS = {
    "admission": ["comment"],
    "needsassessment": ["comment"],
    "need": ["comment"],
    "projetpersonnalise": ["person_words"],
    "goal": ["title", "description"],
    "plannedservice": ["comment"],
    "note": ["text"],
    "document": ["title"],
}


def transform_rows(apps, convert) -> None:
    for model_name, fields in COLUMNS.items():
        model = apps.get_model("records", model_name)
        for field in fields:
            last = 0
            while True:
                rows = list(model.objects.filter(pk__gt=last).order_by("pk").values_list("pk", field)[:BATCH])
                if not rows:
                    break
                last = rows[-1][0]
                changed = [model(pk=pk, **{field: convert(value)}) for pk, value in rows if value]
                model.objects.bulk_update(changed, [field], batch_size=BATCH)


def transform_files(apps, convert) -> None:
    storage = parcours.core.storage.EncryptedFileSystemStorage(location=settings.MEDIA_ROOT)
    document = apps.get_model("records", "Document")
    for name in document.objects.order_by("pk").values_list("file", flat=True).iterator():
        if name and storage.exists(name):
            data = storage.read_raw(name)
            converted = convert(data)
            if converted is not None:
                storage.replace_raw(name, converted)


def encrypt(apps, schema_editor):
    transform_rows(apps, crypto.encrypt_text)
    transform_files(
        apps, lambda data: None if crypto.is_encrypted_bytes(data) else crypto.encrypt_bytes(data)
    )


def decrypt(apps, schema_editor):
    transform_rows(apps, crypto.decrypt_text)
    transform_files(
        apps, lambda data: crypto.decrypt_bytes(data) if crypto.is_encrypted_bytes(data) else None
    )


def encrypted(**kwargs):
    return parcours.core.fields.EncryptedTextField(**kwargs)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0001_initial"),
    ]

    operations = [
        # A token is longer than the text: the short texts leave their VARCHAR columns first.
        migrations.AlterField("document", "title", models.TextField(max_length=200, verbose_name="titre")),
        migrations.AlterField("goal", "title", models.TextField(max_length=200, verbose_name="objectif")),
        migrations.AlterField(
            "plannedservice",
            "comment",
            models.TextField(blank=True, max_length=300, verbose_name="précisions"),
        ),
        migrations.RunPython(encrypt, decrypt, elidable=False),
        migrations.AlterField("admission", "comment", encrypted(blank=True, verbose_name="commentaire")),
        migrations.AlterField(
            "document",
            "file",
            models.FileField(
                storage=parcours.core.storage.document_storage,
                upload_to=parcours.records.models.document_path,
                verbose_name="fichier",
            ),
        ),
        migrations.AlterField("document", "title", encrypted(max_length=200, verbose_name="titre")),
        migrations.AlterField("goal", "description", encrypted(blank=True, verbose_name="description")),
        migrations.AlterField("goal", "title", encrypted(max_length=200, verbose_name="objectif")),
        migrations.AlterField("need", "comment", encrypted(blank=True, verbose_name="commentaire")),
        migrations.AlterField("needsassessment", "comment", encrypted(blank=True, verbose_name="synthèse")),
        migrations.AlterField("note", "text", encrypted(verbose_name="texte")),
        migrations.AlterField(
            "plannedservice", "comment", encrypted(blank=True, max_length=300, verbose_name="précisions")
        ),
        migrations.AlterField(
            "projetpersonnalise",
            "person_words",
            encrypted(
                blank=True,
                help_text="Ses attentes et ses souhaits, dans ses propres mots.",
                verbose_name="paroles de la personne",
            ),
        ),
    ]
