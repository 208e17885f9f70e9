"""Matrix rows of the questionnaires: the person's side (nobody of the team holds a link to P's space:
404) and the team's pages, for the directions of establishments only. A's questionnaire is A's
director's: B's director directs another establishment (404); whoever directs nothing gets a 403."""

import datetime

from django.urls import reverse
from django.utils import timezone

from parcours.portal import evaluations
from parcours.portal.models import Question, Questionnaire
from tests.security.matrix import F403, INVALID, LOGIN, N404, NO_LINK, OK, Row, formset

# The list and the new questionnaire: the directors of A and of B.
DIRECTORS = (LOGIN, F403, OK, F403, F403, F403, F403, OK, OK, OK, F403, F403, F403)
# A new questionnaire posted in A's name: B's director may write only for B (the form comes back).
CREATE_IN_A = (LOGIN, F403, OK, F403, F403, F403, F403, INVALID, INVALID, INVALID, F403, F403, F403)
# A's questionnaire: A's director only.
QUESTIONNAIRE_A = (LOGIN, F403, OK, F403, F403, F403, F403, N404, N404, N404, F403, F403, F403)


def questionnaire_a(w) -> Questionnaire:
    """A's questionnaire, open since yesterday, written by A's director from the model."""
    existing = Questionnaire.objects.filter(establishment=w.a).order_by("pk").first()
    if existing is not None:
        return existing
    return evaluations.create_questionnaire(
        actor=w.actor("dir_a"),
        establishment=w.a,
        title="Votre avis",
        opens_on=timezone.localdate() - datetime.timedelta(days=1),
        questions=evaluations.model_questions(),
    )


def questionnaire_data(w) -> dict:
    return {
        "establishment": w.a.pk,
        "title": "Votre avis sur l'accompagnement",
        "opens_on": timezone.localdate().isoformat(),
        **formset("questions", {"text": "L'accueil vous plaît-il ?", "easy_text": "", "kind": "scale"}),
    }


def of_a(w) -> dict:
    return {"uuid": questionnaire_a(w).uuid}


ROWS = [
    Row("portal:evaluations", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
    Row(
        "portal:evaluation",
        "GET",
        NO_LINK,
        lambda w: {"person_uuid": w.person.uuid, "questionnaire_uuid": questionnaire_a(w).uuid},
        setup=questionnaire_a,
    ),
    Row("portal:staff_questionnaires", "GET", DIRECTORS),
    Row("portal:staff_questionnaire_create", "GET", DIRECTORS),
    Row(
        "portal:staff_questionnaire_create",
        "POST",
        CREATE_IN_A,
        data=questionnaire_data,
        success=lambda w: reverse("portal:staff_questionnaires"),
        probe=lambda w: Questionnaire.objects.count(),
    ),
    Row("portal:staff_questionnaire_edit", "GET", QUESTIONNAIRE_A, of_a, setup=questionnaire_a),
    Row(
        "portal:staff_questionnaire_edit",
        "POST",
        QUESTIONNAIRE_A,
        of_a,
        data=questionnaire_data,
        success=lambda w: reverse("portal:staff_questionnaires"),
        probe=lambda w: sorted(Question.objects.values_list("text", flat=True)),
        setup=questionnaire_a,
    ),
    Row("portal:staff_questionnaire_results", "GET", QUESTIONNAIRE_A, of_a, setup=questionnaire_a),
    Row("portal:staff_questionnaire_csv", "GET", QUESTIONNAIRE_A, of_a, setup=questionnaire_a),
]
