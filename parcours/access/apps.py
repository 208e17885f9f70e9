from django.apps import AppConfig
from django.core import checks


class AccessConfig(AppConfig):
    name = "parcours.access"
    label = "access"
    verbose_name = "Accès et traçabilité"

    def ready(self):
        checks.register(check_chain_lock, checks.Tags.database)


def check_chain_lock(app_configs=None, databases=None, **kwargs):
    """On SQLite the access log's hash chain relies on each transaction taking the write lock at its
    start: without it, two writers may read the same head and one of them fails."""
    from django.db import connections

    messages = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "sqlite":
            continue
        if (
            str(connection.settings_dict.get("OPTIONS", {}).get("transaction_mode", "")).upper()
            != "IMMEDIATE"
        ):
            messages.append(
                checks.Warning(
                    "SQLite sans transaction_mode IMMEDIATE : les ajouts au journal des accès ne sont pas "
                    "sérialisés.",
                    hint="Gardez OPTIONS['transaction_mode'] = 'IMMEDIATE' (parcours/settings.py).",
                    id="access.W001",
                    obj=alias,
                )
            )
    return messages
