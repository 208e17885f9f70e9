"""Pages of the data protection officer: retention rules, dry runs and their application; and the
registre des traitements (also readable by the directions). Anyone else gets a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.access.journal import Actor
from parcours.access.policy import may_audit
from parcours.core.forms import save_with
from parcours.retention import services, tasks
from parcours.retention.enums import ACTION_EFFECTS, Phase, RetentionCategory
from parcours.retention.forms import RuleForm
from parcours.retention.models import RetentionRuleChange, RetentionRun
from parcours.retention.registre import may_read_registre, registre_context, retention_lines
from parcours.retention.rules import TO_CONFIGURE, current_rules

RUNS_SHOWN = 20
DONE_LABELS = {
    Phase.ARCHIVE: "archivés",
    Phase.DISPOSE: "supprimés ou anonymisés",
    Phase.REACTIVATE: "revenus en base active",
    "skipped": "écartés (de nouveau accompagnés ou déjà traités)",
    "failed": "échecs",
}
CHANGES_SHOWN = 50


def _dpo_only(request) -> None:
    if not may_audit(request.user):
        raise Http404("Page introuvable.")


def _report_rows(run: RetentionRun) -> list[dict]:
    report = services.RetentionReport.from_run(run)
    results = run.results or {}
    rows = []
    for row in report.categories:
        done = results.get(row.category, {})
        rows.append(
            {
                "label": row.label,
                "configured": row.configured,
                "disposes": row.disposes,
                "final_action": row.final_action,
                "archive": row.counts.get(Phase.ARCHIVE),
                "dispose": row.counts.get(Phase.DISPOSE),
                "reactivate": row.counts.get(Phase.REACTIVATE),
                "done": ", ".join(f"{DONE_LABELS.get(key, key)} : {value}" for key, value in done.items()),
                "note": row.note,
                "is_log": row.category == RetentionCategory.ACCESS_LOG,
            }
        )
    return rows


def plural(count: int, *words: str) -> str:
    return " ".join([str(count), *(word + ("s" if count > 1 else "") for word in words)])


def confirmation(run: RetentionRun) -> str:
    """What "Appliquer" will do, in numbers, for the confirmation the DPO answers."""
    parts = []
    for row in _report_rows(run):
        if row["archive"]:
            parts.append(f"{plural(row['archive'], 'personne')} en archive intermédiaire ({row['label']})")
        if row["dispose"]:
            verb = "supprimée" if row["final_action"] == "erasure" else "anonymisée"
            unit = "entrée" if row["is_log"] else "personne"
            parts.append(f"{plural(row['dispose'], unit, verb)} ({row['label']})")
    if not parts:
        return "Ce rapport ne change rien. L'appliquer quand même ?"
    return (
        "Appliquer ce rapport : "
        + " ; ".join(parts)
        + ". Les suppressions et anonymisations sont définitives."
    )


@require_GET
def runs(request):
    _dpo_only(request)
    recent = list(RetentionRun.objects.select_related("requested_by", "approved_by")[:RUNS_SHOWN])
    return render(
        request,
        "retention/runs.html",
        {"runs": recent, "latest": recent[0] if recent else None, "rules": retention_lines()},
    )


@require_POST
def start_dry_run(request):
    _dpo_only(request)
    run = tasks.start_dry_run(Actor.from_request(request))
    messages.success(request, "La simulation est lancée : rien n'est modifié tant que vous n'appliquez pas.")
    return redirect("retention:run", uuid=run.uuid)


def _run_context(run: RetentionRun) -> dict:
    applicable, refusal = True, ""
    try:
        services.check_applicable(run)
    except ValidationError as exc:
        applicable, refusal = False, " ".join(exc.messages)
    return {
        "run": run,
        "rows": _report_rows(run),
        "applicable": applicable and run.status == "planned",
        "refusal": refusal,
        "confirmation": confirmation(run),
        "to_configure": TO_CONFIGURE,
    }


@require_GET
def run_detail(request, uuid):
    _dpo_only(request)
    run = get_object_or_404(RetentionRun.objects.select_related("requested_by", "approved_by"), uuid=uuid)
    return render(request, "retention/run.html", _run_context(run))


@require_GET
def run_status(request, uuid):
    """The report's state, polled by the page (htmx) while the run is in progress."""
    _dpo_only(request)
    run = get_object_or_404(RetentionRun.objects.select_related("requested_by", "approved_by"), uuid=uuid)
    return render(request, "retention/includes/run_state.html", _run_context(run))


@require_POST
def apply_run(request, uuid):
    _dpo_only(request)
    run = get_object_or_404(RetentionRun, uuid=uuid)
    try:
        tasks.start_apply(run.uuid, Actor.from_request(request))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "L'application du rapport est lancée.")
    return redirect("retention:run", uuid=run.uuid)


@require_GET
def rules(request):
    _dpo_only(request)
    changes = RetentionRuleChange.objects.select_related("changed_by")[:CHANGES_SHOWN]
    return render(request, "retention/rules.html", {"rules": retention_lines(), "changes": changes})


@require_http_methods(["GET", "POST"])
def rule_edit(request, category):
    _dpo_only(request)
    if category not in RetentionCategory.values:
        raise Http404("Catégorie inconnue.")
    rule = current_rules()[category]
    form = RuleForm(
        request.POST or None,
        category=category,
        initial={
            "active_months": rule.active_months,
            "archive_months": rule.archive_months,
            "final_action": rule.final_action,
            "justification": rule.justification,
        },
    )
    actor = Actor.from_request(request)
    if save_with(
        request,
        form,
        lambda data: services.update_rule(category, actor=actor, **data),
        success="La règle est enregistrée.",
    ):
        return redirect("retention:rules")
    return render(
        request,
        "retention/rule_form.html",
        {
            "form": form,
            "rule": rule,
            "label": RetentionCategory(category).label,
            "effect": ACTION_EFFECTS[category],
        },
    )


@require_GET
def registre(request):
    if not may_read_registre(request.user):
        raise Http404("Page introuvable.")
    return render(
        request, "retention/registre.html", {**registre_context(), "may_audit": may_audit(request.user)}
    )
