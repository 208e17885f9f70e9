"""The HTTP side of the FHIR API: thin views that authenticate, parse and answer; the interactions
are in `service`, the bundles in `bundles`, the named operations in their modules."""

from __future__ import annotations

import functools

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.views.decorators.csrf import csrf_exempt

from parcours.access.api import AccessDenied, deferred_refusals
from parcours.accounts.middleware import second_factor_exempt
from parcours.fhir import capability, operations, service
from parcours.fhir.auth import authenticate
from parcours.fhir.context import Context
from parcours.fhir.http import base_url, body, respond
from parcours.fhir.outcome import FhirError


def fhir_endpoint(view):
    """Authenticate the caller (except for /metadata), run the view in one transaction, and answer
    every error as an OperationOutcome. A refusal of the access policy stays in the access log once
    the transaction is rolled back."""

    @csrf_exempt
    @login_not_required
    @second_factor_exempt
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            try:
                with deferred_refusals(), transaction.atomic():
                    return view(request, *args, **kwargs)
            except (FhirError, AccessDenied) as error:
                pending = getattr(error, "pending_refusal", None)
                if pending is not None:
                    pending()
                raise
        except FhirError as error:
            return respond(error.as_fhir(), status=error.status)
        except AccessDenied:
            refused = FhirError(403, "Ce client n'a pas accès à ces informations.", code="forbidden")
            return respond(refused.as_fhir(), status=403)
        except PermissionDenied as error:
            refused = FhirError(403, str(error) or "Action non autorisée.", code="forbidden")
            return respond(refused.as_fhir(), status=403)

    return wrapper


def _context(request) -> Context:
    return Context(authenticate(request), base_url(request))


def _params(request) -> dict[str, list[str]]:
    return {key: request.GET.getlist(key) for key in request.GET}


@fhir_endpoint
def metadata(request):
    if request.method != "GET":
        raise FhirError(405, "Méthode non permise.", code="not-supported")
    return respond(capability.statement(base_url(request)))


@fhir_endpoint
def root(request):
    """POST [base]: a transaction or batch Bundle."""
    if request.method != "POST":
        raise FhirError(405, "POST d'un Bundle (transaction ou batch) attendu.", code="not-supported")
    from parcours.fhir import bundles

    ctx = _context(request)
    return respond(bundles.process(ctx, body(request)))


@fhir_endpoint
def type_endpoint(request, resource_type: str):
    ctx = _context(request)
    if request.method == "GET":
        return respond(service.search(ctx, resource_type, _params(request), ctx.base_url))
    if request.method == "POST":
        mapping, obj, version, _ = service.write(ctx, resource_type, body(request))
        return _written(ctx, mapping, obj, version, 201)
    raise FhirError(405, "Méthode non permise : GET (recherche) ou POST (création).", code="not-supported")


@fhir_endpoint
def search_post(request, resource_type: str):
    """POST [type]/_search with the parameters form-encoded in the body: a search by name or birth
    date that leaves no personal data in URLs (and so in the access logs of proxies and servers)."""
    if request.method != "POST":
        raise FhirError(405, "POST attendu (paramètres dans le corps, application/x-www-form-urlencoded).",
                        code="not-supported")  # fmt: skip
    ctx = _context(request)
    params = {key: request.POST.getlist(key) for key in request.POST}
    for key in request.GET:
        params.setdefault(key, []).extend(request.GET.getlist(key))
    return respond(service.search(ctx, resource_type, params, ctx.base_url))


@fhir_endpoint
def instance_endpoint(request, resource_type: str, resource_id: str):
    ctx = _context(request)
    if request.method == "GET":
        resource, version = service.read(ctx, resource_type, resource_id)
        return respond(resource, headers={"ETag": f'W/"{version}"', **_last_modified(resource)})
    if request.method == "PUT":
        mapping, obj, version, created = service.write(
            ctx, resource_type, body(request), resource_id=resource_id,
            if_match=request.headers.get("If-Match"),
        )  # fmt: skip
        return _written(ctx, mapping, obj, version, 201 if created else 200)
    if request.method == "DELETE":
        raise FhirError(405, "La suppression n'est pas possible par l'API : un dossier se clôt, il ne "
                        "s'efface pas (durées de conservation).", code="not-supported")  # fmt: skip
    raise FhirError(405, "Méthode non permise : GET (lecture) ou PUT (mise à jour).", code="not-supported")


@fhir_endpoint
def history(request, resource_type: str, resource_id: str):
    ctx = _context(request)
    return respond(service.history(ctx, resource_type, resource_id, ctx.base_url))


@fhir_endpoint
def vread(request, resource_type: str, resource_id: str, version: str):
    ctx = _context(request)
    return respond(service.vread(ctx, resource_type, resource_id, version))


def _written(ctx, mapping, obj, version: int, status: int):
    resource = service.render(mapping, obj, ctx, version=version)
    location = f"{ctx.base_url}/{mapping.resource_type}/{resource['id']}/_history/{version}"
    return respond(resource, status=status, headers={"Location": location, "ETag": f'W/"{version}"',
                                                       **_last_modified(resource)})  # fmt: skip


def _last_modified(resource: dict) -> dict:
    updated = (resource.get("meta") or {}).get("lastUpdated")
    if not updated:
        return {}
    from django.utils.dateparse import parse_datetime
    from django.utils.http import http_date

    moment = parse_datetime(updated)
    return {"Last-Modified": http_date(moment.timestamp())} if moment else {}


@fhir_endpoint
def operation(request, name: str, resource_type: str | None = None, resource_id: str | None = None):
    level = operations.INSTANCE if resource_id else operations.TYPE if resource_type else operations.SYSTEM
    found = operations.find(name, level, resource_type)
    if found is None:
        raise FhirError(404, f"Opération ${name} inconnue à ce niveau.", code="not-supported")
    if request.method not in found.methods:
        raise FhirError(405, f"Méthode non permise pour ${name}.", code="not-supported")
    ctx = _context(request)
    if found.scope is not None:
        scope_type, mode = found.scope
        ctx.caller.require(resource_type if scope_type == "*" and resource_type else scope_type, mode)
    obj = None
    if resource_id:
        _, obj = service.find(resource_type, resource_id)
    result = found.handler(request, ctx, resource_type=resource_type, obj=obj)
    return result if not isinstance(result, dict) else respond(result)
