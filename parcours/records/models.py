"""The record: admissions, needs assessments, projets personnalisés, service log, notes, documents.

Personal data: read only through `parcours.access`; write only through `parcours.records.services`.
Free text and documents are encrypted at rest (EncryptedTextField, the documents' storage): those
columns can be neither searched nor sorted (docs/security.md).
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from parcours.core.fields import EncryptedTextField
from parcours.core.storage import document_storage
from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment, Unit
from parcours.people.models import Person
from parcours.records.enums import (
    AbsenceReason,
    AgendaKind,
    ExitReason,
    FrequencyPeriod,
    NeedIntensity,
    NoteCategory,
    PresenceStatus,
    ProjetResponseKind,
    ProjetStatus,
    ResponseCapacity,
)
from parcours.staff.models import Professional

BESOINS = "serafin-ph-besoins"
PRESTATIONS = "serafin-ph-prestations"


def check_concept(concept: Concept | None, system_slug: str, field: str, errors: dict) -> None:
    """A coded value must exist, be active and belong to the expected code system."""
    if concept is None:
        return
    if concept.system.slug != system_slug:
        errors[field] = "Ce code n'appartient pas à la nomenclature attendue."
    elif not concept.active or not concept.label:
        errors[field] = "Ce code n'est pas utilisable (inactif ou sans libellé publié)."


class AdmissionQuerySet(models.QuerySet):
    def active(self, on=None) -> "AdmissionQuerySet":
        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Admission(models.Model):
    """An episode of support of one person by one establishment or service."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="admissions")
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="admissions",
        verbose_name="établissement ou service",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="admissions", verbose_name="unité"
    )
    mode = models.CharField("mode d'accompagnement", max_length=32, choices=SupportMode.choices)
    start_date = models.DateField("date d'admission")
    end_date = models.DateField("date de sortie", null=True, blank=True)
    exit_reason = models.CharField("motif de sortie", max_length=4, choices=ExitReason.choices, blank=True)
    comment = EncryptedTextField("commentaire", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AdmissionQuerySet.as_manager()

    class Meta:
        verbose_name = "admission"
        verbose_name_plural = "admissions"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="admission_dates_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["establishment", "end_date", "start_date"], name="admission_establishment"),
            models.Index(fields=["person", "start_date"], name="admission_person"),
        ]

    def __str__(self) -> str:
        return f"{self.establishment} ({self.get_mode_display()})"

    @property
    def is_active(self) -> bool:
        today = timezone.localdate()
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "La date de sortie précède la date d'admission."
        if self.end_date and not self.exit_reason:
            errors["exit_reason"] = "Indiquez le motif de sortie."
        if self.exit_reason and not self.end_date:
            errors["end_date"] = "Un motif de sortie suppose une date de sortie."
        if self.unit_id and self.establishment_id and self.unit.establishment_id != self.establishment_id:
            errors["unit"] = "Cette unité n'appartient pas à l'établissement choisi."
        if (
            self.person_id
            and self.person.birth_date
            and self.start_date
            and self.start_date < self.person.birth_date
        ):
            errors["start_date"] = "L'admission ne peut précéder la naissance de la personne."
        if self.person_id and self.establishment_id and self.start_date and not errors:
            # Several supports at once are normal across structures (ESAT + foyer + SAVS);
            # two overlapping episodes in the same structure are a double entry.
            overlapping = Admission.objects.filter(
                person_id=self.person_id, establishment_id=self.establishment_id
            )
            overlapping = overlapping.filter(Q(end_date__isnull=True) | Q(end_date__gte=self.start_date))
            if self.end_date:
                overlapping = overlapping.filter(start_date__lte=self.end_date)
            if self.pk:
                overlapping = overlapping.exclude(pk=self.pk)
            if overlapping.exists():
                errors["start_date"] = (
                    "Cette personne a déjà un accompagnement dans cet établissement sur cette période."
                )
        if errors:
            raise ValidationError(errors)


class NeedsAssessment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="assessments")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    date = models.DateField("date de l'évaluation")
    assessed_by = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="+", verbose_name="évaluée par"
    )
    comment = EncryptedTextField("synthèse", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "évaluation des besoins"
        verbose_name_plural = "évaluations des besoins"
        ordering = ["-date"]
        indexes = [models.Index(fields=["person", "date"], name="assessment_person")]

    def __str__(self) -> str:
        return f"Évaluation du {self.date:%d/%m/%Y}"

    def clean(self):
        if self.date and self.date > timezone.localdate():
            raise ValidationError({"date": "Une évaluation ne peut pas être datée dans le futur."})


class Need(models.Model):
    """One need of an assessment, coded in SERAFIN-PH besoins."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(NeedsAssessment, on_delete=models.CASCADE, related_name="needs")
    concept = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="besoin (SERAFIN-PH)",
        limit_choices_to={"system__slug": BESOINS},
    )
    intensity = models.PositiveSmallIntegerField("intensité", choices=NeedIntensity.choices)
    comment = EncryptedTextField("commentaire", blank=True)

    class Meta:
        verbose_name = "besoin"
        verbose_name_plural = "besoins"
        constraints = [
            models.UniqueConstraint(fields=["assessment", "concept"], name="need_unique_per_assessment")
        ]

    def __str__(self) -> str:
        return self.concept.label

    def clean(self):
        errors: dict = {}
        check_concept(self.concept if self.concept_id else None, BESOINS, "concept", errors)
        if errors:
            raise ValidationError(errors)


class ProjetPersonnalise(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="projets")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    date = models.DateField("date")
    status = models.CharField(
        "statut", max_length=20, choices=ProjetStatus.choices, default=ProjetStatus.DRAFT
    )
    review_date = models.DateField("date de révision prévue")
    person_words = EncryptedTextField(
        "paroles de la personne", blank=True, help_text="Ses attentes et ses souhaits, dans ses propres mots."
    )
    author = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="+", verbose_name="rédigé par"
    )
    agreed_at = models.DateTimeField("validé le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "projet personnalisé"
        verbose_name_plural = "projets personnalisés"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(condition=Q(review_date__gte=F("date")), name="projet_review_after_date"),
        ]
        indexes = [models.Index(fields=["person", "date"], name="projet_person")]

    def __str__(self) -> str:
        return f"Projet personnalisé du {self.date:%d/%m/%Y}"

    def clean(self):
        if self.review_date and self.date and self.review_date < self.date:
            raise ValidationError({"review_date": "La date de révision doit suivre la date du projet."})


class Goal(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    projet = models.ForeignKey(ProjetPersonnalise, on_delete=models.CASCADE, related_name="goals")
    title = EncryptedTextField("objectif", max_length=200)
    description = EncryptedTextField("description", blank=True)
    needs = models.ManyToManyField(
        Concept,
        blank=True,
        related_name="+",
        verbose_name="besoins visés",
        limit_choices_to={"system__slug": BESOINS},
    )

    class Meta:
        verbose_name = "objectif"
        verbose_name_plural = "objectifs"
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.title


class PlannedService(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    projet = models.ForeignKey(ProjetPersonnalise, on_delete=models.CASCADE, related_name="planned_services")
    goal = models.ForeignKey(
        Goal,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="services",
        verbose_name="objectif",
    )
    concept = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="prestation (SERAFIN-PH)",
        limit_choices_to={"system__slug": PRESTATIONS},
    )
    frequency_count = models.PositiveSmallIntegerField("fréquence", validators=[MinValueValidator(1)])
    frequency_period = models.CharField("période", max_length=8, choices=FrequencyPeriod.choices)
    comment = EncryptedTextField("précisions", max_length=300, blank=True)

    class Meta:
        verbose_name = "prestation prévue"
        verbose_name_plural = "prestations prévues"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.concept.label} — {self.frequency_count} {self.get_frequency_period_display()}"

    def clean(self):
        errors: dict = {}
        check_concept(self.concept if self.concept_id else None, PRESTATIONS, "concept", errors)
        if self.goal_id and self.projet_id and self.goal.projet_id != self.projet_id:
            errors["goal"] = "Cet objectif appartient à un autre projet."
        if errors:
            raise ValidationError(errors)


class ServiceDelivery(models.Model):
    """One line of the service log: a SERAFIN-PH prestation delivered to the person."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="services")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    concept = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="prestation (SERAFIN-PH)",
        limit_choices_to={"system__slug": PRESTATIONS},
    )
    date = models.DateField("date")
    duration_minutes = models.PositiveSmallIntegerField(
        "durée (minutes)", validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    professional = models.ForeignKey(
        Professional,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="réalisée par",
    )
    is_group = models.BooleanField("collective", default=False)

    class Meta:
        verbose_name = "prestation réalisée"
        verbose_name_plural = "prestations réalisées"
        ordering = ["-date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1) & Q(duration_minutes__lte=1440),
                name="service_duration_range",
            ),
        ]
        indexes = [
            models.Index(fields=["person", "date"], name="service_person_date"),
            models.Index(fields=["establishment", "date"], name="service_establishment_date"),
        ]

    def __str__(self) -> str:
        return f"{self.concept.label} ({self.duration_minutes} min)"

    def clean(self):
        errors: dict = {}
        check_concept(self.concept if self.concept_id else None, PRESTATIONS, "concept", errors)
        if self.date and self.date > timezone.localdate():
            errors["date"] = "Une prestation réalisée ne peut pas être datée dans le futur."
        if errors:
            raise ValidationError(errors)


class Note(models.Model):
    """A daily note (transmission)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="notes")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    category = models.CharField("catégorie", max_length=20, choices=NoteCategory.choices)
    text = EncryptedTextField("texte")
    author = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    written_at = models.DateTimeField("écrite le", default=timezone.now)
    shareable = models.BooleanField("partageable avec la personne et sa famille", default=False)

    class Meta:
        verbose_name = "transmission"
        verbose_name_plural = "transmissions"
        ordering = ["-written_at"]
        indexes = [
            models.Index(fields=["person", "written_at"], name="note_person_written"),
            models.Index(fields=["establishment", "written_at"], name="note_establishment_written"),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} — {self.written_at:%d/%m/%Y %H:%M}"


def document_path(instance: "Document", filename: str) -> str:
    # No personal data in paths: the file is named by its UUID only.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"documents/{instance.uuid.hex[:2]}/{instance.uuid}.{extension[:8]}"


class Document(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="documents")
    note = models.ForeignKey(Note, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    title = EncryptedTextField("titre", max_length=200)
    # Stored encrypted (parcours.core.storage); read back decrypted.
    file = models.FileField("fichier", upload_to=document_path, storage=document_storage)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "document"
        verbose_name_plural = "documents"
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return self.title


class ProjetVersion(models.Model):
    """What the person was shown of a projet when the team proposed it: its goals, planned services,
    review date and the person's words, frozen (encrypted JSON). Versions are numbered 1, 2, 3... per
    projet; an agreement or a request for changes answers one version."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    projet = models.ForeignKey(ProjetPersonnalise, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveSmallIntegerField("version")
    # {"date", "review_date", "person_words", "goals": [{"title", "description", "services": [...]}],
    #  "services": [...without goal]}; each service {"code", "label", "frequency"}.
    content = EncryptedTextField("contenu (JSON)")
    proposed_at = models.DateTimeField("proposée le", default=timezone.now)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="proposée par"
    )

    class Meta:
        verbose_name = "version du projet personnalisé"
        verbose_name_plural = "versions du projet personnalisé"
        ordering = ["projet", "-number"]
        constraints = [models.UniqueConstraint(fields=["projet", "number"], name="projet_version_unique")]

    def __str__(self) -> str:
        return f"Version {self.number}"


class ProjetResponse(models.Model):
    """An agreement, a request for changes or a comment on one version of a projet, with who gave it,
    in what capacity and when. Never changed nor deleted."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    version = models.ForeignKey(ProjetVersion, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField("réponse", max_length=10, choices=ProjetResponseKind.choices)
    text = EncryptedTextField("texte", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="auteur"
    )
    capacity = models.CharField("en qualité de", max_length=20, choices=ResponseCapacity.choices)
    # For a legal representative: the measure under which they acted.
    protection = models.ForeignKey(
        "people.LegalProtection",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="mesure de protection",
    )
    at = models.DateTimeField("le", default=timezone.now)

    class Meta:
        verbose_name = "réponse au projet personnalisé"
        verbose_name_plural = "réponses au projet personnalisé"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.at:%d/%m/%Y}"


class Presence(models.Model):
    """Whether a person expected today is there: written by the team, shown to the family."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="presences")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    date = models.DateField("jour")
    status = models.CharField("présence", max_length=10, choices=PresenceStatus.choices)
    arrived_at = models.TimeField("arrivée", null=True, blank=True)
    left_at = models.TimeField("départ", null=True, blank=True)
    absence_reason = models.CharField(
        "motif d'absence", max_length=10, choices=AbsenceReason.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="+", verbose_name="noté par"
    )
    recorded_at = models.DateTimeField("noté le", default=timezone.now)

    class Meta:
        verbose_name = "présence"
        verbose_name_plural = "présences"
        ordering = ["-date"]
        constraints = [
            models.UniqueConstraint(fields=["person", "establishment", "date"], name="presence_one_per_day"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True)
                | Q(arrived_at__isnull=True)
                | Q(left_at__gte=F("arrived_at")),
                name="presence_times_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} le {self.date:%d/%m/%Y}"

    def clean(self):
        errors = {}
        if self.status == PresenceStatus.ABSENT and (self.arrived_at or self.left_at):
            errors["arrived_at"] = "Une personne absente n'a ni heure d'arrivée ni heure de départ."
        if self.status == PresenceStatus.PRESENT and self.absence_reason:
            errors["absence_reason"] = "Le motif d'absence ne s'indique que pour une absence."
        if self.arrived_at and self.left_at and self.left_at < self.arrived_at:
            errors["left_at"] = "L'heure de départ précède l'heure d'arrivée."
        if errors:
            raise ValidationError(errors)


class AgendaEntry(models.Model):
    """A planned activity or an appointment of the person. Shown in the person's space when the team
    marks it as shareable."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="agenda")
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="+", verbose_name="établissement"
    )
    kind = models.CharField("type", max_length=12, choices=AgendaKind.choices)
    starts_at = models.DateTimeField("début")
    ends_at = models.DateTimeField("fin", null=True, blank=True)
    title = EncryptedTextField("intitulé", max_length=200)
    place = EncryptedTextField("lieu", max_length=200, blank=True)
    shareable = models.BooleanField("visible par la personne et sa famille", default=True)
    created_by = models.ForeignKey(
        Professional, on_delete=models.PROTECT, related_name="+", verbose_name="noté par"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField("annulé le", null=True, blank=True)

    class Meta:
        verbose_name = "activité ou rendez-vous"
        verbose_name_plural = "agenda"
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["person", "starts_at"], name="agenda_person_starts")]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__isnull=True) | Q(ends_at__gte=F("starts_at")),
                name="agenda_times_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} du {self.starts_at:%d/%m/%Y %H:%M}"

    def clean(self):
        if self.starts_at and self.ends_at and self.ends_at < self.starts_at:
            raise ValidationError({"ends_at": "La fin précède le début."})
