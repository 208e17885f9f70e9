"""The interactions of the API (read, search, create, update, history), shared by the REST views,
the transaction bundles and the imports. Every read of a person's data is decided and logged by the
access module; every write goes through `Context.authorize`."""

from __future__ import annotations

import json
import uuid
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Max

from parcours.access import policy
from parcours.access.enums import Action
from parcours.access.journal import record_bases
from parcours.fhir import registry, validation
from parcours.fhir.auth import READ, WRITE
from parcours.fhir.context import validation_issues
from parcours.fhir.models import ResourceVersion
from parcours.fhir.outcome import FhirError, not_found

COMMON = {"_count", "_offset", "_sort", "_include", "_total", "_format", "_summary", "_elements"}


def parse_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise not_found("Ressource introuvable : identifiant invalide.") from None


def find(resource_type: str, resource_id) -> tuple[registry.Mapping, object]:
    """The mapping and object of `Type/<id>`, without any access decision (404 when unknown)."""
    if not registry.parts(resource_type):
        raise FhirError(404, f"Le type de ressource {resource_type} n'est pas servi par ce serveur.",
                        code="not-supported")  # fmt: skip
    key = parse_id(resource_id)
    for mapping in registry.parts(resource_type):
        obj = mapping.base_queryset().filter(**{mapping.id_field: key}).first()
        if obj is not None:
            return mapping, obj
    raise not_found(f"{resource_type}/{key} introuvable.")


def version_of(mapping, obj) -> int:
    latest = ResourceVersion.objects.filter(
        resource_type=mapping.resource_type, resource_id=getattr(obj, mapping.id_field)
    ).aggregate(latest=Max("version"))["latest"]
    return latest or 1


def render(mapping, obj, ctx, *, version: int | None = None) -> dict:
    resource = mapping.to_fhir(obj, ctx)
    if version is not None:
        resource.setdefault("meta", {})["versionId"] = str(version)
    return resource


def read(ctx, resource_type: str, resource_id) -> tuple[dict, int]:
    ctx.caller.require(resource_type, READ)
    mapping, obj = find(resource_type, resource_id)
    mapping.require_reader(ctx, obj)
    person = mapping.person_of(obj)
    if person is not None:
        ctx.authorize_read(person, mapping.category, obj)
    version = version_of(mapping, obj)
    return render(mapping, obj, ctx, version=version), version


# --- search


def _page_size(params) -> int:
    raw = (params.get("_count") or [None])[-1]
    if raw is None:
        return settings.PARCOURS_FHIR_PAGE_SIZE
    try:
        count = int(raw)
    except ValueError:
        raise FhirError(400, "_count doit être un nombre entier.", code="invalid") from None
    return max(0, min(count, settings.PARCOURS_FHIR_MAX_PAGE_SIZE))


def _offset(params) -> int:
    try:
        return max(0, int((params.get("_offset") or ["0"])[-1]))
    except ValueError:
        raise FhirError(400, "_offset doit être un nombre entier.", code="invalid") from None


def filtered(mapping, params: dict[str, list[str]], ctx, known: set[str] | None = None):
    """The mapping's queryset filtered by the request's parameters and by what the caller may see.
    `known`: the parameters some other mapping of the same type takes; one this mapping does not take
    then matches nothing here (rather than a 400)."""
    queryset = mapping.base_queryset()
    for name, values in params.items():
        if name in COMMON:
            continue
        if name == "_id":
            ids = [parse_id(item) for value in values for item in value.split(",")]
            queryset = queryset.filter(**{f"{mapping.id_field}__in": ids})
            continue
        base_name = name.split(":", 1)[0]
        search = mapping.search_params.get(base_name)
        if search is None and known and base_name in known:
            return queryset.none()
        if search is None:
            raise FhirError(400, f"Paramètre de recherche inconnu pour {mapping.resource_type} : {name}.",
                            code="not-supported")  # fmt: skip
        queryset = search(queryset, values, ctx, name)
    if mapping.category is not None:
        lookup = f"{mapping.person_path}__in" if mapping.person_path else "pk__in"
        queryset = queryset.filter(**{lookup: policy.visible_persons(ctx.user)})
    queryset = mapping.restrict(queryset, ctx)
    sort = params.get("_sort", [""])[-1]
    order = []
    for key in filter(None, sort.split(",")):
        descending = key.startswith("-")
        field = mapping.sort_params.get(key.lstrip("-"))
        if field is None:
            raise FhirError(400, f"Tri non pris en charge : {key.lstrip('-')}.", code="not-supported")
        order.append(f"-{field}" if descending else field)
    return queryset.order_by(*order, "pk")


def log_reads(ctx, mapping, objects, action: str = Action.SEARCH) -> list:
    """Keep the objects whose person the caller may read in this category; log one entry per
    person and category, in one INSERT."""
    if mapping.category is None or not objects:
        return list(objects)
    persons = {}
    for obj in objects:
        person = mapping.person_of(obj)
        persons[person.pk] = person
    bases = policy.bases_for_many(ctx.user, list(persons), mapping.category, Action.READ)
    kept = [obj for obj in objects if bases.get(mapping.person_of(obj).pk)]
    record_bases(
        ctx.actor,
        {pk: bases[pk] for pk in persons if bases.get(pk)},
        action=action,
        category=mapping.category,
        object_type=f"fhir:{mapping.resource_type}",
    )
    return kept


def search(ctx, resource_type: str, params: dict[str, list[str]], base_url: str) -> dict:
    """A searchset Bundle: the matches (across the mappings of the type), paged with _count and
    _offset, and the resources asked by _include."""
    ctx.caller.require(resource_type, READ)
    parts = registry.parts(resource_type)
    if not parts:
        raise FhirError(404, f"Le type de ressource {resource_type} n'est pas servi par ce serveur.",
                        code="not-supported")  # fmt: skip
    for mapping in parts:
        mapping.require_reader(ctx)
    size, offset = _page_size(params), _offset(params)
    known = {name for mapping in parts for name in mapping.search_params}
    querysets = [filtered(mapping, params, ctx, known) for mapping in parts]
    counts = [queryset.count() for queryset in querysets]
    total = sum(counts)
    entries, skip, wanted = [], offset, size
    included = {}
    for mapping, queryset, count in zip(parts, querysets, counts, strict=True):
        if wanted <= 0:
            break
        if skip >= count:
            skip -= count
            continue
        page = list(queryset[skip : skip + wanted])
        skip = 0
        wanted -= len(page)
        page = log_reads(ctx, mapping, page)
        for obj in page:
            resource = mapping.to_fhir(obj, ctx)
            entries.append(_entry(base_url, resource, "match"))
            for include in params.get("_include", []):
                _include(ctx, mapping, obj, include, included)
    for resource in included.values():
        entries.append(_entry(base_url, resource, "include"))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": total,
        "link": _links(base_url, resource_type, params, offset, size, total),
        "entry": entries,
    }


def _include(ctx, mapping, obj, include: str, included: dict) -> None:
    attribute = mapping.includes.get(include)
    if attribute is None:
        raise FhirError(400, f"_include non pris en charge : {include}.", code="not-supported")
    target = obj
    for part in attribute.split("__"):
        target = getattr(target, part, None)
    if target is None:
        return
    target_type = include.split(":")[-1]
    target_type = {"subject": "Patient", "patient": "Patient"}.get(target_type, target_type)
    for target_mapping in registry.parts(target_type):
        if isinstance(target, target_mapping.model):
            key = f"{target_type}/{getattr(target, target_mapping.id_field)}"
            if key in included:
                return
            ctx.caller.require(target_type, READ)
            person = target_mapping.person_of(target)
            if person is not None:
                ctx.authorize_read(person, target_mapping.category, target)
            included[key] = target_mapping.to_fhir(target, ctx)
            return


def _entry(base_url: str, resource: dict, mode: str) -> dict:
    return {
        "fullUrl": f"{base_url}/{resource['resourceType']}/{resource['id']}",
        "resource": resource,
        "search": {"mode": mode},
    }


def _links(base_url, resource_type, params, offset, size, total) -> list[dict]:
    def url(new_offset):
        query = [(k, v) for k, values in params.items() if k != "_offset" for v in values]
        query.append(("_offset", str(new_offset)))
        if "_count" not in params:
            query.append(("_count", str(size)))
        return f"{base_url}/{resource_type}?{urlencode(query)}"

    links = [{"relation": "self", "url": url(offset)}, {"relation": "first", "url": url(0)}]
    if size and offset + size < total:
        links.append({"relation": "next", "url": url(offset + size)})
    if size and offset > 0:
        links.append({"relation": "previous", "url": url(max(0, offset - size))})
    if size:
        links.append({"relation": "last", "url": url(max(0, (total - 1) // size * size))})
    return links


# --- writes


def save_version(ctx, mapping, obj, method: str) -> int:
    """Record the new version of a resource written through the API; return its number."""
    resource_id = getattr(obj, mapping.id_field)
    previous = ResourceVersion.objects.filter(
        resource_type=mapping.resource_type, resource_id=resource_id
    ).aggregate(latest=Max("version"))["latest"]
    version = (previous or 0) + 1
    resource = render(mapping, obj, ctx, version=version)
    ResourceVersion.objects.create(
        resource_type=mapping.resource_type,
        resource_id=resource_id,
        version=version,
        person=mapping.person_of(obj),
        method=method,
        actor=ctx.user,
        content=json.dumps(resource, ensure_ascii=False),
    )
    return version


def write(ctx, resource_type: str, data: dict, *, resource_id=None, if_match: str | None = None):
    """Create (resource_id None) or update a resource: validate, authorise, write, version.
    Returns (mapping, obj, version, created). Call inside a transaction."""
    ctx.caller.require(resource_type, WRITE)
    if registry.parts(resource_type) and not any(part.writable for part in registry.parts(resource_type)):
        raise FhirError(405, f"Les ressources {resource_type} sont en lecture seule.", code="not-supported")
    mapping = validation.validate(resource_type, data)
    existing = None
    if resource_id is not None:
        if data.get("id") and str(data["id"]) != str(resource_id):
            raise FhirError(400, "L'id de la ressource ne correspond pas à celui de l'URL.", code="invalid",
                            expression=f"{resource_type}.id")  # fmt: skip
        try:
            found_mapping, existing = find(resource_type, resource_id)
        except FhirError:
            existing = None
        if existing is not None:
            if (
                found_mapping is not mapping
                and found_mapping.writable
                and (set(found_mapping.profiles) & set(mapping.profiles))
            ):
                mapping = found_mapping  # two mappings of one profile (an establishment, a gestionnaire)
            elif found_mapping is not mapping:
                raise FhirError(422, "Le profil de la ressource ne correspond pas à la ressource existante.",
                                code="invalid", expression=f"{resource_type}.meta.profile")  # fmt: skip
            if if_match is not None and if_match.strip('W/"') != str(version_of(mapping, existing)):
                raise FhirError(412, "La ressource a changé depuis sa lecture (If-Match).", code="conflict")
        else:
            ctx.current_full_url = f"urn:uuid:{parse_id(resource_id)}"
    if not mapping.writable:
        raise FhirError(405, f"Les ressources {resource_type} sont en lecture seule.", code="not-supported")
    try:
        with transaction.atomic():
            obj = mapping.write(data, ctx, existing=existing)
    except DjangoValidationError as error:
        raise validation_issues(error, resource_type) from None
    version = save_version(ctx, mapping, obj, "PUT" if existing is not None else "POST")
    return mapping, obj, version, existing is None


def history(ctx, resource_type: str, resource_id, base_url: str) -> dict:
    """The versions written through the API, newest first (a resource never written through the API
    has one version: its current state)."""
    resource, _ = read(ctx, resource_type, resource_id)
    versions = list(
        ResourceVersion.objects.filter(resource_type=resource_type, resource_id=parse_id(resource_id))
        .order_by("-version")
        .values("version", "method", "at", "content")
    )
    entries = []
    for row in versions:
        entries.append(
            {
                "fullUrl": f"{base_url}/{resource_type}/{resource['id']}",
                "resource": json.loads(row["content"]),
                "request": {
                    "method": row["method"],
                    "url": resource_type if row["method"] == "POST" else f"{resource_type}/{resource['id']}",
                },
                "response": {
                    "status": "201 Created" if row["method"] == "POST" else "200 OK",
                    "lastModified": row["at"].isoformat(timespec="milliseconds"),
                },
            }  # fmt: skip
        )
    if not entries:
        entries.append(
            {
                "fullUrl": f"{base_url}/{resource_type}/{resource['id']}",
                "resource": resource,
                "request": {"method": "POST", "url": resource_type},
                "response": {"status": "200 OK"},
            }
        )
    return {"resourceType": "Bundle", "type": "history", "total": len(entries), "entry": entries}


def vread(ctx, resource_type: str, resource_id, version: str) -> dict:
    resource, current = read(ctx, resource_type, resource_id)
    if (
        version == str(current)
        and not ResourceVersion.objects.filter(
            resource_type=resource_type, resource_id=parse_id(resource_id)
        ).exists()
    ):
        return resource
    row = (
        ResourceVersion.objects.filter(
            resource_type=resource_type,
            resource_id=parse_id(resource_id),
            version=int(version) if version.isdigit() else -1,
        )
        .values("content")
        .first()
    )
    if row is None:
        raise not_found(f"Version {version[:10]} introuvable.")
    return json.loads(row["content"])
