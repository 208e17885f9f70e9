"""Background task: the demo data generator, run by a worker (database or RQ backend)."""

import logging

from django_tasks import task

from parcours.demo import services

logger = logging.getLogger("parcours.demo")


@task()
def generate_demo_data(scale: str, seed: int, reset: bool = False) -> dict:
    """Generate the demo data set of that scale and seed; returns the counts (no personal data)."""
    report = services.generate_demo_data(
        scale=scale, seed=seed, reset=reset, progress=services.Progress(logger.info, interval=10.0)
    )
    return report.as_dict()
