from django.apps import AppConfig


class CoordinationConfig(AppConfig):
    name = "parcours.coordination"
    verbose_name = "Coordination du parcours"
