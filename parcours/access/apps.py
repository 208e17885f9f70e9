from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "parcours.access"
    label = "access"
    verbose_name = "Accès et traçabilité"
