"""Matrix rows of the FHIR API (docs/fhir.md). The API authenticates by OAuth2 bearer token, never by
the session: whoever is signed in on the site, a call without a token is a 401 (an OperationOutcome),
the superuser's included. Only the CapabilityStatement is public. The token endpoint takes POST only.
What a token allows is tested in tests/fhir/."""

import uuid

from tests.security.matrix import M405, PUBLIC, Outcome, Row

U401 = Outcome("U401", False, 401)
NO_TOKEN = (U401,) * 13
NOT_ALLOWED = (M405,) * 13
SOME_ID = str(uuid.UUID(int=7))

ROWS = [
    Row("fhir:metadata", "GET", PUBLIC),
    Row("fhir_base", "GET", NOT_ALLOWED),
    Row("fhir:root", "GET", NOT_ALLOWED),
    Row("fhir:fhir_auth:token", "GET", NOT_ALLOWED),
    Row("fhir:type", "GET", NO_TOKEN, lambda w: {"resource_type": "Patient"}),
    Row("fhir:search", "GET", NOT_ALLOWED, lambda w: {"resource_type": "Patient"}),
    Row(
        "fhir:instance",
        "GET",
        NO_TOKEN,
        lambda w: {"resource_type": "Patient", "resource_id": str(w.person.uuid)},
    ),
    Row(
        "fhir:history",
        "GET",
        NO_TOKEN,
        lambda w: {"resource_type": "Patient", "resource_id": str(w.person.uuid)},
    ),
    Row(
        "fhir:vread",
        "GET",
        NO_TOKEN,
        lambda w: {"resource_type": "Patient", "resource_id": str(w.person.uuid), "version": "1"},
    ),
    Row("fhir:system_operation", "GET", NO_TOKEN, lambda w: {"name": "export"}),
    Row("fhir:type_operation", "GET", NO_TOKEN, lambda w: {"resource_type": "CodeSystem", "name": "lookup"}),
    Row(
        "fhir:instance_operation",
        "GET",
        NO_TOKEN,
        lambda w: {"resource_type": "Patient", "resource_id": str(w.person.uuid), "name": "tddui-bundle"},
    ),
    Row("fhir:fhir_bulk:export_status", "GET", NO_TOKEN, lambda w: {"job_id": SOME_ID}),
    Row("fhir:fhir_bulk:export_file", "GET", NO_TOKEN, lambda w: {"file_id": SOME_ID}),
    Row("fhir:fhir_bulk:import_status", "GET", NO_TOKEN, lambda w: {"job_id": SOME_ID}),
]
