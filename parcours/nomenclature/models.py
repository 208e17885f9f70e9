"""Code systems and their concepts (SERAFIN-PH, FINESS categories...).

Loaded from the project's data files (parcours/nomenclature/data, sources in
SOURCES.md) by a data migration and by `parcours load-nomenclatures`; never typed in.
"""

from django.db import models


class CodeSystem(models.Model):
    slug = models.SlugField("identifiant", max_length=64, unique=True)
    name = models.CharField("nom", max_length=200)
    description = models.TextField("description", blank=True)
    url = models.URLField("URL canonique", max_length=300, blank=True)
    oid = models.CharField("OID", max_length=100, blank=True)
    version = models.CharField("version", max_length=50, blank=True)
    source = models.TextField("source")

    class Meta:
        verbose_name = "nomenclature"
        verbose_name_plural = "nomenclatures"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ConceptQuerySet(models.QuerySet):
    def of(self, system_slug: str) -> "ConceptQuerySet":
        return self.filter(system__slug=system_slug)

    def active(self) -> "ConceptQuerySet":
        return self.filter(active=True)

    def selectable(self) -> "ConceptQuerySet":
        """Concepts a user may pick: active, with a label (a code without a published label is kept
        for the hierarchy only)."""
        return self.active().exclude(label="")


class Concept(models.Model):
    system = models.ForeignKey(CodeSystem, on_delete=models.PROTECT, related_name="concepts")
    code = models.CharField("code", max_length=40)
    parent_code = models.CharField("code parent", max_length=40, blank=True)
    level = models.PositiveSmallIntegerField("niveau", default=1)
    label = models.CharField("libellé", max_length=300, blank=True)
    short_label = models.CharField("sigle", max_length=100, blank=True)
    national_code = models.CharField(
        "code national (SMT)",
        max_length=40,
        blank=True,
        help_text="Code du serveur multi-terminologies de l'ANS, utilisé dans les échanges FHIR.",
    )
    active = models.BooleanField("actif", default=True)
    end_date = models.DateField("fin de validité", null=True, blank=True)
    verified = models.BooleanField("vérifié dans la source", default=True)
    group = models.CharField("famille", max_length=64, blank=True)
    note = models.TextField("note", blank=True)
    sort_key = models.CharField(max_length=80, blank=True, editable=False)

    objects = ConceptQuerySet.as_manager()

    class Meta:
        verbose_name = "code"
        verbose_name_plural = "codes"
        ordering = ["system", "sort_key"]
        constraints = [models.UniqueConstraint(fields=["system", "code"], name="concept_unique_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.label}".strip()

    def save(self, *args, **kwargs):
        self.sort_key = self.make_sort_key(self.code)
        super().save(*args, **kwargs)

    @staticmethod
    def make_sort_key(code: str) -> str:
        """Sort "2.10" after "2.9": each dotted part padded to 4 characters."""
        return ".".join(part.zfill(4) for part in code.split("."))


class SystemSlug(models.TextChoices):
    SERAFIN_BESOINS = "serafin-ph-besoins", "SERAFIN-PH — besoins"
    SERAFIN_PRESTATIONS = "serafin-ph-prestations", "SERAFIN-PH — prestations"
    FINESS_CATEGORIES = "finess-categories", "Catégories d'établissement FINESS"
