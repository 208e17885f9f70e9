"""What a mapping needs while it reads or writes: who calls, the base URL, the references of the
bundle being processed, and the access decisions (every write goes through `authorize`)."""

from __future__ import annotations

import re
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError

from parcours.access import policy
from parcours.access.api import AccessDenied, may_import, require, require_write
from parcours.access.enums import Action
from parcours.fhir import registry
from parcours.fhir.outcome import FhirError, Issue, invalid

REFERENCE = re.compile(r"^(?:(?P<base>https?://\S+?)/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[0-9a-fA-F-]{36})$")
URN = re.compile(r"^urn:uuid:(?P<id>[0-9a-fA-F-]{36})$")


class Context:
    def __init__(self, caller, base_url: str = ""):
        self.caller = caller
        self.base_url = base_url.rstrip("/")
        # Within a bundle: fullUrl (urn:uuid:…) -> object written for that entry.
        self.written: dict[str, object] = {}
        # Within a bundle: fullUrl -> resource, for mappings that look for who references them.
        self.entries: dict[str, dict] = {}
        # The fullUrl of the entry being written (its urn:uuid becomes the new object's id when free).
        self.current_full_url: str = ""

    @property
    def importing(self) -> bool:
        """The caller writes as the instance's administrator restoring or migrating records (may
        import, and writes in the name of no establishment), not as a team."""
        if not hasattr(self, "_importing"):
            self._importing = may_import(self.user) and not policy.writable_establishments(self.user).exists()
        return self._importing

    @property
    def actor(self):
        return self.caller.actor

    @property
    def user(self):
        return self.caller.actor.user

    # --- references
    def reference(self, resource_type: str, obj, display: str = "") -> dict:
        reference = {"reference": f"{resource_type}/{obj.uuid}"}
        if display:
            reference["display"] = display
        return reference

    def resolve(self, reference, types, expression: str, *, model=None):
        """The object a reference points to: `Type/<uuid>` (optionally absolute, on this server) or,
        within a bundle, the `urn:uuid:` of another entry. `types`: the resource types accepted.
        A wrong reference is a 422 naming the element."""
        value = reference.get("reference") if isinstance(reference, dict) else reference
        if not value:
            raise invalid("Référence vide.", expression, code="required")
        if value in self.written:
            obj = self.written[value]
            if model is not None and not isinstance(obj, model):
                raise invalid(f"La référence {value} ne désigne pas une ressource du type attendu.",
                              expression)  # fmt: skip
            return obj
        if URN.match(value):
            raise invalid(f"La référence {value} ne désigne aucune ressource de ce lot (Bundle).", expression)
        match = REFERENCE.match(value)
        if not match or match["type"] not in types:
            expected = " ou ".join(types)
            raise invalid(f"Référence invalide : {expected}/<identifiant> attendu.", expression)
        if match["base"] and self.base_url and match["base"].rstrip("/") != self.base_url:
            raise invalid("La référence désigne un autre serveur : seules les ressources de ce serveur "
                          "peuvent être référencées.", expression)  # fmt: skip
        for mapping in registry.parts(match["type"]):
            if model is not None and mapping.model is not model:
                continue
            obj = mapping.base_queryset().filter(**{mapping.id_field: match["id"]}).first()
            if obj is not None:
                return obj
        raise invalid(f"La ressource référencée {match['type']}/{match['id']} n'existe pas.", expression,
                      code="not-found")  # fmt: skip

    def new_uuid(self, model) -> uuid.UUID:
        """The id of an object created from a bundle entry: the entry's urn:uuid when no object of the
        model has it yet (so that ids stay the same from one instance to the next), else a new one."""
        match = URN.match(self.current_full_url or "")
        if match:
            candidate = uuid.UUID(match["id"])
            if not model.objects.filter(uuid=candidate).exists():
                return candidate
        return uuid.uuid4()

    def referrers(self, resource_type: str, full_url: str) -> list[dict]:
        """The resources of the bundle of this type that reference `full_url`."""
        found = []
        for resource in self.entries.values():
            if resource.get("resourceType") == resource_type and _mentions(resource, full_url):
                found.append(resource)
        return found

    # --- access
    def authorize(self, person, category: str, action: str, obj=None, establishment=None) -> None:
        """Decide and log a write on a person's record (policy, or the import basis for an
        administrator); `establishment`: the establishment the write is made in the name of, which
        the caller must write for (unless importing)."""
        try:
            decision = require_write(self.actor, person, category, action, obj=obj)
        except AccessDenied as refused:
            error = FhirError(403, "Ce client n'a pas le droit d'écrire dans ce dossier.", code="forbidden")
            error.pending_refusal = refused.pending_refusal
            raise error from refused
        if establishment is not None and decision.basis != "import":
            if not policy.writable_establishments(self.user).filter(pk=establishment.pk).exists():
                raise FhirError(403, "Ce client n'écrit pas au nom de cet établissement.", code="forbidden")

    def authorize_read(self, person, category: str, obj=None) -> None:
        try:
            require(self.actor, person, category, Action.READ, obj=obj)
        except AccessDenied as refused:
            error = FhirError(404, "Ressource introuvable.", code="not-found")
            error.pending_refusal = refused.pending_refusal
            raise error from refused


def _mentions(value, full_url: str) -> bool:
    if isinstance(value, dict):
        return value.get("reference") == full_url or any(_mentions(v, full_url) for v in value.values())
    if isinstance(value, list):
        return any(_mentions(v, full_url) for v in value)
    return False


def validation_issues(error: DjangoValidationError, expression: str = "") -> FhirError:
    """A model's ValidationError as a 422 with one issue per message."""
    issues = []
    if hasattr(error, "error_dict"):
        for field_name, errors in error.message_dict.items():
            for message in errors:
                issues.append(Issue("business-rule", message, expression or field_name))
    else:
        issues = [Issue("business-rule", message, expression) for message in error.messages]
    return FhirError(422, issues=issues)
