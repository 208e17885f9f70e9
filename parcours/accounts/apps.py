from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "parcours.accounts"
    label = "accounts"
    verbose_name = "Comptes"

    def ready(self):
        from parcours.accounts import checks  # noqa: F401 - registers the deployment check
