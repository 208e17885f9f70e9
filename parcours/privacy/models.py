"""The person's rights under the GDPR: the exports of everything held on them (right of access and
portability), and the history of the rectifications of their identity.

Personal data: read only through `parcours.access`; write only through `parcours.privacy.services`.
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone

from parcours.core.fields import EncryptedTextField
from parcours.core.storage import document_storage
from parcours.people.models import Person
from parcours.privacy.enums import ExportStatus


def export_path(instance: "ExportRequest", filename: str) -> str:
    # No personal data in paths: the archive is named by the request's UUID only.
    return f"exports/{instance.uuid}.zip"


class ExportRequestQuerySet(models.QuerySet):
    def for_person(self, person: Person) -> "ExportRequestQuerySet":
        return self.filter(person=person)

    def in_progress(self) -> "ExportRequestQuerySet":
        return self.filter(status__in=[ExportStatus.PENDING, ExportStatus.RUNNING])

    def expired(self, now=None) -> "ExportRequestQuerySet":
        """Ready archives whose lifetime is over: the purge deletes their file."""
        return self.filter(status=ExportStatus.READY, expires_at__lte=now or timezone.now())


class ExportRequest(models.Model):
    """One export of everything held on a person: requested by a user, built by a task, downloadable
    by that user only until it expires (PARCOURS_EXPORT_LIFETIME_DAYS)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="export_requests", verbose_name="personne"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="demandé par"
    )
    requested_at = models.DateTimeField("demandé le", default=timezone.now)
    status = models.CharField(
        "état", max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    # Everything held on the person: stored encrypted like the documents (parcours.core.storage).
    file = models.FileField("archive", upload_to=export_path, blank=True, storage=document_storage)
    finished_at = models.DateTimeField("terminé le", null=True, blank=True)
    expires_at = models.DateTimeField("disponible jusqu'au", null=True, blank=True)
    size = models.PositiveBigIntegerField("taille (octets)", default=0)

    objects = ExportRequestQuerySet.as_manager()

    class Meta:
        verbose_name = "export des données d'une personne"
        verbose_name_plural = "exports des données des personnes"
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["person", "requested_at"], name="export_person"),
            models.Index(fields=["status", "expires_at"], name="export_status_expiry"),
        ]

    def __str__(self) -> str:
        return f"Export du {timezone.localtime(self.requested_at):%d/%m/%Y %H:%M}"

    @property
    def in_progress(self) -> bool:
        return self.status in {ExportStatus.PENDING, ExportStatus.RUNNING}

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == ExportStatus.READY
            and bool(self.file)
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )

    def downloadable_by(self, user) -> bool:
        """Only the user who asked for the export downloads it."""
        return self.is_downloadable and self.requested_by_id == getattr(user, "pk", None)


class Rectification(models.Model):
    """One change of one identity or contact trait of a person, with the value it replaced: the
    history that the right of rectification keeps. Written by `people.services.update_person`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="rectifications", verbose_name="personne"
    )
    field_name = models.CharField("donnée modifiée", max_length=40)
    # Former names, NIR, addresses: encrypted at rest like the records' free text.
    old_value = EncryptedTextField("ancienne valeur", blank=True)
    new_value = EncryptedTextField("nouvelle valeur", blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="modifiée par"
    )
    changed_at = models.DateTimeField("modifiée le", default=timezone.now)
    reason = EncryptedTextField("motif", max_length=500, blank=True)

    class Meta:
        verbose_name = "rectification"
        verbose_name_plural = "rectifications"
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["person", "changed_at"], name="rectification_person")]

    def __str__(self) -> str:
        return f"{self.field_label} — {timezone.localtime(self.changed_at):%d/%m/%Y %H:%M}"

    @property
    def field_label(self) -> str:
        return field_label(self.field_name)

    @property
    def old_display(self) -> str:
        return display_value(self.field_name, self.old_value)

    @property
    def new_display(self) -> str:
        return display_value(self.field_name, self.new_value)


def field_label(name: str) -> str:
    """The French label of a person's field, as the forms show it."""
    try:
        label = Person._meta.get_field(name).verbose_name
    except FieldDoesNotExist:  # a field since removed from the model keeps its stored name
        return name
    return str(label)[:1].upper() + str(label)[1:]


def display_value(name: str, stored: str) -> str:
    """A stored value as a reader expects it: the label of a coded choice, a date as DD/MM/YYYY."""
    if stored == "":
        return ""
    try:
        field = Person._meta.get_field(name)
    except FieldDoesNotExist:
        return stored
    if field.choices:
        labels = {str(value): str(label) for value, label in field.flatchoices}
        return labels.get(stored, stored)
    if isinstance(field, models.DateField) and not isinstance(field, models.DateTimeField):
        try:
            return f"{datetime.date.fromisoformat(stored):%d/%m/%Y}"
        except ValueError:
            return stored
    return stored
