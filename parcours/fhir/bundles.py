"""`POST [base]` with a Bundle: a transaction (all or nothing) or a batch (each entry on its own).

Business rules:
- A transaction writes everything or nothing: the first error rolls the whole bundle back and is
  answered as an OperationOutcome naming the entry (`Bundle.entry[i]`), with that error's status.
- Writes are made in the order of the mappings (`Mapping.order`: what others reference first), not in
  the bundle's order, so a bundle whose entries come in any order is accepted; then the reads (GET).
- A created entry keeps the `urn:uuid:` of its fullUrl as its id when that id is free (ids stay the
  same from one instance to the next), and later entries reference it by that urn.
- Every write goes through `service.write` (validation, access decision and log, versioning).
- A batch runs each entry in its own savepoint; a failure is reported in that entry's response.
- A Bundle declaring the TDDUIBundle profile must follow it: type transaction, every entry with a
  resource and a request whose method is POST (422 otherwise, nothing written).
"""

from __future__ import annotations

import heapq
import http
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from fhir.resources.R4B.bundle import Bundle
from pydantic import ValidationError

from parcours.access.api import AccessDenied
from parcours.fhir import registry, service
from parcours.fhir.auth import READ, WRITE
from parcours.fhir.context import REFERENCE, URN
from parcours.fhir.outcome import FhirError, Issue

BUNDLE_PROFILE = registry.tddui_profile("tddui-bundle")
WRITE_METHODS = ("POST", "PUT")
# Order of the interactions within a transaction (FHIR R4 3.1.0.11.2): writes, then reads.
INTERACTION_RANK = {"POST": 0, "PUT": 0, "GET": 1}


@dataclass
class Entry:
    index: int
    method: str
    url: str
    resource: dict | None
    full_url: str
    if_none_exist: str = ""
    resource_type: str = ""
    resource_id: str | None = None
    query: str = ""

    @property
    def expression(self) -> str:
        return f"Bundle.entry[{self.index}]"


def process(ctx, bundle) -> dict:
    """The transaction-response or batch-response Bundle of a posted Bundle."""
    _parse(bundle)
    kind = bundle.get("type")
    if (bundle.get("meta") or {}).get("profile") and BUNDLE_PROFILE in bundle["meta"]["profile"]:
        _check_tddui(bundle)
    if kind not in ("transaction", "batch"):
        raise FhirError(400, "Seuls les Bundle de type « transaction » ou « batch » sont acceptés ici.",
                        code="not-supported", expression="Bundle.type")  # fmt: skip
    raw_entries = list(enumerate(bundle.get("entry") or []))
    if kind == "transaction":
        return _transaction(ctx, [_entry(index, raw) for index, raw in raw_entries])
    return _batch(ctx, raw_entries)


# --- reading the bundle


def _parse(bundle) -> None:
    """The Bundle's envelope must parse with the R4B model; the entries' resources are validated one by
    one when they are written (so that an invalid resource is reported with its entry)."""
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        raise FhirError(400, "Un Bundle FHIR est attendu (resourceType « Bundle »).", code="structure",
                        expression="resourceType")  # fmt: skip
    entries = bundle.get("entry")
    envelope = dict(bundle)
    if isinstance(entries, list):
        envelope["entry"] = [
            {key: value for key, value in entry.items() if key != "resource"} if isinstance(entry, dict)
            else entry
            for entry in entries
        ]  # fmt: skip
    try:
        Bundle.model_validate(envelope)
    except ValidationError as error:
        issues = []
        for detail in error.errors()[:20]:
            where = ".".join(
                f"[{part}]" if isinstance(part, int) else str(part) for part in detail.get("loc", ())
            ).replace(".[", "[")
            issues.append(Issue("structure", f"Bundle.{where} : {detail.get('msg', 'valeur invalide')}",
                                f"Bundle.{where}"))  # fmt: skip
        raise FhirError(400, issues=issues) from None
    except (ValueError, TypeError) as error:
        raise FhirError(400, f"Bundle invalide : {error}", code="structure") from None
    for index, entry in enumerate(entries or []):
        resource = entry.get("resource")
        if resource is not None and not (isinstance(resource, dict) and resource.get("resourceType")):
            raise FhirError(400, "La ressource de l'entrée doit être un objet JSON avec resourceType.",
                            code="structure", expression=f"Bundle.entry[{index}].resource")  # fmt: skip


def _check_tddui(bundle: dict) -> None:
    """The rules of the TDDUIBundle profile (TDDUIBundle.fsh): type = #transaction; each entry of its
    slices has resource 1..1 and request 1..1 with request.method = #POST."""
    issues = []
    if bundle.get("type") != "transaction":
        issues.append(Issue("value", "Un Bundle TDDUI est de type « transaction ».", "Bundle.type"))
    for index, entry in enumerate(bundle.get("entry") or []):
        where = f"Bundle.entry[{index}]"
        if not entry.get("resource"):
            issues.append(Issue("required", "Chaque entrée d'un Bundle TDDUI porte une ressource.",
                                f"{where}.resource"))  # fmt: skip
        request = entry.get("request")
        if not request:
            issues.append(Issue("required", "Chaque entrée d'un Bundle TDDUI porte une requête (request).",
                                f"{where}.request"))  # fmt: skip
        elif request.get("method") != "POST":
            issues.append(Issue("value", "Dans un Bundle TDDUI, la méthode de chaque entrée est POST.",
                                f"{where}.request.method"))  # fmt: skip
    if issues:
        raise FhirError(422, issues=issues)


def _entry(index: int, raw: dict) -> Entry:
    where = f"Bundle.entry[{index}]"
    request = raw.get("request")
    if not request:
        raise FhirError(400, "Chaque entrée d'une transaction ou d'un batch porte une requête (request).",
                        code="required", expression=f"{where}.request")  # fmt: skip
    method = request.get("method", "")
    url = (request.get("url") or "").strip()
    entry = Entry(index, method, url, raw.get("resource"), raw.get("fullUrl") or "",
                  if_none_exist=request.get("ifNoneExist") or "")  # fmt: skip
    if method not in ("POST", "PUT", "GET"):
        raise FhirError(400, f"Méthode {method[:10]} non prise en charge dans un Bundle : POST, PUT ou GET.",
                        code="not-supported", expression=f"{where}.request.method")  # fmt: skip
    path, _, entry.query = url.partition("?")
    match = REFERENCE.match(path)
    if match:
        entry.resource_type, entry.resource_id = match["type"], match["id"]
    elif path.isidentifier() and path[:1].isupper():
        entry.resource_type = path
    else:
        raise FhirError(400, "request.url invalide : Type, Type/<id> ou Type?paramètres attendu.",
                        code="invalid", expression=f"{where}.request.url")  # fmt: skip
    if method in WRITE_METHODS:
        if not entry.resource:
            raise FhirError(400, f"Une entrée {method} porte une ressource.", code="required",
                            expression=f"{where}.resource")  # fmt: skip
        if entry.resource.get("resourceType") != entry.resource_type:
            raise FhirError(400, "Le type de la ressource ne correspond pas à request.url.", code="invalid",
                            expression=f"{where}.request.url")  # fmt: skip
        if method == "POST" and (entry.resource_id or entry.query):
            raise FhirError(400, "Une création (POST) vise un type : request.url = Type.", code="invalid",
                            expression=f"{where}.request.url")  # fmt: skip
        if method == "PUT" and not entry.resource_id:
            raise FhirError(400, "Une mise à jour (PUT) vise une ressource : request.url = Type/<id>.",
                            code="invalid", expression=f"{where}.request.url")  # fmt: skip
    return entry


# --- processing


def _transaction(ctx, entries: list[Entry]) -> dict:
    for entry in entries:
        if entry.resource is not None:
            ctx.entries[entry.full_url or f"#entry-{entry.index}"] = entry.resource
    responses: dict[int, dict] = {}
    with transaction.atomic():
        for entry in dependency_order(entries, _rank, _targets(entries)):
            responses[entry.index] = _guarded(ctx, entry)
    return {"resourceType": "Bundle", "type": "transaction-response",
            "entry": [responses[entry.index] for entry in entries]}  # fmt: skip


def _batch(ctx, raw_entries: list[tuple[int, dict]]) -> dict:
    answers = []
    for index, raw in raw_entries:
        try:
            entry = _entry(index, raw)
            ctx.entries = {entry.full_url or f"#entry-{index}": entry.resource} if entry.resource else {}
            with transaction.atomic():
                answers.append(_guarded(ctx, entry))
        except FhirError as error:
            if error.pending_refusal is not None:
                error.pending_refusal()  # the refusal stays in the access log
                error.pending_refusal = None
            reason = http.HTTPStatus(error.status).phrase
            answers.append({"response": {"status": f"{error.status} {reason}", "outcome": error.as_fhir()}})
    return {"resourceType": "Bundle", "type": "batch-response", "entry": answers}


def _rank(entry: Entry) -> tuple:
    order = 100
    if entry.method in WRITE_METHODS:
        mapping = registry.part_for(entry.resource_type, entry.resource)
        order = mapping.order if mapping is not None else 100
    return (INTERACTION_RANK[entry.method], order)


def _targets(entries: list[Entry]) -> dict[int, set[int]]:
    """For each entry, the entries whose fullUrl its resource references."""
    by_url = {entry.full_url: entry.index for entry in entries if entry.full_url}
    targets = {}
    for entry in entries:
        found: list[str] = []
        _reference_values(entry.resource, found)
        targets[entry.index] = {by_url[value] for value in found if value in by_url} - {entry.index}
    return targets


def _reference_values(value, found: list[str]) -> None:
    if isinstance(value, dict):
        if isinstance(value.get("reference"), str):
            found.append(value["reference"])
        for item in value.values():
            _reference_values(item, found)
    elif isinstance(value, list):
        for item in value:
            _reference_values(item, found)


def dependency_order(items: list, rank, targets: dict[int, set[int]]) -> list:
    """The items sorted by `rank` (the mapping's order: what others reference first); among items of
    the same rank, one referenced by another comes first (the gestionnaire's Organization before its
    establishments'). `items` have an `index`; `targets[index]`: the indexes it references. A cycle
    keeps the bundle's order (the mappings resolve it with `Context.referrers`)."""
    groups: dict[tuple, list] = {}
    for item in items:
        groups.setdefault(rank(item), []).append(item)
    ordered = []
    for key in sorted(groups):
        group = {item.index: item for item in groups[key]}
        waiting = {index: (targets.get(index, set()) & group.keys()) - {index} for index in group}
        referrers: dict[int, list[int]] = {}
        for index, needed in waiting.items():
            for target in needed:
                referrers.setdefault(target, []).append(index)
        ready = [index for index, needed in waiting.items() if not needed]
        heapq.heapify(ready)
        done: set[int] = set()
        while len(done) < len(group):
            if not ready:  # a cycle: the first entry left, in the bundle's order
                heapq.heappush(ready, min(index for index in group if index not in done))
            index = heapq.heappop(ready)
            if index in done:
                continue
            done.add(index)
            ordered.append(group[index])
            for referrer in referrers.get(index, ()):
                waiting[referrer].discard(index)
                if not waiting[referrer] and referrer not in done:
                    heapq.heappush(ready, referrer)
    return ordered


def _guarded(ctx, entry: Entry) -> dict:
    """Process one entry; any error names the entry."""
    try:
        return _process(ctx, entry)
    except FhirError as error:
        raise _located(error, entry) from None
    except (AccessDenied, PermissionDenied) as refused:
        error = FhirError(403, str(refused) or "Action non autorisée.", code="forbidden")
        error.pending_refusal = getattr(refused, "pending_refusal", None)
        raise _located(error, entry) from None
    except IntegrityError:
        error = FhirError(409, "Cette ressource entre en conflit avec une donnée existante.", code="conflict")
        raise _located(error, entry) from None


def _located(error: FhirError, entry: Entry) -> FhirError:
    """The same error, its expressions placed in the entry: `Patient.name` becomes
    `Bundle.entry[2].resource.name`."""
    prefix = f"{entry.expression}.resource" if entry.resource is not None else entry.expression
    issues = []
    for issue in error.issues:
        expression = issue.expression
        if expression.startswith("Bundle.entry["):
            pass
        elif entry.resource_type and (
            expression == entry.resource_type or expression.startswith(f"{entry.resource_type}.")
        ):
            expression = prefix + expression[len(entry.resource_type) :]
        elif expression:
            expression = f"{prefix}.{expression}"
        else:
            expression = entry.expression
        message = f"Entrée {entry.index} ({entry.method} {entry.resource_type}) : {issue.message}"
        issues.append(Issue(issue.code, message, expression, issue.severity))
    located = FhirError(error.status, issues=issues)
    located.pending_refusal = error.pending_refusal
    return located


def _process(ctx, entry: Entry) -> dict:
    if entry.method == "GET":
        return _read(ctx, entry)
    ctx.current_full_url = entry.full_url if URN.match(entry.full_url) else ""
    try:
        if entry.method == "POST" and entry.if_none_exist:
            found = _existing(ctx, entry)
            if found is not None:
                mapping, obj = found
                _remember(ctx, entry, obj)
                return _response(mapping, obj, "200 OK", service.version_of(mapping, obj))
        resource_id = entry.resource_id if entry.method == "PUT" else None
        mapping, obj, version, created = service.write(ctx, entry.resource_type, entry.resource,
                                                       resource_id=resource_id)  # fmt: skip
    finally:
        ctx.current_full_url = ""
    _remember(ctx, entry, obj)
    return _response(mapping, obj, "201 Created" if created else "200 OK", version)


def _remember(ctx, entry: Entry, obj) -> None:
    if entry.full_url:
        ctx.written[entry.full_url] = obj


def _response(mapping, obj, status: str, version: int) -> dict:
    resource_id = getattr(obj, mapping.id_field)
    return {
        "response": {
            "status": status,
            "location": f"{mapping.resource_type}/{resource_id}/_history/{version}",
            "etag": f'W/"{version}"',
        }
    }


def _existing(ctx, entry: Entry):
    """Conditional create (`ifNoneExist`): the object the identifier names, if any. Only the
    `identifier` search parameter is supported (an identifier names one object; other criteria would
    risk matching another person's record)."""
    ctx.caller.require(entry.resource_type, WRITE)
    where = f"{entry.expression}.request.ifNoneExist"
    query = entry.if_none_exist.split("?", 1)[-1]
    params = parse_qs(query, keep_blank_values=True)
    mappings = [m for m in registry.parts(entry.resource_type) if "identifier" in m.search_params]
    if set(params) != {"identifier"} or not mappings:
        raise FhirError(400, "Création conditionnelle (ifNoneExist) non prise en charge : seul le paramètre "
                        "identifier, pour les types qui le proposent, l'est.", code="not-supported",
                        expression=where)  # fmt: skip
    matches = []
    for mapping in mappings:
        queryset = mapping.search_params["identifier"](mapping.base_queryset(), params["identifier"], ctx)
        matches.extend((mapping, obj) for obj in queryset[:2])
    if len(matches) > 1:
        raise FhirError(412, "ifNoneExist désigne plusieurs ressources existantes.", code="multiple-matches",
                        expression=where)  # fmt: skip
    if not matches:
        return None
    mapping, obj = matches[0]
    person = mapping.person_of(obj)
    if person is not None:
        try:
            ctx.authorize_read(person, mapping.category, obj)
        except FhirError as refused:
            error = FhirError(409, "Une ressource portant cet identifiant existe déjà, hors des droits de ce "
                              "client.", code="conflict", expression=where)  # fmt: skip
            error.pending_refusal = refused.pending_refusal
            raise error from None
    return matches[0]


def _read(ctx, entry: Entry) -> dict:
    if entry.resource_id and not entry.query:
        resource, version = service.read(ctx, entry.resource_type, entry.resource_id)
        return {"resource": resource, "response": {"status": "200 OK", "etag": f'W/"{version}"'}}
    if entry.resource_id:
        raise FhirError(400, "request.url invalide pour une lecture : Type/<id> ou Type?paramètres.",
                        code="invalid", expression=f"{entry.expression}.request.url")  # fmt: skip
    ctx.caller.require(entry.resource_type, READ)
    params: dict[str, list[str]] = {}
    for key, values in parse_qs(urlsplit(f"?{entry.query}").query, keep_blank_values=True).items():
        params[key] = values
    found = service.search(ctx, entry.resource_type, params, ctx.base_url)
    return {"resource": found, "response": {"status": "200 OK"}}
