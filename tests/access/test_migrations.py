"""The migrations of the hash chain: entries written before it are chained in the order of their ids,
and the "DPO" group holds the audit permission."""

import datetime
import importlib

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from parcours.access.chain import GENESIS
from parcours.access.models import AccessLogEntry
from parcours.access.verify import verify_chain

BEFORE_CHAIN = [("access", "0004_chain_fields")]


def migrate(targets) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_the_chain_are_chained_in_id_order():
    executor = migrate(BEFORE_CHAIN)
    try:
        old = executor.loader.project_state(BEFORE_CHAIN).apps
        user = old.get_model("accounts", "User").objects.create(username="ancien")
        person = old.get_model("people", "Person").objects.create(
            birth_name="Ancien", first_names="Dossier", birth_date=datetime.date(1990, 1, 1), sex="F"
        )
        Entry = old.get_model("access", "AccessLogEntry")
        noon = datetime.datetime(2025, 6, 1, 12, tzinfo=datetime.UTC)
        # The dates are not in id order: the chain follows the ids, the order of writing.
        for minutes, person_ in ((30, person), (10, None), (20, person)):
            Entry.objects.create(
                at=noon + datetime.timedelta(minutes=minutes),
                actor_id=user.pk,
                person=person_,
                action="read",
                category="identity",
                allowed=True,
                basis="team",
                ip_address="127.0.0.1",
                details={"vue": "ancienne"},
            )
    finally:
        executor = migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = list(AccessLogEntry.objects.order_by("id").values_list("sequence", "previous_hash", "entry_hash"))
    assert [sequence for sequence, _, _ in rows] == [1, 2, 3]
    assert rows[0][1] == GENESIS and rows[1][1] == rows[0][2] and rows[2][1] == rows[1][2]
    assert verify_chain().intact
    # New entries follow the migrated ones.
    AccessLogEntry.objects.create(
        actor_id=AccessLogEntry.objects.first().actor_id,
        action="list",
        category="identity",
        allowed=True,
        basis="visible",
    )
    assert verify_chain().last_sequence == 4 and verify_chain().intact


@pytest.mark.django_db
def test_the_dpo_group_holds_the_audit_permission():
    """The group comes from a data migration; a transactional test's flush may have removed it, so the
    migration's function is run again here (it is idempotent)."""
    module = importlib.import_module("parcours.access.migrations.0007_dpo_group")
    module.create_dpo_group(global_apps, type("SchemaEditor", (), {"connection": connection})())
    module.create_dpo_group(global_apps, type("SchemaEditor", (), {"connection": connection})())
    group = Group.objects.get(name="DPO")
    assert [p.codename for p in group.permissions.all()] == ["view_audit"]
    assert group.permissions.get().content_type.app_label == "access"
