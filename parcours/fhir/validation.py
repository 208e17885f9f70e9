"""Validation of what the API accepts: the FHIR R4 base resource (the `fhir.resources` R4B models,
whose R4 resources are those of 4.0.1 for every type the API serves), then the TDDUI profile's own
rules (`Mapping.check`). Nothing is written before both pass."""

import importlib
import re

from pydantic import ValidationError

from parcours.fhir import registry
from parcours.fhir.outcome import FhirError, Issue


def _model(resource_type: str):
    module = importlib.import_module(f"fhir.resources.R4B.{resource_type.lower()}")
    return getattr(module, resource_type)


def _path(location) -> str:
    parts = []
    for item in location:
        if isinstance(item, int):
            parts[-1] = f"{parts[-1]}[{item}]" if parts else f"[{item}]"
        else:
            parts.append(str(item))
    return ".".join(parts)


def parse(resource_type: str, data) -> None:
    """Raise a 400 OperationOutcome when `data` is not a valid FHIR R4 resource of this type."""
    if not isinstance(data, dict):
        raise FhirError(400, "Le corps de la requête doit être une ressource FHIR en JSON.", code="structure")
    if data.get("resourceType") != resource_type:
        raise FhirError(400, f"Ressource {resource_type} attendue (resourceType).", code="structure",
                        expression="resourceType")  # fmt: skip
    try:
        _model(resource_type).model_validate(data)
    except ValidationError as error:
        issues = []
        for detail in error.errors()[:20]:
            where = _path(detail.get("loc", ()))
            message = _message(detail)
            issues.append(
                Issue("structure", f"{where} : {message}" if where else message, f"{resource_type}.{where}")
            )
        raise FhirError(400, issues=issues) from None
    except (ValueError, TypeError) as error:
        raise FhirError(400, f"Ressource invalide : {error}", code="structure") from None


def _message(detail: dict) -> str:
    kind = detail.get("type", "")
    if kind == "extra_forbidden":
        return "élément inconnu de FHIR R4"
    if kind == "missing":
        return "élément obligatoire manquant"
    text = str(detail.get("msg", "valeur invalide"))
    return re.sub(r"^Value error, ", "", text)


def validate(resource_type: str, data) -> registry.Mapping:
    """Parse the resource, pick the mapping that takes it (by its declared TDDUI profile) and check
    the profile's rules. Return the mapping."""
    if not registry.parts(resource_type):
        raise FhirError(404, f"Le type de ressource {resource_type} n'est pas servi par ce serveur.",
                        code="not-supported")  # fmt: skip
    parse(resource_type, data)
    mapping = registry.part_for(resource_type, data)
    if mapping is None:
        profiles = ", ".join(p for m in registry.parts(resource_type) if m.writable for p in m.profiles)
        raise FhirError(422, f"Profil non pris en charge pour {resource_type} : meta.profile doit contenir "
                        f"l'un de {profiles or 'aucun (type en lecture seule)'}.", code="not-supported",
                        expression=f"{resource_type}.meta.profile")  # fmt: skip
    issues = mapping.check(data)
    if issues:
        raise FhirError(422, issues=issues)
    return mapping


def check_resource(resource: dict) -> None:
    """For tests and the export's self-check: the resource parses and carries a TDDUI profile."""
    parse(resource["resourceType"], resource)
