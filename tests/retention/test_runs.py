"""The retention run: a dry run that counts and changes nothing, then the application of exactly
the reviewed report."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from parcours.access.enums import Category
from parcours.access.models import AccessLogEntry
from parcours.people.models import Person, Relative
from parcours.privacy.enums import ExportStatus
from parcours.privacy.models import ExportRequest, Rectification
from parcours.records.models import Admission, Document, Need, NeedsAssessment, Note, ProjetPersonnalise
from parcours.retention import services
from parcours.retention.disposal import HANDLERS
from parcours.retention.enums import ALLOWED_ACTIONS, FinalAction, Phase, RetentionCategory, RunStatus
from parcours.retention.models import PersonRetention, RetentionRun
from tests.retention.conftest import TODAY, configure, person_with_record, years_ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def persons(world):
    """Old: support ended 10 years ago; recent: 2 years ago; current: still supported."""
    return {
        "old": person_with_record(world, ended_on=years_ago(10), name="Ancien"),
        "recent": person_with_record(world, ended_on=years_ago(2), name="Recent"),
        "current": person_with_record(world, ended_on=None, name="Actuel"),
    }


def configure_identity_notes_documents(actor):
    """Identity: 5 years active + 3 archived then anonymised; notes and documents: 1 year active +
    1 archived then erased (durations of the test, not recommendations)."""
    configure(actor, RetentionCategory.IDENTITY, 60, 36, FinalAction.ANONYMISATION)
    configure(actor, RetentionCategory.NOTES, 12, 12, FinalAction.ERASURE)
    configure(actor, RetentionCategory.DOCUMENTS, 12, 12, FinalAction.ERASURE)
    configure(actor, RetentionCategory.PARCOURS, 60, 36, FinalAction.ANONYMISATION)


def snapshot(person: Person) -> tuple:
    person.refresh_from_db()
    return (
        person.birth_name,
        person.nir,
        person.phone,
        Note.objects.filter(person=person).count(),
        Document.objects.filter(person=person).count(),
        Relative.objects.filter(person=person).count(),
    )


def test_dry_run_counts_and_changes_nothing(persons, dpo_actor):
    configure_identity_notes_documents(dpo_actor)
    before = {key: snapshot(person) for key, person in persons.items()}
    log_before = AccessLogEntry.objects.count()

    report = services.plan_retention(TODAY)

    # Identity: only the person whose support ended 10 years ago is past 5 + 3 years.
    assert report.count(RetentionCategory.IDENTITY, Phase.DISPOSE) == 1
    assert report.count(RetentionCategory.IDENTITY, Phase.ARCHIVE) == 0
    # Notes: both ended supports are past 1 + 1 year; the current one is untouched.
    assert report.count(RetentionCategory.NOTES, Phase.DISPOSE) == 2
    assert report.count(RetentionCategory.NOTES, Phase.ARCHIVE) == 0
    # Unconfigured: no count at all.
    assert report.count(RetentionCategory.ASSESSMENTS, Phase.DISPOSE) is None
    row = next(row for row in report.categories if row.category == RetentionCategory.ASSESSMENTS)
    assert not row.configured

    assert {key: snapshot(person) for key, person in persons.items()} == before
    assert AccessLogEntry.objects.count() == log_before
    assert not PersonRetention.objects.exists()
    run = RetentionRun.objects.get(uuid=report.uuid)
    assert run.status == RunStatus.PLANNED
    assert "Ancien" not in str(run.report) and "Camille" not in str(run.report)


def test_archive_phase_is_counted_before_the_final_action(persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.IDENTITY, 12, 120, FinalAction.ANONYMISATION)
    report = services.plan_retention(TODAY)
    assert report.count(RetentionCategory.IDENTITY, Phase.ARCHIVE) == 2
    assert report.count(RetentionCategory.IDENTITY, Phase.DISPOSE) == 0

    services.apply_retention(report.uuid, actor=dpo_actor)

    archived = PersonRetention.objects.archived().filter(category=RetentionCategory.IDENTITY)
    assert set(archived.values_list("person_id", flat=True)) == {persons["old"].pk, persons["recent"].pk}
    persons["old"].refresh_from_db()
    assert persons["old"].birth_name == "Ancien"  # archived, not anonymised
    # Nothing more to archive the next time.
    assert services.plan_retention(TODAY).count(RetentionCategory.IDENTITY, Phase.ARCHIVE) == 0


def test_apply_anonymises_identity_deletes_notes_and_keeps_coded_data(
    persons, dpo_actor, django_capture_on_commit_callbacks
):
    configure_identity_notes_documents(dpo_actor)
    old = persons["old"]
    files = [document.file.name for document in Document.objects.filter(person=old)]
    storage = Document._meta.get_field("file").storage
    assert files and all(storage.exists(name) for name in files)
    admissions_before = list(
        Admission.objects.filter(person=old).values_list("start_date", "end_date", "exit_reason")
    )
    # A rectification (former name) and an export archive hold identity too.
    Rectification.objects.create(
        person=old,
        field_name="birth_name",
        old_value="Ancien-Nom",
        new_value="Camille",
        changed_by=dpo_actor.user,
    )
    export = ExportRequest(person=old, requested_by=dpo_actor.user, status=ExportStatus.READY)
    export.file.save("export.zip", ContentFile(b"PK archive"), save=True)
    export_name = export.file.name
    assert export.file.storage.exists(export_name)
    report = services.plan_retention(TODAY)

    with django_capture_on_commit_callbacks(execute=True):
        results = services.apply_retention(report.uuid, actor=dpo_actor)

    assert results[RetentionCategory.IDENTITY][Phase.DISPOSE] == 1
    assert results[RetentionCategory.NOTES][Phase.DISPOSE] == 2
    old.refresh_from_db()
    assert old.birth_name == "Anonymisé"
    assert old.first_names == "" and old.nir == "" and old.phone == "" and old.email == ""
    assert old.street == "" and old.city == "" and old.birth_place_code == ""
    assert old.birth_date == datetime.date(1990, 1, 1)
    assert "camille" not in old.search_text.lower()
    assert not Relative.objects.filter(person=old).exists()
    assert not Note.objects.filter(person=old).exists()
    assert not Document.objects.filter(person=old).exists()
    assert not any(storage.exists(name) for name in files)
    assert list(Rectification.objects.filter(person=old).values_list("old_value", "new_value")) == [("", "")]
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED and not export.file
    assert not ExportRequest._meta.get_field("file").storage.exists(export_name)
    # Coded data kept for statistics; free-text comment blanked.
    assert (
        list(Admission.objects.filter(person=old).values_list("start_date", "end_date", "exit_reason"))
        == admissions_before
    )
    assert Admission.objects.get(person=old).comment == ""
    assert Need.objects.filter(assessment__person=old).exists()
    # The recent person: notes erased (1 + 1 year), identity kept (5 + 3 years).
    recent = persons["recent"]
    recent.refresh_from_db()
    assert recent.birth_name == "Recent" and not Note.objects.filter(person=recent).exists()
    # The current person: untouched.
    assert snapshot(persons["current"])[0] == "Actuel"
    assert Note.objects.filter(person=persons["current"]).exists()
    # Every erasure or anonymisation is in the access log, with the DPO as actor.
    entries = AccessLogEntry.objects.filter(person=old, basis=services.RETENTION_BASIS)
    assert set(entries.values_list("category", flat=True)) == {
        Category.IDENTITY,
        Category.NOTES,
        Category.DOCUMENTS,
        Category.PARCOURS,
    }
    assert set(entries.values_list("actor", flat=True)) == {dpo_actor.user.pk}
    run = RetentionRun.objects.get(uuid=report.uuid)
    assert run.status == RunStatus.APPLIED and run.approved_by == dpo_actor.user


def test_unconfigured_categories_are_never_touched(persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.IDENTITY, 12, 0, FinalAction.ANONYMISATION)
    report = services.plan_retention(TODAY)
    services.apply_retention(report.uuid, actor=dpo_actor)
    old = persons["old"]
    old.refresh_from_db()
    assert old.birth_name == "Anonymisé"
    # Notes, documents, assessments and projets have no rule: all still there, text included.
    assert Note.objects.get(person=old).text == "Rendez-vous chez le dentiste mardi."
    assert Document.objects.filter(person=old).count() == 2
    assert NeedsAssessment.objects.get(person=old).comment == "Grande fatigue."
    assert ProjetPersonnalise.objects.get(person=old).person_words == "Je veux apprendre à cuisiner."
    assert not PersonRetention.objects.exclude(category=RetentionCategory.IDENTITY).exists()


def test_apply_executes_the_reviewed_report_only(world, persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    assert report.count(RetentionCategory.NOTES, Phase.DISPOSE) == 2
    # After the review, another person's support ends long ago: not in the report, not touched.
    late = person_with_record(world, ended_on=years_ago(8), name="Tardif")
    # And the recent person is supported again: left alone.
    Admission.objects.create(
        person=persons["recent"], establishment=world.b, mode="externat", start_date=TODAY
    )

    results = services.apply_retention(report.uuid, actor=dpo_actor)

    assert results[RetentionCategory.NOTES][Phase.DISPOSE] == 1
    assert results[RetentionCategory.NOTES]["skipped"] == 1
    assert not Note.objects.filter(person=persons["old"]).exists()
    assert Note.objects.filter(person=persons["recent"]).exists()
    assert Note.objects.filter(person=late).exists()


def test_apply_twice_is_refused_and_a_new_run_finds_nothing(persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    services.apply_retention(report.uuid, actor=dpo_actor)
    with pytest.raises(ValidationError, match="déjà été appliqué"):
        services.apply_retention(report.uuid, actor=dpo_actor)
    again = services.plan_retention(TODAY)
    assert again.count(RetentionCategory.NOTES, Phase.DISPOSE) == 0


def test_stale_report_is_refused(persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    RetentionRun.objects.filter(uuid=report.uuid).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )
    with pytest.raises(ValidationError, match="plus de 7 jours"):
        services.apply_retention(report.uuid, actor=dpo_actor)
    assert Note.objects.filter(person=persons["old"]).exists()


def test_report_is_refused_when_the_rules_changed(persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    configure(dpo_actor, RetentionCategory.NOTES, 240, 0, FinalAction.ERASURE)
    with pytest.raises(ValidationError, match="règles de conservation ont changé"):
        services.apply_retention(report.uuid, actor=dpo_actor)
    assert Note.objects.filter(person=persons["old"]).exists()


def test_only_the_dpo_applies(world, persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    with pytest.raises(PermissionDenied):
        services.apply_retention(report.uuid, actor=world.actor(world.director_a))
    assert Note.objects.filter(person=persons["old"]).exists()
    assert RetentionRun.objects.get(uuid=report.uuid).status == RunStatus.PLANNED


def test_person_supported_again_returns_to_the_active_base(world, persons, dpo_actor):
    configure(dpo_actor, RetentionCategory.IDENTITY, 12, 240, FinalAction.ANONYMISATION)
    services.apply_retention(services.plan_retention(TODAY).uuid, actor=dpo_actor)
    assert PersonRetention.objects.archived().filter(person=persons["old"]).exists()
    Admission.objects.create(person=persons["old"], establishment=world.b, mode="externat", start_date=TODAY)

    report = services.plan_retention(TODAY)
    assert report.count(RetentionCategory.IDENTITY, Phase.REACTIVATE) == 1
    services.apply_retention(report.uuid, actor=dpo_actor)
    assert not PersonRetention.objects.filter(person=persons["old"]).exists()


def test_access_log_expiry_uses_the_default_rule(world, dpo_actor):
    """The access log's default (12 months, CNIL logging recommendation) applies without any setting."""
    from parcours.access.journal import record

    old_entry = record(
        world.actor(world.pro_a),
        person=world.person_a,
        action="read",
        category=Category.IDENTITY,
        allowed=True,
        basis="team",
    )
    report = services.plan_retention(TODAY + datetime.timedelta(days=400))
    expected = AccessLogEntry.objects.count()
    assert report.count(RetentionCategory.ACCESS_LOG, Phase.DISPOSE) == expected
    services.apply_retention(report.uuid, actor=dpo_actor)
    assert AccessLogEntry.objects.filter(pk=old_entry.pk).count() == 0


def test_every_allowed_final_action_has_a_handler():
    person_actions = {
        (category, action)
        for category, actions in ALLOWED_ACTIONS.items()
        if category != RetentionCategory.ACCESS_LOG
        for action in actions
    }
    assert person_actions == set(HANDLERS)


def test_a_report_gone_stale_in_the_queue_is_marked_failed(persons, dpo_actor):
    from parcours.retention.tasks import apply_report

    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    report = services.plan_retention(TODAY)
    services.approve_run(report.uuid, actor=dpo_actor)
    RetentionRun.objects.filter(uuid=report.uuid).update(
        created_at=timezone.now() - datetime.timedelta(days=8)
    )

    result = apply_report.enqueue(report.uuid, dpo_actor.user.pk)

    assert result.status == "FAILED"
    run = RetentionRun.objects.get(uuid=report.uuid)
    assert run.status == RunStatus.FAILED and "plus de 7 jours" in run.error
    assert Note.objects.filter(person=persons["old"]).exists()


def test_the_access_policy_can_ask_what_left_the_active_base(persons, dpo_actor):
    from parcours.retention import api

    configure(dpo_actor, RetentionCategory.IDENTITY, 12, 120, FinalAction.ANONYMISATION)
    configure(dpo_actor, RetentionCategory.NOTES, 12, 0, FinalAction.ERASURE)
    services.apply_retention(services.plan_retention(TODAY).uuid, actor=dpo_actor)

    old = persons["old"]
    assert api.archived_categories(old) == {RetentionCategory.IDENTITY}
    assert api.disposed_categories(old) == {RetentionCategory.NOTES}
    assert api.archived_categories(persons["current"]) == frozenset()
    out = Person.objects.filter(api.out_of_active_base(RetentionCategory.IDENTITY))
    assert set(out) == {old, persons["recent"]}
