from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "parcours.staff"
    label = "staff"
    verbose_name = "Professionnels"
