from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "parcours.portal"
    verbose_name = "Espace de la personne et de sa famille"
