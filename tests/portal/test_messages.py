"""Messages between the person's side and the team (parcours.portal.messaging and its pages): both
ways, read receipts, attachments stored encrypted, e-mail notices without personal detail, and who
never sees a thread."""

import datetime
import logging

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.access import services as access_services
from parcours.access.api import AccessDenied
from parcours.access.enums import Action, Category
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry
from parcours.access.portal import forget_links
from parcours.portal import messaging
from parcours.portal.models import Message, MessageRead, Thread
from parcours.staff.enums import Role
from parcours.staff.models import Membership
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, EstablishmentFactory, make_professional

PDF = b"%PDF-1.4 compte rendu de la semaine"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf(name="planning.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def actor(user) -> Actor:
    return Actor(user=type(user).objects.get(pk=user.pk), ip_address="127.0.0.1")


def family_writes(client, family, subject="Absence vendredi", body="Léa sera absente vendredi.", **more):
    url = reverse("portal:thread_create", args=[family.lea.uuid])
    data = {"establishment": family.ime.pk, "subject": subject, "body": body, **more}
    return client.post(url, data)


def staff_thread_url(thread):
    return reverse("portal:staff_thread", args=[thread.uuid])


def family_thread_url(family, thread):
    return reverse("portal:thread", args=[family.lea.uuid, thread.uuid])


@pytest.fixture
def thread(family):
    """A conversation the mother started with the IME."""
    return messaging.start_thread(
        family.lea, actor=actor(family.mother), establishment=family.ime,
        subject="Absence vendredi", body="Léa sera absente vendredi.",
    )  # fmt: skip


# Both ways


def test_the_family_writes_the_team_answers_and_the_family_reads_the_answer(family, portal_client, login):
    mother = portal_client(family.mother)
    response = family_writes(mother, family)
    thread = Thread.objects.get(person=family.lea)
    assert response.status_code == 302
    assert response["Location"] == family_thread_url(family, thread)
    assert thread.establishment == family.ime and thread.subject == "Absence vendredi"

    educator = login(family.educator.user)
    inbox = assert_page_ok(educator.get(reverse("portal:staff_inbox")))
    assert "Absence vendredi" in inbox and "1 non lu" in inbox

    page = assert_page_ok(educator.get(staff_thread_url(thread)))
    assert "Léa sera absente vendredi." in page
    assert "Sophie (proche)" in page
    response = educator.post(staff_thread_url(thread), {"body": "Merci, c'est noté. Bon week-end."})
    assert response.status_code == 302 and response["Location"] == staff_thread_url(thread)
    answer = thread.messages.get(from_team=True)
    assert answer.author == family.educator.user

    threads = assert_page_ok(mother.get(reverse("portal:threads", args=[family.lea.uuid])))
    assert "1 non lu" in threads
    page = assert_page_ok(mother.get(family_thread_url(family, thread)))
    assert "Merci, c&#x27;est noté. Bon week-end." in page
    assert (
        "L&#x27;équipe : Inès, Éducateur ou éducatrice spécialisé(e)" in page
        or "L&#x27;équipe : Inès" in page
    )
    assert "Vous" in page
    # Once read, nothing is left unread.
    threads = assert_page_ok(mother.get(reverse("portal:threads", args=[family.lea.uuid])))
    assert "non lu" not in threads.replace("Vous avez lu", "")


def test_the_mother_replies_in_her_thread_and_the_guardian_reads_it(family, portal_client, thread):
    mother = portal_client(family.mother)
    response = mother.post(family_thread_url(family, thread), {"body": "Et lundi aussi."})
    assert response.status_code == 302
    assert list(thread.messages.values_list("from_team", flat=True)) == [False, False]
    page = assert_page_ok(portal_client(family.guardian).get(family_thread_url(family, thread)))
    assert "Et lundi aussi." in page and "Sophie (proche)" in page


def test_the_team_starts_a_conversation_with_the_family(family, portal_client, login):
    educator = login(family.educator.user)
    url = reverse("portal:staff_thread_create", args=[family.lea.uuid])
    assert_page_ok(educator.get(url))
    response = educator.post(
        url, {"establishment": family.ime.pk, "subject": "Sortie au musée", "body": "Une sortie jeudi."}
    )
    thread = Thread.objects.get(person=family.lea)
    assert response["Location"] == staff_thread_url(thread)
    assert thread.messages.get().from_team
    page = assert_page_ok(
        portal_client(family.lea_user).get(reverse("portal:threads", args=[family.lea.uuid]))
    )
    assert "Sortie au musée" in page and "1 non lu" in page


def test_the_team_writes_only_for_an_establishment_that_supports_the_person(family):
    elsewhere = EstablishmentFactory(name="ESAT du Rhône")
    # The educator works there too, but Léa is not supported there.
    Membership.objects.create(
        professional=family.educator, establishment=elsewhere, start_date=datetime.date(2020, 1, 1)
    )
    with pytest.raises(ValidationError) as error:
        messaging.start_thread(
            family.lea, actor=actor(family.educator.user), establishment=elsewhere, subject="Bonjour",
            body="Un mot.", as_team=True,
        )  # fmt: skip
    assert "establishment" in error.value.message_dict
    assert not Thread.objects.exists()


def test_an_empty_message_is_refused_and_nothing_is_written(family, portal_client, thread):
    response = portal_client(family.mother).post(family_thread_url(family, thread), {"body": "   "})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()
    assert thread.messages.count() == 1


# Read receipts


def test_read_receipts_both_ways_dated_at_the_first_opening(family, portal_client, login, thread):
    educator = login(family.educator.user)
    educator.get(staff_thread_url(thread))
    first = thread.messages.get()
    receipt = MessageRead.objects.get(message=first, reader=family.educator.user)
    educator.get(staff_thread_url(thread))
    assert MessageRead.objects.get(message=first, reader=family.educator.user).read_at == receipt.read_at
    # The writer does not "read" their own message.
    assert not MessageRead.objects.filter(message=first, reader=family.mother).exists()

    mother = portal_client(family.mother)
    page = assert_page_ok(mother.get(family_thread_url(family, thread)))
    assert "Lu par l&#x27;équipe le " in page

    messaging.reply(thread, actor=actor(family.educator.user), body="Bien reçu.", as_team=True)
    page = assert_page_ok(educator.get(staff_thread_url(thread)))
    assert "Lu le" not in page  # nobody of the family has opened the answer yet
    mother.get(family_thread_url(family, thread))
    page = assert_page_ok(educator.get(staff_thread_url(thread)))
    assert "Lu le " in page and " par Sophie (proche)" in page


# Attachments


def test_attachments_both_ways_are_stored_encrypted(family, portal_client, login):
    mother = portal_client(family.mother)
    family_writes(mother, family, attachment=pdf("certificat médical.pdf"))
    thread = Thread.objects.get()
    message = thread.messages.get()
    assert message.attachment_type == "application/pdf" and message.attachment_size == len(PDF)
    storage = message.attachment.storage
    raw = storage.read_raw(message.attachment.name)
    assert raw != PDF and PDF not in raw
    assert "certificat" not in message.attachment.name and str(message.uuid) in message.attachment.name
    assert message.attachment_name == "certificat médical.pdf"

    educator = login(family.educator.user)
    response = educator.get(reverse("portal:staff_attachment", args=[thread.uuid, message.uuid]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"

    educator.post(
        staff_thread_url(thread),
        {"body": "Voici le planning.", "attachment": SimpleUploadedFile("planning.png", PNG)},
    )
    answer = thread.messages.get(from_team=True)
    assert storage.read_raw(answer.attachment.name) != PNG
    response = mother.get(reverse("portal:attachment", args=[family.lea.uuid, thread.uuid, answer.uuid]))
    assert response.status_code == 200 and b"".join(response.streaming_content) == PNG
    assert AccessLogEntry.objects.filter(
        actor=family.mother, category=Category.NOTES, action=Action.READ, object_uuid=answer.uuid
    ).exists()


def test_the_attachment_name_is_not_stored_in_clear(family, thread):
    message = messaging.reply(
        thread, actor=actor(family.mother), body="Le certificat.", attachment=pdf("certificat-lea-durand.pdf")
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT attachment_name, body FROM {Message._meta.db_table} WHERE id = %s",  # noqa: S608
            [message.pk],
        )
        name, body = cursor.fetchone()
    assert "lea-durand" not in name and "certificat" not in body


def files_in(storage, folder="messages"):
    if not storage.exists(folder):
        return set()
    found = set()
    directories, files = storage.listdir(folder)
    found |= {f"{folder}/{name}" for name in files}
    for directory in directories:
        found |= files_in(storage, f"{folder}/{directory}")
    return found


@pytest.mark.parametrize(
    ("upload", "error"),
    [
        (SimpleUploadedFile("programme.exe", b"MZ\x90\x00binaire"), "Type de fichier non accepté"),
        (SimpleUploadedFile("faux.pdf", b"MZ\x90\x00binaire"), "Type de fichier non accepté"),
        (SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)), "dépasse 10 Mo"),
    ],
    ids=["wrong-type", "wrong-content", "too-big"],
)
def test_a_bad_attachment_is_refused_in_french_and_nothing_is_written(
    family, portal_client, thread, upload, error
):
    storage = Message._meta.get_field("attachment").storage
    before = files_in(storage)
    response = portal_client(family.mother).post(
        family_thread_url(family, thread), {"body": "Le document.", "attachment": upload}
    )
    assert response.status_code == 200
    assert error in response.content.decode()
    assert thread.messages.count() == 1
    assert files_in(storage) == before


def test_the_service_refuses_a_bad_attachment_whatever_the_page(family, thread):
    storage = Message._meta.get_field("attachment").storage
    before = files_in(storage)
    for upload in (
        SimpleUploadedFile("notes.txt", b"\x00\x01binaire"),
        SimpleUploadedFile("vide.pdf", b""),
        SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
    ):
        with pytest.raises(ValidationError) as error:
            messaging.reply(thread, actor=actor(family.mother), body="Un document.", attachment=upload)
        assert "attachment" in error.value.message_dict
    assert thread.messages.count() == 1
    assert files_in(storage) == before


# E-mail notices


def names_of(family) -> list[str]:
    return [
        "Léa", "Durand", "Sophie", "Marc", "Inès", "Martin", "Paul", "Roche",
        family.ime.name, "Tilleuls", "Absence", "vendredi", "Sortie",
    ]  # fmt: skip


def test_the_team_s_answer_notifies_the_family_without_personal_detail(
    family, mailoutbox, django_capture_on_commit_callbacks, thread
):
    for user, address in ((family.mother, "sophie@example.org"), (family.guardian, "marc@example.org"),
                          (family.lea_user, "lea@example.org")):  # fmt: skip
        user.email = address
        user.save()
    family.educator.user.email = "ines@example.org"
    family.educator.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.reply(thread, actor=actor(family.educator.user), body="Bien reçu, Léa.", as_team=True)
    assert sorted(address for mail in mailoutbox for address in mail.to) == [
        "lea@example.org", "marc@example.org", "sophie@example.org",
    ]  # fmt: skip
    for mail in mailoutbox:
        assert len(mail.to) == 1
        text = mail.subject + "\n" + mail.body
        assert (
            "Vous avez un nouveau message dans votre espace Parcours. Pour le lire, connectez-vous :" in text
        )
        assert "http://testserver/portail/" in text or reverse("portal:home") in text
        for word in names_of(family):
            assert word not in text, word


def test_a_relative_without_the_messages_right_is_not_notified(
    family, mailoutbox, django_capture_on_commit_callbacks, thread
):
    family.mother.email = "sophie@example.org"
    family.mother.save()
    account = family.mother.portal_accounts.get()
    account.rights = ["day"]
    account.save()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.reply(thread, actor=actor(family.educator.user), body="Bien reçu.", as_team=True)
    assert mailoutbox == []


def test_the_family_s_message_notifies_the_team_members_who_wrote_else_the_directors(
    family, mailoutbox, django_capture_on_commit_callbacks, thread
):
    family.educator.user.email = "ines@example.org"
    family.educator.user.save()
    family.director.user.email = "paul@example.org"
    family.director.user.save()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.reply(thread, actor=actor(family.mother), body="Et lundi ?")
    assert [mail.to for mail in mailoutbox] == [["paul@example.org"]]
    messaging.reply(thread, actor=actor(family.educator.user), body="Oui.", as_team=True)
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        messaging.reply(thread, actor=actor(family.guardian), body="Merci.")
    assert [mail.to for mail in mailoutbox] == [["ines@example.org"]]
    text = mailoutbox[0].subject + "\n" + mailoutbox[0].body
    assert reverse("portal:staff_inbox") in text
    for word in names_of(family):
        assert word not in text, word


def test_a_notice_that_cannot_be_sent_loses_no_message(
    family, mailoutbox, django_capture_on_commit_callbacks, monkeypatch, caplog, thread
):
    family.mother.email = "sophie@example.org"
    family.mother.save()

    def broken(self, messages):
        raise ConnectionRefusedError("serveur de courriel injoignable")

    monkeypatch.setattr(EmailBackend, "send_messages", broken)
    with caplog.at_level(logging.WARNING, logger="parcours.portal"):
        with django_capture_on_commit_callbacks(execute=True):
            messaging.reply(thread, actor=actor(family.educator.user), body="Bien reçu.", as_team=True)
    assert thread.messages.filter(from_team=True).exists()
    assert "non envoyé" in caplog.text and "sophie" not in caplog.text


# Who never sees a thread


@pytest.mark.parametrize("name", ["threads", "thread_create", "thread", "attachment"])
def test_a_relative_without_the_messages_right_gets_a_404(family, portal_client, name):
    thread = messaging.start_thread(
        family.lea, actor=actor(family.guardian), establishment=family.ime, subject="Rendez-vous",
        body="Un mot.", attachment=pdf(),
    )  # fmt: skip
    account = family.mother.portal_accounts.get()
    account.rights = ["day", "projet"]
    account.save()
    forget_links(family.mother)
    args = {
        "threads": [family.lea.uuid],
        "thread_create": [family.lea.uuid],
        "thread": [family.lea.uuid, thread.uuid],
        "attachment": [family.lea.uuid, thread.uuid, thread.messages.get().uuid],
    }[name]
    response = portal_client(family.mother).get(reverse(f"portal:{name}", args=args))
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(actor=family.mother, person=family.lea, allowed=False).exists()
    with pytest.raises(AccessDenied):
        messaging.reply(thread, actor=actor(family.mother), body="Coucou.")
    assert thread.messages.count() == 1


def test_a_relative_never_reaches_another_person_s_threads(family, portal_client, login):
    hugo_thread = messaging.start_thread(
        family.other, actor=actor(family.educator.user), establishment=family.ime, subject="Hugo",
        body="Un mot pour la famille de Hugo.", as_team=True,
    )  # fmt: skip
    mother = portal_client(family.mother)
    assert mother.get(reverse("portal:threads", args=[family.other.uuid])).status_code == 404
    # Through Léa's space, the other person's thread does not exist.
    assert mother.get(reverse("portal:thread", args=[family.lea.uuid, hugo_thread.uuid])).status_code == 404
    response = mother.post(reverse("portal:thread", args=[family.lea.uuid, hugo_thread.uuid]), {"body": "?"})
    assert response.status_code == 404
    page = assert_page_ok(mother.get(reverse("portal:threads", args=[family.lea.uuid])))
    assert "Hugo" not in page
    assert hugo_thread.messages.count() == 1


def test_another_establishment_and_the_gestionnaire_s_direction_see_no_thread(family, login, thread):
    message = thread.messages.get()
    esat = EstablishmentFactory(name="ESAT du Rhône", gestionnaire=family.ime.gestionnaire)
    # Léa is supported by the ESAT too: its team reads her notes, but not the IME's conversations.
    AdmissionFactory(person=family.lea, establishment=esat)
    outsiders = [
        make_professional(esat).user,
        make_professional(esat, role=Role.ESTABLISHMENT_DIRECTOR).user,
        make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=family.ime.gestionnaire).user,
    ]
    for user in outsiders:
        client = login(user)
        inbox = assert_page_ok(client.get(reverse("portal:staff_inbox")))
        assert "Absence vendredi" not in inbox and "Aucune conversation" in inbox
        assert client.get(staff_thread_url(thread)).status_code == 404
        assert client.post(staff_thread_url(thread), {"body": "Intrusion."}).status_code == 404
        url = reverse("portal:staff_attachment", args=[thread.uuid, message.uuid])
        assert client.get(url).status_code == 404
        assert AccessLogEntry.objects.filter(actor=user, person=family.lea, allowed=False).exists()
    assert thread.messages.count() == 1
    assert not MessageRead.objects.exists()


def test_the_staff_inbox_filters_unread_and_establishment(family, login, thread):
    second = messaging.start_thread(
        family.other, actor=actor(family.educator.user), establishment=family.ime, subject="Trousseau",
        body="Pensez au trousseau.", as_team=True,
    )  # fmt: skip
    director = login(family.director.user)
    page = assert_page_ok(director.get(reverse("portal:staff_inbox")))
    assert page.index("Absence vendredi") < page.index("Trousseau")  # unread first
    page = assert_page_ok(director.get(reverse("portal:staff_inbox"), {"non_lus": "on"}))
    assert "Absence vendredi" in page and "Trousseau" not in page
    page = assert_page_ok(
        director.get(reverse("portal:staff_inbox"), {"etablissement": str(family.ime.uuid), "page": "9"})
    )
    assert "Absence vendredi" in page and second.subject in page


# The access log


def test_the_access_log_holds_reads_and_writes(family, portal_client, login):
    mother = portal_client(family.mother)
    family_writes(mother, family)
    thread = Thread.objects.get()
    educator = login(family.educator.user)
    educator.get(reverse("portal:staff_inbox"))
    educator.get(staff_thread_url(thread))
    educator.post(staff_thread_url(thread), {"body": "Bien reçu."})
    mother.get(family_thread_url(family, thread))
    answer = thread.messages.get(from_team=True)
    entries = AccessLogEntry.objects.filter(person=family.lea, category=Category.NOTES, allowed=True)
    assert entries.filter(actor=family.mother, action=Action.CREATE, object_uuid=thread.uuid).exists()
    assert entries.filter(actor=family.mother, action=Action.READ, object_uuid=thread.uuid).exists()
    assert entries.filter(actor=family.educator.user, action=Action.LIST).exists()
    assert entries.filter(actor=family.educator.user, action=Action.READ, object_uuid=thread.uuid).exists()
    assert entries.filter(actor=family.educator.user, action=Action.CREATE, object_uuid=answer.uuid).exists()


# Easy-read


def test_easy_read_shows_a_big_write_button_and_one_message_per_card(family, portal_client, thread):
    mother = portal_client(family.mother)
    mother.post(reverse("portal:easy_read"), {"on": "1", "next": "/portail/"})
    page = assert_page_ok(mother.get(reverse("portal:threads", args=[family.lea.uuid])))
    assert "Écrire à l'équipe" in page and "✉️" in page and "portal-picto" in page
    page = assert_page_ok(mother.get(family_thread_url(family, thread)))
    assert "Vous avez écrit" in page and page.count('class="portal-item"') == 1
    assert "J&#x27;écris mon message" in page or "J'écris mon message" in page
    assert_page_ok(mother.get(reverse("portal:thread_create", args=[family.lea.uuid])))


def test_while_processing_is_restricted_the_team_reads_but_does_not_answer(family, login, thread):
    access_services.restrict_processing(family.lea, actor=actor(family.director.user), ground="accuracy")
    educator = login(family.educator.user)
    page = assert_page_ok(educator.get(staff_thread_url(thread)))
    assert "Léa sera absente vendredi." in page and "Répondre" not in page
    assert educator.post(staff_thread_url(thread), {"body": "Bien reçu."}).status_code == 403
    assert thread.messages.count() == 1


def test_the_inbox_costs_the_same_queries_for_one_thread_or_many(family, login, thread):
    director = login(family.director.user)
    url = reverse("portal:staff_inbox")
    director.get(url)
    with CaptureQueriesContext(connection) as one:
        assert_page_ok(director.get(url))
    for index in range(5):
        person = family.other if index % 2 else family.lea
        messaging.start_thread(
            person, actor=actor(family.educator.user), establishment=family.ime, subject=f"Objet {index}",
            body="Un mot.", as_team=True,
        )  # fmt: skip
    with CaptureQueriesContext(connection) as many:
        page = assert_page_ok(director.get(url))
    assert "Objet 4" in page
    assert len(many.captured_queries) == len(one.captured_queries)
