"""Waiting lists: a person registered for a place in an establishment or service, until they leave the
list (admitted there, oriented elsewhere, withdrawn...).

Rows here are personal data: read them only through `parcours.access`, never through
`WaitingListEntry.objects` in a view. There are no pages yet: entries are written by the demo data and
counted by the reporting indicators; the coordination of orientations (MDPH decisions followed up to
admission) will build on this model.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.models import MdphDecision, Person


# Kept here while the app has one model; moves to coordination/enums.py with the next choices.
class WaitingListOutcome(models.TextChoices):
    """Why an entry left the waiting list."""

    ADMITTED = "admitted", "Admission dans l'établissement ou le service"
    ORIENTED_ELSEWHERE = "oriented_elsewhere", "Orientation ou admission ailleurs"
    WITHDRAWN = "withdrawn", "Retrait à la demande de la personne"
    DECEASED = "deceased", "Décès"
    OTHER = "other", "Autre motif"


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
