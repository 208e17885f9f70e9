import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Upper

from parcours.core.identifiers import (
    compact,
    finess_department,
    validate_department,
    validate_finess,
    validate_region,
    validate_siren,
)
from parcours.nomenclature.models import Concept
from parcours.organisations.enums import SupportMode


class Gestionnaire(models.Model):
    """Organisme gestionnaire: the legal entity (association, public body...) running establishments."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField("raison sociale", max_length=200)
    siren = models.CharField("SIREN", max_length=9, unique=True, validators=[validate_siren])
    finess_juridique = models.CharField(
        "FINESS juridique", max_length=9, blank=True, validators=[validate_finess]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "organisme gestionnaire"
        verbose_name_plural = "organismes gestionnaires"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.siren = compact(self.siren)
        self.finess_juridique = compact(self.finess_juridique)


class EstablishmentQuerySet(models.QuerySet):
    def of_gestionnaires(self, gestionnaires) -> "EstablishmentQuerySet":
        return self.filter(gestionnaire__in=gestionnaires)


class Establishment(models.Model):
    """An establishment or service (FINESS géographique)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    gestionnaire = models.ForeignKey(
        Gestionnaire,
        on_delete=models.PROTECT,
        related_name="establishments",
        verbose_name="organisme gestionnaire",
    )
    name = models.CharField("nom", max_length=200)
    finess = models.CharField("FINESS", max_length=9, unique=True, validators=[validate_finess])
    category = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="catégorie FINESS",
        limit_choices_to={"system__slug": "finess-categories"},
    )
    department_code = models.CharField("département", max_length=3, validators=[validate_department])
    region_code = models.CharField("région", max_length=2, validators=[validate_region])
    street = models.CharField("adresse", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    phone = models.CharField("téléphone", max_length=20, blank=True)

    objects = EstablishmentQuerySet.as_manager()

    class Meta:
        verbose_name = "établissement ou service"
        verbose_name_plural = "établissements et services"
        ordering = ["name"]
        indexes = [models.Index(Upper("name"), name="establishment_upper_name")]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.finess = compact(self.finess)
        self.department_code = (self.department_code or "").upper()
        errors = {}
        if self.category_id and self.category.system.slug != "finess-categories":
            errors["category"] = "Choisissez une catégorie de la nomenclature FINESS."
        if self.finess and self.department_code and not errors.get("finess"):
            try:
                validate_finess(self.finess)
            except ValidationError:
                pass
            else:
                if finess_department(self.finess) != self.department_code:
                    errors["department_code"] = (
                        "Le département ne correspond pas aux premiers caractères du numéro FINESS."
                    )
        if errors:
            raise ValidationError(errors)

    @property
    def total_capacity(self) -> int:
        return sum(capacity.places for capacity in self.capacities.all())


class Capacity(models.Model):
    """Authorised places for one mode of support."""

    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="capacities")
    mode = models.CharField("mode d'accompagnement", max_length=32, choices=SupportMode.choices)
    places = models.PositiveIntegerField("places autorisées")

    class Meta:
        verbose_name = "capacité autorisée"
        verbose_name_plural = "capacités autorisées"
        constraints = [models.UniqueConstraint(fields=["establishment", "mode"], name="capacity_unique_mode")]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} : {self.places}"


class Unit(models.Model):
    """A unit inside an establishment (groupe de vie, atelier, pavillon...)."""

    establishment = models.ForeignKey(Establishment, on_delete=models.CASCADE, related_name="units")
    name = models.CharField("nom", max_length=120)

    class Meta:
        verbose_name = "unité"
        verbose_name_plural = "unités"
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["establishment", "name"], name="unit_unique_name")]

    def __str__(self) -> str:
        return self.name


class AuthorityKind(models.TextChoices):
    ARS = "ars", "Agence régionale de santé (ARS)"
    DEPARTEMENT = "departement", "Conseil départemental"
    MDPH = "mdph", "Maison départementale des personnes handicapées (MDPH)"


class Authority(models.Model):
    """A public authority that funds, authorises or orients: an ARS covers a region, a conseil
    départemental or an MDPH a department. Its agents see aggregated, masked figures of their
    territory and nothing about any person (parcours.reporting.permissions)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField("type", max_length=16, choices=AuthorityKind.choices)
    name = models.CharField("nom", max_length=200)
    region_code = models.CharField("région", max_length=2, blank=True, validators=[validate_region])
    department_code = models.CharField(
        "département", max_length=3, blank=True, validators=[validate_department]
    )

    class Meta:
        verbose_name = "autorité"
        verbose_name_plural = "autorités"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(kind=AuthorityKind.ARS, department_code="") & ~models.Q(region_code=""))
                | (
                    ~models.Q(kind=AuthorityKind.ARS)
                    & models.Q(region_code="")
                    & ~models.Q(department_code="")
                ),
                name="authority_territory_matches_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        self.department_code = (self.department_code or "").upper()
        if self.kind == AuthorityKind.ARS:
            if not self.region_code or self.department_code:
                raise ValidationError(
                    {"region_code": "Une ARS couvre une région : indiquez la région seule."}
                )
        elif self.kind and (not self.department_code or self.region_code):
            raise ValidationError(
                {
                    "department_code": (
                        "Un conseil départemental ou une MDPH couvre un département : indiquez-le seul."
                    )
                }
            )


class AuthorityAgentQuerySet(models.QuerySet):
    def active(self, on=None) -> "AuthorityAgentQuerySet":
        from django.utils import timezone

        day = on or timezone.localdate()
        return self.filter(
            models.Q(start_date__lte=day), models.Q(end_date__isnull=True) | models.Q(end_date__gte=day)
        )


class AuthorityAgent(models.Model):
    """A user acting for an authority, between two dates."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="authority_agents",
        verbose_name="compte",
    )
    authority = models.ForeignKey(
        Authority, on_delete=models.CASCADE, related_name="agents", verbose_name="autorité"
    )
    start_date = models.DateField("début")
    end_date = models.DateField("fin", null=True, blank=True)

    objects = AuthorityAgentQuerySet.as_manager()

    class Meta:
        verbose_name = "agent d'une autorité"
        verbose_name_plural = "agents des autorités"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="authority_agent_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.authority}"
