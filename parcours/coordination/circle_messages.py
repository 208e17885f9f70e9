"""Conversations inside the circle of carers around a person: threads, replies, and the notices that
announce them.

Rules (business words):
- A conversation is "between professionals" (`ThreadAudience.TEAM`) or "with the family"
  (`ThreadAudience.FAMILY`). The circle's professionals read and write both; the circle's family
  carers read and answer only those with the family (`access.circle.decide_circle`, `with_family`).
  Being in the team of an establishment that supports the person is not enough: only members count.
- The team's pages are for the circle's professionals; the family carers reach their conversations
  from the person's space (`/portail/<uuid>/cercle/`), with their own login.
- Every read and write is in the access log under the notes' category (correspondence about the
  person), the thread or the message as its object, with the basis "circle".
- A new message notifies the other members who may read it (`NotificationKind.CIRCLE_MESSAGE`): the
  professionals with a link to the team's page, the family carers with a link to their space. The
  notice and its e-mail name nobody.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from parcours.access import circle
from parcours.access.api import Action, Actor, Category, atomic_service, require_circle
from parcours.access.enums import Basis
from parcours.access.journal import record
from parcours.coordination.enums import NotificationKind, ThreadAudience
from parcours.coordination.models import CircleMember, CircleMessage, CircleThread
from parcours.coordination.notifications import notify
from parcours.people.models import Person

SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 5000
NOT_FOUND = "Conversation introuvable."


def _with_family(thread: CircleThread) -> bool:
    return thread.audience == ThreadAudience.FAMILY


def _clean_text(value: str, name: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({name: f"Écrivez {label}."})
    if len(text) > limit:
        raise ValidationError({name: f"{label[0].upper()}{label[1:]} dépasse {limit} caractères."})
    if "\x00" in text:
        raise ValidationError({name: "Ce texte contient un caractère invalide."})
    return text


def staff_thread_url(thread: CircleThread) -> str:
    return reverse("coordination:circle_thread", args=[thread.person.uuid, thread.uuid])


def family_thread_url(thread: CircleThread) -> str:
    return reverse("portal:circle_thread", args=[thread.person.uuid, thread.uuid])


def _notify_message(thread: CircleThread, author) -> None:
    """Notify the circle's other active members who may read the thread (those with a login)."""
    members = CircleMember.objects.active().filter(person=thread.person, user__isnull=False)
    members = members.exclude(user=author).select_related("user")
    professionals, family = [], []
    for member in members:
        if member.relative_id is None:
            professionals.append(member.user)
        elif _with_family(thread):
            family.append(member.user)
    if professionals:
        notify(professionals, NotificationKind.CIRCLE_MESSAGE, staff_thread_url(thread))
    if family:
        notify(family, NotificationKind.CIRCLE_MESSAGE, family_thread_url(thread))


# Writing


@atomic_service
def start_circle_thread(
    person: Person, *, actor: Actor, audience: str, subject: str, body: str
) -> CircleThread:
    """Start a conversation of the circle, with its first message. A family carer may start one only
    with the family."""
    if audience not in ThreadAudience.values:
        raise ValidationError({"audience": "Choisissez avec qui vous parlez."})
    subject = _clean_text(subject, "subject", "l'objet", SUBJECT_MAX_LENGTH)
    body = _clean_text(body, "body", "votre message", BODY_MAX_LENGTH)
    now = timezone.now()
    thread = CircleThread(
        person=person,
        audience=audience,
        subject=subject,
        started_by=actor.user,
        started_at=now,
        last_message_at=now,
    )
    require_circle(actor, person, Category.NOTES, Action.CREATE, obj=thread, with_family=_with_family(thread))
    thread.full_clean()
    thread.save()
    CircleMessage.objects.create(thread=thread, author=actor.user, body=body, sent_at=now)
    _notify_message(thread, actor.user)
    return thread


@atomic_service
def reply_in_circle(thread: CircleThread, *, actor: Actor, body: str) -> CircleMessage:
    """Answer in a conversation of the circle (a professional member, or a family carer in a
    conversation with the family)."""
    body = _clean_text(body, "body", "votre message", BODY_MAX_LENGTH)
    message = CircleMessage(thread=thread, author=actor.user, body=body, sent_at=timezone.now())
    require_circle(
        actor, thread.person, Category.NOTES, Action.CREATE, obj=message, with_family=_with_family(thread)
    )
    message.save()
    CircleThread.objects.filter(pk=thread.pk).update(last_message_at=message.sent_at)
    thread.last_message_at = message.sent_at
    _notify_message(thread, actor.user)
    return message


# Reading


@dataclass
class Entry:
    message: CircleMessage
    author: str
    mine: bool
    from_family: bool


def _author_names(person: Person, *, full: bool) -> dict[int, tuple[str, bool]]:
    """How each member (present or past) is named in the conversations, by user id, and whether they
    are of the family: "Karim Benali, ESAT du Rhône" for the team, "Karim (ESAT du Rhône)" for the
    family; "Claire (aidant familial)"."""
    names = {}
    members = (
        CircleMember.objects.filter(person=person, user__isnull=False)
        .select_related("user__professional", "relative", "establishment")
        .order_by("joined_at", "pk")
    )
    for member in members:
        if member.relative_id:
            names[member.user_id] = (
                f"{member.relative.first_name} ({member.get_role_display().lower()})",
                True,
            )
            continue
        professional = getattr(member.user, "professional", None)
        if professional is None:
            given = member.user.get_full_name() if full else member.user.first_name
        else:
            given = str(professional) if full else professional.first_name
        where = member.establishment.name if member.establishment_id else member.get_role_display()
        names[member.user_id] = (f"{given}, {where}" if full else f"{given} ({where})", False)
    return names


def _entries(thread: CircleThread, reader, *, full: bool) -> list[Entry]:
    names = _author_names(thread.person, full=full)
    entries = []
    for message in CircleMessage.objects.filter(thread=thread).order_by("sent_at", "pk"):
        author, from_family = names.get(message.author_id, ("Un ancien membre du cercle", False))
        mine = message.author_id == reader.pk
        entries.append(Entry(message, "Vous" if mine else author, mine, from_family))
    return entries


@atomic_service
def read_circle_thread(thread: CircleThread, *, actor: Actor, family: bool = False) -> list[Entry]:
    """The messages of a conversation, the read logged (notes). `family`: as the family's space shows
    them (first names only)."""
    require_circle(
        actor, thread.person, Category.NOTES, Action.READ, obj=thread, with_family=_with_family(thread)
    )
    return _entries(thread, actor.user, full=not family)


def circle_threads(person: Person, *, family: bool = False):
    """The person's conversations, newest first; those with the family only for the family's side.
    The caller has opened the circle's page (and logged it)."""
    threads = CircleThread.objects.filter(person=person)
    if family:
        threads = threads.filter(audience=ThreadAudience.FAMILY)
    return threads.order_by("-last_message_at", "-pk")


def may_write(user, thread: CircleThread) -> bool:
    """Whether to offer the reply form (the service decides again when it is posted)."""
    return bool(circle.decide_circle(user, thread.person, with_family=_with_family(thread)))


def open_family_circle(actor: Actor, person_uuid) -> tuple[Person, CircleMember]:
    """The person whose circle a page of the family's space shows: the user must be a family carer of
    the circle; otherwise a 404 that hides whether the person exists, the refusal in the access log.
    The read is logged under the notes' category."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Cercle introuvable.")
    member = circle.membership(actor.user, person)
    decision = circle.decide_circle(actor.user, person, with_family=True)
    allowed = bool(decision) and member is not None and member.relative_id is not None
    record(
        actor,
        person=person,
        action=Action.READ,
        category=Category.NOTES,
        allowed=allowed,
        basis=decision.basis if allowed else Basis.NONE,
        obj=person,
        details={"cercle": 1, "espace": "famille"},
    )
    if not allowed:
        raise Http404("Cercle introuvable.")
    return person, member
