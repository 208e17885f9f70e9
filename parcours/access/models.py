"""The access log: append-only, one row per read, write or refusal of a person's data.

Rows are never updated or deleted: save() on an existing row, delete() and queryset
update()/delete() raise, and on PostgreSQL a trigger refuses UPDATE and DELETE too.
Every new row is numbered and chained to the one before by a hash (see `chain`), whichever way
it is written: save(), create() or bulk_create().
"""

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.utils import timezone

from parcours.access import chain
from parcours.access.enums import (
    Action,
    Basis,
    Category,
    ConsentDecision,
    ConsentGivenBy,
    ConsentHow,
    RestrictionGround,
)
from parcours.organisations.models import Establishment
from parcours.people.models import LegalProtection, Person


class AppendOnlyError(Exception):
    pass


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")

    def delete(self):
        raise AppendOnlyError("Le journal des accès ne peut pas être effacé.")

    def bulk_create(self, objs, *args, ignore_conflicts=False, update_conflicts=False, **kwargs):
        """Insert new entries at the end of the chain, in one transaction holding the chain's lock."""
        if ignore_conflicts or update_conflicts:
            raise AppendOnlyError("Le journal des accès n'accepte que des ajouts.")
        objs = list(objs)
        if not objs:
            return objs
        if any(obj.pk is not None for obj in objs):
            raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")
        with transaction.atomic(using=self.db, savepoint=False):
            head = chain.seal(objs, self.db)
            created = super().bulk_create(objs, *args, **kwargs)
            chain.remember_head(self.db, head)
            return created

    def refusals(self) -> "AccessLogQuerySet":
        return self.filter(allowed=False)

    def for_person(self, person: Person) -> "AccessLogQuerySet":
        return self.filter(person=person)


class AccessLogEntry(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Position in the hash chain: 1, 2, 3... without gaps, in the order entries were written.
    sequence = models.BigIntegerField("numéro", unique=True, editable=False)
    # Set when the entry is sealed (under the chain's lock), unless given.
    at = models.DateTimeField("date et heure", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="utilisateur"
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="personne"
    )
    action = models.CharField("action", max_length=10, choices=Action.choices)
    category = models.CharField("catégorie", max_length=20, choices=Category.choices)
    allowed = models.BooleanField("autorisé")
    basis = models.CharField("fondement", max_length=32, choices=Basis.choices)
    object_type = models.CharField("objet", max_length=40, blank=True)
    object_uuid = models.UUIDField("identifiant de l'objet", null=True, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    channel = models.CharField("canal", max_length=20, default="web")
    # Counts and codes only: never personal data (no names, no free text).
    details = models.JSONField("détails", default=dict, blank=True)
    previous_hash = models.CharField("empreinte de l'entrée précédente", max_length=64, editable=False)
    entry_hash = models.CharField("empreinte", max_length=64, editable=False)

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal des accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "at"], name="accesslog_person_at"),
            models.Index(fields=["actor", "at"], name="accesslog_actor_at"),
        ]
        permissions = [
            ("view_audit", "Consulter l'audit des accès (délégué à la protection des données)"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} {self.get_category_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        with transaction.atomic(using=using, savepoint=False):
            head = chain.seal([self], using)
            super().save(*args, **kwargs)
            chain.remember_head(using, head)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être effacé.")


WITNESS_REQUIRED = "Indiquez le nom du témoin : un consentement oral est recueilli devant un témoin."
PROTECTION_ONLY = "La mesure de protection ne s'indique que si le représentant légal décide."


def covers(category: str, prefix: str = "categories") -> models.Q:
    """Consents whose categories include this one. A JSON list holds each category at most once and
    has at most len(Category) items: one lookup per position works on PostgreSQL and SQLite alike."""
    condition = models.Q()
    for index in range(len(Category.values)):
        condition |= models.Q(**{f"{prefix}__{index}": str(category)})
    return condition


class ConsentQuerySet(models.QuerySet):
    def active(self, on: datetime.date | None = None) -> "ConsentQuerySet":
        """Consents granted, not withdrawn, and within their dates on this day (today by default)."""
        on = on or timezone.localdate()
        return self.filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on),
            decision=ConsentDecision.GRANTED,
            withdrawn_at__isnull=True,
            valid_from__lte=on,
        )

    def covering(self, category: str) -> "ConsentQuerySet":
        return self.filter(covers(category))


def validate_categories(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError("Choisissez au moins une partie du dossier.")
    unknown = [item for item in value if item not in Category.values]
    if unknown:
        raise ValidationError(
            "Partie du dossier inconnue : %(unknown)s.", params={"unknown": ", ".join(map(str, unknown))}
        )
    if len(set(value)) != len(value):
        raise ValidationError("Une partie du dossier est citée deux fois.")


class Consent(models.Model):
    """The person's (or their legal representative's) decision to let another establishment read
    some categories of their record. Never deleted: a withdrawal is dated and kept."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="consents", verbose_name="personne"
    )
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement destinataire"
    )
    categories = models.JSONField("parties du dossier", default=list, validators=[validate_categories])
    decision = models.CharField("décision", max_length=10, choices=ConsentDecision.choices)
    given_by = models.CharField("donnée par", max_length=20, choices=ConsentGivenBy.choices)
    protection = models.ForeignKey(
        LegalProtection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mesure de protection du représentant",
    )
    how = models.CharField("recueillie", max_length=20, choices=ConsentHow.choices)
    witness_name = models.CharField("nom du témoin", max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="enregistrée par"
    )
    recorded_at = models.DateTimeField("enregistrée le", default=timezone.now)
    valid_from = models.DateField("valable à partir du")
    valid_until = models.DateField("valable jusqu'au", null=True, blank=True)
    withdrawn_at = models.DateTimeField("retirée le", null=True, blank=True)
    withdrawal_reason = models.CharField("motif du retrait", max_length=500, blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = "consentement"
        verbose_name_plural = "consentements"
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="consent_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} — {self.establishment_id}"

    @property
    def category_labels(self) -> list[str]:
        return [Category(value).label for value in Category.values if value in self.categories]

    def clean(self) -> None:
        errors = {}
        if isinstance(self.categories, list):
            # One order whatever the order of the choice.
            self.categories = [value for value in Category.values if value in self.categories] + [
                value for value in self.categories if value not in Category.values
            ]
        if self.how == ConsentHow.ORAL and not self.witness_name.strip():
            errors["witness_name"] = (
                "Indiquez le nom du témoin : un consentement oral est recueilli devant un témoin."
            )
        if self.protection_id is not None:
            if self.given_by != ConsentGivenBy.REPRESENTATIVE:
                errors["protection"] = (
                    "La mesure de protection ne s'indique que si le représentant légal décide."
                )
            elif self.protection.person_id != self.person_id:
                errors["protection"] = "Cette mesure de protection concerne une autre personne."
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = "La fin de validité précède son début."
        if errors:
            raise ValidationError(errors)


class BreakGlassQuerySet(models.QuerySet):
    def active(self, at: datetime.datetime | None = None) -> "BreakGlassQuerySet":
        """Emergency accesses still open at this moment (now by default)."""
        at = at or timezone.now()
        return self.filter(opened_at__lte=at, expires_at__gt=at)

    def unreviewed(self) -> "BreakGlassQuerySet":
        return self.filter(reviewed_at__isnull=True)


class BreakGlass(models.Model):
    """An emergency access ("bris de glace"): a professional without a right opens a record after
    writing why. It lets them read the whole record, write nothing, until `expires_at`; it is
    flagged in the access log and notified to the directors concerned and to the data protection
    officer, who review it. Never deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="professionnel"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    reason = models.TextField("motif")
    opened_at = models.DateTimeField("ouvert le", default=timezone.now)
    expires_at = models.DateTimeField("fermé le")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="examiné par",
    )
    reviewed_at = models.DateTimeField("examiné le", null=True, blank=True)
    review_note = models.TextField("conclusion de l'examen", blank=True)

    objects = BreakGlassQuerySet.as_manager()

    class Meta:
        verbose_name = "accès d'urgence"
        verbose_name_plural = "accès d'urgence"
        ordering = ["-opened_at", "-id"]
        indexes = [models.Index(fields=["user", "expires_at"], name="breakglass_user_expires")]

    def __str__(self) -> str:
        return f"Accès d'urgence du {self.opened_at:%d/%m/%Y %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.opened_at <= timezone.now() < self.expires_at


class RestrictionQuerySet(models.QuerySet):
    def active(self) -> "RestrictionQuerySet":
        return self.filter(lifted_at__isnull=True)


class Restriction(models.Model):
    """The limitation of processing of a person's record (RGPD art. 18): while it lasts the record
    is kept and read by those who support the person, but nobody writes in it and no consent
    opens it to another establishment. Lifting it is dated; nothing is deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    ground = models.CharField("motif", max_length=20, choices=RestrictionGround.choices)
    note = models.TextField("précisions", blank=True)
    started_at = models.DateTimeField("depuis le", default=timezone.now)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="décidée par"
    )
    lifted_at = models.DateTimeField("levée le", null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="levée par",
    )

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        verbose_name = "limitation du traitement"
        verbose_name_plural = "limitations du traitement"
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(lifted_at__isnull=True), name="one_active_restriction"
            )
        ]

    def __str__(self) -> str:
        return f"Limitation du {self.started_at:%d/%m/%Y}"


class LogExpiry(models.Model):
    """A checkpoint of the access log's retention: entries numbered up to `last_sequence` reached the
    end of their retention period and were removed. `last_hash` is the hash of that last entry, so
    the chain still verifies from the first entry kept. Written once, never changed."""

    last_sequence = models.BigIntegerField("dernier numéro expiré", unique=True)
    last_hash = models.CharField("empreinte de cette entrée", max_length=64)
    cutoff = models.DateTimeField("entrées antérieures au")
    removed = models.BigIntegerField("entrées retirées")
    run_at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "expiration du journal des accès"
        verbose_name_plural = "expirations du journal des accès"
        ordering = ["-last_sequence"]

    def __str__(self) -> str:
        return f"Journal expiré jusqu'au n° {self.last_sequence}"
