from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "parcours.privacy"
    label = "privacy"
    verbose_name = "Droits des personnes (RGPD)"
