"""The final action on one category of one person's record: erase the rows, or anonymise them (blank
the identity, contact details and free text; keep the coded data that statistics need).

Called by `services.apply_retention` inside one transaction per person; each function can run twice
without harm. Document files are removed from storage once that transaction has committed."""

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from parcours.access.models import Consent
from parcours.coordination.models import (
    AdmissionRequest,
    AdmissionRequestEvent,
    CircleEvent,
    CircleMember,
    CircleMessage,
    CircleTask,
    CircleThread,
    LiaisonFile,
)
from parcours.people.enums import IdentityStatus
from parcours.people.models import LegalProtection, MdphDecision, Person, Relative
from parcours.portal.models import (
    Answer,
    Invitation,
    Message,
    MessageRead,
    PortalAccount,
    Thread,
)
from parcours.privacy.enums import ExportStatus
from parcours.privacy.models import ExportRequest, Rectification
from parcours.records.models import (
    Admission,
    AgendaEntry,
    Document,
    Goal,
    Need,
    NeedsAssessment,
    Note,
    PlannedService,
    Presence,
    ProjetPersonnalise,
    ProjetResponse,
    ProjetVersion,
    ServiceDelivery,
)
from parcours.records.signals import announce_service_log_change
from parcours.retention.enums import FinalAction, RetentionCategory

ANONYMISED_NAME = "Anonymisé"
ANONYMISED_GOAL = "Objectif anonymisé"
ANONYMISED_REPRESENTATIVE = "Représentant anonymisé"


def anonymise_identity(person: Person) -> None:
    """Blank the INS traits and contact details; keep sex, birth year and GIR (coded, for statistics).
    Relatives are deleted; the legal protection measures, MDPH decisions and consents keep their codes
    and dates but lose the names and references that identify someone."""
    person.birth_name = ANONYMISED_NAME
    person.first_names = ""
    person.used_name = ""
    person.used_first_name = ""
    person.birth_date = datetime.date(person.birth_date.year, 1, 1)
    person.birth_place_code = ""
    person.nir = ""
    person.identity_status = IdentityStatus.PROVISOIRE
    person.phone = ""
    person.email = ""
    person.street = ""
    person.postal_code = ""
    person.city = ""
    person.save()
    LegalProtection.objects.filter(person=person).update(
        representative_relative=None, representative_name=ANONYMISED_REPRESENTATIVE, court_reference=""
    )
    # The links to the person's space close (dated) and stop naming the relatives, who are deleted.
    now = timezone.now()
    PortalAccount.objects.filter(person=person, revoked_at__isnull=True).update(revoked_at=now)
    PortalAccount.objects.filter(person=person).update(relative=None)
    Invitation.objects.filter(person=person, accepted_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=now
    )
    Invitation.objects.filter(person=person).update(relative=None, email="")
    # The circle of carers names its members and the relatives: it goes, with its tasks, agenda and
    # conversations; the liaison files' frozen content (identity, contacts...) is blanked.
    erase_circle(person)
    LiaisonFile.objects.filter(person=person).update(content="")
    Relative.objects.filter(person=person).delete()
    # Satisfaction answers keep their coded values (the establishment's statistics), not free text.
    Answer.objects.filter(response__person=person).update(text="")
    MdphDecision.objects.filter(person=person).update(reference="")
    Consent.objects.filter(person=person).update(witness_name="", withdrawal_reason="")
    # The history of rectifications holds former names, NIR and addresses; export archives hold all.
    Rectification.objects.filter(person=person).update(old_value="", new_value="", reason="")
    exports = ExportRequest.objects.filter(person=person).exclude(file="")
    names = list(exports.values_list("file", flat=True))
    exports.update(file="", status=ExportStatus.EXPIRED)
    transaction.on_commit(partial(_remove_files, ExportRequest._meta.get_field("file").storage, names))


def erase_circle(person: Person) -> None:
    CircleMessage.objects.filter(thread__person=person).delete()
    CircleThread.objects.filter(person=person).delete()
    CircleTask.objects.filter(person=person).delete()
    CircleEvent.objects.filter(person=person).delete()
    CircleMember.objects.filter(person=person).delete()


def anonymise_parcours(person: Person) -> None:
    Admission.objects.filter(person=person).update(comment="")
    # Admission requests keep their steps, dates and coded reasons; their comments are free text.
    AdmissionRequest.objects.filter(person=person).update(comment="")
    AdmissionRequestEvent.objects.filter(request__person=person).update(comment="")


def anonymise_assessments(person: Person) -> None:
    NeedsAssessment.objects.filter(person=person).update(comment="")
    Need.objects.filter(assessment__person=person).update(comment="")


def erase_assessments(person: Person) -> None:
    NeedsAssessment.objects.filter(person=person).delete()


def anonymise_projets(person: Person) -> None:
    ProjetPersonnalise.objects.filter(person=person).update(person_words="")
    Goal.objects.filter(projet__person=person).update(title=ANONYMISED_GOAL, description="")
    PlannedService.objects.filter(projet__person=person).update(comment="")
    # The versions shown to the person repeat the goals and their words; the responses are free text.
    ProjetVersion.objects.filter(projet__person=person).update(content="{}")
    ProjetResponse.objects.filter(version__projet__person=person).update(text="")


def erase_projets(person: Person) -> None:
    ProjetResponse.objects.filter(version__projet__person=person).delete()
    ProjetVersion.objects.filter(projet__person=person).delete()
    ProjetPersonnalise.objects.filter(person=person).delete()


def anonymise_services(person: Person) -> None:
    """Services delivered are coded data only; the agenda's titles and places are free text."""
    AgendaEntry.objects.filter(person=person).update(title=ANONYMISED_NAME, place="")


def erase_services(person: Person) -> None:
    deliveries = ServiceDelivery.objects.filter(person=person)
    announce_service_log_change(deliveries.values_list("establishment_id", "date").distinct().order_by())
    deliveries.delete()
    # The day as the family saw it: presence and agenda.
    Presence.objects.filter(person=person).delete()
    AgendaEntry.objects.filter(person=person).delete()


def erase_notes(person: Person) -> None:
    # A document attached to a note follows the documents' own rule.
    Document.objects.filter(note__person=person).update(note=None)
    Note.objects.filter(person=person).delete()
    # The messages exchanged with the family are correspondence of the same kind as the notes.
    messages = Message.objects.filter(thread__person=person)
    names = [name for name in messages.values_list("attachment", flat=True) if name]
    MessageRead.objects.filter(message__thread__person=person).delete()
    messages.delete()
    Thread.objects.filter(person=person).delete()
    transaction.on_commit(partial(_remove_files, Message._meta.get_field("attachment").storage, names))


def _remove_files(storage, names: list[str]) -> None:
    for name in names:
        if storage.exists(name):
            storage.delete(name)


def erase_documents(person: Person) -> None:
    documents = Document.objects.filter(person=person)
    names = [name for name in documents.values_list("file", flat=True) if name]
    documents.delete()
    # The files go once the rows are gone for good: a rollback keeps both.
    transaction.on_commit(partial(_remove_files, Document._meta.get_field("file").storage, names))


def nothing(person: Person) -> None:
    """No data of this category is stored apart yet (health notes are daily notes)."""


HANDLERS = {
    (RetentionCategory.IDENTITY, FinalAction.ANONYMISATION): anonymise_identity,
    (RetentionCategory.PARCOURS, FinalAction.ANONYMISATION): anonymise_parcours,
    (RetentionCategory.ASSESSMENTS, FinalAction.ANONYMISATION): anonymise_assessments,
    (RetentionCategory.ASSESSMENTS, FinalAction.ERASURE): erase_assessments,
    (RetentionCategory.PROJET, FinalAction.ANONYMISATION): anonymise_projets,
    (RetentionCategory.PROJET, FinalAction.ERASURE): erase_projets,
    (RetentionCategory.SERVICES, FinalAction.ANONYMISATION): anonymise_services,
    (RetentionCategory.SERVICES, FinalAction.ERASURE): erase_services,
    (RetentionCategory.NOTES, FinalAction.ERASURE): erase_notes,
    (RetentionCategory.DOCUMENTS, FinalAction.ERASURE): erase_documents,
    (RetentionCategory.HEALTH, FinalAction.ANONYMISATION): nothing,
    (RetentionCategory.HEALTH, FinalAction.ERASURE): nothing,
}


# Apps that keep copies of a person's data of their own register here what to do once any category
# of the record has been disposed of (the FHIR API forgets the versions it kept: parcours.fhir.apps).
AFTER_DISPOSAL: list = []


def dispose(person: Person, category: str, action: str) -> None:
    HANDLERS[(category, action)](person)
    for forget in AFTER_DISPOSAL:
        forget(person)
