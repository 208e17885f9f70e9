"""Background tasks of the privacy app, run by a worker (database or RQ backend)."""

from django_tasks import task

from parcours.privacy import services


@task()
def build_export(export_uuid: str) -> dict:
    """Build the archive of a pending export; returns its state (no personal data)."""
    export_request = services.build_export(export_uuid)
    if export_request is None:
        return {"status": "skipped"}
    return {"status": export_request.status, "size": export_request.size}


@task()
def purge_exports() -> dict:
    """Delete the archives whose lifetime is over (`parcours purge-exports` runs it too)."""
    return {"purged": services.purge_expired_exports()}
