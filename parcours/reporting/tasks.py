"""Background tasks of reporting: keeping the rollups of the service log current (see rollups.py).

Their arguments and results are counts, ids and ISO dates: no personal data goes through the queue.
"""

import datetime

from django_tasks import task

from parcours.reporting import rollups


@task()
def refresh_service_rollups(establishment_ids: list[int], days: list[str]) -> dict:
    """Recompute the totals of these establishments on these days (ISO dates), enqueued once a write of
    the service log is committed."""
    rows = rollups.refresh(establishment_ids, [datetime.date.fromisoformat(day) for day in days])
    return {"rows": rows}


@task()
def rebuild_service_rollups(since: str | None = None) -> dict:
    """Rebuild the totals from the service log: all of them (every night), or from a day on (ISO date).
    `parcours rollups refresh` runs the same without a worker."""
    result = rollups.refresh_all(since=datetime.date.fromisoformat(since) if since else None)
    return {"months": result.months, "rows": result.rows, "seconds": round(result.seconds, 1)}
