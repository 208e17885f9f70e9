"""`parcours retention --dry-run` and `--apply`, as cron runs them."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from parcours.records.models import Note
from parcours.retention.enums import FinalAction, Phase, RetentionCategory, RunStatus
from parcours.retention.models import RetentionRun
from parcours.retention.services import RetentionReport
from parcours.retention.tasks import make_dry_run_report
from tests.retention.conftest import configure, person_with_record, years_ago

pytestmark = pytest.mark.django_db


def run_command(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out)
    return out.getvalue()


def test_dry_run_then_apply_from_the_command_line(world, dpo, dpo_actor):
    old = person_with_record(world, ended_on=years_ago(10), name="Ancien")
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)

    output = run_command("--dry-run")
    run = RetentionRun.objects.get()
    assert str(run.uuid) in output
    assert "Transmissions : 0 vers l'archive intermédiaire, 1 supprimés ou anonymisés" in output
    assert "Documents : durée à configurer par le DPO, rien n'est touché" in output
    assert "Ancien" not in output
    assert Note.objects.filter(person=old).exists()

    with pytest.raises(CommandError, match="--user"):
        run_command("--apply", str(run.uuid))
    with pytest.raises(CommandError, match="délégué à la protection"):
        run_command("--apply", str(run.uuid), "--user", world.director_a.user.username)
    assert Note.objects.filter(person=old).exists()

    output = run_command("--apply", str(run.uuid), "--user", dpo.username)
    assert "appliqué" in output
    assert not Note.objects.filter(person=old).exists()
    with pytest.raises(CommandError, match="déjà été appliqué"):
        run_command("--apply", str(run.uuid), "--user", dpo.username)


def test_scheduled_task_makes_a_dry_run_report(world, dpo_actor):
    old = person_with_record(world, ended_on=years_ago(10), name="Ancien")
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    result = make_dry_run_report.enqueue()
    run = RetentionRun.objects.get(uuid=result.return_value["run"])
    assert run.status == RunStatus.PLANNED and run.requested_by is None
    assert RetentionReport.from_run(run).count(RetentionCategory.NOTES, Phase.DISPOSE) == 1
    assert Note.objects.filter(person=old).exists()
