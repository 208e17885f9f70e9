"""Registering the systems allowed to call the API (OAuth2 client credentials)."""

import secrets

from django.db import transaction
from oauth2_provider.models import Application

from parcours.fhir.auth import all_scopes
from parcours.fhir.models import ApiClient


@transaction.atomic
def register_client(*, user, name: str, scopes: list[str]) -> tuple[ApiClient, str, str]:
    """Create the client; return it with its client id and secret (the secret is shown once, only
    its hash is stored)."""
    unknown = sorted(set(scopes) - set(all_scopes()))
    if unknown:
        raise ValueError(f"Scopes inconnus : {', '.join(unknown)}")
    if not scopes:
        raise ValueError("Au moins un scope est nécessaire (par exemple system/Patient.read).")
    secret = secrets.token_urlsafe(32)
    application = Application.objects.create(
        name=name,
        user=user,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret,
        hash_client_secret=True,
    )
    client = ApiClient.objects.create(application=application, name=name, scopes=sorted(set(scopes)))
    return client, application.client_id, secret
