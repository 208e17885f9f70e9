from django.apps import AppConfig


class RetentionConfig(AppConfig):
    name = "parcours.retention"
    label = "retention"
    verbose_name = "Durées de conservation et registre des traitements"
