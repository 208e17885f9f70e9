"""The CapabilityStatement at /fhir/metadata, built from the registered mappings and operations."""

from django.conf import settings

from parcours.fhir import operations, registry

FHIR_VERSION = "4.0.1"


def statement(base_url: str) -> dict:
    resources = []
    for resource_type in registry.resource_types():
        parts = registry.parts(resource_type)
        writable = any(mapping.writable for mapping in parts)
        interactions = ["read", "search-type", "vread", "history-instance"]
        if writable:
            interactions += ["create", "update"]
        params = sorted({name for mapping in parts for name in mapping.search_params} | {"_id"})
        entry = {
            "type": resource_type,
            "supportedProfile": [profile for mapping in parts for profile in mapping.profiles],
            "interaction": [{"code": code} for code in interactions],
            "versioning": "versioned",
            "readHistory": True,
            "updateCreate": writable,
            "searchParam": [{"name": name, "type": _param_type(name)} for name in params],
        }
        includes = sorted({include for mapping in parts for include in mapping.includes})
        if includes:
            entry["searchInclude"] = includes
        type_operations = [
            {"name": op.name, "definition": f"{base_url}/OperationDefinition/{op.name}"}
            for op in operations.all_operations()
            if op.resource_type == resource_type
        ]
        if type_operations:
            entry["operation"] = type_operations
        resources.append(entry)
    system_operations = [
        {"name": op.name, "definition": f"{base_url}/OperationDefinition/{op.name}"}
        for op in operations.all_operations()
        if op.level == operations.SYSTEM
    ]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": "2026-11-23",
        "kind": "instance",
        "software": {"name": "Parcours"},
        "implementation": {
            "description": "Parcours — API FHIR R4 (format d'échange DUI de l'ANS)",
            "url": base_url,
        },
        "fhirVersion": FHIR_VERSION,
        "format": ["application/fhir+json", "json"],
        "instantiates": ["https://interop.esante.gouv.fr/ig/fhir/tddui/CapabilityStatement/TDDUIProducteur"],
        "rest": [
            {
                "mode": "server",
                "security": {
                    "cors": False,
                    "service": [
                        {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/restful-security-service",
                                    "code": "SMART-on-FHIR",
                                }
                            ],  # fmt: skip
                        }
                    ],
                    "extension": [
                        {
                            "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                            "extension": [{"url": "token", "valueUri": f"{base_url}/auth/token"}],
                        }
                    ],
                    "description": "OAuth2 client credentials ; scopes SMART system/<Type>.read|write. "
                    f"Pages de {settings.PARCOURS_FHIR_PAGE_SIZE} résultats par défaut.",
                },
                "resource": resources,
                "interaction": [{"code": "transaction"}, {"code": "batch"}],
                "operation": system_operations,
            }
        ],
    }


def _param_type(name: str) -> str:
    if name in {"_id", "identifier", "status", "code", "type", "gender", "category", "url", "system"}:
        return "token"
    if name in {"birthdate", "date", "period", "authored", "start", "recorded"}:
        return "date"
    if name in {"patient", "subject", "organization", "encounter", "based-on", "practitioner", "focus"}:
        return "reference"
    return "string"
