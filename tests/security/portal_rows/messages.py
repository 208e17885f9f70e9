"""Matrix rows of the person's space: messages with the team, and the team's side of them.

The person's side (threads, a new thread, a thread, its attachment) is a 404 to every column: nobody
of the team holds a link to a person's space. Its forms are posted by the person's side only, so they
have no POST row here (the fuzz pass posts each POST row as a column the matrix allows): their
refusals are tested in tests/portal/test_messages.py.

The team's side: a thread of P with A (started by A's professional) is read and answered by those who
may read and write P's notes AND work in A (A's professional and director); the gestionnaire's
direction (which never reads notes), B (through the consent or the emergency access) and the others
get a 404. Starting a thread from P's record is a write of P's notes (WRITE_P). The inbox is every
signed-in user's own list."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parcours.portal import messaging
from parcours.portal.models import Message, Thread
from tests.security.matrix import EVERY_USER, LOGIN, N404, NO_LINK, OK, WRITE_P, Row

# A's thread with P: A's team and A's director only.
THREAD_OF_A = (LOGIN, OK, OK, N404, N404, N404, N404, N404, N404, N404, N404, N404, N404)


def thread_of_p(w) -> Thread:
    """A thread of P with A, written by A's professional through the service: by the row's setup, before
    the matrix reads the data a refused request must leave untouched (each cell is rolled back)."""
    thread = Thread.objects.filter(person=w.person, establishment=w.a).first()
    if thread is None:
        thread = messaging.start_thread(
            w.person, actor=w.actor("pro_a"), establishment=w.a, subject="Sortie jeudi",
            body="Une sortie au musée jeudi.", as_team=True,
        )  # fmt: skip
    return thread


def attachment_of_p(w) -> Message:
    thread = thread_of_p(w)
    message = thread.messages.exclude(attachment="").first()
    if message is None:
        message = messaging.reply(
            thread, actor=w.actor("pro_a"), body="Le programme.", as_team=True,
            attachment=SimpleUploadedFile("programme.pdf", b"%PDF-1.4 programme"),
        )  # fmt: skip
    return message


def family_thread(w) -> dict:
    return {"person_uuid": w.person.uuid, "thread_uuid": thread_of_p(w).uuid}


def family_attachment(w) -> dict:
    message = attachment_of_p(w)
    return {"person_uuid": w.person.uuid, "thread_uuid": message.thread.uuid, "message_uuid": message.uuid}


def staff_thread(w) -> dict:
    return {"thread_uuid": thread_of_p(w).uuid}


def staff_attachment(w) -> dict:
    message = attachment_of_p(w)
    return {"thread_uuid": message.thread.uuid, "message_uuid": message.uuid}


def messages_of_p(w) -> int:
    return Message.objects.filter(thread__person=w.person).count()


ROWS = [
    Row("portal:threads", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
    Row("portal:thread_create", "GET", NO_LINK, lambda w: {"person_uuid": w.person.uuid}),
    Row("portal:thread", "GET", NO_LINK, family_thread, setup=thread_of_p),
    Row("portal:attachment", "GET", NO_LINK, family_attachment, setup=attachment_of_p),
    Row("portal:staff_inbox", "GET", EVERY_USER),
    Row("portal:staff_thread", "GET", THREAD_OF_A, staff_thread, setup=thread_of_p),
    Row(
        "portal:staff_thread",
        "POST",
        THREAD_OF_A,
        staff_thread,
        setup=thread_of_p,
        data=lambda w: {"body": "Bien reçu, à jeudi."},
        success=lambda w: reverse("portal:staff_thread", args=[thread_of_p(w).uuid]),
        probe=messages_of_p,
    ),
    Row("portal:staff_attachment", "GET", THREAD_OF_A, staff_attachment, setup=attachment_of_p),
    Row("portal:staff_thread_create", "GET", WRITE_P, lambda w: {"person_uuid": w.person.uuid}),
    Row(
        "portal:staff_thread_create",
        "POST",
        WRITE_P,
        lambda w: {"person_uuid": w.person.uuid},
        data=lambda w: {
            "establishment": w.a.pk,
            "subject": "Rendez-vous",
            "body": "Pouvez-vous venir lundi ?",
        },
        success=lambda w: reverse(
            "portal:staff_thread", args=[Thread.objects.filter(person=w.person).order_by("-pk").first().uuid]
        ),
        probe=messages_of_p,
    ),
]
