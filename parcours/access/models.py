"""The access log: append-only, one row per read, write or refusal of a person's data.

Rows are never updated or deleted: save() on an existing row, delete() and queryset
update()/delete() raise, and on PostgreSQL a trigger refuses UPDATE and DELETE too.
"""

import uuid

from django.conf import settings
from django.db import models

from parcours.access.enums import Action, Basis, Category
from parcours.people.models import Person


class AppendOnlyError(Exception):
    pass


class AccessLogQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")

    def delete(self):
        raise AppendOnlyError("Le journal des accès ne peut pas être effacé.")

    def refusals(self) -> "AccessLogQuerySet":
        return self.filter(allowed=False)

    def for_person(self, person: Person) -> "AccessLogQuerySet":
        return self.filter(person=person)


class AccessLogEntry(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    at = models.DateTimeField("date et heure", auto_now_add=True, db_index=True)
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

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = "entrée du journal des accès"
        verbose_name_plural = "journal des accès"
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["person", "at"], name="accesslog_person_at"),
            models.Index(fields=["actor", "at"], name="accesslog_actor_at"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%d/%m/%Y %H:%M} {self.get_action_display()} {self.get_category_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise AppendOnlyError("Le journal des accès ne peut pas être modifié.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Le journal des accès ne peut pas être effacé.")
