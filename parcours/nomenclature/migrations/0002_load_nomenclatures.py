from django.db import migrations


def load(apps, schema_editor):
    from parcours.nomenclature.loader import load_systems

    load_systems(apps.get_model("nomenclature", "CodeSystem"), apps.get_model("nomenclature", "Concept"))


class Migration(migrations.Migration):
    dependencies = [("nomenclature", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
