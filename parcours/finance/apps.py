from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "parcours.finance"
    verbose_name = "Finances"
