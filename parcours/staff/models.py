import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from parcours.core.identifiers import compact, validate_rpps
from parcours.organisations.models import Establishment, Gestionnaire
from parcours.people.enums import Sex
from parcours.staff.enums import AbsenceReason, ContractType, Profession, Role


class Professional(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="professional",
        verbose_name="compte",
    )
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    profession = models.CharField("profession", max_length=32, choices=Profession.choices)
    rpps = models.CharField("RPPS", max_length=11, blank=True, validators=[validate_rpps])
    birth_date = models.DateField("date de naissance", null=True, blank=True)
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices, blank=True)

    class Meta:
        verbose_name = "professionnel"
        verbose_name_plural = "professionnels"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"

    def clean(self):
        self.rpps = compact(self.rpps)


class Contract(models.Model):
    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="contracts")
    employer = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name="établissement employeur",
    )
    contract_type = models.CharField("type de contrat", max_length=20, choices=ContractType.choices)
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)
    fte = models.DecimalField(
        "ETP",
        max_digits=4,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("1.00"))],
    )

    class Meta:
        verbose_name = "contrat"
        verbose_name_plural = "contrats"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_dates_ordered",
            ),
            models.CheckConstraint(condition=Q(fte__gt=0) & Q(fte__lte=1), name="contract_fte_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_contract_type_display()} {self.fte} ETP"

    def clean(self):
        if self.end_date and self.start_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "La fin du contrat précède son début."})


class MembershipQuerySet(models.QuerySet):
    def active(self, on=None) -> "MembershipQuerySet":
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class Membership(models.Model):
    """A professional's place in an establishment's team, or in a gestionnaire's direction."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    professional = models.ForeignKey(Professional, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField("rôle", max_length=32, choices=Role.choices, default=Role.PROFESSIONAL)
    establishment = models.ForeignKey(
        Establishment,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="établissement",
    )
    gestionnaire = models.ForeignKey(
        Gestionnaire,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name="organisme gestionnaire",
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "appartenance à une équipe"
        verbose_name_plural = "appartenances aux équipes"
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire__isnull=False, establishment__isnull=True)
                    | (
                        ~Q(role=Role.GESTIONNAIRE_DIRECTOR)
                        & Q(establishment__isnull=False, gestionnaire__isnull=True)
                    )
                ),
                name="membership_scope_matches_role",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="membership_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=["establishment", "end_date"], name="membership_establishment")]

    def __str__(self) -> str:
        return f"{self.professional} — {self.get_role_display()}"

    def clean(self):
        errors = {}
        if self.role == Role.GESTIONNAIRE_DIRECTOR:
            if not self.gestionnaire_id or self.establishment_id:
                errors["gestionnaire"] = "La direction d'un organisme gestionnaire se rattache à l'organisme."
        elif not self.establishment_id or self.gestionnaire_id:
            errors["establishment"] = "Ce rôle se rattache à un établissement."
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "La fin précède le début."
        if errors:
            raise ValidationError(errors)


class Absence(models.Model):
    """A professional's absence from the work of one contract, first and last day included.

    An absence belongs to the contract it interrupts, so it lies within the contract's dates; a
    professional with two contracts (two employers, or two part-time positions) absent from both has
    one absence per contract. Paid holidays and days off are not absences and are not recorded."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="absences", verbose_name="contrat"
    )
    start_date = models.DateField("premier jour d'absence")
    end_date = models.DateField("dernier jour d'absence")
    reason = models.CharField("motif", max_length=20, choices=AbsenceReason.choices)

    class Meta:
        verbose_name = "absence"
        verbose_name_plural = "absences"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="absence_dates_ordered"
            ),
        ]
        indexes = [models.Index(fields=["contract", "start_date"], name="absence_contract_start")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} du {self.start_date:%d/%m/%Y} au {self.end_date:%d/%m/%Y}"

    @property
    def days(self) -> int:
        """Calendar days of the absence, both ends included."""
        return (self.end_date - self.start_date).days + 1

    def clean(self):
        errors = {}
        if self.start_date and self.end_date and self.end_date < self.start_date:
            errors["end_date"] = "Le dernier jour d'absence précède le premier."
        if self.contract_id and self.start_date and self.start_date < self.contract.start_date:
            errors["start_date"] = (
                f"L'absence commence avant le début du contrat ({self.contract.start_date:%d/%m/%Y})."
            )
        if (
            self.contract_id
            and self.end_date
            and self.contract.end_date
            and self.end_date > self.contract.end_date
        ):
            errors.setdefault(
                "end_date",
                f"L'absence se termine après la fin du contrat ({self.contract.end_date:%d/%m/%Y}).",
            )
        if errors:
            raise ValidationError(errors)
