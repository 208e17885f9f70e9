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
    warm_dashboards.enqueue()  # the rebuild renewed the data version: compute the usual pages again
    return {"months": result.months, "rows": result.rows, "seconds": round(result.seconds, 1)}


@task()
def warm_dashboards() -> dict:
    """Compute the dashboards' default period for every scope into the shared cache
    (`parcours dashboards warm` runs the same without a worker)."""
    from parcours.reporting import dashboards
    from parcours.reporting.forms import default_period

    return {"values": dashboards.warm(default_period())}
