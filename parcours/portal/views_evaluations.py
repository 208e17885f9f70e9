"""Pages of the questionnaires: the person's side (answer the open questionnaires) and the team's side
(the direction writes them and reads their aggregated results). Writes in `parcours.portal.evaluations`."""

import csv

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from parcours.access.api import Actor, open_portal
from parcours.access.enums import PortalPower
from parcours.core.forms import add_validation_errors
from parcours.portal import evaluations
from parcours.portal.enums import QuestionKind, Satisfaction
from parcours.portal.forms_evaluations import (
    EASY_SCALE_LABELS,
    AnswerForm,
    QuestionFormSet,
    QuestionnaireForm,
    question_inputs,
)
from parcours.portal.models import EvaluationResponse
from parcours.portal.pages import easy_read, render_portal
from parcours.reporting.disclosure import default_threshold

# The person's side


@require_GET
def evaluation_list(request, person_uuid):
    """The open questionnaires of the establishments supporting the person, answered or not."""
    person, link = open_portal(Actor.from_request(request), person_uuid, PortalPower.EVALUATE)
    questionnaires = list(evaluations.open_questionnaires(person).order_by("closes_on", "title"))
    answered = dict(
        EvaluationResponse.objects.filter(person=person, questionnaire__in=questionnaires).values_list(
            "questionnaire_id", "submitted_at"
        )
    )
    rows = [{"questionnaire": q, "answered_at": answered.get(q.pk)} for q in questionnaires]
    return render_portal(
        request, "portal/evaluations/list.html", person, link, PortalPower.EVALUATE, {"rows": rows}
    )


def my_answers(response: EvaluationResponse, easy: bool) -> list[tuple[str, str]]:
    """The person's own answers, as (question, answer) in words."""
    scale = EASY_SCALE_LABELS if easy else dict(Satisfaction.choices)
    shown = []
    for answer in sorted(response.answers.all(), key=lambda answer: answer.question.position):
        question = answer.question
        if question.kind == QuestionKind.TEXT:
            words = answer.text
        elif question.kind == QuestionKind.YES_NO:
            words = "Oui" if answer.value else "Non"
        else:
            words = str(scale.get(answer.value, ""))
        shown.append(((question.easy_text or question.text) if easy else question.text, words))
    return shown


@require_http_methods(["GET", "POST"])
def evaluation(request, person_uuid, questionnaire_uuid):
    """Answer one questionnaire (once), or see the answers sent."""
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.EVALUATE)
    questionnaire = get_object_or_404(evaluations.open_questionnaires(person), uuid=questionnaire_uuid)
    response = (
        EvaluationResponse.objects.filter(questionnaire=questionnaire, person=person)
        .prefetch_related("answers__question")
        .first()
    )
    questions = list(questionnaire.questions.all())
    form = AnswerForm(
        request.POST if request.method == "POST" and response is None else None,
        questions=questions,
        easy_read=easy_read(request),
    )
    if request.method == "POST":
        if response is not None:
            messages.error(request, "Vous avez déjà répondu à ce questionnaire : votre réponse est gardée.")
            return redirect(
                "portal:evaluation", person_uuid=person.uuid, questionnaire_uuid=questionnaire.uuid
            )
        if form.is_valid():
            try:
                evaluations.answer_questionnaire(
                    person,
                    questionnaire,
                    actor=actor,
                    link=link,
                    answers=form.answers(),
                    shared_with_team=form.cleaned_data["shared_with_team"],
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, "Merci ! Votre avis est bien envoyé.")
                return redirect(
                    "portal:evaluation", person_uuid=person.uuid, questionnaire_uuid=questionnaire.uuid
                )
    return render_portal(
        request,
        "portal/evaluations/form.html",
        person,
        link,
        PortalPower.EVALUATE,
        {
            "questionnaire": questionnaire,
            "response": response,
            "form": form,
            "my_answers": my_answers(response, easy_read(request)) if response else [],
        },
    )


# The team's side


def _questionnaires(request):
    """The questionnaires of the establishments the user directs; a 403 to whoever directs none."""
    establishments = evaluations.directed_establishments(request.user)
    if not establishments.exists():
        raise PermissionDenied("Les questionnaires sont écrits par la direction de l'établissement.")
    return establishments, evaluations.questionnaires_of(request.user)


@require_GET
def staff_questionnaires(request):
    _, questionnaires = _questionnaires(request)
    threshold = default_threshold()
    rows = [
        {"questionnaire": q, "responses": q.n if q.n >= threshold else None}
        for q in questionnaires.annotate(n=Count("responses"))
    ]
    return render(
        request,
        "portal/staff/evaluations_list.html",
        {"rows": rows, "threshold": threshold, "today": timezone.localdate()},
    )


def _edit(request, questionnaire=None):
    establishments, _ = _questionnaires(request)
    actor = Actor.from_request(request)
    if questionnaire is None:
        initial = {
            "establishment": establishments.first(),
            "title": evaluations.MODEL_TITLE,
            "easy_title": evaluations.MODEL_EASY_TITLE,
            "introduction": evaluations.MODEL_INTRODUCTION,
            "easy_introduction": evaluations.MODEL_EASY_INTRODUCTION,
            "opens_on": timezone.localdate(),
        }
        questions = evaluations.model_questions()
    else:
        initial = {name: getattr(questionnaire, name) for name in
                   ("establishment", "title", "easy_title", "introduction", "easy_introduction", "opens_on",
                    "closes_on")}  # fmt: skip
        questions = list(questionnaire.questions.all())
    data = request.POST if request.method == "POST" else None
    form = QuestionnaireForm(data, initial=initial, establishments=establishments)
    formset = QuestionFormSet(
        data,
        prefix="questions",
        initial=[{"text": q.text, "easy_text": q.easy_text, "kind": q.kind} for q in questions],
    )
    if data is not None and form.is_valid() and formset.is_valid():
        fields = dict(form.cleaned_data)
        try:
            if questionnaire is None:
                questionnaire = evaluations.create_questionnaire(
                    actor=actor, questions=question_inputs(formset), **fields
                )
            else:
                fields.pop("establishment")
                evaluations.update_questionnaire(
                    questionnaire, actor=actor, questions=question_inputs(formset), **fields
                )
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(request, "Le questionnaire est enregistré.")
            return redirect("portal:staff_questionnaires")
    if questionnaire is not None:
        form.fields["establishment"].disabled = True
    return render(
        request,
        "portal/staff/evaluations_form.html",
        {"form": form, "formset": formset, "questionnaire": questionnaire,
         "answered": questionnaire is not None and questionnaire.responses.exists()},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def staff_questionnaire_create(request):
    """A new questionnaire, prefilled with Parcours' model questionnaire."""
    return _edit(request)


@require_http_methods(["GET", "POST"])
def staff_questionnaire_edit(request, uuid):
    _, questionnaires = _questionnaires(request)
    return _edit(request, get_object_or_404(questionnaires, uuid=uuid))


@require_GET
def staff_questionnaire_results(request, uuid):
    """The aggregated results, masked below the threshold, and the responses the persons chose to
    show (each reading logged)."""
    _, questionnaires = _questionnaires(request)
    questionnaire = get_object_or_404(questionnaires, uuid=uuid)
    total, question_results = evaluations.results(questionnaire)
    shared = evaluations.shared_responses(questionnaire, actor=Actor.from_request(request))
    return render(
        request,
        "portal/staff/evaluations_results.html",
        {
            "questionnaire": questionnaire,
            "total": total,
            "results": question_results,
            "shared": shared,
            "threshold": default_threshold(),
        },
    )


@require_GET
def staff_questionnaire_csv(request, uuid):
    """The aggregated results as CSV for the external evaluation, masked like the page."""
    _, questionnaires = _questionnaires(request)
    questionnaire = get_object_or_404(questionnaires, uuid=uuid)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="questionnaire-{questionnaire.uuid}.csv"'
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";")
    writer.writerows(evaluations.csv_rows(questionnaire))
    return response
