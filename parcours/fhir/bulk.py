"""Bulk export and NDJSON import (FHIR Bulk Data Access IG v2.0.0), run by the background tasks.

Export: `GET [base]/$export`, `[base]/Patient/$export` or `[base]/Group/<id>/$export` with
`Prefer: respond-async` answers 202 and the status URL (Content-Location); the job writes one NDJSON
file per resource type (several when a type is large), encrypted at rest; the status URL answers 202
(X-Progress) while it runs, then the manifest; the files are downloaded with the bearer token of the
client that asked, until they expire (PARCOURS_FHIR_EXPORT_HOURS).

What is exported: the records of the persons the client's login may EXPORT (the access policy: those
who support the person), category by category, each export logged (one entry per person and category,
in bulk INSERTs); only the resource types the token may read; plus the Organizations and
Practitioners those resources reference.

Import: `POST [base]/$import` with the NDJSON of an export (any types, in any order) answers 202 and
a status URL; the job writes every resource in one transaction, what others reference first, through
the same service as the REST API (`service.write`, keeping each resource's id). One failure and
nothing is written: the status answers 500 with an OperationOutcome naming the line.
"""

from __future__ import annotations

import datetime
import gzip
import heapq
import json
import logging
import re
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date

from parcours.access import policy
from parcours.access.api import AccessDenied, Actor, deferred_refusals
from parcours.access.enums import Action
from parcours.access.journal import record_bases
from parcours.core.storage import document_storage
from parcours.fhir import operations, registry, service, tasks
from parcours.fhir.auth import READ, WRITE, Caller, authenticate, scope_allows
from parcours.fhir.context import Context, validation_issues
from parcours.fhir.http import respond
from parcours.fhir.models import BulkFile, BulkJob, JobKind, JobStatus
from parcours.fhir.outcome import FhirError, Issue, information, operation_outcome
from parcours.fhir.resources.group import may_read_group, members, require_group
from parcours.fhir.views import fhir_endpoint
from parcours.organisations.models import Establishment

logger = logging.getLogger(__name__)

NDJSON = "application/fhir+ndjson"
OUTPUT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
IMPORT_FORMATS = {"application/fhir+ndjson", "application/ndjson", "application/x-ndjson"}
EXPORT_PARAMS = {"_type", "_since", "_outputFormat"}
# Persons per query (policy decisions, `for_persons`), objects per database round trip.
PERSON_CHUNK = 1000
FETCH_CHUNK = 2000
# Lines per NDJSON file: a file is encrypted and decrypted in memory, in one piece.
LINES_PER_FILE = 50_000
MAX_IMPORT_BYTES = 512 * 1024 * 1024
REFERENCE = re.compile(r"^(?:https?://\S+/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[0-9a-fA-F-]{36})$")


class Cancelled(Exception):
    """The client cancelled the export (DELETE on the status URL) while it ran."""


# --- kick-off


def _prefer(request) -> set[str]:
    return {part.strip().lower() for part in request.headers.get("Prefer", "").replace(";", ",").split(",")}


def _since(values: list[str]) -> datetime.datetime | None:
    if not values or not values[-1]:
        return None
    moment = None
    try:
        moment = parse_datetime(values[-1].strip())
    except ValueError:
        pass
    if moment is None or moment.tzinfo is None:
        raise FhirError(400, "_since doit être un instant FHIR avec son fuseau horaire, par exemple "
                        "2025-01-31T08:00:00+01:00 (le « + » encodé %2B dans l'URL).", code="invalid",
                        expression="_since")  # fmt: skip
    return moment


def exportable_types() -> list[str]:
    """The resource types a bulk export may hold."""
    return sorted({mapping.resource_type for mapping in registry.mappings() if mapping.exported})


def _types(caller: Caller, requested: list[str]) -> list[str]:
    """The types to export: those of `_type` (each one served, exported and allowed by the token,
    else 400 / 403), or every exported type the token may read."""
    exportable = exportable_types()
    names = list(
        dict.fromkeys(name.strip() for value in requested for name in value.split(",") if name.strip())
    )
    if names:
        for name in names:
            if name not in exportable:
                raise FhirError(400, f"Type de ressource non exporté par ce serveur : {name[:40]}.",
                                code="not-supported", expression="_type")  # fmt: skip
            caller.require(name, READ)
        return names
    allowed = [name for name in exportable if scope_allows(caller.scopes, name, READ)]
    if not allowed:
        raise FhirError(403, "Le jeton n'autorise la lecture d'aucun type de ressource exporté.",
                        code="forbidden")  # fmt: skip
    return allowed


def _status_url(request, name: str, job: BulkJob) -> str:
    return request.build_absolute_uri(reverse(f"fhir:fhir_bulk:{name}", args=[job.uuid]))


def kick_off_export(request, ctx, *, resource_type=None, obj=None):
    """$export at system, Patient or Group level: check the request, record the job, run it in the
    background once the request is committed, answer 202 with the status URL."""
    prefer = _prefer(request)
    if "respond-async" not in prefer:
        raise FhirError(400, "L'export en masse est asynchrone : en-tête « Prefer: respond-async » requis.",
                        code="required")  # fmt: skip
    params = {key: request.GET.getlist(key) for key in request.GET}
    unknown = sorted(set(params) - EXPORT_PARAMS)
    if unknown and "handling=lenient" not in prefer:
        raise FhirError(400, f"Paramètre non pris en charge par $export : {', '.join(unknown)[:100]}.",
                        code="not-supported")  # fmt: skip
    output_format = (params.get("_outputFormat") or [""])[-1]
    if output_format and output_format not in OUTPUT_FORMATS:
        raise FhirError(400, "_outputFormat : seul application/fhir+ndjson est produit.",
                        code="not-supported", expression="_outputFormat")  # fmt: skip
    since = _since(params.get("_since", []))
    types = _types(ctx.caller, params.get("_type", []))
    parameters = {
        "level": "group" if obj is not None else "patient" if resource_type == "Patient" else "system",
        "types": types,
        "since": since.isoformat() if since else None,
        "scopes": sorted(ctx.caller.scopes),
        "ip": ctx.actor.ip_address,
        "base_url": ctx.base_url,
    }
    if obj is not None:
        require_group(ctx, obj)
        parameters["establishment"] = obj.pk
    job = BulkJob.objects.create(
        kind=JobKind.EXPORT,
        client=ctx.caller.client,
        request_url=request.build_absolute_uri()[:500],
        parameters=parameters,
    )
    transaction.on_commit(partial(tasks.run_bulk_job.enqueue, str(job.uuid)))
    return respond(
        information(
            "Export accepté : suivez son avancement à l'adresse donnée par l'en-tête Content-Location."
        ),
        status=202,
        headers={"Content-Location": _status_url(request, "export_status", job)},
    )


operations.operation("export", level=operations.SYSTEM, methods=("GET",), scope=None,
                     description="Export en masse (FHIR Bulk Data Access)")(kick_off_export)  # fmt: skip
operations.operation("export", level=operations.TYPE, resource_type="Patient", methods=("GET",), scope=None,
                     description="Export en masse des dossiers des personnes")(kick_off_export)  # fmt: skip
operations.operation("export", level=operations.INSTANCE, resource_type="Group", methods=("GET",),
                     scope=("Group", READ),
                     description="Export en masse des personnes accompagnées par un établissement",
                     )(kick_off_export)  # fmt: skip


def _read_body(request) -> bytes:
    """The request's body, read from the stream (an export of an establishment passes the in-memory
    limit of form data), up to MAX_IMPORT_BYTES."""
    chunks, size = [], 0
    while True:
        chunk = request.read(1024 * 1024)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise FhirError(413, f"Fichier trop volumineux : {MAX_IMPORT_BYTES // (1024 * 1024)} Mo au plus.",
                            code="too-costly")  # fmt: skip
        chunks.append(chunk)
    return b"".join(chunks)


@operations.operation("import", level=operations.SYSTEM, methods=("POST",), scope=None,
                      description="Import NDJSON (les fichiers d'un export), tout ou rien")  # fmt: skip
def kick_off_import(request, ctx, **kwargs):
    """Keep the NDJSON (encrypted) and run the import in the background; the scope to write each type
    is checked line by line by the import itself."""
    if (request.content_type or "") not in IMPORT_FORMATS:
        raise FhirError(415, "Format non pris en charge : application/fhir+ndjson attendu (une ressource "
                        "par ligne).", code="not-supported")  # fmt: skip
    if not any(scope_allows(ctx.caller.scopes, name, WRITE) for name in registry.resource_types()):
        raise FhirError(403, "Le jeton n'autorise l'écriture d'aucun type de ressource.", code="forbidden")
    data = _read_body(request)
    if not data.strip():
        raise FhirError(400, "Corps de requête vide : des ressources FHIR en NDJSON sont attendues.",
                        code="structure")  # fmt: skip
    job = BulkJob.objects.create(
        kind=JobKind.IMPORT,
        client=ctx.caller.client,
        request_url=request.build_absolute_uri()[:500],
        parameters={
            "scopes": sorted(ctx.caller.scopes),
            "ip": ctx.actor.ip_address,
            "base_url": ctx.base_url,
        },
    )
    source = BulkFile(job=job, resource_type="", kind="input")
    source.file.save(f"{job.uuid}/import.ndjson", ContentFile(data), save=False)
    source.save()
    transaction.on_commit(partial(tasks.run_bulk_job.enqueue, str(job.uuid)))
    return respond(
        information(
            "Import accepté : suivez son avancement à l'adresse donnée par l'en-tête Content-Location."
        ),
        status=202,
        headers={"Content-Location": _status_url(request, "import_status", job)},
    )


# --- the jobs


def run_job(job_uuid: str) -> dict:
    """Run a queued job (called by the background task). Never raises: a failure is the job's state,
    answered by its status URL."""
    job = BulkJob.objects.select_related("client__application__user").filter(uuid=job_uuid).first()
    if job is None or not BulkJob.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING
    ):
        return {"status": "skipped"}
    job.status = JobStatus.RUNNING
    try:
        purge_expired()
        if job.kind == JobKind.EXPORT:
            run_export(job)
        else:
            run_import(job)
    except Cancelled:
        remove_files(job)
    except FhirError as error:
        _fail(job, error)
    except Exception as error:  # noqa: BLE001 - the job's state tells the client; details go to the log
        logger.exception("Travail FHIR en masse %s en échec (%s)", job.uuid, type(error).__name__)
        _fail(job, FhirError(500, "Le travail a échoué : erreur interne du serveur.", code="exception"))
    job.refresh_from_db(fields=["status"])
    return {"status": job.status}


def _fail(job: BulkJob, error: FhirError) -> None:
    remove_files(job)
    BulkJob.objects.filter(pk=job.pk).exclude(status=JobStatus.CANCELLED).update(
        status=JobStatus.FAILED,
        error=json.dumps(error.as_fhir(), ensure_ascii=False),
        progress="",
        finished_at=timezone.now(),
        expires_at=timezone.now() + datetime.timedelta(hours=settings.PARCOURS_FHIR_EXPORT_HOURS),
    )


def _finish(job: BulkJob, **parameters) -> bool:
    """Mark the job done unless it was cancelled meanwhile."""
    now = timezone.now()
    return bool(
        BulkJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.DONE,
            progress="",
            finished_at=now,
            expires_at=now + datetime.timedelta(hours=settings.PARCOURS_FHIR_EXPORT_HOURS),
            parameters={**job.parameters, **parameters},
        )
    )


def _progress(job: BulkJob, text: str) -> None:
    """Show the progress; stop when the client cancelled."""
    if not BulkJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(progress=text[:100]):
        raise Cancelled


def job_context(job: BulkJob) -> Context:
    """The caller of the kick-off, as it was (token scopes, address), with its login's rights today."""
    client = job.client
    user = client.application.user
    if client.revoked_at is not None or user is None or not user.is_active:
        raise FhirError(401, "Ce client n'est plus autorisé à appeler l'API.", code="login")
    params = job.parameters
    actor = Actor(user=user, ip_address=params.get("ip"), channel="fhir")
    caller = Caller(client=client, scopes=frozenset(params.get("scopes", [])), actor=actor)
    return Context(caller, params.get("base_url", ""))


def export_persons(job: BulkJob, user) -> list[int]:
    """The persons of the export: for a Group, the members (admission open in the establishment,
    visible to the login); else every person visible to the login. The export itself keeps, category
    by category, those the login may export."""
    queryset = policy.visible_persons(user)
    establishment_pk = job.parameters.get("establishment")
    if establishment_pk is not None:
        establishment = Establishment.objects.filter(pk=establishment_pk).first()
        if establishment is None or not may_read_group(user, establishment):
            raise FhirError(403, "Seules l'équipe et la direction de l'établissement peuvent exporter ce "
                            "groupe.", code="forbidden")  # fmt: skip
        queryset = members(user, establishment)
    return sorted(queryset.values_list("pk", flat=True))


def run_export(job: BulkJob) -> None:
    ctx = job_context(job)
    started = timezone.now()
    params = job.parameters
    since = parse_datetime(params["since"]) if params.get("since") else None
    person_ids = export_persons(job, ctx.user)
    writer = NdjsonWriter(job)
    try:
        for resource_type, resource in export_resources(
            ctx, person_ids, params["types"], since, progress=partial(_progress, job)
        ):
            writer.add(resource_type, resource)
    except BaseException:
        writer.abandon()  # the files being written end before the job's files are removed
        raise
    writer.close()
    if not _finish(job, transaction_time=started.isoformat(timespec="milliseconds")):
        raise Cancelled


class NdjsonWriter:
    """One NDJSON file per resource type, cut every LINES_PER_FILE lines, each compressed (gzip) and
    stored encrypted. Compressing, encrypting and writing a file run in a thread of their own while the
    export goes on (zlib and the cipher release the interpreter's lock): at department scale they
    would otherwise cost as much as building the resources."""

    def __init__(self, job: BulkJob):
        self.job = job
        self.lines: dict[str, list[str]] = {}
        self.parts: Counter = Counter()
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fhir-export")
        self.pending: list = []

    def add(self, resource_type: str, resource: dict) -> None:
        lines = self.lines.setdefault(resource_type, [])
        lines.append(json.dumps(resource, ensure_ascii=False, separators=(",", ":")))
        if len(lines) >= LINES_PER_FILE:
            self.flush(resource_type)

    def flush(self, resource_type: str) -> None:
        lines = self.lines.pop(resource_type, None)
        if not lines:
            return
        self.parts[resource_type] += 1
        name = f"{self.job.uuid}/{resource_type}-{self.parts[resource_type]}.ndjson.gz"
        self.pending = [future for future in self.pending if not future.done() or future.result()]
        self.pending.append(self.pool.submit(_store, name, lines))
        bulk_file = BulkFile(job=self.job, resource_type=resource_type, kind="output", count=len(lines))
        bulk_file.file.name = name
        bulk_file.save()

    def abandon(self) -> None:
        self.lines.clear()
        self.pool.shutdown(wait=True)

    def close(self) -> None:
        for resource_type in list(self.lines):
            self.flush(resource_type)
        self.pool.shutdown(wait=True)
        for future in self.pending:
            future.result()  # a file that could not be written fails the job


def _store(name: str, lines: list[str]) -> bool:
    data = gzip.compress(("\n".join(lines) + "\n").encode(), compresslevel=1, mtime=0)
    stored = document_storage().save(name, ContentFile(data))
    if stored != name:
        raise RuntimeError("Fichier d'export déjà présent.")
    return True


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def exportable_persons(ctx, person_ids: list[int], categories) -> dict[str, list[int]]:
    """For each category, the persons whose record the login may export; each (person, category)
    exported is logged, in bulk INSERTs. The policy gives only the bases that allow the export: a
    consent or a gestionnaire's direction opens reading, never the export."""
    allowed: dict[str, list[int]] = {category: [] for category in categories}
    for chunk in _chunks(sorted(person_ids), PERSON_CHUNK):
        for category in sorted(categories):
            bases = policy.bases_for_many(ctx.user, chunk, category, Action.EXPORT)
            kept = {pk: basis for pk, basis in sorted(bases.items()) if basis}
            allowed[category].extend(kept)
            record_bases(ctx.actor, kept, action=Action.EXPORT, category=category, object_type="fhir:$export")
    return allowed


def _since_filter(mapping, queryset, since):
    """Narrow to what changed since `since`: in the database when the mapping sorts by _lastUpdated,
    else object by object (`last_updated`; an object whose date is unknown is kept)."""
    field = mapping.sort_params.get("_lastUpdated")
    if field:
        return queryset.filter(**{f"{field}__gte": since}), False
    return queryset, True


def _changed(mapping, obj, since) -> bool:
    updated = mapping.last_updated(obj)
    return updated is None or updated >= since


def _collect(resource: dict, wanted: dict[str, set]) -> None:
    """Add the ids of the resources of the `wanted` types that this resource references."""
    stack = [resource]
    while stack:
        value = stack.pop()
        if type(value) is dict:
            reference = value.get("reference")
            if type(reference) is str:
                parts = reference.rsplit("/", 2)
                if len(parts) >= 2 and parts[-2] in wanted:
                    wanted[parts[-2]].add(parts[-1])
            for item in value.values():
                if type(item) is dict or type(item) is list:
                    stack.append(item)
        elif type(value) is list:
            stack.extend(item for item in value if type(item) is dict or type(item) is list)


def export_resources(ctx, person_ids, types, since=None, *, progress=None):
    """The export's core: (resource type, resource) of the records of these persons, type by type in
    the mappings' order, for the categories the login may export (logged); then the Organizations,
    Practitioners... (types that are not a person's data) those resources reference, each once.
    `since`: only what changed since (the referenced resources come whatever their date, so that the
    references resolve). `progress(text)` is called after each group of persons."""
    wanted = set(types)
    mappings = [
        mapping for mapping in registry.mappings() if mapping.exported and mapping.resource_type in wanted
    ]
    own = [mapping for mapping in mappings if mapping.category is not None]
    referenced: dict[str, set] = {
        mapping.resource_type: set() for mapping in mappings if mapping.category is None
    }
    allowed = exportable_persons(ctx, list(person_ids), {mapping.category for mapping in own})
    for mapping in own:
        ids = allowed[mapping.category]
        done = 0
        fast = getattr(mapping, "export_rows", None) if since is None else None
        for chunk in _chunks(ids, PERSON_CHUNK):
            if fast is not None:
                # The mapping builds its resources from rows (the service log's millions of lines).
                for resource in fast(chunk, ctx):
                    if referenced:
                        _collect(resource, referenced)
                    yield mapping.resource_type, resource
                done += len(chunk)
                if progress is not None:
                    progress(f"{mapping.resource_type} {done}/{len(ids)}")
                continue
            queryset = mapping.for_persons(chunk)
            if queryset is None:
                break
            check = False
            if since is not None:
                queryset, check = _since_filter(mapping, queryset, since)
            for obj in queryset.iterator(chunk_size=FETCH_CHUNK):
                if check and not _changed(mapping, obj, since):
                    continue
                resource = mapping.to_fhir(obj, ctx)
                if referenced:
                    _collect(resource, referenced)
                yield mapping.resource_type, resource
            done += len(chunk)
            if progress is not None:
                progress(f"{mapping.resource_type} {done}/{len(ids)}")
    yield from _referenced_resources(ctx, referenced, progress)


def _referenced_resources(ctx, referenced: dict[str, set], progress=None):
    seen: dict[str, set] = {name: set() for name in referenced}
    while True:
        pending = {name: ids - seen[name] for name, ids in referenced.items() if ids - seen[name]}
        if not pending:
            return
        for name, ids in pending.items():
            seen[name] |= ids
            keys = []
            for value in ids:
                try:
                    keys.append(uuid.UUID(value))
                except ValueError:
                    continue
            for mapping in registry.parts(name):
                if not mapping.exported or mapping.category is not None:
                    continue
                for chunk in _chunks(sorted(keys), PERSON_CHUNK):
                    queryset = (
                        mapping.base_queryset().filter(**{f"{mapping.id_field}__in": chunk}).order_by("pk")
                    )
                    for obj in queryset.iterator(chunk_size=FETCH_CHUNK):
                        resource = mapping.to_fhir(obj, ctx)
                        _collect(resource, referenced)
                        yield name, resource
            if progress is not None:
                progress(f"{name} {len(seen[name])}")


# --- import


class LineError(Exception):
    def __init__(self, line: int, error: FhirError, label: str = ""):
        super().__init__(line)
        self.line, self.error, self.label = line, error, label

    def outcome(self) -> FhirError:
        where = f"Ligne {self.line}" + (f" ({self.label})" if self.label else "")
        issues = [Issue(issue.code, f"{where} : {issue.message}", issue.expression, issue.severity)
                  for issue in self.error.issues]  # fmt: skip
        return FhirError(self.error.status, issues=issues)


def parse_ndjson(data: bytes) -> list[tuple[int, dict]]:
    """(line number, resource) of each non-empty line; a line that is not a FHIR resource served here
    is an error naming it."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FhirError(400, "Le fichier n'est pas encodé en UTF-8.", code="structure") from None
    entries = []
    for number, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except ValueError:
            raise LineError(number, FhirError(400, "JSON invalide.", code="structure")) from None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise LineError(
                number, FhirError(400, "Ressource FHIR attendue (resourceType).", code="structure")
            )
        if not registry.parts(resource["resourceType"]):
            name = resource["resourceType"][:40]
            raise LineError(number, FhirError(400, f"Type de ressource non servi par ce serveur : {name}.",
                                              code="not-supported"))  # fmt: skip
        if not isinstance(resource.get("id"), str) or not resource["id"]:
            raise LineError(number, FhirError(400, "La ressource n'a pas d'id : l'import garde les id des "
                                              "ressources, pour que leurs références se résolvent.",
                                              code="required", expression="id"))  # fmt: skip
        entries.append((number, resource))
    if not entries:
        raise FhirError(400, "Aucune ressource dans le fichier.", code="structure")
    return entries


def _order(resource: dict) -> int:
    mapping = registry.part_for(resource["resourceType"], resource)
    if mapping is not None:
        return mapping.order
    return min(part.order for part in registry.parts(resource["resourceType"]))


def _references(resource: dict) -> set[str]:
    found: set[str] = set()
    stack = [resource]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            reference = value.get("reference")
            if isinstance(reference, str):
                match = REFERENCE.match(reference)
                if match:
                    found.add(f"{match['type']}/{match['id'].lower()}")
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return found


def _components(deps: list[list[int]]) -> list[int]:
    """The strongly connected components of the reference graph (Tarjan, without recursion: a file
    holds hundreds of thousands of resources), numbered in an order where a component comes after
    those it references."""
    count = len(deps)
    index, low = [-1] * count, [0] * count
    on_stack, stack, component = [False] * count, [], [-1] * count
    counter = found = 0
    for root in range(count):
        if index[root] != -1:
            continue
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack[root] = True
        work = [(root, 0)]
        while work:
            node, position = work[-1]
            edges = deps[node]
            while position < len(edges):
                target = edges[position]
                position += 1
                if index[target] == -1:
                    work[-1] = (node, position)
                    index[target] = low[target] = counter
                    counter += 1
                    stack.append(target)
                    on_stack[target] = True
                    work.append((target, 0))
                    break
                if on_stack[target]:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    while True:
                        member = stack.pop()
                        on_stack[member] = False
                        component[member] = found
                        if member == node:
                            break
                    found += 1
    return component


def dependency_order(entries: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """What others reference first: a resource comes after the resources of the file it references;
    otherwise the mappings' order (`Mapping.order`), then the file's. Resources that reference each
    other (a CarePlan and its Goals and Tasks) are written together, in the mappings' order, after
    what they reference and before what references them."""
    keys = {
        f"{resource['resourceType']}/{resource['id'].lower()}": index
        for index, (_, resource) in enumerate(entries)
    }
    rank = [(_order(resource), index) for index, (_, resource) in enumerate(entries)]
    deps: list[list[int]] = []
    for index, (_, resource) in enumerate(entries):
        targets = {keys.get(target) for target in _references(resource)}
        deps.append(sorted(target for target in targets if target is not None and target != index))
    component = _components(deps)
    groups: dict[int, list[int]] = {}
    for index, number in enumerate(component):
        groups.setdefault(number, []).append(index)
    waiting = dict.fromkeys(groups, 0)
    dependents: dict[int, set[int]] = {number: set() for number in groups}
    for index, targets in enumerate(deps):
        for target in targets:
            if (
                component[target] != component[index]
                and component[index] not in dependents[component[target]]
            ):
                dependents[component[target]].add(component[index])
                waiting[component[index]] += 1
    first = {number: min(rank[index] for index in members) for number, members in groups.items()}
    ready = [(first[number], number) for number in groups if not waiting[number]]
    heapq.heapify(ready)
    ordered = []
    while ready:
        _, number = heapq.heappop(ready)
        ordered.extend(entries[index] for index in sorted(groups[number], key=rank.__getitem__))
        for dependent in dependents[number]:
            waiting[dependent] -= 1
            if not waiting[dependent]:
                heapq.heappush(ready, (first[dependent], dependent))
    return ordered


def import_resources(ctx, entries: list[tuple[int, dict]]) -> tuple[Counter, Counter]:
    """Write the resources in dependency order, in one transaction: all or nothing. Returns the counts
    written and the counts left out (read-only types, such as the access log: the second instance
    keeps its own). Raises LineError; a refusal of the access policy is logged once rolled back."""
    written, ignored = Counter(), Counter()
    ordered = dependency_order(entries)
    with deferred_refusals():
        try:
            with transaction.atomic():
                for line, resource in ordered:
                    resource_type = resource["resourceType"]
                    if not any(mapping.writable for mapping in registry.parts(resource_type)):
                        ignored[resource_type] += 1
                        continue
                    ctx.current_full_url = ""
                    label = f"{resource_type}/{str(resource['id'])[:64]}"
                    try:
                        service.write(ctx, resource_type, resource, resource_id=resource["id"])
                    except FhirError as error:
                        raise LineError(line, error, label) from error
                    except AccessDenied as error:
                        refused = FhirError(403, "Ce client n'a pas le droit d'écrire dans ce dossier.",
                                            code="forbidden")  # fmt: skip
                        refused.pending_refusal = error.pending_refusal
                        raise LineError(line, refused, label) from error
                    except PermissionDenied as error:
                        raise LineError(line, FhirError(403, str(error) or "Action non autorisée.",
                                                        code="forbidden"), label) from error  # fmt: skip
                    except DjangoValidationError as error:
                        raise LineError(line, validation_issues(error, resource_type), label) from error
                    written[resource_type] += 1
        except LineError as failure:
            pending = getattr(failure.error, "pending_refusal", None)
            if pending is not None:
                pending()
            raise
    return written, ignored


def run_import(job: BulkJob) -> None:
    ctx = job_context(job)
    source = job.files.filter(kind="input").first()
    if source is None:
        raise FhirError(500, "Le fichier à importer n'a pas été trouvé.", code="not-found")
    with source.file.open("rb") as handle:
        data = handle.read()
    try:
        entries = parse_ndjson(data)
        _progress(job, f"Import de {len(entries)} ressources")
        written, ignored = import_resources(ctx, entries)
    except LineError as failure:
        raise failure.outcome() from None
    remove_files(job)
    _finish(
        job,
        transaction_time=timezone.now().isoformat(timespec="milliseconds"),
        written=dict(written),
        ignored=dict(ignored),
    )


# --- status, files, expiry


def remove_files(job: BulkJob) -> None:
    for bulk_file in job.files.all():
        bulk_file.file.delete(save=False)
    job.files.all().delete()


def purge_expired() -> int:
    """Delete the files of the jobs whose lifetime is over (PARCOURS_FHIR_EXPORT_HOURS); the job
    itself stays, as a trace. Run before each job, and by the task `purge_bulk_files`."""
    jobs = BulkJob.objects.filter(expires_at__lt=timezone.now(), files__isnull=False).distinct()
    count = 0
    for job in jobs:
        remove_files(job)
        count += 1
    return count


def _job(request, job_id, kind: str) -> BulkJob:
    """The job, for the client that asked it only (else 404, its existence hidden)."""
    caller = authenticate(request)
    job = BulkJob.objects.filter(uuid=job_id, kind=kind, client=caller.client).first()
    if job is None or job.status == JobStatus.CANCELLED:
        raise FhirError(404, "Travail introuvable (inconnu, annulé, ou demandé par un autre client).",
                        code="not-found")  # fmt: skip
    return job


def _expired(job: BulkJob) -> HttpResponse | None:
    """404 once the job's lifetime is over, its files deleted (answered, not raised: the deletion is
    committed)."""
    if job.expires_at is None or job.expires_at >= timezone.now():
        return None
    remove_files(job)
    gone = FhirError(404, "Ce travail a expiré : ses fichiers ont été supprimés.", code="not-found")
    return respond(gone.as_fhir(), status=404)


def _in_progress(job: BulkJob) -> HttpResponse:
    response = HttpResponse(status=202)
    response["X-Progress"] = (job.progress or "En attente").encode("ascii", "replace").decode()[:100]
    response["Retry-After"] = "1"
    return response


def _failed(job: BulkJob) -> HttpResponse:
    outcome = json.loads(job.error) if job.error else operation_outcome([Issue("exception", "Échec.")])
    return respond(outcome, status=500)


def _expires(job: BulkJob) -> dict:
    return {"Expires": http_date(job.expires_at.timestamp())} if job.expires_at else {}


@fhir_endpoint
def export_status(request, job_id):
    """GET: 202 + X-Progress while the export runs, 200 + manifest once done, 500 + OperationOutcome
    when it failed. DELETE: cancel it and delete its files (202)."""
    job = _job(request, job_id, JobKind.EXPORT)
    if request.method == "DELETE":
        BulkJob.objects.filter(pk=job.pk).update(status=JobStatus.CANCELLED, finished_at=timezone.now())
        remove_files(job)
        return respond(information("Export annulé : ses fichiers sont supprimés."), status=202)
    if request.method != "GET":
        raise FhirError(405, "Méthode non permise : GET (état) ou DELETE (annulation).", code="not-supported")
    expired = _expired(job)
    if expired is not None:
        return expired
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return _in_progress(job)
    if job.status == JobStatus.FAILED:
        return _failed(job)
    output = [
        {
            "type": bulk_file.resource_type,
            "url": request.build_absolute_uri(reverse("fhir:fhir_bulk:export_file", args=[bulk_file.uuid])),
            "count": bulk_file.count,
        }
        for bulk_file in job.files.filter(kind="output")
    ]
    manifest = {
        "transactionTime": job.parameters.get("transaction_time"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": output,
        "error": [],
    }
    return respond(manifest, headers=_expires(job))


@fhir_endpoint
def export_file(request, file_id):
    """One NDJSON file of a finished export, for the client that asked it, with its bearer token."""
    caller = authenticate(request)
    if request.method != "GET":
        raise FhirError(405, "Méthode non permise : GET.", code="not-supported")
    bulk_file = (
        BulkFile.objects.select_related("job")
        .filter(
            uuid=file_id,
            kind="output",
            job__kind=JobKind.EXPORT,
            job__status=JobStatus.DONE,
            job__client=caller.client,
        )  # fmt: skip
        .first()
    )
    if bulk_file is None:
        raise FhirError(404, "Fichier introuvable.", code="not-found")
    expired = _expired(bulk_file.job)
    if expired is not None:
        return expired
    with bulk_file.file.open("rb") as handle:
        data = handle.read()
    headers = _expires(bulk_file.job)
    if bulk_file.file.name.endswith(".gz"):
        # Stored compressed: sent as is to a client that accepts gzip (requests, fhirpy, curl
        # --compressed...), decompressed for the others.
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
        else:
            data = gzip.decompress(data)
    headers["Vary"] = "Accept-Encoding"
    return HttpResponse(data, content_type=NDJSON, headers=headers)


@fhir_endpoint
def import_status(request, job_id):
    """GET: 202 + X-Progress while the import waits or runs, 200 + what was written once done, 500 +
    OperationOutcome (naming the line) when it failed and wrote nothing."""
    job = _job(request, job_id, JobKind.IMPORT)
    if request.method != "GET":
        raise FhirError(405, "Méthode non permise : GET.", code="not-supported")
    expired = _expired(job)
    if expired is not None:
        return expired
    if job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return _in_progress(job)
    if job.status == JobStatus.FAILED:
        return _failed(job)
    written = job.parameters.get("written", {})
    ignored = job.parameters.get("ignored", {})
    manifest = {
        "transactionTime": job.parameters.get("transaction_time"),
        "request": job.request_url,
        "requiresAccessToken": True,
        "output": [{"type": name, "count": count} for name, count in sorted(written.items())],
        "error": [],
    }
    if ignored:
        # Read-only types (the access log...) are not imported: the instance keeps its own.
        manifest["extension"] = {
            "ignored": [{"type": name, "count": count} for name, count in sorted(ignored.items())]
        }
    return respond(manifest, headers=_expires(job))
