"""What the record tells the rest of Parcours without knowing who listens.

`service_log_changed` is sent once a transaction that wrote to the service log has committed, with
`days`: the (establishment id, date) pairs whose deliveries changed. Reporting keeps its totals of
the log current from it (`parcours.reporting.apps`); the record never imports reporting.
"""

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal

service_log_changed = Signal()


def announce_service_log_change(days: Iterable[tuple[int, datetime.date]]) -> None:
    """Send `service_log_changed` for these (establishment id, date) pairs once the current
    transaction commits (at once outside one); nothing is sent if it rolls back."""
    pairs = sorted(set(days))
    if not pairs:
        return

    def send():
        from parcours.records.models import ServiceDelivery

        service_log_changed.send(sender=ServiceDelivery, days=pairs)

    transaction.on_commit(send)
