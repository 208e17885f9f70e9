"""What the person's space stores follows the record's rules: the export of the person's data holds
it, and the end of the retention periods erases or anonymises it without leaving anything behind."""

import datetime
import json

from django.core.files.base import ContentFile
from django.utils import timezone

from parcours.portal.models import (
    Answer,
    EvaluationResponse,
    Invitation,
    Message,
    PortalAccount,
    Question,
    Questionnaire,
    Thread,
)
from parcours.privacy import export
from parcours.records.enums import AgendaKind, PresenceStatus, ProjetResponseKind, ResponseCapacity
from parcours.records.models import AgendaEntry, Presence, ProjetPersonnalise, ProjetResponse, ProjetVersion
from parcours.retention.disposal import dispose
from parcours.retention.enums import FinalAction, RetentionCategory
from tests.factories import ProjetFactory


def stored_space(family):
    """One of everything the space keeps on Léa."""
    now = timezone.now()
    projet = ProjetFactory(person=family.lea, establishment=family.ime, author=family.educator)
    version = ProjetVersion.objects.create(
        projet=projet, number=1, content=json.dumps({"goals": [{"title": "Aller à la piscine"}]}),
        proposed_by=family.educator.user,
    )  # fmt: skip
    ProjetResponse.objects.create(
        version=version, kind=ProjetResponseKind.COMMENT, text="Merci pour la piscine",
        author=family.mother, capacity=ResponseCapacity.RELATIVE,
    )  # fmt: skip
    Presence.objects.create(
        person=family.lea, establishment=family.ime, date=timezone.localdate(),
        status=PresenceStatus.PRESENT, recorded_by=family.educator,
    )  # fmt: skip
    AgendaEntry.objects.create(
        person=family.lea, establishment=family.ime, kind=AgendaKind.APPOINTMENT, title="Orthophoniste",
        place="Cabinet du centre", starts_at=now + datetime.timedelta(days=2), created_by=family.educator,
    )  # fmt: skip
    thread = Thread.objects.create(
        person=family.lea, establishment=family.ime, subject="Sortie de samedi", started_by=family.mother
    )
    message = Message(thread=thread, author=family.mother, from_team=False, body="Léa peut-elle venir ?")
    message.attachment.save("autorisation.pdf", ContentFile(b"%PDF-1.4 autorisation"), save=False)
    message.attachment_name = "autorisation.pdf"
    message.save()
    Invitation.objects.create(
        person=family.lea, establishment=family.ime, role="relative", relative=family.mother_relative,
        rights=["day"], email="sophie@example.org", token_hash="a" * 64, code_hash="b" * 64,
        created_by=family.educator.user, expires_at=now + datetime.timedelta(days=14),
    )  # fmt: skip
    questionnaire = Questionnaire.objects.create(
        establishment=family.ime, title="Satisfaction 2026", opens_on=timezone.localdate(),
        created_by=family.director.user,
    )  # fmt: skip
    question = Question.objects.create(questionnaire=questionnaire, position=1, text="Accueil ?", kind="text")
    response = EvaluationResponse.objects.create(
        questionnaire=questionnaire, person=family.lea, answered_by=family.lea_user, capacity="person"
    )
    Answer.objects.create(response=response, question=question, value=4, text="Très bien, merci Inès")
    return projet, message


def test_the_export_holds_what_the_space_keeps(family):
    stored_space(family)
    data = export.collect(family.lea, about={}).as_json()
    version = data["projets_personnalises"][0]["versions"][0]
    assert version["responses"][0]["text"] == "Merci pour la piscine"
    assert data["presences"][0]["status"]["label"] == "Présent"
    assert data["agenda"][0]["title"] == "Orthophoniste"
    assert data["threads"][0]["messages"][0]["body"] == "Léa peut-elle venir ?"
    assert {account["role"]["code"] for account in data["portal_accounts"]} == {
        "person", "relative", "representative"
    }  # fmt: skip
    assert data["invitations"][0]["rights"] == ["day"]
    assert "token_hash" not in data["invitations"][0]
    assert data["evaluations"][0]["answers"][0]["text"] == "Très bien, merci Inès"
    files = [path for path, _ in export.collect(family.lea, about={}).files]
    assert data["threads"][0]["messages"][0]["attachment"] in files


def test_erasing_projets_notes_and_services_erases_what_the_space_shows(
    family, django_capture_on_commit_callbacks
):
    projet, message = stored_space(family)
    storage, name = message.attachment.storage, message.attachment.name
    with django_capture_on_commit_callbacks(execute=True):
        dispose(family.lea, RetentionCategory.PROJET, FinalAction.ERASURE)
        dispose(family.lea, RetentionCategory.NOTES, FinalAction.ERASURE)
        dispose(family.lea, RetentionCategory.SERVICES, FinalAction.ERASURE)
    assert not ProjetPersonnalise.objects.filter(pk=projet.pk).exists()
    assert not ProjetVersion.objects.filter(projet_id=projet.pk).exists()
    assert not Thread.objects.filter(person=family.lea).exists()
    assert not storage.exists(name)
    assert not Presence.objects.filter(person=family.lea).exists()
    assert not AgendaEntry.objects.filter(person=family.lea).exists()


def test_anonymising_the_identity_closes_the_space_and_deletes_the_relatives(family):
    stored_space(family)
    dispose(family.lea, RetentionCategory.IDENTITY, FinalAction.ANONYMISATION)
    dispose(family.lea, RetentionCategory.PROJET, FinalAction.ANONYMISATION)
    dispose(family.lea, RetentionCategory.SERVICES, FinalAction.ANONYMISATION)
    assert not PortalAccount.objects.active().filter(person=family.lea).exists()
    assert not PortalAccount.objects.filter(person=family.lea, relative__isnull=False).exists()
    invitation = Invitation.objects.get(person=family.lea)
    assert invitation.revoked_at is not None and invitation.email == "" and invitation.relative is None
    assert Answer.objects.get(response__person=family.lea).text == ""
    assert Answer.objects.get(response__person=family.lea).value == 4
    assert ProjetResponse.objects.get(version__projet__person=family.lea).text == ""
    assert ProjetVersion.objects.get(projet__person=family.lea).content == "{}"
    assert AgendaEntry.objects.get(person=family.lea).place == ""
