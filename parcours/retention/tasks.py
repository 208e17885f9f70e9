"""Background tasks of the retention runs (database or RQ worker): they only call the services."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django_tasks import task

from parcours.access.journal import Actor
from parcours.retention import services
from parcours.retention.enums import RunStatus
from parcours.retention.models import RetentionRun


@task()
def make_dry_run_report(run_uuid: str | None = None) -> dict:
    """Make the dry-run report: of a pending run (the DPO's button), or a new one (scheduled)."""
    run = RetentionRun.objects.get(uuid=run_uuid) if run_uuid else None
    try:
        report = services.plan_retention(run=run)
    except Exception as exc:
        if run is not None:
            RetentionRun.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error=type(exc).__name__)
        raise
    return {"run": report.uuid}


@task()
def apply_report(run_uuid: str, user_pk: int) -> dict:
    """Apply a report the DPO approved (`services.approve_run`)."""
    user = get_user_model().objects.get(pk=user_pk)
    try:
        return services.apply_retention(run_uuid, actor=Actor.system(user, channel="task"))
    except Exception as exc:
        # A report refused when the task starts (gone stale in the queue) must not look in progress.
        error = " ".join(exc.messages) if isinstance(exc, ValidationError) else type(exc).__name__
        RetentionRun.objects.filter(uuid=run_uuid, status=RunStatus.APPLYING, applied_at__isnull=True).update(
            status=RunStatus.FAILED, error=error[:300]
        )
        raise


def start_dry_run(actor: Actor) -> RetentionRun:
    run = services.request_dry_run(actor=actor)
    make_dry_run_report.enqueue(str(run.uuid))
    return run


def start_apply(run_uuid, actor: Actor) -> RetentionRun:
    run = services.approve_run(run_uuid, actor=actor)
    apply_report.enqueue(str(run.uuid), actor.user.pk)
    return run
