from django.db import models


class ExportStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    RUNNING = "running", "En préparation"
    READY = "ready", "Prête"
    FAILED = "failed", "Échec"
    # The archive was deleted once its lifetime was over; the request itself is kept.
    EXPIRED = "expired", "Expirée"


# Which status may follow which: a request waits for a worker, is built, then is ready or has failed;
# a ready archive expires.
EXPORT_TRANSITIONS: dict[str, set[str]] = {
    ExportStatus.PENDING: {ExportStatus.RUNNING, ExportStatus.FAILED},
    ExportStatus.RUNNING: {ExportStatus.READY, ExportStatus.FAILED},
    ExportStatus.READY: {ExportStatus.EXPIRED},
    ExportStatus.FAILED: set(),
    ExportStatus.EXPIRED: set(),
}
