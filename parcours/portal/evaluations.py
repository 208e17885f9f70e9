"""Satisfaction and quality questionnaires: written by an establishment's direction, answered by the
persons it supports from their space, read by the team only in aggregate.

Rules (business words):
- The direction of an establishment writes its questionnaires, and changes their questions while
  nobody has answered; once answered, a questionnaire keeps its questions (the results would mix two
  questionnaires otherwise).
- A questionnaire is open from `opens_on` to `closes_on` (no end when empty). The person answers the
  open questionnaires of the establishments supporting them today; so does a legal representative
  under a measure of representation (`PortalPower.EVALUATE`), and the response records in which
  capacity. A relative or a curator never answers.
- One response per person and questionnaire: a second one is refused (the first stays as sent).
- The team reads the results in aggregate only: per question, the number of answers, their
  distribution, the mean (scale) or the share of "oui". A question answered by fewer persons than the
  disclosure threshold (`PARCOURS_DISCLOSURE_THRESHOLD`) shows "masqué"; small counts of a
  distribution are masked with `parcours.reporting.disclosure.suppress`, and the mean or the share of
  "oui" is shown only when no count of the question is masked (with the total, it would give them
  back). Free-text answers are never aggregated.
- A person may choose to show their answers to the team: only those responses are shown one by one,
  with the person's name, and each reading is written to the access log (identity, the response).
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require_portal
from parcours.access.enums import PortalPower
from parcours.access.journal import record
from parcours.access.portal import Link
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.portal.enums import QuestionKind, Satisfaction
from parcours.portal.models import Answer, EvaluationResponse, Question, Questionnaire
from parcours.records.models import Admission
from parcours.reporting import disclosure

MASKED = "masqué"

# Parcours' own model questionnaire, written for Parcours (not an official questionnaire of the HAS or
# of any authority): a starting point each direction adapts. (text, easy-read text, kind)
MODEL_TITLE = "Votre avis sur l'accompagnement"
MODEL_EASY_TITLE = "Mon avis"
MODEL_INTRODUCTION = (
    "Vos réponses aident l'établissement à s'améliorer. L'équipe ne voit que les résultats de tous, "
    "sauf si vous choisissez de lui montrer vos réponses."
)
MODEL_EASY_INTRODUCTION = (
    "Vous donnez votre avis.\nL'équipe ne sait pas qui a répondu.\nSauf si vous le voulez."
)
MODEL_QUESTIONS = [
    ("Êtes-vous satisfait de l'accueil ?", "L'accueil vous plaît ?", QuestionKind.SCALE),
    ("Les activités proposées vous conviennent-elles ?", "Les activités vous plaisent ?", QuestionKind.SCALE),
    ("L'équipe vous écoute-t-elle ?", "L'équipe vous écoute ?", QuestionKind.SCALE),
    (
        "Vous sentez-vous en sécurité dans l'établissement ?",
        "Vous êtes en sécurité ici ?",
        QuestionKind.YES_NO,
    ),
    (
        "Avez-vous participé à l'écriture de votre projet personnalisé ?",
        "Vous avez aidé à écrire votre projet ?",
        QuestionKind.YES_NO,
    ),
    ("Que faudrait-il améliorer ?", "Qu'est-ce qu'on peut faire mieux ?", QuestionKind.TEXT),
]


@dataclass(frozen=True)
class QuestionInput:
    text: str
    easy_text: str
    kind: str


def model_questions() -> list[QuestionInput]:
    return [QuestionInput(text, easy, kind) for text, easy, kind in MODEL_QUESTIONS]


# The team's side


def directed_establishments(user):
    """The establishments this user directs today (their questionnaires are theirs to write)."""
    return Establishment.objects.filter(pk__in=policy.scope_of(user).directed).order_by("name")


def questionnaires_of(user):
    return Questionnaire.objects.filter(establishment__in=directed_establishments(user)).select_related(
        "establishment"
    )


def _require_direction(actor: Actor, establishment: Establishment) -> None:
    if establishment.pk not in policy.scope_of(actor.user).directed:
        raise AccessDenied("Seule la direction de l'établissement écrit ses questionnaires.")


def _write_questions(questionnaire: Questionnaire, questions: list[QuestionInput]) -> None:
    questions = [q for q in questions if q.text.strip()]
    if not questions:
        raise ValidationError("Un questionnaire a au moins une question.")
    questionnaire.questions.all().delete()
    rows = [
        Question(
            questionnaire=questionnaire,
            position=position,
            text=item.text.strip(),
            easy_text=item.easy_text.strip(),
            kind=item.kind,
        )
        for position, item in enumerate(questions, start=1)
    ]
    for row in rows:
        row.full_clean(exclude=["questionnaire"])
    Question.objects.bulk_create(rows)


@atomic_service
def create_questionnaire(
    *,
    actor: Actor,
    establishment: Establishment,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date | None = None,
    easy_title: str = "",
    introduction: str = "",
    easy_introduction: str = "",
    questions: list[QuestionInput],
) -> Questionnaire:
    _require_direction(actor, establishment)
    questionnaire = Questionnaire(
        establishment=establishment,
        title=title.strip(),
        easy_title=easy_title.strip(),
        introduction=introduction.strip(),
        easy_introduction=easy_introduction.strip(),
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=actor.user,
    )
    questionnaire.full_clean()
    questionnaire.save()
    _write_questions(questionnaire, questions)
    return questionnaire


@atomic_service
def update_questionnaire(
    questionnaire: Questionnaire,
    *,
    actor: Actor,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date | None = None,
    easy_title: str = "",
    introduction: str = "",
    easy_introduction: str = "",
    questions: list[QuestionInput],
) -> Questionnaire:
    """Change a questionnaire and its questions, while nobody has answered it."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    _require_direction(actor, questionnaire.establishment)
    if questionnaire.responses.exists():
        raise ValidationError(
            "Des personnes ont déjà répondu : ses questions ne changent plus. Créez un nouveau questionnaire."
        )
    questionnaire.title = title.strip()
    questionnaire.easy_title = easy_title.strip()
    questionnaire.introduction = introduction.strip()
    questionnaire.easy_introduction = easy_introduction.strip()
    questionnaire.opens_on = opens_on
    questionnaire.closes_on = closes_on
    questionnaire.full_clean()
    questionnaire.save()
    _write_questions(questionnaire, questions)
    return questionnaire


@dataclass
class QuestionResult:
    question: Question
    # None when masked (fewer answers than the threshold).
    answers: int | None
    # (label, count or None when masked) for a scale or yes/no question.
    distribution: list[tuple[str, int | None]] = field(default_factory=list)
    mean: float | None = None
    yes_share: float | None = None

    @property
    def masked(self) -> bool:
        return self.answers is None


def _labels(kind: str) -> list[tuple[int, str]]:
    if kind == QuestionKind.SCALE:
        return [(value, str(label)) for value, label in Satisfaction.choices]
    return [(1, "Oui"), (0, "Non")]


def results(
    questionnaire: Questionnaire, threshold: int | None = None
) -> tuple[int | None, list[QuestionResult]]:
    """The number of responses (None when below the threshold) and each question's aggregated
    result, masked as the module's docstring says. Reads no free text."""
    threshold = disclosure.default_threshold() if threshold is None else threshold
    questions = list(questionnaire.questions.all())
    counts: dict[int, dict[int, int]] = {question.pk: {} for question in questions}
    texts: dict[int, int] = {question.pk: 0 for question in questions}
    rows = Answer.objects.filter(response__questionnaire=questionnaire).values_list(
        "question_id", "value", "text"
    )
    for question_id, value, text in rows:
        if value is not None:
            counts[question_id][value] = counts[question_id].get(value, 0) + 1
        elif text:
            texts[question_id] += 1
    total = questionnaire.responses.count()
    out = []
    for question in questions:
        if question.kind == QuestionKind.TEXT:
            n = texts[question.pk]
            out.append(QuestionResult(question, n if n >= threshold else None))
            continue
        labels = _labels(question.kind)
        values = [counts[question.pk].get(value, 0) for value, _ in labels]
        n = sum(values)
        if n < threshold:
            out.append(QuestionResult(question, None, [(label, None) for _, label in labels]))
            continue
        published = disclosure.suppress(
            disclosure.Series.from_counts([label for _, label in labels], values), threshold
        )
        result = QuestionResult(
            question, published.total, list(zip(published.labels, published.counts, strict=True))
        )
        if all(count is not None for count in published.counts):
            if question.kind == QuestionKind.SCALE:
                result.mean = round(sum(v * c for (v, _), c in zip(labels, values, strict=True)) / n, 2)
            else:
                result.yes_share = round(100 * values[0] / n, 1)
        out.append(result)
    return (total if total >= threshold else None), out


def csv_rows(questionnaire: Questionnaire, threshold: int | None = None) -> list[list[str]]:
    """The aggregated results as rows of a CSV file, masked like the page."""
    _, question_results = results(questionnaire, threshold)
    scale = [str(label) for _, label in Satisfaction.choices]
    header = ["n°", "question", "type de réponse", "réponses", *scale, "oui", "non", "moyenne (1 à 4)",
              "part de oui (%)"]  # fmt: skip
    rows = [header]

    def show(value) -> str:
        return MASKED if value is None else str(value)

    for result in question_results:
        question = result.question
        row = [str(question.position), question.text, question.get_kind_display(), show(result.answers)]
        cells = dict(result.distribution)
        if question.kind == QuestionKind.SCALE:
            row += [show(cells[label]) for label in scale] + ["", ""]
        elif question.kind == QuestionKind.YES_NO:
            row += [""] * len(scale) + [show(cells["Oui"]), show(cells["Non"])]
        else:
            row += [""] * (len(scale) + 2)
        if question.kind == QuestionKind.TEXT:
            row += ["", ""]
        else:
            masked_stat = result.mean is None and result.yes_share is None
            row += [
                (MASKED if masked_stat else str(result.mean)) if question.kind == QuestionKind.SCALE else "",
                (MASKED if masked_stat else str(result.yes_share))
                if question.kind == QuestionKind.YES_NO
                else "",
            ]
        rows.append(row)
    return rows


def shared_responses(questionnaire: Questionnaire, *, actor: Actor) -> list[EvaluationResponse]:
    """The responses whose persons chose to show them to the team, with their answers, for a reader
    the access policy lets read each person's identity; each one shown is written to the access log."""
    responses = list(
        questionnaire.responses.filter(shared_with_team=True)
        .select_related("person")
        .prefetch_related("answers__question")
        .order_by("submitted_at", "pk")
    )
    shown = []
    for response in responses:
        decision = policy.decide(actor.user, response.person, Category.IDENTITY, Action.READ)
        if not decision:
            continue
        record(
            actor,
            person=response.person,
            action=Action.READ,
            category=Category.IDENTITY,
            allowed=True,
            basis=decision.basis,
            obj=response,
            details={"view": "portal:staff_questionnaire_results"},
        )
        shown.append(response)
    return shown


# The person's side


def supporting_establishments(person: Person, on: datetime.date | None = None):
    return Admission.objects.active(on).filter(person=person).values("establishment")


def open_questionnaires(person: Person, on: datetime.date | None = None):
    """The questionnaires open today of the establishments supporting the person today."""
    on = on or timezone.localdate()
    return (
        Questionnaire.objects.filter(
            establishment__in=supporting_establishments(person, on), opens_on__lte=on
        )
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=on))
        .select_related("establishment")
    )


@atomic_service
def answer_questionnaire(
    person: Person,
    questionnaire: Questionnaire,
    *,
    actor: Actor,
    link: Link,
    answers: dict[int, int | str],
    shared_with_team: bool = False,
) -> EvaluationResponse:
    """Record the person's response (`answers`: question id → a value for a scale or yes/no, a text
    for a free-text question; unanswered questions left out). At least one answer."""
    response = EvaluationResponse(
        questionnaire=questionnaire,
        person=person,
        answered_by=actor.user,
        capacity=link.role,
        shared_with_team=shared_with_team,
    )
    require_portal(actor, person, PortalPower.EVALUATE, Category.IDENTITY, Action.CREATE, obj=response)
    if not open_questionnaires(person).filter(pk=questionnaire.pk).exists():
        raise ValidationError("Ce questionnaire n'est pas ouvert.")
    if EvaluationResponse.objects.filter(questionnaire=questionnaire, person=person).exists():
        raise ValidationError("Une réponse à ce questionnaire a déjà été envoyée : elle ne se remplace pas.")
    questions = {question.pk: question for question in questionnaire.questions.all()}
    rows = []
    for question_id, value in answers.items():
        question = questions.get(question_id)
        if question is None or value in (None, ""):
            continue
        if question.kind == QuestionKind.TEXT:
            rows.append(Answer(question=question, text=str(value).strip()))
        else:
            allowed = {value for value, _ in _labels(question.kind)}
            if value not in allowed:
                raise ValidationError("Une réponse n'est pas dans les choix proposés.")
            rows.append(Answer(question=question, value=value))
    if not rows:
        raise ValidationError("Répondez à une question au moins.")
    response.full_clean()
    response.save()
    for row in rows:
        row.response = response
    Answer.objects.bulk_create(rows)
    return response
