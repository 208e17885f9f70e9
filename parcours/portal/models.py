"""The person's and the family's own space: accounts and invitations, messages with the team,
satisfaction questionnaires.

Rows here are personal data: read them only through `parcours.access` (the portal's decisions are in
`parcours.access.portal`), write them only through `parcours.portal.services`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone

from parcours.access.enums import PortalRight, PortalRole
from parcours.core.fields import EncryptedTextField
from parcours.core.storage import document_storage
from parcours.organisations.models import Establishment
from parcours.people.models import LegalProtection, Person, Relative
from parcours.portal.enums import QuestionKind


def validate_rights(value) -> None:
    if not isinstance(value, list):
        raise ValidationError("Droits illisibles.")
    unknown = [item for item in value if item not in PortalRight.values]
    if unknown:
        raise ValidationError(
            "Droit inconnu : %(unknown)s.", params={"unknown": ", ".join(map(str, unknown))}
        )
    if len(set(value)) != len(value):
        raise ValidationError("Un droit est cité deux fois.")


def ordered_rights(rights) -> list[str]:
    """The rights in one order whatever the order of the choice."""
    return [value for value in PortalRight.values if value in rights]


class PortalAccountQuerySet(models.QuerySet):
    def active(self) -> "PortalAccountQuerySet":
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class PortalAccount(models.Model):
    """A login's link to one person it follows: the person themself, a legal representative (under a
    protection measure) or a relative (with the rights the person gives). One login may follow several
    persons (a parent of two children), each through its own link. Revoking is dated, never deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="portal_accounts",
        verbose_name="compte",
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    role = models.CharField("en qualité de", max_length=20, choices=PortalRole.choices)
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="proche"
    )
    protection = models.ForeignKey(
        LegalProtection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mesure de protection",
    )
    # A relative's rights (PortalRight), given by the person or their legal representative.
    rights = models.JSONField("droits", default=list, blank=True, validators=[validate_rights])
    rights_changed_at = models.DateTimeField("droits changés le", default=timezone.now)
    rights_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="droits changés par",
    )
    created_at = models.DateTimeField("ouvert le", default=timezone.now)
    revoked_at = models.DateTimeField("fermé le", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="fermé par",
    )

    objects = PortalAccountQuerySet.as_manager()

    class Meta:
        verbose_name = "accès à l'espace de la personne"
        verbose_name_plural = "accès à l'espace de la personne"
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "person"],
                condition=Q(revoked_at__isnull=True),
                name="portal_account_one_active",
            ),
            models.CheckConstraint(
                condition=~Q(role=PortalRole.REPRESENTATIVE) | Q(protection__isnull=False),
                name="portal_representative_has_measure",
            ),
        ]

    def __str__(self) -> str:
        return self.get_role_display()

    @property
    def right_labels(self) -> list[str]:
        return [PortalRight(value).label for value in ordered_rights(self.rights or [])]

    def clean(self) -> None:
        errors = {}
        if self.role == PortalRole.REPRESENTATIVE and not self.protection_id:
            errors["protection"] = "Un représentant légal agit dans le cadre d'une mesure de protection."
        if self.protection_id and self.protection.person_id != self.person_id:
            errors["protection"] = "Cette mesure de protection concerne une autre personne."
        if self.relative_id and self.relative.person_id != self.person_id:
            errors["relative"] = "Ce proche n'est pas rattaché à cette personne."
        if self.role != PortalRole.RELATIVE and self.rights:
            errors["rights"] = "Seuls les droits d'un proche se choisissent."
        if errors:
            raise ValidationError(errors)


class InvitationQuerySet(models.QuerySet):
    def pending(self, at=None) -> "InvitationQuerySet":
        at = at or timezone.now()
        return self.filter(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=at)


class Invitation(models.Model):
    """An invitation to open an account in the person's space, sent by the establishment as a one-time
    link by e-mail or handed over as a printed code. Only hashes of the link's token and of the code
    are stored; the link and the code work once, until `expires_at`."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement qui invite"
    )
    role = models.CharField("en qualité de", max_length=20, choices=PortalRole.choices)
    relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="proche"
    )
    protection = models.ForeignKey(
        LegalProtection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mesure de protection",
    )
    rights = models.JSONField("droits", default=list, blank=True, validators=[validate_rights])
    # Where the link was sent (encrypted); blank for a printed code.
    email = EncryptedTextField("courriel", blank=True)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    code_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="invité par"
    )
    created_at = models.DateTimeField("créée le", default=timezone.now)
    expires_at = models.DateTimeField("valable jusqu'au")
    accepted_at = models.DateTimeField("acceptée le", null=True, blank=True)
    account = models.ForeignKey(
        PortalAccount, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="accès"
    )
    revoked_at = models.DateTimeField("annulée le", null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = "invitation à l'espace de la personne"
        verbose_name_plural = "invitations à l'espace de la personne"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"Invitation du {self.created_at:%d/%m/%Y}"

    @property
    def right_labels(self) -> list[str]:
        return [PortalRight(value).label for value in ordered_rights(self.rights or [])]


class Thread(models.Model):
    """A conversation between the person's side (the person, their representative, relatives with the
    right) and the team of one establishment."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    subject = EncryptedTextField("objet", max_length=200)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="commencée par"
    )
    started_at = models.DateTimeField("commencée le", default=timezone.now)
    last_message_at = models.DateTimeField("dernier message le", default=timezone.now, db_index=True)

    class Meta:
        verbose_name = "conversation"
        verbose_name_plural = "conversations"
        ordering = ["-last_message_at", "-pk"]
        indexes = [models.Index(fields=["person", "last_message_at"], name="thread_person_last")]

    def __str__(self) -> str:
        return f"Conversation du {self.started_at:%d/%m/%Y}"


def attachment_path(instance: "Message", filename: str) -> str:
    # No personal data in paths: the file is named by the message's UUID only.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"messages/{instance.uuid.hex[:2]}/{instance.uuid}.{extension[:8]}"


class Message(models.Model):
    """One message of a thread, with at most one attachment (stored encrypted)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    # True when written by the team (a professional of the establishment), False from the person's side.
    from_team = models.BooleanField("de l'équipe")
    body = EncryptedTextField("message")
    sent_at = models.DateTimeField("envoyé le", default=timezone.now)
    attachment = models.FileField(
        "pièce jointe", upload_to=attachment_path, storage=document_storage, blank=True
    )
    attachment_name = EncryptedTextField("nom de la pièce jointe", max_length=200, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "message"
        verbose_name_plural = "messages"
        ordering = ["sent_at", "pk"]

    def __str__(self) -> str:
        return f"Message du {self.sent_at:%d/%m/%Y %H:%M}"


class MessageRead(models.Model):
    """A read receipt: who read a message, and when (first opening only)."""

    message = models.ForeignKey(Message, on_delete=models.PROTECT, related_name="reads")
    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    read_at = models.DateTimeField("lu le", default=timezone.now)

    class Meta:
        verbose_name = "accusé de lecture"
        verbose_name_plural = "accusés de lecture"
        constraints = [models.UniqueConstraint(fields=["message", "reader"], name="message_read_once")]

    def __str__(self) -> str:
        return f"Lu le {self.read_at:%d/%m/%Y %H:%M}"


class Questionnaire(models.Model):
    """A satisfaction or quality questionnaire an establishment puts to the persons it supports. Once
    answered, its questions no longer change (a new questionnaire is made instead)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    title = models.CharField("titre", max_length=200)
    easy_title = models.CharField("titre en facile à lire", max_length=200, blank=True)
    introduction = models.TextField("présentation", blank=True)
    easy_introduction = models.TextField("présentation en facile à lire", blank=True)
    opens_on = models.DateField("ouvert du")
    closes_on = models.DateField("au", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="créé par"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "questionnaire"
        verbose_name_plural = "questionnaires"
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__isnull=True) | Q(closes_on__gte=models.F("opens_on")),
                name="questionnaire_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": "La fermeture précède l'ouverture."})


class Question(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField("ordre")
    text = models.CharField("question", max_length=300)
    easy_text = models.CharField("question en facile à lire", max_length=300, blank=True)
    kind = models.CharField("type de réponse", max_length=10, choices=QuestionKind.choices)

    class Meta:
        verbose_name = "question"
        verbose_name_plural = "questions"
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "position"], name="question_position_unique")
        ]

    def __str__(self) -> str:
        return self.text


class EvaluationResponse(models.Model):
    """One person's answers to one questionnaire. The team sees only aggregated results (with the
    disclosure threshold), unless the person chose to show them their answers."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.PROTECT, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="répondu par"
    )
    capacity = models.CharField("en qualité de", max_length=20, choices=PortalRole.choices)
    shared_with_team = models.BooleanField("réponses montrées à l'équipe", default=False)
    submitted_at = models.DateTimeField("envoyé le", default=timezone.now)

    class Meta:
        verbose_name = "réponse à un questionnaire"
        verbose_name_plural = "réponses aux questionnaires"
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "person"], name="evaluation_one_per_person")
        ]

    def __str__(self) -> str:
        return f"Réponse du {self.submitted_at:%d/%m/%Y}"


class Answer(models.Model):
    response = models.ForeignKey(EvaluationResponse, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    # Scale 1 (not at all satisfied) to 4 (very satisfied), or 0/1 for no/yes; null when not answered.
    value = models.PositiveSmallIntegerField("réponse", null=True, blank=True)
    text = EncryptedTextField("réponse libre", blank=True)

    class Meta:
        verbose_name = "réponse"
        verbose_name_plural = "réponses"
        constraints = [models.UniqueConstraint(fields=["response", "question"], name="answer_once")]

    def __str__(self) -> str:
        return str(self.value if self.value is not None else "")
