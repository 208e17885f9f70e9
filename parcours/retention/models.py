"""Retention rules (set by the data protection officer), the runs that apply them, and where each
person's record stands: active base, intermediate archive, then erased or anonymised.

A category without a configured duration is never touched: no duration is assumed."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from parcours.people.models import Person
from parcours.retention.enums import (
    ALLOWED_ACTIONS,
    FinalAction,
    RetentionCategory,
    RunStatus,
    StartEvent,
)

MAX_MONTHS = 1200  # a century: beyond that, a typing error


def start_event_for(category: str) -> str:
    return StartEvent.ENTRY_DATE if category == RetentionCategory.ACCESS_LOG else StartEvent.LAST_SUPPORT_END


class RetentionRule(models.Model):
    """How long one category of data stays in the active base, then in intermediate archive, and what
    happens at the end. Unset durations mean "to be configured by the DPO": nothing happens."""

    category = models.CharField(
        "catégorie de données", max_length=20, choices=RetentionCategory.choices, unique=True
    )
    active_months = models.PositiveSmallIntegerField(
        "durée en base active (mois)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
    )
    archive_months = models.PositiveSmallIntegerField(
        "durée en archive intermédiaire (mois)",
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_MONTHS)],
    )
    final_action = models.CharField("sort final", max_length=20, choices=FinalAction.choices, blank=True)
    start_event = models.CharField("point de départ", max_length=20, choices=StartEvent.choices)
    justification = models.TextField("justification", blank=True)
    source = models.CharField("source", max_length=300, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="modifiée par",
    )
    changed_at = models.DateTimeField("modifiée le", default=timezone.now)

    class Meta:
        verbose_name = "règle de conservation"
        verbose_name_plural = "règles de conservation"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.get_category_display()

    @property
    def is_configured(self) -> bool:
        """Configured enough to move records to the intermediate archive."""
        return self.active_months is not None

    @property
    def disposes(self) -> bool:
        """Configured enough to erase or anonymise at the end of the archive period."""
        return self.active_months is not None and self.archive_months is not None and bool(self.final_action)

    @property
    def total_months(self) -> int | None:
        return self.active_months + self.archive_months if self.disposes else None

    def fingerprint(self) -> list:
        return [self.category, self.active_months, self.archive_months, self.final_action]

    def clean(self) -> None:
        errors = {}
        self.start_event = start_event_for(self.category)
        allowed = ALLOWED_ACTIONS.get(self.category, ())
        if self.final_action and self.final_action not in allowed:
            possible = ", ".join(FinalAction(action).label.lower() for action in allowed)
            errors["final_action"] = f"Pour cette catégorie, le sort final possible est : {possible}."
        if self.archive_months is not None and self.active_months is None:
            errors["active_months"] = "Indiquez d'abord la durée en base active."
        if self.archive_months is not None and not self.final_action:
            errors["final_action"] = "Indiquez le sort final à l'issue de l'archive intermédiaire."
        if self.category == RetentionCategory.ACCESS_LOG and self.archive_months:
            errors["archive_months"] = "Le journal des accès n'a pas d'archive intermédiaire : indiquez 0."
        if (
            self.active_months is not None or self.archive_months is not None
        ) and not self.justification.strip():
            errors["justification"] = (
                "Justifiez la durée retenue (texte de référence ou décision du responsable)."
            )
        if errors:
            raise ValidationError(errors)


class RetentionRuleChange(models.Model):
    """One change of a rule, as it was after the change. Append-only: never updated or deleted."""

    category = models.CharField("catégorie de données", max_length=20, choices=RetentionCategory.choices)
    active_months = models.PositiveSmallIntegerField("durée en base active (mois)", null=True, blank=True)
    archive_months = models.PositiveSmallIntegerField(
        "durée en archive intermédiaire (mois)", null=True, blank=True
    )
    final_action = models.CharField("sort final", max_length=20, choices=FinalAction.choices, blank=True)
    justification = models.TextField("justification", blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="modifiée par"
    )
    changed_at = models.DateTimeField("modifiée le", default=timezone.now)

    class Meta:
        verbose_name = "modification d'une règle de conservation"
        verbose_name_plural = "historique des règles de conservation"
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()} — {self.changed_at:%d/%m/%Y}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("L'historique des règles ne se modifie pas.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("L'historique des règles ne s'efface pas.")


class RetentionRun(models.Model):
    """A dry-run report (counts only, never names), then, once the DPO applied it, what was done."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField("créé le", default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="demandé par",
    )
    status = models.CharField("état", max_length=20, choices=RunStatus.choices, default=RunStatus.PENDING)
    reference_date = models.DateField("date de calcul", null=True, blank=True)
    planned_at = models.DateTimeField("simulation terminée le", null=True, blank=True)
    # Counts per category and phase, and the rules they were computed with.
    report = models.JSONField("rapport de simulation", default=dict, blank=True)
    # Which records the report counted (row numbers, never names): what "Appliquer" acts on.
    targets = models.JSONField(default=dict, blank=True, editable=False)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="appliqué par",
    )
    approved_at = models.DateTimeField("application demandée le", null=True, blank=True)
    applied_at = models.DateTimeField("appliqué le", null=True, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    results = models.JSONField("résultats", default=dict, blank=True)
    error = models.CharField("erreur", max_length=300, blank=True)

    class Meta:
        verbose_name = "passage des durées de conservation"
        verbose_name_plural = "passages des durées de conservation"
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.created_at:%d/%m/%Y %H:%M} — {self.get_status_display()}"

    @property
    def in_progress(self) -> bool:
        return self.status in {RunStatus.PENDING, RunStatus.PLANNING, RunStatus.APPLYING}


class PersonRetentionQuerySet(models.QuerySet):
    def archived(self) -> "PersonRetentionQuerySet":
        """In intermediate archive: archived and not yet erased or anonymised."""
        return self.filter(archived_on__isnull=False, disposed_on__isnull=True)

    def disposed(self) -> "PersonRetentionQuerySet":
        return self.filter(disposed_on__isnull=False)


class PersonRetention(models.Model):
    """Where one category of one person's record stands once it left the active base."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+", verbose_name="personne")
    category = models.CharField("catégorie de données", max_length=20, choices=RetentionCategory.choices)
    last_support_end = models.DateField("fin du dernier accompagnement")
    archived_on = models.DateField("archivée le")
    archived_by = models.ForeignKey(
        RetentionRun, on_delete=models.PROTECT, related_name="+", verbose_name="archivée par le passage"
    )
    disposed_on = models.DateField("effacée ou anonymisée le", null=True, blank=True)
    disposal = models.CharField("sort final", max_length=20, choices=FinalAction.choices, blank=True)
    disposed_by = models.ForeignKey(
        RetentionRun,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="effacée ou anonymisée par le passage",
    )

    objects = PersonRetentionQuerySet.as_manager()

    class Meta:
        verbose_name = "état de conservation"
        verbose_name_plural = "états de conservation"
        constraints = [
            models.UniqueConstraint(fields=["person", "category"], name="person_retention_unique"),
        ]
        indexes = [models.Index(fields=["category", "disposed_on"], name="person_retention_state")]

    def __str__(self) -> str:
        return f"{self.get_category_display()} — {self.archived_on:%d/%m/%Y}"
