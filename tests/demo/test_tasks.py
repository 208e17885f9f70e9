"""The demo generator as a real background task, through the database backend and the RQ backend."""

import io
import os
import signal

import django_rq
import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks import TaskResultStatus
from django_tasks_rq.backend import Job
from rq import SimpleWorker

from parcours.demo.tasks import generate_demo_data
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records.models import ServiceDelivery

pytestmark = pytest.mark.django_db(transaction=True)

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
# A Redis database of its own, flushed before and after: the tests never touch real queues. The two
# passes of `make test` run side by side, each with its own (PARCOURS_TEST_REDIS_DB).
REDIS_DB = int(os.environ.get("PARCOURS_TEST_REDIS_DB", "15"))
RQ_QUEUES = {"default": {"URL": f"redis://127.0.0.1:6379/{REDIS_DB}", "DEFAULT_TIMEOUT": 300}}


def assert_tiny_data(result):
    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert 15 <= Person.objects.count() <= 25
    assert Establishment.objects.count() == 3
    assert ServiceDelivery.objects.exists()
    assert result.return_value["counts"]["personnes accompagnées"] == Person.objects.count()


def run_db_worker():
    """The database worker in batch mode: runs what is queued, then returns."""
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
            "--queue-name",
            "default",
            verbosity=0,
            stdout=io.StringIO(),
        )
    finally:  # the worker installs its own signal handlers
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


@override_settings(TASKS=DB_TASKS)
def test_database_backend_worker_runs_the_task():
    result = generate_demo_data.enqueue("tiny", 3)
    assert result.status == TaskResultStatus.READY
    assert not Person.objects.exists()
    run_db_worker()
    result.refresh()
    assert_tiny_data(result)


@pytest.fixture
def rq_queue():
    with override_settings(TASKS=RQ_TASKS, RQ_QUEUES=RQ_QUEUES):
        queue = django_rq.get_queue("default", job_class=Job)
        queue.connection.flushdb()
        yield queue
        queue.connection.flushdb()


def test_rq_backend_worker_runs_the_task(rq_queue):
    result = generate_demo_data.enqueue("tiny", 4)
    assert result.status == TaskResultStatus.READY
    # In-process burst worker: it runs the job in this process, on the test database.
    worker = SimpleWorker([rq_queue], connection=rq_queue.connection, job_class=Job)
    assert worker.work(burst=True)
    assert_tiny_data(generate_demo_data.get_result(result.id))


def test_command_enqueues_and_reports_the_task_id():
    out = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "2", "--enqueue", stdout=out)
    assert "Tâche mise en file" in out.getvalue()
    assert Person.objects.exists()  # the test settings run tasks immediately


def test_failed_task_is_reported_as_failed():
    generate_demo_data.call("tiny", 1)
    with override_settings(TASKS=DB_TASKS):
        result = generate_demo_data.enqueue("tiny", 1)  # data exists and no reset: refused
        run_db_worker()
        result.refresh()
    assert result.status == TaskResultStatus.FAILED
