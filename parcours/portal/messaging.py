"""Messages between the person's side and the team: threads, replies, attachments, read receipts and
the e-mail notices that announce them.

Rules (business words):
- A thread links one person and one establishment that currently supports them. The person's side
  (the person, their legal representative, a relative given the right) starts one or replies with the
  messages power of the person's space; the team starts one with the family or replies when it may
  write the person's notes and works in the thread's establishment (its team or its direction).
- Reading a thread needs the same: the messages power on the person's side; on the team's side, the
  right to read the person's notes AND work in the thread's establishment. The gestionnaire's
  direction (which never reads notes), another establishment (through a consent or an emergency
  access) and anybody else never see a thread.
- Every read and write is in the access log under the notes' category (messages are correspondence of
  the same kind), the thread or the message as its object.
- Opening a thread marks its messages read for the reader: one receipt per reader and message, dated
  at the first opening only. The other side sees the receipts.
- One attachment per message, 10 MB at most, of the types accepted for documents; stored encrypted,
  its name kept encrypted, downloaded only by those who may read the thread (logged).
- The e-mail notices carry no personal detail (no name, no subject, no establishment): a sentence and
  a link. A notice that cannot be sent never loses the message.
"""

from dataclasses import dataclass, field
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from parcours.access import policy, portal
from parcours.access.api import (
    AccessDenied,
    Action,
    Actor,
    Category,
    atomic_service,
    log_listing,
    require,
    require_portal,
)
from parcours.access.enums import Basis, PortalPower, PortalRole
from parcours.access.journal import record, record_many
from parcours.core.mail import send_each
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.people.services import professional_of
from parcours.portal.models import Message, MessageRead, PortalAccount, Thread
from parcours.portal.pages import first_name
from parcours.records.models import Admission
from parcours.records.services import ALLOWED_TYPES_LABEL, MAX_DOCUMENT_SIZE, detect_document_type
from parcours.staff.enums import Role
from parcours.staff.models import Membership

MAX_ATTACHMENT_SIZE = MAX_DOCUMENT_SIZE
SUBJECT_MAX_LENGTH = 200
BODY_MAX_LENGTH = 5000
THREADS_PER_PAGE = 20
REFUSED = "Vous n'avez pas accès à cette conversation."
ROLE_WORDS = {
    PortalRole.PERSON: "personne accompagnée",
    PortalRole.REPRESENTATIVE: "représentant légal",
    PortalRole.RELATIVE: "proche",
}


# Who may do what


def team_establishments(user) -> frozenset[int]:
    """The establishments where the user works today, in the team or the direction."""
    scope = policy.scope_of(user)
    return scope.team | scope.directed


def _require_team(actor: Actor, thread: Thread, action: str, obj) -> None:
    """The team's side: the person's notes (read or write, through the access policy) in the thread's
    establishment. A refusal is logged once the service's transaction is rolled back."""
    if thread.establishment_id not in team_establishments(actor.user):

        def log() -> None:
            record(actor, person=thread.person, action=action, category=Category.NOTES, allowed=False,
                   basis=Basis.NONE, obj=obj, details={"messages": "hors_etablissement"})  # fmt: skip

        raise AccessDenied(REFUSED, pending_refusal=log)
    require(actor, thread.person, Category.NOTES, action, obj=obj)


def _require_side(actor: Actor, thread: Thread, action: str, obj, as_team: bool) -> None:
    if as_team:
        _require_team(actor, thread, action, obj)
    else:
        require_portal(actor, thread.person, PortalPower.MESSAGES, Category.NOTES, action, obj=obj)


def supporting_establishments(person: Person):
    """The establishments that support the person today (an admission in progress)."""
    return Establishment.objects.filter(
        pk__in=Admission.objects.active().filter(person=person).values("establishment_id")
    ).order_by("name")


def team_may_read(user, thread: Thread) -> bool:
    """Whether the user may read the thread on the team's side (no log: the read itself logs)."""
    return thread.establishment_id in team_establishments(user) and bool(
        policy.decide(user, thread.person, Category.NOTES, Action.READ)
    )


def team_may_write(user, thread: Thread) -> bool:
    """Whether to offer the team's reply form (the service decides again when it is posted)."""
    return thread.establishment_id in team_establishments(user) and bool(
        policy.decide(user, thread.person, Category.NOTES, Action.CREATE)
    )


# Writing


def _clean_text(value: str, name: str, label: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({name: f"Écrivez {label}."})
    if len(text) > limit:
        raise ValidationError({name: f"{label[0].upper()}{label[1:]} dépasse {limit} caractères."})
    if "\x00" in text:
        raise ValidationError({name: "Ce texte contient un caractère invalide."})
    return text


def _check_attachment(file: UploadedFile) -> tuple[str, str]:
    """(extension, content type) of an acceptable attachment; ValidationError otherwise."""
    if file.size > MAX_ATTACHMENT_SIZE:
        raise ValidationError({"attachment": "La pièce jointe dépasse 10 Mo."})
    if file.size == 0:
        raise ValidationError({"attachment": "La pièce jointe est vide."})
    try:
        return detect_document_type(file)
    except ValidationError as exc:
        raise ValidationError(
            {"attachment": f"Type de fichier non accepté : joignez un document {ALLOWED_TYPES_LABEL}."}
        ) from exc


def _save_message(message: Message, attachment: UploadedFile | None) -> Message:
    if attachment is None:
        message.full_clean()
        message.save()
        return message
    extension, content_type = _check_attachment(attachment)
    message.attachment_name = (attachment.name or "piece-jointe")[:200]
    message.attachment_type = content_type
    message.attachment_size = attachment.size
    # The storage name is made of the message's UUID and the checked extension only.
    message.attachment.save(f"piece-jointe.{extension}", attachment, save=False)
    try:
        message.full_clean()
        message.save()
    except Exception:
        message.attachment.delete(save=False)
        raise
    return message


@atomic_service
def start_thread(
    person: Person,
    *,
    actor: Actor,
    establishment: Establishment,
    subject: str,
    body: str,
    attachment: UploadedFile | None = None,
    as_team: bool = False,
) -> Thread:
    """Start a conversation with the team of an establishment that supports the person (the person's
    side), or with the person's side (the team: `as_team`), with its first message."""
    subject = _clean_text(subject, "subject", "l'objet", SUBJECT_MAX_LENGTH)
    body = _clean_text(body, "body", "votre message", BODY_MAX_LENGTH)
    thread = Thread(person=person, establishment=establishment, subject=subject, started_by=actor.user)
    if as_team:
        professional_of(actor)
    _require_side(actor, thread, Action.CREATE, thread, as_team)
    if not supporting_establishments(person).filter(pk=establishment.pk).exists():
        raise ValidationError(
            {"establishment": "Cet établissement n'accompagne pas la personne aujourd'hui."}
        )
    now = timezone.now()
    thread.started_at = thread.last_message_at = now
    thread.full_clean()
    thread.save()
    message = Message(thread=thread, author=actor.user, from_team=as_team, body=body, sent_at=now)
    _save_message(message, attachment)
    _notify(thread, message)
    return thread


@atomic_service
def reply(
    thread: Thread,
    *,
    actor: Actor,
    body: str,
    attachment: UploadedFile | None = None,
    as_team: bool = False,
) -> Message:
    """Answer in a thread, from the person's side or from the team (`as_team`)."""
    body = _clean_text(body, "body", "votre message", BODY_MAX_LENGTH)
    message = Message(thread=thread, author=actor.user, from_team=as_team, body=body)
    if as_team:
        professional_of(actor)
    _require_side(actor, thread, Action.CREATE, message, as_team)
    _save_message(message, attachment)
    # The writer has read what they answer: the thread does not come back as unread to them.
    _mark_read(thread, actor.user)
    Thread.objects.filter(pk=thread.pk).update(last_message_at=message.sent_at)
    thread.last_message_at = message.sent_at
    _notify(thread, message)
    return message


def _mark_read(thread: Thread, reader) -> int:
    """A receipt for each message of the thread written by someone else and not yet read by this
    reader (the first opening only)."""
    unread = (
        Message.objects.filter(thread=thread)
        .exclude(author=reader)
        .exclude(Exists(MessageRead.objects.filter(message=OuterRef("pk"), reader=reader)))
        .values_list("pk", flat=True)
    )
    now = timezone.now()
    created = MessageRead.objects.bulk_create(
        [MessageRead(message_id=pk, reader=reader, read_at=now) for pk in unread], ignore_conflicts=True
    )
    return len(created)


@atomic_service
def mark_read(thread: Thread, *, actor: Actor, as_team: bool = False) -> int:
    """Mark the thread's messages read for the actor (a receipt per message, first opening only)."""
    _require_side(actor, thread, Action.READ, thread, as_team)
    return _mark_read(thread, actor.user)


# Reading


@dataclass
class Entry:
    message: Message
    author: str
    mine: bool
    receipts: list[str] = field(default_factory=list)


@dataclass
class ThreadPage:
    thread: Thread
    entries: list[Entry]


def _when(moment) -> str:
    """ "3 mars à 14 h 10", in local time."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'j F')} à {local.hour} h {local.minute:02d}"


def _family_names(person: Person) -> dict[int, str]:
    """How each login of the person's side is named, by user id (revoked links too: they name the
    authors of older messages): "Sophie (proche)"."""
    names = {}
    accounts = PortalAccount.objects.filter(person=person).select_related("relative", "user")
    for account in accounts.order_by("created_at"):
        if account.role == PortalRole.PERSON:
            given = first_name(person)
        elif account.relative_id:
            given = account.relative.first_name
        else:
            given = account.user.first_name or "Un proche"
        names[account.user_id] = f"{given} ({ROLE_WORDS.get(account.role, 'proche')})"
    return names


def _team_name(user, full: bool) -> str:
    professional = getattr(user, "professional", None)
    if professional is None:
        return "l'équipe" if not full else "Un membre de l'équipe"
    profession = professional.get_profession_display()
    name = str(professional) if full else professional.first_name
    return f"{name}, {profession}" if profession else name


@atomic_service
def read_thread(thread: Thread, *, actor: Actor, as_team: bool = False) -> ThreadPage:
    """The messages of a thread as one side sees them, the read logged and the messages marked read."""
    _require_side(actor, thread, Action.READ, thread, as_team)
    _mark_read(thread, actor.user)
    messages = list(
        Message.objects.filter(thread=thread)
        .select_related("author__professional")
        .prefetch_related("reads__reader")
        .order_by("sent_at", "pk")
    )
    family = _family_names(thread.person)
    entries = []
    for message in messages:
        mine = message.author_id == actor.user.pk
        if mine:
            author = "Vous"
        elif message.from_team:
            author = f"L'équipe : {_team_name(message.author, full=as_team)}"
        else:
            author = family.get(message.author_id, "Un proche")
        reads = sorted(message.reads.all(), key=lambda read: read.read_at)
        if as_team:
            # The team sees who of the person's side read its messages, and when.
            receipts = [
                f"Lu le {_when(read.read_at)} par {family[read.reader_id]}"
                for read in reads
                if message.from_team and read.reader_id in family
            ]
        else:
            # The person's side sees that the team read its messages (the first reading is enough).
            team_reads = [read for read in reads if read.reader_id not in family]
            receipts = (
                [f"Lu par l'équipe le {_when(team_reads[0].read_at)}"]
                if not message.from_team and team_reads
                else []
            )
        entries.append(Entry(message, author, mine, receipts))
    return ThreadPage(thread, entries)


def _unread_count(user, from_team: bool):
    """The number of messages of the other side in the thread that this user has not read."""
    unread = (
        Message.objects.filter(thread=OuterRef("pk"), from_team=from_team)
        .exclude(author=user)
        .exclude(Exists(MessageRead.objects.filter(message=OuterRef("pk"), reader=user)))
        .order_by()
        .values("thread")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(unread[:1]), 0)


@atomic_service
def family_threads(person: Person, *, actor: Actor) -> list[Thread]:
    """The person's threads for the person's side, newest first, each with `unread` (the team's
    messages this login has not read)."""
    require_portal(actor, person, PortalPower.MESSAGES, Category.NOTES, Action.LIST, obj=person)
    return list(
        Thread.objects.filter(person=person)
        .select_related("establishment")
        .annotate(unread=_unread_count(actor.user, from_team=True))
        .order_by("-last_message_at", "-pk")
    )


@atomic_service
def team_inbox(*, actor: Actor, establishment: Establishment | None = None, unread_only=False, page=None):
    """One page of the threads the user may read, in the establishments where they work: unread first,
    then the latest. Each thread has `unread` (the person's side's messages the user has not read).
    The persons shown are logged (identity listed, notes listed)."""
    user = actor.user
    places = team_establishments(user)
    threads = Thread.objects.filter(establishment_id__in=places)
    if establishment is not None:
        threads = threads.filter(establishment=establishment)
    person_ids = set(threads.values_list("person_id", flat=True).distinct())
    bases = policy.bases_for_many(user, person_ids, Category.NOTES, Action.READ) if person_ids else {}
    readable = [pk for pk, basis in bases.items() if basis]
    threads = (
        threads.filter(person_id__in=readable)
        .select_related("person", "establishment")
        .annotate(unread=_unread_count(user, from_team=False))
    )
    if unread_only:
        threads = threads.filter(unread__gt=0)
    threads = threads.order_by("-unread", "-last_message_at", "-pk")
    page = Paginator(threads, THREADS_PER_PAGE).get_page(page)
    shown = list({thread.person_id: thread.person for thread in page.object_list}.values())
    if shown:
        log_listing(actor, shown, details={"view": "portal:staff_inbox"})
        by_basis = {}
        for person in shown:
            by_basis.setdefault(bases[person.pk], []).append(person)
        for basis, persons in by_basis.items():
            record_many(actor, persons, action=Action.LIST, category=Category.NOTES, basis=basis,
                        details={"view": "portal:staff_inbox"})  # fmt: skip
    return page


@atomic_service
def open_attachment(message: Message, *, actor: Actor, as_team: bool = False):
    """The attachment's file, opened for reading (decrypted), after the access check; the read logged."""
    _require_side(actor, message.thread, Action.READ, message, as_team)
    if not message.attachment:
        raise ValidationError("Ce message n'a pas de pièce jointe.")
    return message.attachment.open("rb")


def team_thread_establishments(user, person: Person):
    """Where the team may start a conversation: the establishments where the user works that support
    the person today."""
    return supporting_establishments(person).filter(pk__in=team_establishments(user))


# Notices


def _family_recipients(thread: Thread, author) -> list[str]:
    """The logins following the person with the messages power, who have an e-mail address."""
    addresses = set()
    accounts = PortalAccount.objects.active().filter(person=thread.person).select_related("user")
    for account in accounts:
        user = account.user
        if user.pk == author.pk or not user.email:
            continue
        if portal.decide_portal(user, thread.person, PortalPower.MESSAGES):
            addresses.add(user.email)
    return sorted(addresses)


def _team_recipients(thread: Thread, author) -> list[str]:
    """The team members who wrote in the thread and still work in its establishment; else its
    directors."""
    working = Membership.objects.active().filter(
        establishment=thread.establishment, professional__user__is_active=True
    )
    writers = set(Message.objects.filter(thread=thread, from_team=True).values_list("author_id", flat=True))
    members = working.filter(professional__user_id__in=writers)
    if not members.exists():
        members = working.filter(role=Role.ESTABLISHMENT_DIRECTOR)
    addresses = members.exclude(professional__user=author).values_list("professional__user__email", flat=True)
    return sorted({address for address in addresses if address})


def _notify(thread: Thread, message: Message) -> None:
    if message.from_team:
        recipients = _family_recipients(thread, message.author)
        link = reverse("portal:home")
        template = "portal/emails/message_family.txt"
    else:
        recipients = _team_recipients(thread, message.author)
        link = reverse("portal:staff_inbox")
        template = "portal/emails/message_team.txt"
    if not recipients:
        return
    url = settings.PARCOURS_SITE_URL.rstrip("/") + link
    subject = render_to_string("portal/emails/message_subject.txt").strip()
    body = render_to_string(template, {"url": url})
    transaction.on_commit(partial(send_each, subject, body, recipients))
