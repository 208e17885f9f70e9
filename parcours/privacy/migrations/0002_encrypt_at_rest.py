"""Encrypt the rectification history and the export archives at rest, like the records' free text
and documents (docs/security.md): existing rows and files are encrypted with the first data key;
going back decrypts them. A file already encrypted is left as it is."""

from django.conf import settings
from django.db import migrations, models

import parcours.core.fields
import parcours.core.storage
import parcours.privacy.models
from parcours.core import crypto

FIELDS = ["old_value", "new_value", "reason"]


def transform(apps, convert_text, convert_file) -> None:
    rectification = apps.get_model("privacy", "Rectification")
    for row in rectification.objects.order_by("pk").iterator():
        for field in FIELDS:
            value = getattr(row, field)
            if value:
                setattr(row, field, convert_text(value))
        row.save(update_fields=FIELDS)
    storage = parcours.core.storage.EncryptedFileSystemStorage(location=settings.MEDIA_ROOT)
    export = apps.get_model("privacy", "ExportRequest")
    for name in export.objects.exclude(file="").values_list("file", flat=True).iterator():
        if storage.exists(name):
            converted = convert_file(storage.read_raw(name))
            if converted is not None:
                storage.replace_raw(name, converted)


def encrypt(apps, schema_editor):
    transform(
        apps,
        crypto.encrypt_text,
        lambda data: None if crypto.is_encrypted_bytes(data) else crypto.encrypt_bytes(data),
    )


def decrypt(apps, schema_editor):
    transform(
        apps,
        crypto.decrypt_text,
        lambda data: crypto.decrypt_bytes(data) if crypto.is_encrypted_bytes(data) else None,
    )


class Migration(migrations.Migration):
    dependencies = [("privacy", "0001_initial")]

    operations = [
        # A token is longer than the text: the reason leaves its VARCHAR column first.
        migrations.AlterField("rectification", "reason", models.TextField(max_length=500, blank=True)),
        migrations.RunPython(encrypt, decrypt),
        migrations.AlterField(
            model_name="exportrequest",
            name="file",
            field=models.FileField(
                blank=True,
                storage=parcours.core.storage.document_storage,
                upload_to=parcours.privacy.models.export_path,
                verbose_name="archive",
            ),
        ),
        migrations.AlterField(
            model_name="rectification",
            name="new_value",
            field=parcours.core.fields.EncryptedTextField(blank=True, verbose_name="nouvelle valeur"),
        ),
        migrations.AlterField(
            model_name="rectification",
            name="old_value",
            field=parcours.core.fields.EncryptedTextField(blank=True, verbose_name="ancienne valeur"),
        ),
        migrations.AlterField(
            model_name="rectification",
            name="reason",
            field=parcours.core.fields.EncryptedTextField(blank=True, max_length=500, verbose_name="motif"),
        ),
    ]
