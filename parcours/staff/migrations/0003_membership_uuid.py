"""Memberships get a UUID: their FHIR id (PractitionerRole), stable from one instance to the next."""

import uuid

from django.db import migrations, models


def fill(apps, schema_editor):
    model = apps.get_model("staff", "membership")
    rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
    for row in rows:
        row.uuid = uuid.uuid4()
    model.objects.bulk_update(rows, ["uuid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("staff", "0002_absence")]

    operations = [
        migrations.AddField(
            model_name="membership", name="uuid", field=models.UUIDField(null=True, editable=False)
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="membership",
            name="uuid",
            field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
        ),
    ]
