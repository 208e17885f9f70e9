"""The end of the access log's retention: the oldest entries go, a checkpoint stays, and the chain
still verifies; a dry run removes nothing."""

import datetime

import pytest
from django.utils import timezone

from parcours.access.models import AccessLogEntry, LogExpiry
from parcours.access.retention import expire_log
from parcours.access.verify import verify_chain
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def dated_log():
    """Ten entries, one a month, the oldest ten months ago."""
    user, person = UserFactory(), PersonFactory()
    now = timezone.now()
    for months in range(10, 0, -1):
        AccessLogEntry.objects.create(
            actor=user,
            person=person,
            action="read",
            category="identity",
            allowed=True,
            basis="team",
            at=now - datetime.timedelta(days=30 * months),
        )
    return now


def test_dry_run_counts_and_removes_nothing(dated_log):
    cutoff = dated_log - datetime.timedelta(days=30 * 6 + 1)
    assert expire_log(cutoff, dry_run=True) == 4
    assert AccessLogEntry.objects.count() == 10
    assert not LogExpiry.objects.exists()


def test_expiry_removes_the_oldest_entries_and_the_chain_still_verifies(dated_log):
    cutoff = dated_log - datetime.timedelta(days=30 * 6 + 1)
    assert expire_log(cutoff, dry_run=False) == 4
    assert AccessLogEntry.objects.count() == 6
    assert min(AccessLogEntry.objects.values_list("sequence", flat=True)) == 5
    checkpoint = LogExpiry.objects.get()
    assert (checkpoint.last_sequence, checkpoint.removed) == (4, 4)
    report = verify_chain()
    assert report.intact, [problem.message for problem in report.problems]
    assert (report.first_sequence, report.checked) == (5, 6)
    # Run again: nothing more is due.
    assert expire_log(cutoff, dry_run=False) == 0
    # New entries still chain after the kept ones.
    AccessLogEntry.objects.create(
        actor=UserFactory(), action="list", category="identity", allowed=True, basis="visible"
    )
    assert verify_chain().intact


def test_a_deletion_after_the_checkpoint_is_still_found(dated_log):
    expire_log(dated_log - datetime.timedelta(days=30 * 6 + 1), dry_run=False)
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL parcours.log_expiry = 'on'")
        cursor.execute("DELETE FROM access_accesslogentry WHERE sequence = 7")
    report = verify_chain()
    assert not report.intact
    assert any(problem.sequences == (7,) for problem in report.problems)


@pytest.mark.postgresql
def test_the_database_still_refuses_a_delete_outside_the_retention_run(dated_log):
    from django.db import connection, transaction
    from django.db.utils import DatabaseError

    with (
        pytest.raises(DatabaseError, match="ni modifié ni effacé"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM access_accesslogentry WHERE sequence = 1")
