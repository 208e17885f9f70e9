from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "parcours.fhir"
    verbose_name = "API FHIR R4 (format d'échange DUI)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every mapping registers itself when its module is imported.
        from parcours.fhir import resources  # noqa: F401
