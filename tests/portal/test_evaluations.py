"""Satisfaction questionnaires: written by the direction, answered in the person's space, read by the
team only in aggregate, masked below the disclosure threshold."""

import datetime
from html import unescape

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Category, PortalRole
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry
from parcours.access.portal import link_to
from parcours.people.enums import ProtectionMeasure
from parcours.portal import evaluations
from parcours.portal.enums import QuestionKind
from parcours.portal.models import Answer, EvaluationResponse, Question, Questionnaire
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, PersonFactory, UserFactory
from tests.portal.factories import LegalProtectionFactory, PortalAccountFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def questionnaire(family):
    return evaluations.create_questionnaire(
        actor=Actor(user=family.director.user),
        establishment=family.ime,
        title=evaluations.MODEL_TITLE,
        opens_on=timezone.localdate() - datetime.timedelta(days=1),
        questions=evaluations.model_questions(),
    )


def page(response) -> str:
    return unescape(assert_page_ok(response))


def question(questionnaire, kind):
    return questionnaire.questions.filter(kind=kind).first()


def answer_url(person, questionnaire):
    return reverse("portal:evaluation", args=[person.uuid, questionnaire.uuid])


def answers_data(questionnaire, scale="4", yes_no="1", text="Plus de sorties.", **more):
    data = {}
    for q in questionnaire.questions.all():
        data[f"q{q.pk}"] = {QuestionKind.SCALE: scale, QuestionKind.YES_NO: yes_no, QuestionKind.TEXT: text}[
            q.kind
        ]
    data.update(more)
    return data


def respond(person, questionnaire, *, value=4, yes=1, text="", shared=False):
    """A response by the person's own login, through the service."""
    user = UserFactory()
    PortalAccountFactory(user=user, person=person, role=PortalRole.PERSON, relative=None)
    answers = {}
    for q in questionnaire.questions.all():
        answers[q.pk] = {QuestionKind.SCALE: value, QuestionKind.YES_NO: yes, QuestionKind.TEXT: text}[q.kind]
    return evaluations.answer_questionnaire(
        person, questionnaire, actor=Actor(user=user), link=link_to(user, person), answers=answers,
        shared_with_team=shared,
    )  # fmt: skip


def respondents(family, questionnaire, n, **kwargs):
    for _ in range(n):
        person = PersonFactory()
        AdmissionFactory(person=person, establishment=family.ime)
        respond(person, questionnaire, **kwargs)


def test_the_person_answers_once(family, portal_client, questionnaire):
    client = portal_client(family.lea_user)
    content = page(client.get(reverse("portal:evaluations", args=[family.lea.uuid])))
    assert "Votre avis sur l'accompagnement" in content
    content = page(client.get(answer_url(family.lea, questionnaire)))
    assert "😞" in content and "Je veux que l'équipe voie mes réponses" in content
    assert 'name="shared_with_team" checked' not in content

    response = client.post(answer_url(family.lea, questionnaire), answers_data(questionnaire))
    assert response.status_code == 302
    evaluation = EvaluationResponse.objects.get(person=family.lea)
    assert evaluation.capacity == PortalRole.PERSON
    assert evaluation.answered_by == family.lea_user
    assert evaluation.shared_with_team is False
    assert evaluation.answers.count() == 6
    assert "Merci" in page(client.get(answer_url(family.lea, questionnaire)))
    assert AccessLogEntry.objects.filter(
        actor=family.lea_user, action=Action.CREATE, object_type="EvaluationResponse"
    ).exists()

    # A second send is refused: the first response stays as it was.
    client.post(answer_url(family.lea, questionnaire), answers_data(questionnaire, scale="1"))
    assert EvaluationResponse.objects.filter(person=family.lea).count() == 1
    assert not Answer.objects.filter(value=1, question__kind=QuestionKind.SCALE).exists()
    with pytest.raises(ValidationError):
        evaluations.answer_questionnaire(
            family.lea, questionnaire, actor=Actor(user=family.lea_user),
            link=link_to(family.lea_user, family.lea), answers={question(questionnaire, "scale").pk: 2},
        )  # fmt: skip


def test_the_easy_read_form_uses_the_easy_wording(family, portal_client, questionnaire):
    client = portal_client(family.lea_user)
    client.post(reverse("portal:easy_read"), {"on": "1", "next": "/portail/"})
    content = page(client.get(answer_url(family.lea, questionnaire)))
    assert "L'accueil vous plaît ?" in content


def test_an_empty_or_invalid_answer_records_nothing(family, portal_client, questionnaire):
    client = portal_client(family.lea_user)
    content = page(client.post(answer_url(family.lea, questionnaire), {}))
    assert "au moins" in content
    content = page(
        client.post(answer_url(family.lea, questionnaire), {f"q{question(questionnaire, 'scale').pk}": "9"})
    )
    assert not EvaluationResponse.objects.exists()


def test_a_relative_cannot_answer_a_representative_can(family, portal_client, questionnaire):
    mother = portal_client(family.mother)
    assert mother.get(reverse("portal:evaluations", args=[family.lea.uuid])).status_code == 404
    assert mother.post(answer_url(family.lea, questionnaire), answers_data(questionnaire)).status_code == 404
    assert not EvaluationResponse.objects.exists()

    curator = UserFactory()
    curatelle = LegalProtectionFactory(person=family.lea, measure=ProtectionMeasure.CURATELLE_SIMPLE)
    PortalAccountFactory(
        user=curator, person=family.lea, role=PortalRole.REPRESENTATIVE, relative=None, protection=curatelle
    )
    assert portal_client(curator).get(answer_url(family.lea, questionnaire)).status_code == 404

    guardian = portal_client(family.guardian)
    assert (
        guardian.post(answer_url(family.lea, questionnaire), answers_data(questionnaire)).status_code == 302
    )
    evaluation = EvaluationResponse.objects.get(person=family.lea)
    assert evaluation.capacity == PortalRole.REPRESENTATIVE
    assert evaluation.answered_by == family.guardian


def test_closed_and_other_establishments_questionnaires_are_not_offered(family, portal_client, questionnaire):
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        opens_on=timezone.localdate() - datetime.timedelta(days=10),
        closes_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    client = portal_client(family.lea_user)
    assert client.get(answer_url(family.lea, questionnaire)).status_code == 404
    assert client.post(answer_url(family.lea, questionnaire), answers_data(questionnaire)).status_code == 404


def test_results_are_masked_below_the_threshold_and_shown_from_it(family, login, questionnaire, settings):
    settings.PARCOURS_DISCLOSURE_THRESHOLD = 10
    respondents(family, questionnaire, 9, value=3, yes=1, text="Rien à dire")
    staff = login(family.director.user)
    results_url = reverse("portal:staff_questionnaire_results", args=[questionnaire.uuid])
    content = page(staff.get(results_url))
    assert "masqué" in content
    assert "Rien à dire" not in content
    total, results = evaluations.results(questionnaire)
    assert total is None and all(result.masked for result in results)
    assert all(result.mean is None and result.yes_share is None for result in results)
    csv = staff.get(reverse("portal:staff_questionnaire_csv", args=[questionnaire.uuid])).content.decode()
    assert "masqué" in csv and "Rien à dire" not in csv

    respondents(family, questionnaire, 1, value=3, yes=1)
    total, results = evaluations.results(questionnaire)
    assert total == 10
    scale = next(r for r in results if r.question.kind == QuestionKind.SCALE)
    assert scale.answers == 10
    assert dict(scale.distribution)["Plutôt satisfait"] == 10
    assert scale.mean == 3.0
    yes_no = next(r for r in results if r.question.kind == QuestionKind.YES_NO)
    assert yes_no.yes_share == 100.0
    content = page(staff.get(results_url))
    assert "10 réponses" in content
    assert "Rien à dire" not in content
    csv = staff.get(reverse("portal:staff_questionnaire_csv", args=[questionnaire.uuid])).content.decode()
    assert ";10;" in csv


def test_a_small_count_beside_a_large_one_is_masked_with_the_mean(family, questionnaire, settings):
    settings.PARCOURS_DISCLOSURE_THRESHOLD = 3
    respondents(family, questionnaire, 5, value=4)
    respondents(family, questionnaire, 1, value=1)
    _, results = evaluations.results(questionnaire)
    scale = next(r for r in results if r.question.kind == QuestionKind.SCALE)
    assert scale.answers == 6
    assert dict(scale.distribution)["Pas du tout satisfait"] is None
    assert scale.mean is None


def test_individual_answers_reach_the_team_only_when_shared(family, login, questionnaire, settings):
    settings.PARCOURS_DISCLOSURE_THRESHOLD = 1
    respond(family.other, questionnaire, text="Réponse gardée pour moi")
    respond(family.lea, questionnaire, text="Réponse montrée à l'équipe", shared=True)
    staff = login(family.director.user)
    content = page(staff.get(reverse("portal:staff_questionnaire_results", args=[questionnaire.uuid])))
    assert "Réponse montrée à l'équipe" in content
    assert "Réponse gardée pour moi" not in content
    assert family.lea.birth_name.upper() in content.upper()
    assert family.other.birth_name.upper() not in content.upper()
    assert AccessLogEntry.objects.filter(
        actor=family.director.user, person=family.lea, category=Category.IDENTITY,
        object_type="EvaluationResponse",
    ).exists()  # fmt: skip
    assert not AccessLogEntry.objects.filter(
        actor=family.director.user, person=family.other, object_type="EvaluationResponse"
    ).exists()


def test_the_direction_creates_from_the_model_and_edits_until_answered(family, login):
    staff = login(family.director.user)
    content = page(staff.get(reverse("portal:staff_questionnaire_create")))
    assert "Êtes-vous satisfait de l'accueil ?" in content
    data = {
        "establishment": family.ime.pk,
        "title": "Avis 2026",
        "opens_on": timezone.localdate().isoformat(),
        "questions-TOTAL_FORMS": "2",
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "30",
        "questions-0-text": "Aimez-vous les repas ?",
        "questions-0-easy_text": "Les repas sont bons ?",
        "questions-0-kind": "scale",
        "questions-1-text": "",
        "questions-1-kind": "text",
    }
    assert staff.post(reverse("portal:staff_questionnaire_create"), data).status_code == 302
    created = Questionnaire.objects.get(title="Avis 2026")
    assert list(created.questions.values_list("text", flat=True)) == ["Aimez-vous les repas ?"]
    assert "Avis 2026" in page(staff.get(reverse("portal:staff_questionnaires")))

    edit = reverse("portal:staff_questionnaire_edit", args=[created.uuid])
    page(staff.get(edit))
    data["questions-0-text"] = "Les repas vous plaisent-ils ?"
    assert staff.post(edit, data).status_code == 302
    assert created.questions.get().text == "Les repas vous plaisent-ils ?"

    respond(family.lea, created, value=2)
    data["questions-0-text"] = "Autre question"
    content = page(staff.post(edit, data))
    assert "ne changent plus" in content
    assert created.questions.get().text == "Les repas vous plaisent-ils ?"
    assert Question.objects.filter(questionnaire=created).count() == 1


def test_the_team_pages_are_the_directions_only(family, login, questionnaire):
    educator = login(family.educator.user)
    assert educator.get(reverse("portal:staff_questionnaires")).status_code == 403
    assert (
        educator.get(reverse("portal:staff_questionnaire_results", args=[questionnaire.uuid])).status_code
        == 403
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 — AccessDenied, a PermissionDenied
        evaluations.create_questionnaire(
            actor=Actor(user=family.educator.user), establishment=family.ime, title="x",
            opens_on=timezone.localdate(), questions=evaluations.model_questions(),
        )  # fmt: skip
