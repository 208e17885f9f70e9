from django.apps import AppConfig


class NomenclatureConfig(AppConfig):
    name = "parcours.nomenclature"
    label = "nomenclature"
    verbose_name = "Nomenclatures"
