"""What the browser tests and the weight bench of the person's space share: a filled world, the
portal's login, and the list of the portal's addresses found through the URL resolver.

Every URL name of the "portal" namespace is opened with arguments taken from `ARGUMENTS` (by the name
of the URL's parameter), by the visitor its view expects: anyone for a public view
(`login_not_required`: invitations), the director of her IME for the team's pages under
/portail/equipe/ (the questionnaires are the direction's),
the person's own login (every power) for the rest. A URL added later is checked as soon as it exists,
or makes the tests fail until `ARGUMENTS` can give its parameters (or `NOT_PAGES` lists it).
"""

import datetime
from collections.abc import Callable
from types import SimpleNamespace

from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from parcours.access.api import Actor
from parcours.access.enums import PortalRole
from parcours.coordination.enums import CircleRole, ThreadAudience
from parcours.coordination.models import CircleMember, CircleMessage, CircleThread
from parcours.portal.enums import QuestionKind
from parcours.portal.invitations import invite
from parcours.portal.models import Message, PortalAccount, Question, Questionnaire, Thread
from parcours.records import services as records_services
from parcours.records.enums import AgendaKind, FrequencyPeriod, NoteCategory, PresenceStatus, ProjetStatus
from parcours.records.models import AgendaEntry, Goal, PlannedService, Presence
from parcours.staff.enums import Role
from tests.factories import (
    PASSWORD,
    AdmissionFactory,
    EstablishmentFactory,
    NoteFactory,
    PersonFactory,
    ProjetFactory,
    RelativeFactory,
    UserFactory,
    concept,
    make_professional,
)
from tests.portal.factories import LegalProtectionFactory, PortalAccountFactory


def log_in_portal(page, username: str, password: str = PASSWORD) -> None:
    """The login page, as a person or a relative does: no second factor in the person's space."""
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/portail/" in url)


def make_family() -> SimpleNamespace:
    """The portal tests' `family` (tests/portal/conftest.py), for the bench that runs outside pytest:
    an IME, its educator and director, Léa admitted there with her own login, her mother (a relative
    with every right) and her guardian (tutelle)."""
    ime = EstablishmentFactory(name="IME Les Tilleuls")
    educator = make_professional(ime, first_name="Inès", last_name="Martin")
    director = make_professional(ime, role=Role.ESTABLISHMENT_DIRECTOR, first_name="Paul", last_name="Roche")
    lea = PersonFactory(birth_name="Durand", first_names="Léa Marie", birth_date=datetime.date(2008, 3, 14))
    AdmissionFactory(
        person=lea, establishment=ime, start_date=timezone.localdate() - datetime.timedelta(days=300)
    )
    mother_relative = RelativeFactory(person=lea, first_name="Sophie", last_name="Durand")
    guardian_relative = RelativeFactory(person=lea, first_name="Marc", last_name="Durand")
    protection = LegalProtectionFactory(person=lea, representative_relative=guardian_relative)
    lea_user = UserFactory(username="lea", first_name="Léa", last_name="Durand")
    mother = UserFactory(username="sophie", first_name="Sophie", last_name="Durand")
    guardian = UserFactory(username="marc", first_name="Marc", last_name="Durand")
    PortalAccountFactory(user=lea_user, person=lea, role=PortalRole.PERSON, relative=None)
    PortalAccountFactory(user=mother, person=lea, relative=mother_relative)
    PortalAccountFactory(
        user=guardian, person=lea, role=PortalRole.REPRESENTATIVE, relative=guardian_relative,
        protection=protection,
    )  # fmt: skip
    return SimpleNamespace(
        ime=ime, educator=educator, director=director, lea=lea, mother_relative=mother_relative,
        guardian_relative=guardian_relative, protection=protection, lea_user=lea_user, mother=mother,
        guardian=guardian,
    )  # fmt: skip


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
    team = Actor.system(educator.user, channel="web")
    projet = ProjetFactory(person=lea, establishment=ime, author=educator, status=ProjetStatus.DRAFT)
    goal = Goal.objects.create(projet=projet, title="Prendre le bus seule", description="Trajet IME-maison.")
    PlannedService.objects.create(
        projet=projet, goal=goal, concept=concept("serafin-ph-prestations", "2.3.1.1"),
        frequency_count=2, frequency_period=FrequencyPeriod.WEEK,
    )  # fmt: skip
    records_services.change_projet_status(projet, status=ProjetStatus.PROPOSED, actor=team)
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
    grandmother = RelativeFactory(person=lea, first_name="Josette", last_name="Durand")
    family.invitation = invite(
        lea, actor=team, role=PortalRole.RELATIVE, relative=grandmother, rights=["day"]
    )
    family.mother_account = PortalAccount.objects.get(user=family.mother, person=lea)
    # Léa's circle of carers: the educator, and her mother as the family carer, with a conversation
    # open to the family (the family's circle pages of the space are the mother's).
    CircleMember.objects.create(
        person=lea, user=educator.user, role=CircleRole.REFERENT, added_by=educator.user
    )
    CircleMember.objects.create(
        person=lea, user=family.mother, relative=family.mother_relative, role=CircleRole.CARER,
        added_by=educator.user,
    )  # fmt: skip
    family.circle_thread = CircleThread.objects.create(
        person=lea, audience=ThreadAudience.FAMILY, subject="Vacances d'été", started_by=educator.user
    )
    CircleMessage.objects.create(thread=family.circle_thread, author=educator.user, body="Quelles dates ?")
    return family


# How to fill each parameter of the portal's URLs, by its name, from the world of `portal_world`.
ARGUMENTS: dict[str, Callable] = {
    "person_uuid": lambda w: w.lea.uuid,
    "projet_uuid": lambda w: w.projet.uuid,
    "number": lambda w: 1,
    "thread_uuid": lambda w: w.thread.uuid,
    "circle_thread_uuid": lambda w: w.circle_thread.uuid,
    "message_uuid": lambda w: w.thread.messages.first().uuid,
    "account_uuid": lambda w: w.mother_account.uuid,
    "invitation_uuid": lambda w: w.invitation.invitation.uuid,
    "token": lambda w: w.invitation.token,
    "questionnaire_uuid": lambda w: w.questionnaire.uuid,
    # The team's questionnaire pages name their questionnaire `uuid`.
    "uuid": lambda w: w.questionnaire.uuid,
}
# Addresses that are no page whatever their arguments: actions (POST only) and files to download.
NOT_PAGES = {
    "portal:consent_withdraw",
    "portal:privacy_export_download",
    "portal:attachment",
    "portal:staff_attachment",
}


def portal_urls() -> list[tuple[str, str, list[str], Callable]]:
    """(URL name, route, parameter names, view) of every URL of the "portal" namespace."""
    found = []

    def walk(patterns, route: str, params: list[str], namespace: str) -> None:
        for pattern in patterns:
            regex_params = list(pattern.pattern.regex.groupindex)
            if isinstance(pattern, URLResolver):
                inner = (
                    ":".join(filter(None, [namespace, pattern.namespace])) if pattern.namespace else namespace
                )
                walk(pattern.url_patterns, route + str(pattern.pattern), params + regex_params, inner)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace == "portal":
                found.append((f"portal:{pattern.name}", route + str(pattern.pattern), params + regex_params,
                              pattern.callback))  # fmt: skip

    walk(get_resolver().url_patterns, "/", [], "")
    assert found, "aucune adresse dans l'espace « portal »"
    return found


def visitor_of(route: str, view) -> str:
    if not getattr(view, "login_required", True):
        return "anonymous"
    if route.startswith("/portail/equipe/"):
        return "team"
    if "/cercle/" in route:
        return "carer"  # the circle's conversations with the family: a family carer of the circle
    return "person"


def addresses(world) -> dict[str, list[tuple[str, str]]]:
    """The addresses to probe, by visitor: (URL name, path)."""
    by_visitor: dict[str, list[tuple[str, str]]] = {"anonymous": [], "team": [], "person": [], "carer": []}
    missing = []
    for name, route, params, view in portal_urls():
        if name in NOT_PAGES:
            continue
        unknown = [param for param in params if param not in ARGUMENTS]
        if unknown:
            missing.append(f"{name} ({', '.join(unknown)})")
            continue
        if "/cercle/" in route and "thread_uuid" in params:
            params = ["circle_thread_uuid" if param == "thread_uuid" else param for param in params]
        kwargs = {param: ARGUMENTS[param](world) for param in params}
        if "circle_thread_uuid" in kwargs:
            kwargs["thread_uuid"] = kwargs.pop("circle_thread_uuid")
        path = reverse(name, kwargs=kwargs)
        by_visitor[visitor_of(route, view)].append((name, path))
    assert not missing, (
        "Donnez leurs paramètres à ces adresses dans ARGUMENTS "
        "(tests/browser/portal.py) : " + "; ".join(missing)
    )
    return by_visitor
