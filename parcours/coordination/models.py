"""The coordination of the parcours: admission requests following an MDPH orientation, waiting lists,
liaison files for a transfer, and the circle of carers around the person (members, tasks, agenda,
messages), with the notifications they give rise to.

Rows here are personal data: read them only through `parcours.access`, never through `Model.objects`
in a view; write them only through `parcours.coordination.services` (and its sibling modules).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from parcours.coordination.enums import (
    CircleRole,
    LiaisonStatus,
    NotificationKind,
    RefusalReason,
    RequestStatus,
    TaskStatus,
    ThreadAudience,
    WaitingListOutcome,
    WaitingListPriority,
)
from parcours.core.fields import EncryptedTextField
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.models import MdphDecision, Person, Relative

__all__ = ["WaitingListOutcome"]


class AdmissionRequest(models.Model):
    """A request for admission of a person to one establishment or service, usually following an MDPH
    orientation decision, with its current status (ANS TRE_R357 codes) and its history of events."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="admission_requests", verbose_name="personne"
    )
    mdph_decision = models.ForeignKey(
        MdphDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="admission_requests",
        verbose_name="décision MDPH d'orientation",
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="admission_requests",
        verbose_name="établissement ou service sollicité",
    )
    mode = models.CharField("mode d'accompagnement demandé", max_length=32, choices=SupportMode.choices)
    status = models.CharField(
        "statut", max_length=4, choices=RequestStatus.choices, default=RequestStatus.SENT
    )
    reason = models.CharField("motif", max_length=4, choices=RefusalReason.choices, blank=True)
    status_date = models.DateField("date du statut")
    sent_on = models.DateField("envoyée le")
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="envoyée par"
    )
    # The establishment (or service) that sent it, when it came from one; none for the MDPH's own flow.
    sent_from = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="envoyée par l'établissement",
    )
    comment = EncryptedTextField("commentaire", blank=True)
    admission = models.ForeignKey(
        "records.Admission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="admission réalisée",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "demande d'admission"
        verbose_name_plural = "demandes d'admission"
        ordering = ["-sent_on", "-pk"]
        indexes = [
            models.Index(fields=["establishment", "status"], name="request_establishment_status"),
            models.Index(fields=["person", "sent_on"], name="request_person"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=RequestStatus.IMPOSSIBLE) | ~Q(reason=""),
                name="request_refusal_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Demande d'admission du {self.sent_on:%d/%m/%Y}"

    def clean(self):
        errors = {}
        if self.mdph_decision_id and self.person_id and self.mdph_decision.person_id != self.person_id:
            errors["mdph_decision"] = "Cette décision MDPH concerne une autre personne."
        if self.status == RequestStatus.IMPOSSIBLE and not self.reason:
            errors["reason"] = "Indiquez le motif du refus."
        if self.reason and self.status != RequestStatus.IMPOSSIBLE:
            errors["reason"] = "Un motif ne s'indique que pour une admission impossible."
        if errors:
            raise ValidationError(errors)


class AdmissionRequestEvent(models.Model):
    """One step of a request: its status, the reason, the date it took effect, who recorded it. Never
    changed nor deleted."""

    request = models.ForeignKey(AdmissionRequest, on_delete=models.PROTECT, related_name="events")
    status = models.CharField("statut", max_length=4, choices=RequestStatus.choices)
    reason = models.CharField("motif", max_length=4, choices=RefusalReason.choices, blank=True)
    date = models.DateField("date")
    comment = EncryptedTextField("commentaire", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="noté par"
    )
    recorded_at = models.DateTimeField("noté le", default=timezone.now)

    class Meta:
        verbose_name = "étape d'une demande d'admission"
        verbose_name_plural = "étapes des demandes d'admission"
        ordering = ["recorded_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.date:%d/%m/%Y}"


class WaitingListEntryQuerySet(models.QuerySet):
    def waiting(self, on) -> "WaitingListEntryQuerySet":
        """The entries on the list at the end of that day: registered on or before it, and not left by
        then (an entry that leaves on that day is no longer waiting)."""
        return self.filter(Q(registered_on__lte=on), Q(left_on__isnull=True) | Q(left_on__gt=on))


class WaitingListEntry(models.Model):
    """One person on the waiting list of one establishment or service, for one mode of support.

    A person may wait for several establishments at once (one entry each). The entry leaves the list on
    `left_on`, with an outcome; both are given together or not at all."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="waiting_list_entries", verbose_name="personne"
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="waiting_list_entries",
        verbose_name="établissement ou service",
    )
    mode = models.CharField("mode d'accompagnement demandé", max_length=32, choices=SupportMode.choices)
    registered_on = models.DateField("date d'inscription")
    mdph_decision = models.ForeignKey(
        MdphDecision,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waiting_list_entries",
        verbose_name="décision MDPH d'orientation",
    )
    left_on = models.DateField("date de sortie de la liste", null=True, blank=True)
    outcome = models.CharField(
        "issue", max_length=20, choices=WaitingListOutcome.choices, blank=True, default=""
    )
    priority = models.PositiveSmallIntegerField(
        "priorité", choices=WaitingListPriority.choices, default=WaitingListPriority.NORMAL
    )
    request = models.ForeignKey(
        AdmissionRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="waiting_list_entries",
        verbose_name="demande d'admission",
    )
    # Why the entry left the list, in words (the decision's reasons); free text, encrypted.
    decision_note = EncryptedTextField("motif de la décision", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = WaitingListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = "inscription en liste d'attente"
        verbose_name_plural = "inscriptions en liste d'attente"
        ordering = ["-registered_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("registered_on")),
                name="waiting_list_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True, outcome="") | (Q(left_on__isnull=False) & ~Q(outcome="")),
                name="waiting_list_outcome_with_exit",
            ),
        ]
        indexes = [
            models.Index(
                fields=["establishment", "left_on", "registered_on"], name="waiting_list_establishment"
            ),
            models.Index(fields=["person", "registered_on"], name="waiting_list_person"),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} ({self.get_mode_display()})"

    def clean(self):
        errors = {}
        if self.left_on and self.registered_on and self.left_on < self.registered_on:
            errors["left_on"] = "La sortie de la liste précède l'inscription."
        if self.left_on and not self.outcome:
            errors["outcome"] = "Indiquez l'issue de l'inscription."
        if self.outcome and not self.left_on:
            errors["left_on"] = "Une issue suppose une date de sortie de la liste."
        if self.mdph_decision_id and self.person_id and self.mdph_decision.person_id != self.person_id:
            errors["mdph_decision"] = "Cette décision MDPH concerne une autre personne."
        if errors:
            raise ValidationError(errors)


class LiaisonFile(models.Model):
    """A liaison file (dossier de liaison): what the sending structure chose to pass on, part by part,
    to the structure that will support the person, sent with the person's consent to it. Its content is
    frozen when sent (encrypted JSON); the receiver imports it into a new admission."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="liaison_files", verbose_name="personne"
    )
    from_establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement qui envoie"
    )
    to_establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement qui accueille"
    )
    request = models.ForeignKey(
        AdmissionRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaison_files",
        verbose_name="demande d'admission",
    )
    # The parts chosen (LiaisonPart values) and, for notes, the notes chosen (their UUIDs).
    parts = models.JSONField("parties choisies", default=list)
    note_uuids = models.JSONField("transmissions choisies", default=list, blank=True)
    content = EncryptedTextField("contenu (JSON)", blank=True)
    consent = models.ForeignKey(
        "access.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="consentement de la personne",
    )
    status = models.CharField(
        "état", max_length=10, choices=LiaisonStatus.choices, default=LiaisonStatus.DRAFT
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="préparé par"
    )
    prepared_at = models.DateTimeField("préparé le", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)
    imported_at = models.DateTimeField("importé le", null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="importé par",
    )
    admission = models.ForeignKey(
        "records.Admission",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="admission créée",
    )

    class Meta:
        verbose_name = "dossier de liaison"
        verbose_name_plural = "dossiers de liaison"
        ordering = ["-prepared_at", "-pk"]

    def __str__(self) -> str:
        return f"Dossier de liaison du {self.prepared_at:%d/%m/%Y}"


class CircleMemberQuerySet(models.QuerySet):
    def active(self) -> "CircleMemberQuerySet":
        return self.filter(left_at__isnull=True)


class CircleMember(models.Model):
    """One member of the circle of carers around the person: a professional of any structure (with a
    login), or a family carer (a relative, with or without a login to the person's space)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="circle", verbose_name="personne"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="circles",
        verbose_name="compte",
    )
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="proche"
    )
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="structure",
    )
    role = models.CharField("rôle", max_length=20, choices=CircleRole.choices)
    role_detail = models.CharField("précision du rôle", max_length=200, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="ajouté par"
    )
    joined_at = models.DateTimeField("membre depuis", default=timezone.now)
    left_at = models.DateTimeField("a quitté le cercle le", null=True, blank=True)

    objects = CircleMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "membre du cercle"
        verbose_name_plural = "membres du cercle"
        ordering = ["role", "joined_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False) | Q(relative__isnull=False), name="circle_member_is_someone"
            ),
            models.UniqueConstraint(
                fields=["person", "user"],
                condition=Q(left_at__isnull=True, user__isnull=False),
                name="circle_member_once",
            ),
        ]
        indexes = [models.Index(fields=["user", "left_at"], name="circle_member_user")]

    def __str__(self) -> str:
        return self.get_role_display()


class CircleTask(models.Model):
    """A task of the circle: what, who, by when."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    title = EncryptedTextField("tâche", max_length=300)
    owner = models.ForeignKey(
        CircleMember, on_delete=models.PROTECT, related_name="tasks", verbose_name="confiée à"
    )
    due_on = models.DateField("échéance", null=True, blank=True)
    status = models.CharField("état", max_length=10, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="créée par"
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    done_at = models.DateTimeField("faite le", null=True, blank=True)

    class Meta:
        verbose_name = "tâche du cercle"
        verbose_name_plural = "tâches du cercle"
        ordering = ["status", "due_on", "pk"]
        indexes = [models.Index(fields=["person", "status", "due_on"], name="circle_task_person")]

    def __str__(self) -> str:
        return f"Tâche du {self.created_at:%d/%m/%Y}"


class CircleEvent(models.Model):
    """An appointment or activity in the circle's shared agenda: when, where, with whom."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    title = EncryptedTextField("intitulé", max_length=200)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin", null=True, blank=True)
    place = EncryptedTextField("lieu", max_length=200, blank=True)
    with_whom = EncryptedTextField("avec qui", max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="noté par"
    )
    created_at = models.DateTimeField("noté le", default=timezone.now)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)

    class Meta:
        verbose_name = "rendez-vous du cercle"
        verbose_name_plural = "agenda du cercle"
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["person", "starts_at"], name="circle_event_person")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="circle_event_times_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"Rendez-vous du {self.starts_at:%d/%m/%Y %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "La fin précède le début."})


class CircleThread(models.Model):
    """A conversation inside the circle: between its professionals only, or with the family."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    audience = models.CharField("avec", max_length=10, choices=ThreadAudience.choices)
    subject = EncryptedTextField("objet", max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="commencée par"
    )
    started_at = models.DateTimeField("commencée le", default=timezone.now)
    last_message_at = models.DateTimeField("dernier message le", default=timezone.now)

    class Meta:
        verbose_name = "conversation du cercle"
        verbose_name_plural = "conversations du cercle"
        ordering = ["-last_message_at", "-pk"]

    def __str__(self) -> str:
        return f"Conversation du {self.started_at:%d/%m/%Y}"


class CircleMessage(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(CircleThread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    body = EncryptedTextField("message")
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "message du cercle"
        verbose_name_plural = "messages du cercle"
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"Message du {self.sent_at:%d/%m/%Y %H:%M}"


class Notification(models.Model):
    """A notice shown in the application to one user (and announced by an e-mail that names nobody):
    a request received, a decision, a liaison file received, a task due, a new message. It points to
    the page to open; it holds no personal data itself."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="pour"
    )
    kind = models.CharField("objet", max_length=20, choices=NotificationKind.choices)
    # A path of the application (UUIDs only), opened by the notice.
    url = models.CharField("page", max_length=300)
    created_at = models.DateTimeField("le", default=timezone.now)
    read_at = models.DateTimeField("lue le", null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        verbose_name_plural = "notifications"
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "read_at", "created_at"], name="notification_user_unread")]

    def __str__(self) -> str:
        return self.get_kind_display()
