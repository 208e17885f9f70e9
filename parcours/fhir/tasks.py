"""Background tasks of the FHIR API: the bulk export and import jobs, and the purge of their files."""

from django_tasks import task


@task()
def run_bulk_job(job_uuid: str) -> dict:
    """Run a queued $export or $import job; its state (never personal data) is the result."""
    from parcours.fhir import bulk  # bulk enqueues this task

    return bulk.run_job(job_uuid)


@task()
def purge_bulk_files() -> dict:
    """Delete the files of the exports and imports whose lifetime is over (PARCOURS_FHIR_EXPORT_HOURS)."""
    from parcours.fhir import bulk

    return {"purged": bulk.purge_expired()}
