"""The supported person: INS identity traits, relatives, legal protection, deficiencies, MDPH decisions.

Rows here are personal data: read them only through `parcours.access` (visible_persons,
read_person...), never through `Person.objects` in a view.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from parcours.core.identifiers import compact, validate_insee_place, validate_nir
from parcours.core.text import fold
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment
from parcours.people.enums import (
    Gir,
    IdentityStatus,
    MdphDecisionType,
    ProtectionMeasure,
    RelationshipKind,
    RepresentativeKind,
    Sex,
)

# The identity traits and contact details a user types in; with the GIR, what a person's edit may change.
IDENTITY_FIELDS = (
    "birth_name",
    "first_names",
    "birth_date",
    "sex",
    "birth_place_code",
    "used_name",
    "used_first_name",
    "nir",
    "identity_status",
    "phone",
    "email",
    "street",
    "postal_code",
    "city",
)
EDITABLE_FIELDS = (*IDENTITY_FIELDS, "gir", "gir_date")


class Person(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # INS strict traits
    birth_name = models.CharField("nom de naissance", max_length=100)
    first_names = models.CharField(
        "prénom(s) de naissance",
        max_length=200,
        help_text="Tous les prénoms de l'acte de naissance, dans l'ordre.",
    )
    birth_date = models.DateField("date de naissance")
    sex = models.CharField("sexe", max_length=1, choices=Sex.choices)
    birth_place_code = models.CharField(
        "lieu de naissance (code INSEE)",
        max_length=5,
        blank=True,
        validators=[validate_insee_place],
        help_text="Code officiel géographique de la commune, ou 99xxx pour le pays de naissance.",
    )
    # Used traits (RNIV)
    used_name = models.CharField("nom utilisé", max_length=100, blank=True)
    used_first_name = models.CharField("prénom utilisé", max_length=100, blank=True)
    nir = models.CharField(
        "matricule INS (NIR)",
        max_length=15,
        blank=True,
        validators=[validate_nir],
        help_text="15 caractères, clé comprise. Seule une identité qualifiée permet de transmettre l'INS.",
    )
    identity_status = models.CharField(
        "statut de l'identité",
        max_length=5,
        choices=IdentityStatus.choices,
        default=IdentityStatus.PROVISOIRE,
    )
    # Contact details
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("courriel", blank=True)
    street = models.CharField("adresse", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)
    # Support characteristics
    gir = models.PositiveSmallIntegerField("GIR", choices=Gir.choices, null=True, blank=True)
    gir_date = models.DateField("date d'évaluation du GIR", null=True, blank=True)

    opened_by = models.ForeignKey(
        Establishment,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="dossier ouvert par",
        help_text="L'équipe qui a ouvert le dossier le voit tant que la personne n'est admise nulle part.",
    )

    search_text = models.CharField(max_length=500, editable=False, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "personne accompagnée"
        verbose_name_plural = "personnes accompagnées"
        ordering = ["birth_name", "first_names"]
        indexes = [models.Index(fields=["birth_date"], name="person_birth_date")]

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args, **kwargs):
        self.search_text = self.compute_search_text()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        name = self.used_name or self.birth_name
        first = self.used_first_name or self.first_names.split(" ")[0]
        return f"{name.upper()} {first}"

    @property
    def age(self) -> int:
        today = timezone.localdate()
        born = self.birth_date
        return today.year - born.year - ((today.month, today.day) < (born.month, born.day))

    def compute_search_text(self) -> str:
        return fold(" ".join([self.birth_name, self.used_name, self.first_names, self.used_first_name]))

    def clean(self):
        self.nir = compact(self.nir)
        self.birth_place_code = compact(self.birth_place_code)
        errors = {}
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = "La date de naissance ne peut pas être dans le futur."
        if self.identity_status in {IdentityStatus.RECUPEREE, IdentityStatus.QUALIFIEE} and not self.nir:
            errors["nir"] = (
                "Une identité récupérée ou qualifiée porte le matricule INS renvoyé par le téléservice INSi."
            )
        if self.nir and self.sex in {Sex.FEMALE, Sex.MALE} and self.nir[0] in "12":
            if self.nir[0] != {"M": "1", "F": "2"}[self.sex]:
                errors["sex"] = "Le sexe ne correspond pas au premier chiffre du NIR."
        if errors:
            raise ValidationError(errors)


class Relative(models.Model):
    """A relative or close contact of the person; may be a natural carer (aidant)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="relatives")
    last_name = models.CharField("nom", max_length=100)
    first_name = models.CharField("prénom", max_length=100)
    relationship = models.CharField("lien", max_length=20, choices=RelationshipKind.choices)
    is_natural_carer = models.BooleanField("aidant", default=False)
    is_emergency_contact = models.BooleanField("à prévenir en cas d'urgence", default=False)
    phone = models.CharField("téléphone", max_length=20, blank=True)
    email = models.EmailField("courriel", blank=True)
    street = models.CharField("adresse", max_length=200, blank=True)
    postal_code = models.CharField("code postal", max_length=5, blank=True)
    city = models.CharField("commune", max_length=100, blank=True)

    class Meta:
        verbose_name = "proche"
        verbose_name_plural = "proches"
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name.upper()}"


class LegalProtection(models.Model):
    """A legal protection measure and the person who exercises it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="protections")
    measure = models.CharField("mesure", max_length=32, choices=ProtectionMeasure.choices)
    representative_kind = models.CharField(
        "exercée par", max_length=20, choices=RepresentativeKind.choices, default=RepresentativeKind.FAMILY
    )
    representative_relative = models.ForeignKey(
        Relative, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="proche"
    )
    representative_name = models.CharField(
        "nom du représentant",
        max_length=200,
        blank=True,
        help_text="Mandataire ou service, si ce n'est pas un proche.",
    )
    start_date = models.DateField("date du jugement ou de début")
    end_date = models.DateField("date de fin", null=True, blank=True)
    court_reference = models.CharField("référence du jugement", max_length=100, blank=True)

    class Meta:
        verbose_name = "mesure de protection"
        verbose_name_plural = "mesures de protection"
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="protection_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.get_measure_display()

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "La date de fin précède la date de début."
        if not self.representative_relative_id and not self.representative_name:
            errors["representative_name"] = "Indiquez qui exerce la mesure : un proche ou un mandataire."
        if self.representative_relative_id and self.representative_relative.person_id != self.person_id:
            errors["representative_relative"] = "Ce proche n'est pas rattaché à cette personne."
        if errors:
            raise ValidationError(errors)

    @property
    def representative_display(self) -> str:
        return (
            str(self.representative_relative) if self.representative_relative_id else self.representative_name
        )


class Deficiency(models.Model):
    """Main or associated deficiency, coded in the deficiency code system."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="deficiencies")
    concept = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="déficience",
        limit_choices_to={"system__slug": "deficiences"},
    )
    is_main = models.BooleanField("déficience principale", default=False)

    class Meta:
        verbose_name = "déficience"
        verbose_name_plural = "déficiences"
        constraints = [
            models.UniqueConstraint(fields=["person", "concept"], name="deficiency_unique_per_person"),
            models.UniqueConstraint(
                fields=["person"], condition=models.Q(is_main=True), name="deficiency_one_main_per_person"
            ),
        ]

    def __str__(self) -> str:
        return self.concept.label


class MdphDecision(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="mdph_decisions")
    decision_type = models.CharField("type de décision", max_length=32, choices=MdphDecisionType.choices)
    orientation_category = models.ForeignKey(
        Concept,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="catégorie d'établissement ou service (orientation)",
        limit_choices_to={"system__slug": "finess-categories"},
    )
    reference = models.CharField("référence de la décision", max_length=100, blank=True)
    national_reference = models.CharField(
        "identifiant national de la décision",
        max_length=100,
        blank=True,
        help_text="Donné par le SI de suivi des orientations (ViaTrajectoire PH) : idNat_Decision.",
    )
    department_code = models.CharField("MDPH (département)", max_length=3, blank=True)
    decision_date = models.DateField("date de décision")
    start_date = models.DateField("début des droits")
    end_date = models.DateField("fin des droits", null=True, blank=True)

    class Meta:
        verbose_name = "décision MDPH"
        verbose_name_plural = "décisions MDPH"
        ordering = ["-decision_date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="mdph_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return self.get_decision_type_display()

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = "La fin des droits précède leur début."
        if self.decision_type == MdphDecisionType.ORIENTATION_ESMS and not self.orientation_category_id:
            errors["orientation_category"] = (
                "Une orientation précise la catégorie d'établissement ou de service."
            )
        if errors:
            raise ValidationError(errors)
