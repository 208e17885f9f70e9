"""The FINESS categories carry the canonical URL of ANS TRE_R66-CategorieEtablissement, the system
their FHIR codings name."""

from django.db import migrations

URL = "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"


def set_url(apps, schema_editor):
    apps.get_model("nomenclature", "CodeSystem").objects.filter(slug="finess-categories", url="").update(
        url=URL
    )


class Migration(migrations.Migration):
    dependencies = [("nomenclature", "0002_load_nomenclatures")]

    operations = [migrations.RunPython(set_url, migrations.RunPython.noop)]
