import importlib
import importlib.util

from django.apps import AppConfig

# Modules that register named operations ($tddui-bundle, $export...) when imported.
OPERATION_MODULES = ("parcours.fhir.exchange", "parcours.fhir.bulk")


class FhirConfig(AppConfig):
    name = "parcours.fhir"
    verbose_name = "API FHIR R4 (format d'échange DUI)"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Every mapping registers itself when its module is imported.
        from parcours.fhir import resources  # noqa: F401
        from parcours.fhir.retention import forget_versions
        from parcours.retention.disposal import AFTER_DISPOSAL

        if forget_versions not in AFTER_DISPOSAL:
            AFTER_DISPOSAL.append(forget_versions)

        from parcours.fhir.privacy import write_bundle
        from parcours.privacy.export import ARCHIVE_WRITERS

        if write_bundle not in ARCHIVE_WRITERS:
            ARCHIVE_WRITERS.append(write_bundle)

        for module in OPERATION_MODULES:
            if importlib.util.find_spec(module) is not None:
                importlib.import_module(module)
