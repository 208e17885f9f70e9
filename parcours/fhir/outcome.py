"""Errors of the FHIR API, answered as OperationOutcome resources with a clear French message.

A view raises `FhirError`; `views.fhir_endpoint` turns it into the OperationOutcome and the HTTP status.
The message never holds personal data: it names the element and what is wrong with it.
"""

from dataclasses import dataclass, field


@dataclass
class Issue:
    code: str  # http://hl7.org/fhir/ValueSet/issue-type: invalid, required, value, code-invalid, not-found...
    message: str
    expression: str = ""
    severity: str = "error"

    def as_fhir(self) -> dict:
        issue = {"severity": self.severity, "code": self.code, "diagnostics": self.message}
        if self.expression:
            issue["expression"] = [self.expression]
        return issue


@dataclass
class FhirError(Exception):
    """`status`: the HTTP status (400 invalid, 401 no token, 403 scope or access, 404 unknown,
    409/412 version conflict, 422 profile rule broken)."""

    status: int
    issues: list[Issue] = field(default_factory=list)

    def __init__(
        self, status: int, message: str = "", code: str = "invalid", expression: str = "", issues=None
    ):
        super().__init__(message)
        self.status = status
        self.issues = list(issues or []) or [Issue(code, message, expression)]
        # A refusal of the access policy to write once the transaction is rolled back.
        self.pending_refusal = None

    def as_fhir(self) -> dict:
        return operation_outcome(self.issues)


def operation_outcome(issues) -> dict:
    return {"resourceType": "OperationOutcome", "issue": [issue.as_fhir() for issue in issues]}


def information(message: str) -> dict:
    return operation_outcome([Issue("informational", message, severity="information")])


def invalid(message: str, expression: str = "", code: str = "invalid") -> FhirError:
    """A resource that breaks a rule of its profile: 422 Unprocessable Entity."""
    return FhirError(422, message, code=code, expression=expression)


def not_found(message: str = "Ressource introuvable.") -> FhirError:
    return FhirError(404, message, code="not-found")
