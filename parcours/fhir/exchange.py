"""A person's record, or an establishment's, as a TDDUI Bundle (`$tddui-bundle`): the format in which a
record leaves this instance for another DUI, and in which it comes back in (`POST [base]`, see
`bundles`).

Business rules:
- Exporting a record is the person's right of access exercised through those who support them: the
  caller must be allowed to EXPORT every category of the record the bundle carries (decided and
  logged by the access module, one entry per category); a record the caller may not see at all is a
  404, one they see but may not export a 403.
- The bundle carries everything the mappings export for the person (every mapping with `exported`),
  plus the organisations and professionals those resources reference (not a person's data), so that
  an empty instance can take it in.
- Every entry is a creation (`request.method` POST, as TDDUIBundle requires) whose fullUrl is
  `urn:uuid:<id>`, and every reference between entries uses that urn: the receiving instance keeps
  the ids.
- An establishment's bundle holds every person ever admitted there whom the caller may export; the
  others are left out without a word (their refusal is not an error of the export).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, require
from parcours.access.enums import Action, Category
from parcours.fhir import operations, registry
from parcours.fhir.auth import READ
from parcours.fhir.bundles import dependency_order
from parcours.fhir.context import REFERENCE
from parcours.fhir.outcome import FhirError
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records.models import Admission

BUNDLE_PROFILE = registry.tddui_profile("tddui-bundle")


def exported_mappings() -> list[registry.Mapping]:
    """The mappings of a person's record, in bundle order."""
    return [m for m in registry.mappings() if m.exported and m.category is not None]


def exported_categories() -> list[str]:
    wanted = {mapping.category for mapping in exported_mappings()} | {Category.IDENTITY}
    return [category for category in Category.values if category in wanted]


def require_export(ctx, person: Person) -> None:
    """The caller may export every category of this record the bundle carries; each decision is logged.
    A record the caller may not read at all is a 404 (its existence hidden), else a refusal is a 403."""
    categories = exported_categories()
    if not policy.decide(ctx.user, person, Category.IDENTITY, Action.READ):
        error = FhirError(404, "Ressource introuvable.", code="not-found")
        try:
            require(ctx.actor, person, Category.IDENTITY, Action.EXPORT, obj=person)
        except AccessDenied as refused:
            error.pending_refusal = refused.pending_refusal
        raise error
    for category in categories:
        try:
            require(ctx.actor, person, category, Action.EXPORT, obj=person)
        except AccessDenied as refused:
            label = Category(category).label
            message = f"Ce client n'a pas le droit d'exporter ce dossier (catégorie « {label} »)."
            error = FhirError(403, message, code="forbidden")
            error.pending_refusal = refused.pending_refusal
            raise error from None


def may_export(ctx, person: Person) -> bool:
    """Without logging: may the caller export every category of this record?"""
    decisions = policy.decide_many(ctx.user, person, exported_categories(), Action.EXPORT)
    return all(decisions.values())


def person_bundle(ctx, person: Person) -> dict:
    """The TDDUI transaction Bundle of one person's record (the caller's right to export it checked)."""
    require_export(ctx, person)
    return _bundle(ctx, [person.pk])


def establishment_bundle(ctx, establishment: Establishment) -> dict:
    """The TDDUI transaction Bundle of the records of every person ever admitted in this establishment
    whom the caller may export."""
    person_ids = Admission.objects.filter(establishment=establishment).values("person_id")
    kept = []
    for person in Person.objects.filter(pk__in=person_ids).order_by("pk"):
        if may_export(ctx, person):
            require_export(ctx, person)  # logs the export, category by category
            kept.append(person.pk)
    return _bundle(ctx, kept)


def liaison_bundle(ctx, liaison_file) -> dict:
    """The parts of a liaison file the person agreed to send, as a TDDUI transaction Bundle: for the
    sending establishment and the receiving one, once the file left with the person's consent. Each
    category carried is read through the access module (logged; the receiver reads by the consent).
    The parts are read from the record as it is now (the file's frozen content is the human-readable
    copy); a reference to a part not carried (the admission a need was assessed in...) points to the
    sending server."""
    from parcours.coordination import liaison as liaisons
    from parcours.coordination.enums import LiaisonStatus

    if liaison_file.status not in (LiaisonStatus.SENT, LiaisonStatus.IMPORTED) or not liaison_file.consent_id:
        raise FhirError(
            409, "Ce dossier de liaison n'est pas parti avec le consentement de la personne.", code="conflict"
        )
    if not (liaisons.is_sender(ctx.user, liaison_file) or liaisons.is_receiver(ctx.user, liaison_file)):
        raise FhirError(404, "Ressource introuvable.", code="not-found")
    person = liaison_file.person
    for category in liaisons.carried_categories(liaison_file.parts):
        try:
            require(ctx.actor, person, category, Action.READ, obj=liaison_file)
        except AccessDenied as refused:
            error = FhirError(403, "Ce client n'a pas accès à ce dossier de liaison.", code="forbidden")
            error.pending_refusal = refused.pending_refusal
            raise error from None
    selected = _liaison_selection(liaison_file)
    return _bundle(ctx, [person.pk], selected)


def _liaison_selection(liaison_file) -> dict:
    """model -> a filter of `for_persons`' queryset keeping the objects of the parts chosen; models
    absent are not carried."""
    from parcours.coordination.enums import LiaisonPart
    from parcours.people.models import Deficiency, LegalProtection, MdphDecision, Relative
    from parcours.records.models import Goal, Need, NeedsAssessment, Note, PlannedService, ProjetPersonnalise

    person = liaison_file.person
    parts = set(liaison_file.parts) | {LiaisonPart.IDENTITY}
    every = lambda queryset: queryset  # noqa: E731
    selection = {Person: every}
    if LiaisonPart.CONTACTS in parts:
        selection.update({Relative: every, LegalProtection: every})
    if LiaisonPart.NEEDS in parts:
        latest = NeedsAssessment.objects.filter(person=person).order_by("-date", "-pk").values("pk")[:1]
        selection.update(
            {
                NeedsAssessment: lambda qs: qs.filter(pk__in=latest),
                Need: lambda qs: qs.filter(assessment__in=latest),
            }
        )
    if LiaisonPart.PROJET in parts:
        projet = ProjetPersonnalise.objects.filter(person=person).order_by("-date", "-pk").values("pk")[:1]
        selection.update(
            {
                ProjetPersonnalise: lambda qs: qs.filter(pk__in=projet),
                Goal: lambda qs: qs.filter(projet__in=projet),
                PlannedService: lambda qs: qs.filter(projet__in=projet),
            }
        )
    if LiaisonPart.NOTES in parts:
        selection[Note] = lambda qs: qs.filter(uuid__in=list(liaison_file.note_uuids))
    if LiaisonPart.DEFICIENCIES in parts:
        selection[Deficiency] = every
    if LiaisonPart.MDPH in parts:
        selection[MdphDecision] = every
    return selection


def _bundle(ctx, person_ids: list[int], selection: dict | None = None) -> dict:
    """`selection`: model -> filter, to carry only some objects (a liaison file); None: everything."""
    resources: dict[str, dict] = {}  # "Type/<id>" -> resource, in bundle order
    if person_ids:
        for mapping in exported_mappings():
            if selection is not None:
                keep = selection.get(mapping.model)
                if keep is None or (mapping.model is Person and mapping.resource_type != "Patient"):
                    continue
            objects = mapping.for_persons(person_ids)
            if objects is None:
                continue
            if selection is not None:
                objects = keep(objects)
            for obj in objects:
                resource = mapping.to_fhir(obj, ctx)
                resources[f"{resource['resourceType']}/{resource['id']}"] = resource
    referenced = _referenced(ctx, resources)
    items = [
        _Item(index, key, resource)
        for index, (key, resource) in enumerate([*referenced.items(), *resources.items()])
    ]
    keys = {item.key for item in items}
    by_key = {item.key: item.index for item in items}
    targets = {}
    for item in items:
        found: list[str] = []
        _references(item.resource, found, ctx.base_url)
        targets[item.index] = {by_key[key] for key in found if key in by_key} - {item.index}
    ordered = [item.resource for item in dependency_order(items, _rank, targets)]
    entries = []
    for resource in ordered:
        entries.append(
            {
                "fullUrl": f"urn:uuid:{resource['id']}",
                "resource": _rewritten(resource, keys, ctx.base_url),
                "request": {"method": "POST", "url": resource["resourceType"]},
            }
        )
    return {
        "resourceType": "Bundle",
        "meta": {"profile": [BUNDLE_PROFILE]},
        "type": "transaction",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": entries,
    }


@dataclass
class _Item:
    index: int
    key: str
    resource: dict


def _rank(item: _Item) -> tuple:
    mapping = registry.part_for(item.resource["resourceType"], item.resource)
    return (mapping.order if mapping is not None else 0,)


def _references(value, found: list[str], base_url: str) -> None:
    if isinstance(value, dict):
        reference = value.get("reference")
        if isinstance(reference, str):
            key = _key(reference, base_url)
            if key:
                found.append(key)
        for item in value.values():
            _references(item, found, base_url)
    elif isinstance(value, list):
        for item in value:
            _references(item, found, base_url)


def _key(reference: str, base_url: str) -> str:
    """`Type/<id>` for a reference to a resource of this server (relative or absolute), else ""."""
    match = REFERENCE.match(reference)
    if not match:
        return ""
    if match["base"] and base_url and match["base"].rstrip("/") != base_url:
        return ""
    return f"{match['type']}/{match['id'].lower()}"


def _referenced(ctx, resources: dict[str, dict]) -> dict[str, dict]:
    """The resources that are not a person's data (organisations, professionals) referenced by the
    record, and those they reference in turn."""
    found: dict[str, dict] = {}
    pending = list(resources.values())
    while pending:
        keys: list[str] = []
        _references(pending.pop(), keys, ctx.base_url)
        for key in keys:
            if key in resources or key in found:
                continue
            resource_type, resource_id = key.split("/", 1)
            for mapping in registry.parts(resource_type):
                if mapping.category is not None:
                    continue  # another person's data never travels with this record
                obj = mapping.base_queryset().filter(**{mapping.id_field: resource_id}).first()
                if obj is not None:
                    found[key] = mapping.to_fhir(obj, ctx)
                    pending.append(found[key])
                    break
    return found


def _rewritten(value, keys: set[str], base_url: str):
    """The resource with its references to entries of the bundle as `urn:uuid:<id>`, and those to
    resources of this server left out of the bundle as absolute URLs (they name this server)."""
    if isinstance(value, dict):
        copy = {}
        for name, item in value.items():
            if name == "reference" and isinstance(item, str):
                key = _key(item, base_url)
                if key in keys:
                    copy[name] = f"urn:uuid:{key.split('/', 1)[1]}"
                elif key and base_url and not item.startswith("http"):
                    copy[name] = f"{base_url}/{item}"
                else:
                    copy[name] = item
            else:
                copy[name] = _rewritten(item, keys, base_url)
        return copy
    if isinstance(value, list):
        return [_rewritten(item, keys, base_url) for item in value]
    return value


# --- the operations


@operations.operation(
    "tddui-bundle",
    level=operations.INSTANCE,
    resource_type="Patient",
    methods=("GET",),
    scope=("Patient", READ),
    description="Le dossier de la personne en Bundle TDDUI (transaction)",
)
def patient_tddui_bundle(request, ctx, resource_type=None, obj=None):
    return person_bundle(ctx, obj)


@operations.operation(
    "tddui-bundle",
    level=operations.INSTANCE,
    resource_type="Organization",
    methods=("GET",),
    scope=("Patient", READ),
    description="Les dossiers des personnes admises dans l'établissement, en Bundle TDDUI (transaction)",
)
def organization_tddui_bundle(request, ctx, resource_type=None, obj=None):
    ctx.caller.require("Organization", READ)
    if not isinstance(obj, Establishment):
        raise FhirError(
            404,
            "Cette organisation n'est pas un établissement ou service de cette instance.",
            code="not-found",
        )
    if not policy.readable_establishments(ctx.user).filter(pk=obj.pk).exists():
        raise FhirError(403, "Ce client ne travaille pas pour cet établissement.", code="forbidden")
    return establishment_bundle(ctx, obj)
