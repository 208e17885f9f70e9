"""Group: the persons an establishment supports today, one Group per establishment (read only). It is
what a partner names in `Group/<id>/$export` to ask for an establishment's records in bulk.

The TDDUI guide has no Group profile: the resource carries no `meta.profile` (FHIR R4 base Group)."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.db.models.query import ModelIterable

from parcours.access import policy
from parcours.access.api import log_listing
from parcours.fhir.outcome import FhirError
from parcours.fhir.registry import Mapping, register
from parcours.organisations.models import Establishment
from parcours.records.models import Admission

# A stable name under the establishment's uuid: the same establishment has the same Group id on every
# instance its records are exported to.
GROUP_NAME = "parcours:group:personnes-accompagnees"


def group_uuid(establishment_uuid) -> uuid.UUID:
    """The Group id of an establishment, derived from its uuid (uuid5), never stored."""
    return uuid.uuid5(uuid.UUID(str(establishment_uuid)), GROUP_NAME)


class _WithGroupUuid(ModelIterable):
    def __iter__(self):
        for establishment in super().__iter__():
            establishment.group_uuid = group_uuid(establishment.uuid)
            yield establishment


class GroupQuerySet(QuerySet):
    """Establishments, found by the id of their Group (`group_uuid`, `group_uuid__in`): the id is
    derived, not a column, so the lookup is turned into one on the primary keys."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._iterable_class = _WithGroupUuid

    def filter(self, *args, **kwargs):
        wanted = None
        if "group_uuid" in kwargs:
            wanted = [kwargs.pop("group_uuid")]
        if "group_uuid__in" in kwargs:
            wanted = list(kwargs.pop("group_uuid__in"))
        if wanted is not None:
            keys = {uuid.UUID(str(value)) for value in wanted}
            rows = Establishment.objects.values_list("pk", "uuid")
            kwargs["pk__in"] = [pk for pk, key in rows if group_uuid(key) in keys]
        return super().filter(*args, **kwargs)


def may_read_group(user, establishment) -> bool:
    """The members list is person data: only the team or the direction of the establishment read it."""
    scope = policy.scope_of(user)
    return establishment.pk in (scope.team | scope.directed)


def require_group(ctx, establishment) -> None:
    if not may_read_group(ctx.user, establishment):
        raise FhirError(403, "Seules l'équipe et la direction de l'établissement peuvent lire ce groupe.",
                        code="forbidden")  # fmt: skip


def members(user, establishment) -> QuerySet:
    """The persons with an admission open today in the establishment, among those the user may see."""
    admitted = Admission.objects.active().filter(establishment=establishment).values("person_id")
    return policy.visible_persons(user).filter(pk__in=admitted).order_by("pk")


@register
class GroupMapping(Mapping):
    resource_type = "Group"
    profiles = ()
    model = Establishment
    category = None
    id_field = "group_uuid"
    writable = False
    exported = False
    order = 90

    def base_queryset(self):
        return GroupQuerySet(model=Establishment).select_related("gestionnaire")

    def restrict(self, queryset, ctx):
        """The Groups a search lists: those of the caller's establishments (team or direction)."""
        scope = policy.scope_of(ctx.user)
        return queryset.filter(pk__in=scope.team | scope.directed)

    def meta(self, obj, profile=None) -> dict:
        return {}

    def to_fhir(self, obj, ctx) -> dict:
        require_group(ctx, obj)
        organization = {"reference": f"Organization/{obj.uuid}", "display": obj.name}
        persons = list(members(ctx.user, obj).only("pk", "uuid"))
        starts = dict(
            Admission.objects.active()
            .filter(establishment=obj, person__in=[person.pk for person in persons])
            .order_by("-start_date")
            .values_list("person_id", "start_date")
        )  # the earliest open admission wins (last in this order)
        entries = [
            {
                "entity": {"reference": f"Patient/{person.uuid}"},
                "period": {"start": starts[person.pk].isoformat()},
            }
            for person in persons
            if person.pk in starts
        ]
        if persons:
            log_listing(ctx.actor, persons)
        return {
            "resourceType": "Group",
            "id": str(group_uuid(obj.uuid)),
            "type": "person",
            "actual": True,
            "name": f"Personnes accompagnées par {obj.name}",
            # No code system names "supported by this establishment": the characteristic is stated in
            # text, its value the establishment (never an invented code).
            "characteristic": [
                {
                    "code": {"text": "Admission en cours dans l'établissement"},
                    "valueReference": organization,
                    "exclude": False,
                }
            ],
            "managingEntity": organization,
            "quantity": len(entries),
            "member": entries,
        }
