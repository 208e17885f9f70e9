"""What the browser tests of the person's space share: a filled world and the portal's login."""

import datetime

from django.urls import reverse
from django.utils import timezone

from parcours.portal.enums import QuestionKind
from parcours.portal.models import Message, Question, Questionnaire, Thread
from parcours.records.enums import AgendaKind, FrequencyPeriod, NoteCategory, PresenceStatus, ProjetStatus
from parcours.records.models import AgendaEntry, Goal, PlannedService, Presence
from tests.factories import PASSWORD, NoteFactory, ProjetFactory, concept


def log_in_portal(page, username: str, password: str = PASSWORD) -> None:
    """The login page, as a person or a relative does: no second factor in the person's space."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/portail/" in url)


def portal_world(family):
    """The portal's `family` (tests/portal/conftest.py), with something on every page of Léa's space:
    today's presence, a shared note and one kept for the team, an activity and an appointment, a
    projet proposed to her with a goal and a planned service, a conversation with the team, and a
    questionnaire of her IME."""
    now = timezone.now()
    today = timezone.localdate()
    lea, ime, educator = family.lea, family.ime, family.educator
    Presence.objects.create(
        person=lea, establishment=ime, date=today, status=PresenceStatus.PRESENT,
        arrived_at=datetime.time(9, 0), recorded_by=educator,
    )  # fmt: skip
    family.note = NoteFactory(
        person=lea, establishment=ime, author=educator, shareable=True, category=NoteCategory.ACTIVITY,
        text="Léa a fait un gâteau à l'atelier cuisine.",
    )  # fmt: skip
    NoteFactory(person=lea, establishment=ime, author=educator, text="Note réservée à l'équipe.")
    for kind, hours, title in [
        (AgendaKind.ACTIVITY, 2, "Piscine"),
        (AgendaKind.APPOINTMENT, 26, "Rendez-vous chez l'orthophoniste"),
    ]:
        AgendaEntry.objects.create(
            person=lea, establishment=ime, kind=kind, starts_at=now + datetime.timedelta(hours=hours),
            title=title, place="Salle bleue", created_by=educator,
        )  # fmt: skip
    projet = ProjetFactory(person=lea, establishment=ime, author=educator, status=ProjetStatus.PROPOSED)
    goal = Goal.objects.create(projet=projet, title="Prendre le bus seule", description="Trajet IME-maison.")
    PlannedService.objects.create(
        projet=projet, goal=goal, concept=concept("serafin-ph-prestations", "2.3.1.1"),
        frequency_count=2, frequency_period=FrequencyPeriod.WEEK,
    )  # fmt: skip
    family.projet = projet
    thread = Thread.objects.create(
        person=lea, establishment=ime, subject="Sortie de vendredi", started_by=family.mother
    )
    Message.objects.create(thread=thread, author=family.mother, from_team=False, body="À quelle heure ?")
    Message.objects.create(thread=thread, author=educator.user, from_team=True, body="À 16 h 30.")
    family.thread = thread
    questionnaire = Questionnaire.objects.create(
        establishment=ime, title="Votre avis sur l'accueil", easy_title="Mon avis sur l'accueil",
        opens_on=today - datetime.timedelta(days=5), created_by=family.director.user,
    )  # fmt: skip
    for position, (text, easy, kind) in enumerate(
        [
            ("Êtes-vous satisfait de l'accueil ?", "L'accueil me plaît ?", QuestionKind.SCALE),
            ("Connaissez-vous votre référent ?", "Je connais mon référent ?", QuestionKind.YES_NO),
            ("Que faudrait-il améliorer ?", "Ce qu'il faut changer", QuestionKind.TEXT),
        ],
        start=1,
    ):
        Question.objects.create(
            questionnaire=questionnaire, position=position, text=text, easy_text=easy, kind=kind
        )
    family.questionnaire = questionnaire
    return family
