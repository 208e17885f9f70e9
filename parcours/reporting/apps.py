from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "parcours.reporting"
    label = "reporting"
    verbose_name = "Indicateurs et tableaux de bord"

    def ready(self):
        from parcours.records.signals import service_log_changed

        service_log_changed.connect(refresh_rollups_of, dispatch_uid="reporting.refresh_rollups_of")


def refresh_rollups_of(sender, days, **kwargs) -> None:
    """A write of the service log has committed: have a worker recompute the totals of its days, one
    task per establishment (`parcours.reporting.tasks`)."""
    from parcours.reporting.tasks import refresh_service_rollups

    by_establishment: dict[int, list[str]] = {}
    for establishment_id, day in days:
        by_establishment.setdefault(establishment_id, []).append(day.isoformat())
    for establishment_id, day_list in sorted(by_establishment.items()):
        refresh_service_rollups.enqueue([establishment_id], sorted(set(day_list)))
