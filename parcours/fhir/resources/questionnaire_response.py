"""QuestionnaireResponse: a person's answers to a satisfaction questionnaire of an establishment
(TDDUIQuestionnaireResponse), from the person's space (`portal.EvaluationResponse`).

Business rules:
- Access category "identity", and only the responses the person chose to show to the team: the
  answers are the person's own, given in their space; the team reads them one by one only when the
  person shared them (`shared_with_team`), and the portal logs each such reading under the identity
  category (portal/evaluations.py, `shared_responses`). The others stay aggregated: never served.
- identifier `3+FINESS/<local id of the person>-EVAL-<id of the response>` in the system
  https://identifiant-medicosocial-evaluation.esante.gouv.fr; `questionnaire` (1..1, a canonical) is
  the questionnaire's `urn:uuid:` (Parcours' questionnaires are its own, not one of the guide's
  grids, and are not served as resources); status `completed` (a response is sent once, final);
  `authored` the moment it was sent; one item per question (linkId its position), with its answer:
  an integer 1 to 4 on the satisfaction scale, a boolean for yes/no, a string for free text.
- `source`: the Patient, who answers in their space (themself or through their legal representative
  under a measure of representation, `capacity`): a self-evaluation, for which the guide requires the
  "porteur" (TDDUIQRParticipant): Parcours does not record one, so it carries a data-absent-reason.
- Read and search only, and not carried by the bundles: a response belongs to a questionnaire of the
  establishment and to the login that answered, which another instance cannot rebuild faithfully.
"""

from __future__ import annotations

from django.db.models import Q

from parcours.access.enums import Category
from parcours.fhir import search
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.portal.enums import QuestionKind
from parcours.portal.models import EvaluationResponse

PROFILE = tddui_profile("tddui-questionnaire-response")
EVALUATION_SYSTEM = "https://identifiant-medicosocial-evaluation.esante.gouv.fr"
QR_PARTICIPANT = tddui_profile("tddui-qr-participant")
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
STATUSES = {"in-progress", "completed", "amended", "entered-in-error", "stopped"}


def _status(queryset, values, ctx, name="status"):
    for alternatives in search._alternatives(values):
        condition = Q(pk__in=[])
        for item in alternatives:
            code = item.rpartition("|")[2]
            if code not in STATUSES:
                raise search.bad_parameter(name, f"code inconnu « {code[:40]} ».")
            if code == "completed":
                condition = Q()
        queryset = queryset.filter(condition)
    return queryset


def _answer(question, answer) -> list[dict]:
    if answer is None:
        return []
    if question.kind == QuestionKind.TEXT:
        return [{"valueString": answer.text}] if answer.text else []
    if answer.value is None:
        return []
    if question.kind == QuestionKind.YES_NO:
        return [{"valueBoolean": bool(answer.value)}]
    return [{"valueInteger": answer.value}]


@register
class QuestionnaireResponseMapping(Mapping):
    """TDDUIQuestionnaireResponse, from the responses the person shared with the team."""

    resource_type = "QuestionnaireResponse"
    profiles = (PROFILE,)
    model = EvaluationResponse
    category = Category.IDENTITY
    writable = False
    exported = False
    order = 70
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "authored": search.datetime_date_filter("submitted_at"),
        "status": _status,
    }
    sort_params = {"authored": "submitted_at", "_lastUpdated": "submitted_at"}

    def base_queryset(self):
        return (
            EvaluationResponse.objects.filter(shared_with_team=True)
            .select_related("person", "questionnaire__establishment")
            .prefetch_related("answers", "questionnaire__questions")
        )

    def last_updated(self, obj):
        return obj.submitted_at

    def to_fhir(self, obj, ctx) -> dict:
        questionnaire, person = obj.questionnaire, obj.person
        answers = {answer.question_id: answer for answer in obj.answers.all()}
        items = []
        for question in sorted(questionnaire.questions.all(), key=lambda q: q.position):
            item = {"linkId": str(question.position), "text": question.text}
            answer = _answer(question, answers.get(question.pk))
            if answer:
                item["answer"] = answer
            items.append(item)
        finess = questionnaire.establishment.finess
        porteur = {"url": "TDDUIPorteur", "extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}
        return {
            "resourceType": "QuestionnaireResponse",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "extension": [{"url": QR_PARTICIPANT, "extension": [porteur]}],
            "identifier": {
                "system": EVALUATION_SYSTEM,
                "value": f"3{finess}/{person.uuid.hex}-EVAL-{obj.uuid.hex}",
            },
            "questionnaire": f"urn:uuid:{questionnaire.uuid}",
            "status": "completed",
            "subject": ctx.reference("Patient", person),
            "authored": obj.submitted_at.isoformat(),
            "source": ctx.reference("Patient", person),
            "item": items,
        }
