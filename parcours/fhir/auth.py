"""Who calls the API: an OAuth2 client (client credentials, django-oauth-toolkit) registered as an
`ApiClient`, acting with the rights of its login and within its SMART scopes.

Scopes follow SMART App Launch v1 for backend services: `system/<Type>.<read|write|*>`, `<Type>` a
resource type of the API or `*`. The token endpoint grants only the scopes the client was registered
with (`SmartScopes.get_available_scopes`).
"""

import hashlib
from dataclasses import dataclass

from django.utils import timezone
from oauth2_provider.models import AccessToken
from oauth2_provider.scopes import BaseScopes

from parcours.access.api import Actor
from parcours.access.journal import client_ip
from parcours.fhir.outcome import FhirError

READ = "read"
WRITE = "write"


def all_scopes() -> dict[str, str]:
    from parcours.fhir.registry import resource_types

    scopes = {"system/*.read": "Lire toutes les ressources", "system/*.write": "Écrire toutes les ressources",
              "system/*.*": "Lire et écrire toutes les ressources"}  # fmt: skip
    for name in resource_types():
        scopes[f"system/{name}.read"] = f"Lire les ressources {name}"
        scopes[f"system/{name}.write"] = f"Écrire les ressources {name}"
        scopes[f"system/{name}.*"] = f"Lire et écrire les ressources {name}"
    return scopes


class SmartScopes(BaseScopes):
    def get_all_scopes(self):
        return all_scopes()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        client = getattr(application, "fhir_client", None) if application is not None else None
        if client is None or client.revoked_at is not None:
            return []
        return list(client.scopes)

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


def scope_allows(scopes, resource_type: str, mode: str) -> bool:
    for scope in scopes:
        if not scope.startswith("system/") or "." not in scope:
            continue
        kind, _, allowed = scope[len("system/") :].rpartition(".")
        if kind in ("*", resource_type) and allowed in ("*", mode):
            return True
    return False


@dataclass
class Caller:
    client: object  # ApiClient
    scopes: frozenset[str]
    actor: Actor

    @property
    def user(self):
        return self.actor.user

    def require(self, resource_type: str, mode: str) -> None:
        if not scope_allows(self.scopes, resource_type, mode):
            verb = "lire" if mode == READ else "écrire"
            raise FhirError(
                403,
                f"Le jeton n'autorise pas à {verb} les ressources {resource_type} "
                f"(scope system/{resource_type}.{mode} requis).",
                code="forbidden",
            )


def authenticate(request) -> Caller:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith("Bearer "):
        raise FhirError(401, "Jeton d'accès manquant : en-tête « Authorization: Bearer … » attendu.",
                        code="login")  # fmt: skip
    # Looked up by its SHA-256 checksum, the indexed column (django-oauth-toolkit 3).
    checksum = hashlib.sha256(header[len("Bearer ") :].strip().encode("utf-8")).hexdigest()
    token = (
        AccessToken.objects.select_related("application__fhir_client", "application__user")
        .filter(token_checksum=checksum)
        .first()
    )
    if token is None or token.expires <= timezone.now():
        raise FhirError(401, "Jeton d'accès inconnu ou expiré.", code="login")
    application = token.application
    client = getattr(application, "fhir_client", None) if application else None
    user = application.user if application else None
    if client is None or client.revoked_at is not None or user is None or not user.is_active:
        raise FhirError(401, "Ce client n'est plus autorisé à appeler l'API.", code="login")
    actor = Actor(user=user, ip_address=client_ip(request), channel="fhir")
    return Caller(client=client, scopes=frozenset(token.scope.split()), actor=actor)
