from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("access", "0005_chain_existing_entries")]

    operations = [
        migrations.AlterField(
            model_name="accesslogentry",
            name="sequence",
            field=models.BigIntegerField(editable=False, unique=True, verbose_name="numéro"),
        ),
    ]
