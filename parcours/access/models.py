"""The access log: append-only, one row per read, write or refusal of a person's data.

Rows are never updated or deleted: save() on an existing row, delete() and queryset
update()/delete() raise, and on PostgreSQL a trigger refuses UPDATE and DELETE too.
Every new row is numbered and chained to the one before by a hash (see `chain`), whichever way
it is written: save(), create() or bulk_create().
"""

import uuid

from django.conf import settings
from django.db import models, router, transaction

from parcours.access import chain
from parcours.access.enums import Action, Basis, Category
from parcours.people.models import Person


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
