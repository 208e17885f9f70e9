"""The only code that writes retention rules and applies them.

Rules: the data protection officer (permission access.view_audit) sets, per category of data, how
long it stays in the active base, then in intermediate archive, and its final action (erasure or
anonymisation). A category without a duration is never touched.

A run is first a dry run (`plan_retention`): it counts, per category and phase, the persons (or
access-log entries) concerned, changes nothing, and keeps which records it counted. The DPO reviews
the counts; `apply_retention` then acts on exactly those records, if the report is less than
REPORT_MAX_AGE old, was never applied, and the rules did not change in between. Erasure and
anonymisation run in one transaction per person and can be run again without harm.

These functions read the records of persons nobody supports any more: they are outside every team's
access policy, so the service checks the DPO's permission itself and writes one access-log entry per
person and category erased or anonymised (basis "retention")."""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from parcours.access.api import Action, Actor, atomic_service
from parcours.access.enums import Basis
from parcours.access.journal import record
from parcours.access.policy import may_audit
from parcours.people.models import Person
from parcours.records.models import Admission
from parcours.retention import disposal
from parcours.retention.enums import Phase, RetentionCategory, RunStatus
from parcours.retention.models import PersonRetention, RetentionRule, RetentionRuleChange, RetentionRun
from parcours.retention.rules import current_rules, default_rule, months_before

REPORT_MAX_AGE = datetime.timedelta(days=7)
# The access-log basis of what a retention run writes.
RETENTION_BASIS = Basis.RETENTION
PROGRESS_EVERY = 50
ARCHIVE_BATCH = 500

DPO_ONLY = "Seul le délégué à la protection des données règle et applique les durées de conservation."


def _require_dpo(actor: Actor) -> None:
    if not may_audit(actor.user):
        raise PermissionDenied(DPO_ONLY)


# Rules


@atomic_service
def update_rule(
    category: str,
    *,
    actor: Actor,
    active_months: int | None,
    archive_months: int | None,
    final_action: str,
    justification: str,
) -> RetentionRule:
    """Set the rule of one category; the previous values stay in the rule's history."""
    _require_dpo(actor)
    if category not in RetentionCategory.values:
        raise ValidationError("Catégorie de données inconnue.")
    rule = RetentionRule.objects.select_for_update().filter(category=category).first()
    if rule is None:
        rule = current_rules()[category]
    rule.active_months = active_months
    rule.archive_months = archive_months
    rule.final_action = final_action or ""
    rule.justification = justification.strip()
    rule.changed_by = actor.user
    rule.changed_at = timezone.now()
    if rule.fingerprint() != default_rule(category).fingerprint():
        rule.source = ""  # the default's source no longer describes the rule
    rule.full_clean()
    rule.save()
    RetentionRuleChange.objects.create(
        category=category,
        active_months=rule.active_months,
        archive_months=rule.archive_months,
        final_action=rule.final_action,
        justification=rule.justification,
        changed_by=actor.user,
        changed_at=rule.changed_at,
    )
    return rule


# Dry run


@dataclass
class CategoryCounts:
    category: str
    configured: bool
    disposes: bool
    final_action: str
    counts: dict[str, int | None] = field(default_factory=dict)
    note: str = ""

    @property
    def label(self) -> str:
        return RetentionCategory(self.category).label


@dataclass
class RetentionReport:
    uuid: str
    reference_date: datetime.date
    categories: list[CategoryCounts]

    @classmethod
    def from_run(cls, run: RetentionRun) -> "RetentionReport":
        return cls(
            uuid=str(run.uuid),
            reference_date=run.reference_date,
            categories=[CategoryCounts(**row) for row in run.report.get("categories", [])],
        )

    def count(self, category: str, phase: str) -> int | None:
        row = next((row for row in self.categories if row.category == category), None)
        return None if row is None else row.counts.get(phase)


def ended_supports(cutoff: datetime.date, person_ids=None) -> dict[int, datetime.date]:
    """Persons no longer supported anywhere whose last support ended on or before `cutoff`: their
    id and the end date of their last admission. Persons never admitted have no starting event."""
    supports = Admission.objects.all()
    if person_ids is not None:
        supports = supports.filter(person_id__in=person_ids)
    rows = (
        supports.values("person_id")
        .annotate(last_end=Max("end_date"), open=Count("pk", filter=Q(end_date__isnull=True)))
        .filter(open=0, last_end__lte=cutoff)
        .values_list("person_id", "last_end")
    )
    return dict(rows)


def log_cutoff(today: datetime.date, months: int) -> datetime.datetime:
    """Access-log entries written before this moment (local midnight) have outlived the rule."""
    day = months_before(today, months)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def expire_log(before: datetime.datetime, *, dry_run: bool) -> int:
    # The access app owns its log and the only code allowed to delete from it.
    from parcours.access.retention import expire_log as expire

    return expire(before, dry_run=dry_run)


def _plan_person_category(rule: RetentionRule, today: datetime.date) -> tuple[dict, dict]:
    ended = ended_supports(months_before(today, rule.active_months))
    states = dict(
        PersonRetention.objects.filter(category=rule.category).values_list("person_id", "disposed_on")
    )
    dispose: set[int] = set()
    if rule.disposes:
        dispose_cutoff = months_before(today, rule.total_months)
        # Not yet erased or anonymised: no state yet, or archived only (disposed_on is None).
        dispose = {pid for pid, end in ended.items() if end <= dispose_cutoff and states.get(pid) is None}
    archive = set(ended) - set(states) - dispose
    reactivate = {pid for pid, disposed_on in states.items() if disposed_on is None and pid not in ended}
    targets = {
        Phase.ARCHIVE: sorted(archive),
        Phase.DISPOSE: sorted(dispose),
        Phase.REACTIVATE: sorted(reactivate),
    }
    return {phase: len(ids) for phase, ids in targets.items()}, targets


def _plan_access_log(rule: RetentionRule, today: datetime.date) -> tuple[dict, dict, str]:
    before = log_cutoff(today, rule.active_months)
    try:
        count = expire_log(before, dry_run=True)
    except ImportError:
        return {Phase.DISPOSE: None}, {}, "Expiration du journal indisponible dans cette version."
    return {Phase.DISPOSE: count}, {"before": before.isoformat()}, ""


@atomic_service
def _claim_planning(run: RetentionRun) -> bool:
    return bool(
        RetentionRun.objects.filter(pk=run.pk, status=RunStatus.PENDING).update(status=RunStatus.PLANNING)
    )


def plan_retention(
    today: datetime.date | None = None, *, run: RetentionRun | None = None, requested_by=None
) -> RetentionReport:
    """Dry run: count, per category and phase, what applying the rules today would do. Changes no
    personal data; saves the report (and which records it counted) as a RetentionRun."""
    today = today or timezone.localdate()
    if run is None:
        run = RetentionRun.objects.create(requested_by=requested_by, status=RunStatus.PLANNING)
    elif not _claim_planning(run):
        raise ValidationError("Cette simulation a déjà été lancée.")
    rules = current_rules()
    rows, targets = [], {}
    for category, rule in rules.items():
        row = CategoryCounts(
            category=category,
            configured=rule.is_configured,
            disposes=rule.disposes,
            final_action=rule.final_action,
        )
        if rule.is_configured and category == RetentionCategory.ACCESS_LOG:
            if rule.disposes:
                row.counts, targets[category], row.note = _plan_access_log(rule, today)
        elif rule.is_configured:
            row.counts, targets[category] = _plan_person_category(rule, today)
        rows.append(row)
    run.reference_date = today
    run.report = {
        "categories": [row.__dict__ for row in rows],
        "rules": [rule.fingerprint() for rule in rules.values()],
    }
    run.targets = targets
    run.status = RunStatus.PLANNED
    run.planned_at = timezone.now()
    run.save()
    return RetentionReport.from_run(run)


@atomic_service
def request_dry_run(*, actor: Actor) -> RetentionRun:
    """A pending run, for the DPO's "Lancer une simulation": a task then makes the report."""
    _require_dpo(actor)
    return RetentionRun.objects.create(requested_by=actor.user, status=RunStatus.PENDING)


# Applying a reviewed report


def check_applicable(run: RetentionRun, now: datetime.datetime | None = None) -> None:
    """Raise a ValidationError, in French, when this report may not be applied."""
    now = now or timezone.now()
    if run.applied_at is not None or run.status == RunStatus.APPLIED:
        raise ValidationError("Ce rapport a déjà été appliqué : lancez une nouvelle simulation.")
    if run.status not in {RunStatus.PLANNED, RunStatus.APPLYING}:
        raise ValidationError("Ce rapport n'est pas une simulation prête à appliquer.")
    if now - run.created_at > REPORT_MAX_AGE:
        raise ValidationError(
            "Ce rapport a plus de 7 jours : les chiffres ont pu changer. Lancez une nouvelle simulation."
        )
    current = [rule.fingerprint() for rule in current_rules().values()]
    if current != run.report.get("rules"):
        raise ValidationError(
            "Les règles de conservation ont changé depuis cette simulation : lancez-en une nouvelle."
        )


@atomic_service
def approve_run(report_uuid, *, actor: Actor) -> RetentionRun:
    """The DPO's "Appliquer": the report is checked and marked to be applied by a task."""
    _require_dpo(actor)
    run = RetentionRun.objects.select_for_update().get(uuid=report_uuid)
    check_applicable(run)
    if run.status == RunStatus.APPLYING:
        raise ValidationError("L'application de ce rapport est déjà en cours.")
    run.status = RunStatus.APPLYING
    run.approved_by = actor.user
    run.approved_at = timezone.now()
    run.save(update_fields=["status", "approved_by", "approved_at"])
    return run


@atomic_service
def _claim_applying(report_uuid, actor: Actor) -> RetentionRun:
    run = RetentionRun.objects.select_for_update().get(uuid=report_uuid)
    check_applicable(run)
    if run.status == RunStatus.APPLYING and (run.approved_by_id != actor.user.pk or run.progress_total):
        raise ValidationError("L'application de ce rapport est déjà en cours.")
    run.status = RunStatus.APPLYING
    run.approved_by = actor.user
    run.approved_at = run.approved_at or timezone.now()
    run.progress_done = 0
    run.progress_total = max(1, sum(len(ids) for ids in _person_targets(run)))
    run.save()
    return run


def _person_targets(run: RetentionRun):
    for category, phases in run.targets.items():
        if category != RetentionCategory.ACCESS_LOG:
            yield from phases.values()


def _progress(run: RetentionRun, done: int) -> None:
    run.progress_done = done
    RetentionRun.objects.filter(pk=run.pk).update(progress_done=done)


def _archive(run: RetentionRun, category: str, ids: list[int], cutoff: datetime.date) -> tuple[int, int]:
    """Record these persons' category as archived, if their last support still ended before the
    cutoff (a person supported again since the report stays in the active base)."""
    archived = skipped = 0
    for start in range(0, len(ids), ARCHIVE_BATCH):
        chunk = ids[start : start + ARCHIVE_BATCH]
        with transaction.atomic():
            ended = ended_supports(cutoff, chunk)
            existing = set(
                PersonRetention.objects.filter(category=category, person_id__in=chunk).values_list(
                    "person_id", flat=True
                )
            )
            rows = [
                PersonRetention(
                    person_id=pid,
                    category=category,
                    last_support_end=ended[pid],
                    archived_on=run.reference_date,
                    archived_by=run,
                )
                for pid in chunk
                if pid in ended and pid not in existing
            ]
            PersonRetention.objects.bulk_create(rows)
        archived += len(rows)
        skipped += len(chunk) - len(rows)
    return archived, skipped


def _dispose_one(run: RetentionRun, actor: Actor, category: str, action: str, pid: int, cutoff) -> str:
    """Erase or anonymise one category of one person, in one transaction. Returns what happened."""
    with transaction.atomic():
        ended = ended_supports(cutoff, [pid])
        if pid not in ended:
            return "skipped"
        state = PersonRetention.objects.select_for_update().filter(person_id=pid, category=category).first()
        if state is not None and state.disposed_on is not None:
            return "skipped"
        person = Person.objects.select_for_update().get(pk=pid)
        disposal.dispose(person, category, action)
        if state is None:
            state = PersonRetention(
                person=person,
                category=category,
                last_support_end=ended[pid],
                archived_on=run.reference_date,
                archived_by=run,
            )
        state.disposed_on = run.reference_date
        state.disposal = action
        state.disposed_by = run
        state.save()
        record(
            actor,
            person=person,
            action=Action.UPDATE,
            category=category,
            allowed=True,
            basis=RETENTION_BASIS,
            obj=run,
            details={"retention": action},
        )
    return "done"


def apply_retention(report_uuid, *, actor: Actor) -> dict:
    """Apply a dry-run report the DPO reviewed: exactly the records it counted, each checked again
    (a person supported again since the report is left alone). Returns the counts of what was done."""
    _require_dpo(actor)
    run = _claim_applying(report_uuid, actor)
    rules = current_rules()
    results: dict[str, dict[str, int]] = {}
    done = 0
    try:
        for category, phases in run.targets.items():
            rule = rules[category]
            counts = results.setdefault(category, {})
            if category == RetentionCategory.ACCESS_LOG:
                before = datetime.datetime.fromisoformat(phases["before"])
                counts[Phase.DISPOSE] = expire_log(before, dry_run=False)
                continue
            reactivate = phases.get(Phase.REACTIVATE, [])
            counts[Phase.REACTIVATE] = PersonRetention.objects.filter(
                category=category, person_id__in=reactivate, disposed_on__isnull=True
            ).delete()[0]
            done += len(reactivate)
            counts[Phase.ARCHIVE], counts["skipped"] = _archive(
                run,
                category,
                phases.get(Phase.ARCHIVE, []),
                months_before(run.reference_date, rule.active_months),
            )
            done += len(phases.get(Phase.ARCHIVE, []))
            _progress(run, done)
            counts[Phase.DISPOSE] = counts["failed"] = 0
            dispose_cutoff = months_before(run.reference_date, rule.total_months) if rule.disposes else None
            for pid in phases.get(Phase.DISPOSE, []):
                try:
                    outcome = _dispose_one(run, actor, category, rule.final_action, pid, dispose_cutoff)
                except Exception:  # one person's failure must not stop the others
                    outcome = "failed"
                counts[{"done": Phase.DISPOSE}.get(outcome, outcome)] += 1
                done += 1
                if done % PROGRESS_EVERY == 0:
                    _progress(run, done)
    except Exception as exc:
        RetentionRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, results=results, error=type(exc).__name__, progress_done=done
        )
        raise
    run.results = results
    run.status = RunStatus.APPLIED
    run.applied_at = timezone.now()
    run.progress_done = run.progress_total
    run.save(update_fields=["results", "status", "applied_at", "progress_done"])
    return results
