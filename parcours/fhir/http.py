"""JSON in and out of the FHIR API."""

import json

from django.http import HttpResponse

from parcours.fhir.outcome import FhirError

FHIR_JSON = "application/fhir+json; charset=utf-8"


def respond(data, status: int = 200, headers: dict | None = None) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")), status=status, content_type=FHIR_JSON
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def body(request):
    if not request.body:
        raise FhirError(
            400, "Corps de requête vide : une ressource FHIR en JSON est attendue.", code="structure"
        )
    kind = request.content_type or ""
    if kind not in ("application/fhir+json", "application/json", "application/json+fhir"):
        raise FhirError(
            415, "Format non pris en charge : application/fhir+json attendu.", code="not-supported"
        )
    try:
        return json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        raise FhirError(400, "Le corps de la requête n'est pas du JSON valide.", code="structure") from None


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir").rstrip("/")
