"""The resource types of the API: one `Mapping` per FHIR resource type, registered by its module in
`parcours.fhir.resources`. A mapping turns model objects into TDDUI resources (`to_fhir`) and accepted
resources into writes (`write`); the views, the bundles and the bulk export only speak to mappings."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db.models import Model, QuerySet

from parcours.fhir.outcome import Issue

TDDUI = "https://interop.esante.gouv.fr/ig/fhir/tddui"


def tddui_profile(profile_id: str) -> str:
    return f"{TDDUI}/StructureDefinition/{profile_id}"


# A search parameter: (queryset, values of the parameter in the request, context) -> queryset.
# Each value is one occurrence of the parameter (AND); commas inside a value mean OR.
SearchFilter = Callable[[QuerySet, list[str], "object"], QuerySet]


class Mapping:
    resource_type: str = ""
    # The TDDUI profiles this type may carry; the first is the default one.
    profiles: tuple[str, ...] = ()
    model: type[Model]
    # The access category of the person's record the resource belongs to (None: not a person's data,
    # e.g. an establishment or a professional).
    category: str | None = None
    # The ORM path from the model to the person ("" for Patient itself, whose `person_of` is the object).
    person_path: str = "person"
    id_field: str = "uuid"
    # Search parameters beyond _id (common to all): name -> filter.
    search_params: dict[str, SearchFilter] = {}
    # _sort names -> ORM expressions.
    sort_params: dict[str, str] = {}
    # _include values accepted (e.g. "Encounter:subject") -> the attribute holding the included object.
    includes: dict[str, str] = {}
    # Can it be written (create, update, import)? AuditEvent and CapabilityStatement cannot.
    writable: bool = True
    # Part of a person's export (bundle, bulk) ?
    exported: bool = True
    # Order in a bundle: what others reference comes first.
    order: int = 50

    # --- reading
    def require_reader(self, ctx, obj=None) -> None:
        """Raise a FhirError (403) when the caller may not read this type at all, whatever the person
        (the access log: the direction and the data protection officer only). `obj`: the object read,
        None for a search."""

    def restrict(self, queryset: QuerySet, ctx) -> QuerySet:
        """What a search may return beyond the persons the caller sees (e.g. a Group: only the
        establishments the caller works for)."""
        return queryset

    def base_queryset(self) -> QuerySet:
        """The queryset `to_fhir` needs (select_related / prefetch_related)."""
        return self.model.objects.all()

    def to_fhir(self, obj, ctx) -> dict:
        raise NotImplementedError

    def for_persons(self, person_ids):
        """The objects of these persons' records (for the bundles and the bulk export), or None when the
        type is not a person's data (an Organization, a Practitioner: exported when referenced)."""
        if self.category is None or not self.exported:
            return None
        lookup = f"{self.person_path}__in" if self.person_path else "pk__in"
        return self.base_queryset().filter(**{lookup: person_ids}).order_by("pk")

    def last_updated(self, obj) -> datetime.datetime | None:
        return None

    def person_of(self, obj):
        if self.category is None:
            return None
        if not self.person_path:
            return obj
        value = obj
        for part in self.person_path.split("__"):
            value = getattr(value, part)
        return value

    def meta(self, obj, profile: str | None = None) -> dict:
        meta = {"profile": [profile or self.profiles[0]]}
        updated = self.last_updated(obj)
        if updated is not None:
            meta["lastUpdated"] = updated.isoformat(timespec="milliseconds")
        return meta

    # --- writing
    def accepts(self, data: dict) -> bool:
        """For a resource that declares no profile: is it this mapping's (e.g. by its codes)?"""
        return True

    def check(self, data: dict) -> list[Issue]:
        """The rules of the TDDUI profile the base resource model does not hold (cardinalities, fixed
        codes, identifier formats), checked on an accepted resource before anything is written."""
        return []

    def write(self, data: dict, ctx, existing=None):
        """Create (existing is None) or update the object from a validated resource; authorise every
        write with `ctx.authorize`. Return the object."""
        raise NotImplementedError


# One resource type may be backed by several models (Encounter: the stays and the events; Task: the
# planned and the delivered services...): one mapping per model, each with its own profile(s).
_registry: dict[str, list[Mapping]] = {}


def register(mapping_class: type[Mapping]) -> type[Mapping]:
    _registry.setdefault(mapping_class.resource_type, []).append(mapping_class())
    return mapping_class


def parts(resource_type: str) -> list[Mapping]:
    """The mappings of a resource type (empty when the API does not serve it)."""
    return _registry.get(resource_type, [])


def resource_types() -> list[str]:
    return sorted(_registry)


def mappings() -> list[Mapping]:
    return sorted(
        (mapping for group in _registry.values() for mapping in group),
        key=lambda mapping: (mapping.order, mapping.resource_type),
    )


def part_for(resource_type: str, data: dict) -> Mapping | None:
    """The mapping that takes this resource: the one whose profile it declares, else the first
    writable mapping of the type that `accepts` it."""
    declared = set((data.get("meta") or {}).get("profile") or [])
    candidates = [mapping for mapping in parts(resource_type) if mapping.writable]
    matching = [mapping for mapping in candidates if declared & set(mapping.profiles)]
    if matching:
        return next((mapping for mapping in matching if mapping.accepts(data)), matching[0])
    if declared:
        return None
    return next((mapping for mapping in candidates if mapping.accepts(data)), None)
