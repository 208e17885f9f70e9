"""Project-wide rules that every new model, URL and migration must keep."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from parcours.people.models import Person

# Views reachable without logging in. Everything else is behind LoginRequiredMiddleware.
PUBLIC_URL_NAMES = {
    "accounts:login",
    "accounts:oidc_login",
    "accounts:oidc_callback",
    "core:styleguide",
    # An invitation to a person's space is opened before the account exists (docs/portal.md).
    "portal:invitation",
    "portal:activate",
    "portal:activate_account",
    "portal:easy_read",
    # The FHIR API authenticates its callers by OAuth2 bearer token, not by session (docs/fhir.md).
    "fhir_base",
    "fhir:fhir_auth:token",
    "fhir:metadata",
    "fhir:root",
    "fhir:system_operation",
    "fhir:type_operation",
    "fhir:instance_operation",
    "fhir:type",
    "fhir:search",
    "fhir:instance",
    "fhir:history",
    "fhir:vread",
    "fhir:fhir_bulk:export_status",
    "fhir:fhir_bulk:export_file",
    "fhir:fhir_bulk:import_status",
}


def iter_patterns(resolver, namespace=""):
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from iter_patterns(pattern, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name}", pattern


def test_every_foreign_key_to_a_person_is_protect():
    offenders = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.ForeignKey) and field.related_model is Person:
                if field.remote_field.on_delete is not models.PROTECT:
                    offenders.append(f"{model.__name__}.{field.name}")
    assert offenders == []


def test_only_the_listed_views_are_public():
    public = set()
    for name, pattern in iter_patterns(get_resolver()):
        if name.startswith("admin:"):
            continue
        callback = pattern.callback
        if getattr(callback, "login_required", True) is False:
            public.add(name)
    assert public == PUBLIC_URL_NAMES


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"migration manquante : {out.getvalue()} ({exit_})")


def test_person_data_models_are_not_in_the_admin():
    from django.contrib import admin

    person_models = {
        "Person",
        "Relative",
        "LegalProtection",
        "Deficiency",
        "MdphDecision",
        "WaitingListEntry",
        "Admission",
        "NeedsAssessment",
        "Need",
        "ProjetPersonnalise",
        "Goal",
        "PlannedService",
        "ServiceDelivery",
        "Note",
        "Document",
        "AccessLogEntry",
        "ProjetVersion",
        "ProjetResponse",
        "Presence",
        "AgendaEntry",
        "PortalAccount",
        "Invitation",
        "Thread",
        "Message",
        "MessageRead",
        "EvaluationResponse",
        "Answer",
        "AdmissionRequest",
        "AdmissionRequestEvent",
        "LiaisonFile",
        "CircleMember",
        "CircleTask",
        "CircleEvent",
        "CircleThread",
        "CircleMessage",
        "Notification",
    }
    registered = {model.__name__ for model in admin.site._registry}
    assert registered & person_models == set()
