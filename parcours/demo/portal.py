"""The person's space in the demonstration: two logins and a day to follow.

In the establishment of the demonstration's team logins:
- `famille`: the relative of a person supported today; their legal representative when the person
  has a representation measure exercised by a relative (a parent under autorité parentale, a
  tutelle...), a relative with every right otherwise;
- `personne`: another adult supported today, in their own space.
For the first person, today: presence noted, an activity and an appointment, two notes the team
shared, their projet personnalisé proposed to them (frozen as version 1), a message from the team.
The establishment opens a satisfaction questionnaire (the model questionnaire of Parcours).

Written with the ORM, bypassing the services like the rest of the demo (nothing in the access log);
the texts are invented, like every name of the demonstration."""

import datetime
import random

from django.contrib.auth.hashers import make_password
from django.db.models import Q
from django.utils import timezone

from parcours.access.enums import PortalRight, PortalRole
from parcours.access.portal import REPRESENTATION
from parcours.accounts.models import User
from parcours.people.models import LegalProtection, Person, Relative
from parcours.portal.evaluations import (
    MODEL_EASY_INTRODUCTION,
    MODEL_EASY_TITLE,
    MODEL_INTRODUCTION,
    MODEL_TITLE,
    model_questions,
)
from parcours.portal.models import Message, PortalAccount, Question, Questionnaire, Thread
from parcours.records.enums import AgendaKind, NoteCategory, PresenceStatus, ProjetStatus
from parcours.records.models import Admission, AgendaEntry, Note, Presence, ProjetPersonnalise
from parcours.records.projet_versions import freeze_version
from parcours.staff.models import Professional

LOGIN_FAMILY = "famille"
LOGIN_PERSON = "personne"
PORTAL_USERNAMES = (LOGIN_FAMILY, LOGIN_PERSON)

# (minutes before the demonstration was built, category, text): written earlier today, never later.
SHARED_NOTES = (
    (150, NoteCategory.ACTIVITY, "Belle matinée à l'atelier cuisine : {name} a préparé la salade de fruits."),
    (40, NoteCategory.DAILY_LIFE, "Repas pris avec appétit, bonne humeur avec le groupe."),
)
TEAM_MESSAGE = (
    "Bonjour, la sortie au marché est prévue jeudi matin. Pensez à prévoir une tenue adaptée à la "
    "pluie. Bonne journée !"
)


def _person_with_family(persons: list[Person], today: datetime.date):
    """(person, relative, protection or None): a family representative if there is one, a parent
    otherwise."""
    in_force = (
        LegalProtection.objects.filter(
            person__in=persons, representative_relative__isnull=False, measure__in=REPRESENTATION
        )
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("person", "representative_relative")
        .order_by("person_id", "pk")
    )
    for protection in in_force:
        return protection.person, protection.representative_relative, protection
    relative = (
        Relative.objects.filter(person__in=persons, relationship="parent")
        .select_related("person")
        .order_by("pk")
    ).first()
    if relative is None:
        return None, None, None
    return relative.person, relative, None


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def create_demo_space(
    establishment_id: int, *, educator_user_id: int, director_user_id: int, password: str, rng: random.Random
) -> list[tuple[str, str]]:
    """Write the demonstration's space; returns the logins and what each one shows."""
    today = timezone.localdate()
    admitted = Admission.objects.active(today).filter(establishment_id=establishment_id)
    persons = list(Person.objects.filter(pk__in=admitted.values("person_id")).order_by("pk"))
    person, relative, protection = _person_with_family(persons, today)
    if person is None:
        return []
    educator = Professional.objects.get(user_id=educator_user_id)
    hashed = make_password(password)
    logins = []

    family = User.objects.create(
        username=LOGIN_FAMILY,
        first_name=relative.first_name,
        last_name=relative.last_name,
        email=f"{LOGIN_FAMILY}@example.org",
        password=hashed,
    )
    role = PortalRole.REPRESENTATIVE if protection else PortalRole.RELATIVE
    PortalAccount.objects.create(
        user=family,
        person=person,
        role=role,
        relative=relative,
        protection=protection,
        rights=[] if protection else list(PortalRight.values),
        rights_changed_by=family,
    )
    capacity = f"représentant légal ({protection.get_measure_display().lower()})" if protection else "proche"
    logins.append((LOGIN_FAMILY, f"espace de la personne — {capacity} de {person.display_name}"))

    adults = [p for p in persons if p.pk != person.pk and p.age >= 18]
    if adults:
        own = rng.choice(adults)
        user = User.objects.create(
            username=LOGIN_PERSON,
            first_name=own.used_first_name or own.first_names.split(" ")[0],
            last_name=own.used_name or own.birth_name,
            email=f"{LOGIN_PERSON}@example.org",
            password=hashed,
        )
        PortalAccount.objects.create(user=user, person=own, role=PortalRole.PERSON, rights_changed_by=user)
        logins.append((LOGIN_PERSON, f"espace de la personne — {own.display_name}, son propre espace"))

    Presence.objects.create(
        person=person,
        establishment_id=establishment_id,
        date=today,
        status=PresenceStatus.PRESENT,
        arrived_at=datetime.time(9, 5),
        recorded_by=educator,
    )
    AgendaEntry.objects.bulk_create(
        [
            AgendaEntry(
                person=person, establishment_id=establishment_id, kind=AgendaKind.ACTIVITY,
                starts_at=_at(today, 14), ends_at=_at(today, 16), title="Atelier jardinage",
                place="Jardin de l'établissement", created_by=educator,
            ),
            AgendaEntry(
                person=person, establishment_id=establishment_id, kind=AgendaKind.APPOINTMENT,
                starts_at=_at(today + datetime.timedelta(days=3), 10, 30),
                title="Rendez-vous chez l'orthophoniste", place="Cabinet du centre-ville",
                created_by=educator,
            ),
        ]
    )  # fmt: skip
    first = person.used_first_name or person.first_names.split(" ")[0]
    now = timezone.now()
    for minutes, category, text in SHARED_NOTES:
        Note.objects.create(
            person=person,
            establishment_id=establishment_id,
            category=category,
            text=text.format(name=first),
            author=educator,
            written_at=now - datetime.timedelta(minutes=minutes),
            shareable=True,
        )
    projet = (
        ProjetPersonnalise.objects.filter(person=person, establishment_id=establishment_id)
        .order_by("-date", "-pk")
        .first()
    )
    if projet is not None:
        # Proposed to the person today, waiting for their answer.
        projet.status, projet.agreed_at = ProjetStatus.PROPOSED, None
        projet.save(update_fields=["status", "agreed_at"])
        freeze_version(projet, user=educator.user)
    thread = Thread.objects.create(
        person=person,
        establishment_id=establishment_id,
        subject="Sortie au marché jeudi",
        started_by=educator.user,
    )
    Message.objects.create(thread=thread, author=educator.user, from_team=True, body=TEAM_MESSAGE)

    questionnaire = Questionnaire.objects.create(
        establishment_id=establishment_id,
        title=MODEL_TITLE,
        easy_title=MODEL_EASY_TITLE,
        introduction=MODEL_INTRODUCTION,
        easy_introduction=MODEL_EASY_INTRODUCTION,
        opens_on=today - datetime.timedelta(days=15),
        closes_on=today + datetime.timedelta(days=45),
        created_by_id=director_user_id,
    )
    Question.objects.bulk_create(
        Question(
            questionnaire=questionnaire,
            position=position,
            text=item.text,
            easy_text=item.easy_text,
            kind=item.kind,
        )
        for position, item in enumerate(model_questions(), start=1)
    )
    return logins
