"""AuditEvent: the access log (`access.AccessLogEntry`), read only.

The TDDUI guide has no AuditEvent profile: the entries carry the base FHIR profile
http://hl7.org/fhir/StructureDefinition/AuditEvent, and the codes of the base specification's own
value sets (DICOM 110110 "Patient Record" as type, the action codes C/R/U/E, the outcome 0 or 4).

Business rules:
- Who reads the log through the API: the data protection officer (permission access.view_audit) and
  the direction of an establishment or of a gestionnaire (`policy.may_audit`, and the directions of
  `policy.readable_user_logs`); anybody else is refused (403), the refusal in the log. As on the page
  "Qui a consulté ce dossier" (access/views.py `person_log`), the entries served are those of the
  persons whose identity the reader may read, and reading them is itself logged (identity, read or
  search, channel fhir).
- One AuditEvent per entry about a person: `entity` the Patient, with the category of the record as
  description and detail; `agent` the actor: the Practitioner when the login is a professional's
  (with the network address), else only the kind of login, without personal details; `recorded` the
  moment; `action` C (create), U (update), R (read, list, export) or E (search); `outcome` 0 when
  allowed, 4 when refused; the basis of the decision as `purposeOfEvent` (text: Parcours' own bases
  have no national code); the channel (web, fhir, command) as `source.site`.
- Never written, never exported: the log is append-only and stays in the instance.
"""

from __future__ import annotations

from django.db.models import Q

from parcours.access import policy
from parcours.access.enums import Action, Basis, Category
from parcours.access.journal import record
from parcours.access.models import AccessLogEntry
from parcours.fhir import search
from parcours.fhir.outcome import FhirError
from parcours.fhir.registry import Mapping, register

# No TDDUI profile exists for AuditEvent: the base resource's profile.
PROFILE = "http://hl7.org/fhir/StructureDefinition/AuditEvent"
TYPE = {
    "system": "http://dicom.nema.org/resources/ontology/DCM",
    "code": "110110",
    "display": "Patient Record",
}
ACTION_CODES = {
    Action.CREATE: "C",
    Action.UPDATE: "U",
    Action.READ: "R",
    Action.LIST: "R",
    Action.EXPORT: "R",
    Action.SEARCH: "E",
}
SOURCE_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/security-source-type",
    "code": "4",
    "display": "Application Server",
}
ENTITY_TYPE = {
    "system": "http://terminology.hl7.org/CodeSystem/audit-entity-type",
    "code": "1",
    "display": "Person",
}
ENTITY_ROLE = {
    "system": "http://terminology.hl7.org/CodeSystem/object-role",
    "code": "1",
    "display": "Patient",
}
NETWORK_IP = "2"  # http://hl7.org/fhir/network-type: IP address


REFUSAL = "Le journal des accès est réservé à la direction et au délégué à la protection des données."


def may_read_log(user) -> bool:
    """The data protection officer, and the direction of an establishment or a gestionnaire (who read
    their teams' logs, `policy.readable_user_logs`)."""
    if policy.may_audit(user):
        return True
    scope = policy.scope_of(user)
    return bool(scope.directed or scope.gestionnaire_establishments)


def _refused(ctx, entry=None) -> FhirError:
    """The 403, with its refusal written to the log once the transaction is rolled back (on the
    entry's person for a read; on no person for a search)."""
    error = FhirError(403, REFUSAL, code="forbidden")

    def log() -> None:
        record(
            ctx.actor,
            person=entry.person if entry is not None else None,
            action=Action.READ,
            category=Category.IDENTITY,
            allowed=False,
            basis=Basis.NONE,
            obj=entry,
            details={"fhir": "AuditEvent"},
        )

    error.pending_refusal = log
    return error


def _action(queryset, values, ctx, name="action"):
    for alternatives in search._alternatives(values):
        actions = []
        for item in alternatives:
            code = item.rpartition("|")[2]
            if code not in {"C", "R", "U", "D", "E"}:
                raise search.bad_parameter(name, "code attendu : C, R, U, D ou E.")
            actions += [action for action, letter in ACTION_CODES.items() if letter == code]
        queryset = queryset.filter(action__in=actions)
    return queryset


def _outcome(queryset, values, ctx, name="outcome"):
    for alternatives in search._alternatives(values):
        condition = Q(pk__in=[])
        for item in alternatives:
            code = item.rpartition("|")[2]
            if code not in {"0", "4", "8", "12"}:
                raise search.bad_parameter(name, "code attendu : 0 (autorisé) ou 4 (refusé).")
            if code in {"0", "4"}:
                condition |= Q(allowed=code == "0")
        queryset = queryset.filter(condition)
    return queryset


@register
class AuditEventMapping(Mapping):
    """The access log's entries about persons, for the direction and the data protection officer."""

    resource_type = "AuditEvent"
    profiles = (PROFILE,)
    model = AccessLogEntry
    category = Category.IDENTITY
    writable = False
    exported = False
    order = 90
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "entity": search.reference_filter("person", "Patient"),
        "date": search.datetime_date_filter("at"),
        "action": _action,
        "outcome": _outcome,
    }
    sort_params = {"date": "at", "_lastUpdated": "at"}

    def base_queryset(self):
        return AccessLogEntry.objects.filter(person__isnull=False).select_related(
            "person", "actor__professional"
        )

    def last_updated(self, obj):
        return obj.at

    def require_reader(self, ctx, obj=None) -> None:
        if not may_read_log(ctx.user):
            raise _refused(ctx, obj)

    def to_fhir(self, obj, ctx) -> dict:
        # Checked again per entry (a bundle's GET, an _include): the scope is computed once per request.
        if not may_read_log(ctx.user):
            raise _refused(ctx, obj)
        professional = getattr(obj.actor, "professional", None)
        if professional is not None:
            agent = {"who": ctx.reference("Practitioner", professional), "requestor": True}
            if obj.ip_address:
                agent["network"] = {"address": obj.ip_address, "type": NETWORK_IP}
        else:
            agent = {"who": {"display": "Compte sans fiche de professionnel"}, "requestor": True}
        category = Category(obj.category).label if obj.category in Category.values else obj.category
        entity = {
            "what": ctx.reference("Patient", obj.person),
            "type": ENTITY_TYPE,
            "role": ENTITY_ROLE,
            "description": str(category),
            "detail": [{"type": "catégorie", "valueString": obj.category}],
        }
        if obj.object_type:
            entity["detail"].append({"type": "objet", "valueString": obj.object_type})
        basis = Basis(obj.basis).label if obj.basis in Basis.values else obj.basis
        return {
            "resourceType": "AuditEvent",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "type": TYPE,
            "action": ACTION_CODES.get(obj.action, "E"),
            "recorded": obj.at.isoformat(),
            "outcome": "0" if obj.allowed else "4",
            "outcomeDesc": "Autorisé" if obj.allowed else "Refusé",
            "purposeOfEvent": [{"text": str(basis)}],
            "agent": [agent],
            "source": {"site": obj.channel, "observer": {"display": "Parcours"}, "type": [SOURCE_TYPE]},
            "entity": [entity],
        }
