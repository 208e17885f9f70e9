"""Hash-chain columns of the access log; filled for existing rows by 0005, then made required."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("access", "0003_append_only_trigger")]

    operations = [
        migrations.AlterField(
            model_name="accesslogentry",
            name="at",
            field=models.DateTimeField(db_index=True, verbose_name="date et heure"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="sequence",
            field=models.BigIntegerField(editable=False, null=True, verbose_name="numéro"),
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="previous_hash",
            field=models.CharField(
                default="", editable=False, max_length=64, verbose_name="empreinte de l'entrée précédente"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="accesslogentry",
            name="entry_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="empreinte"),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="accesslogentry",
            options={
                "ordering": ["-at", "-id"],
                "permissions": [
                    ("view_audit", "Consulter l'audit des accès (délégué à la protection des données)")
                ],
                "verbose_name": "entrée du journal des accès",
                "verbose_name_plural": "journal des accès",
            },
        ),
    ]
