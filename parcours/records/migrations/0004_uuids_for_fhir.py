"""Needs, goals and planned services get a UUID: their FHIR ids (ServiceRequest, Goal, Task), stable
from one instance to the next, never row numbers."""

import uuid

from django.db import migrations, models

MODELS = ("need", "goal", "plannedservice")


def fill(apps, schema_editor):
    for name in MODELS:
        model = apps.get_model("records", name)
        rows = list(model.objects.filter(uuid__isnull=True).only("pk"))
        for row in rows:
            row.uuid = uuid.uuid4()
        model.objects.bulk_update(rows, ["uuid"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("records", "0003_portal_versions_presence_agenda")]

    operations = [
        *[
            migrations.AddField(
                model_name=name, name="uuid", field=models.UUIDField(null=True, editable=False)
            )
            for name in MODELS
        ],  # fmt: skip
        migrations.RunPython(fill, migrations.RunPython.noop),
        *[
            migrations.AlterField(
                model_name=name,
                name="uuid",
                field=models.UUIDField(default=uuid.uuid4, unique=True, editable=False),
            )
            for name in MODELS
        ],
    ]
