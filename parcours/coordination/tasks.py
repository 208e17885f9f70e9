"""Background tasks of the coordination of the parcours, run by a worker (database or RQ backend)."""

from django_tasks import task

from parcours.coordination import notices


@task()
def notify_due_tasks() -> dict:
    """Notify the owners of the circle's tasks due today or tomorrow, once per task and day
    (`parcours coordination-notify-due` runs it too)."""
    return {"notified": notices.notify_due_tasks()}
