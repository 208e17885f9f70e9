from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "parcours.records"
    label = "records"
    verbose_name = "Dossiers"
