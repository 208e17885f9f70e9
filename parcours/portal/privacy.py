"""The person's say over their record, from their own space: what is shared with whom (consents),
who opened the record (the access log), and the download of their data (right of access).

Rules (business words):
- Only the person, or a legal representative under a measure of representation, decides what is
  shared (`PortalPower.CONSENTS`) and reads the access log or downloads the data
  (`PortalPower.PRIVACY`); a relative or a curator never does (`parcours.access.portal`).
- A consent given in the space is recorded as given "sur le portail", by the person or by their
  representative with the measure under which they act. It always covers the identity: without it the
  record cannot be opened, and the consent would open nothing. It takes effect at once, and a
  withdrawal at the next request of the establishment's team.
- The access-log page names the professionals (name, profession, establishments that day), the
  person's own relatives and representatives by their first name, and the reader as "vous"; anybody
  else stays unnamed.
- An export asked for in the space is built like the team's (`parcours.privacy`), checked against the
  portal's policy instead of the team's, and downloaded only by the login that asked for it.

`parcours.access.services.record_consent` and `parcours.privacy.services.request_export` check the
team's policy (`access.api.require`): a person is not a team member, so this module writes the same
rows through the portal's decision (`require_portal`), with the same validation.
"""

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from parcours.access.api import Action, Actor, Category, atomic_service, require_portal
from parcours.access.audit import describe_users
from parcours.access.enums import ConsentDecision, ConsentGivenBy, ConsentHow, PortalPower, PortalRole
from parcours.access.models import AccessLogEntry, Consent
from parcours.access.portal import Link
from parcours.organisations.models import Establishment
from parcours.people.models import LegalProtection, Person
from parcours.portal.models import PortalAccount
from parcours.privacy import services as privacy_services
from parcours.privacy.models import ExportRequest

logger = logging.getLogger("parcours.portal")

# At most this many establishments answer a search: the person narrows it by name or FINESS.
SEARCH_LIMIT = 20
LOG_ENTRIES_PER_PAGE = 25
WITHDRAWN_IN_PORTAL = "Retiré par la personne depuis son espace."


# Consents


def search_recipients(query: str):
    """The establishments of the instance whose name or FINESS contains the query (two characters at
    least), by name, at most SEARCH_LIMIT + 1 (one more tells that the list is cut)."""
    query = (query or "").strip()
    if len(query) < 2:
        return Establishment.objects.none()
    return Establishment.objects.filter(Q(name__icontains=query) | Q(finess__startswith=query)).order_by(
        "name", "pk"
    )[: SEARCH_LIMIT + 1]


def _given_by(link: Link) -> tuple[str, LegalProtection | None]:
    if link.role == PortalRole.REPRESENTATIVE:
        return ConsentGivenBy.REPRESENTATIVE, LegalProtection.objects.get(pk=link.protection_id)
    return ConsentGivenBy.PERSON, None


@atomic_service
def give_consent(
    person: Person,
    *,
    actor: Actor,
    link: Link,
    establishment: Establishment,
    categories: list[str],
    valid_until: datetime.date | None = None,
) -> Consent:
    """The person (or their representative) lets an establishment read these parts of the record, from
    today until `valid_until` (no end when None). The identity is always part of it."""
    given_by, protection = _given_by(link)
    today = timezone.localdate()
    consent = Consent(
        person=person,
        establishment=establishment,
        categories=[Category.IDENTITY, *(c for c in categories if c != Category.IDENTITY)],
        decision=ConsentDecision.GRANTED,
        given_by=given_by,
        how=ConsentHow.PORTAL,
        protection=protection,
        recorded_by=actor.user,
        valid_from=today,
        valid_until=valid_until,
    )
    require_portal(actor, person, PortalPower.CONSENTS, Category.IDENTITY, Action.CREATE, obj=consent)
    if valid_until is not None and valid_until < today:
        raise ValidationError({"valid_until": "Cette date est déjà passée : choisissez une date à venir."})
    consent.full_clean()
    consent.save()
    return consent


@atomic_service
def withdraw_consent(consent: Consent, *, actor: Actor) -> Consent:
    """The person (or their representative) withdraws a consent: the establishment no longer reads the
    record from its next request. The consent is kept, dated."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    require_portal(actor, consent.person, PortalPower.CONSENTS, Category.IDENTITY, Action.UPDATE, obj=consent)
    if consent.withdrawn_at is not None:
        raise ValidationError("Ce partage a déjà été arrêté.")
    if consent.decision != ConsentDecision.GRANTED:
        raise ValidationError("Seul un accord peut être retiré.")
    consent.withdrawn_at = timezone.now()
    consent.withdrawal_reason = WITHDRAWN_IN_PORTAL
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    return consent


# Who opened the record


@dataclass(frozen=True)
class LogLine:
    entry: AccessLogEntry
    # "Vous", a first name with the capacity, or a professional's name.
    who: str
    # The professional's profession and establishments that day.
    detail: str = ""
    is_reader: bool = False


def log_entries(person: Person, *, start: datetime.date | None = None, end: datetime.date | None = None):
    """The person's access-log entries, newest first, within the period when given."""
    entries = AccessLogEntry.objects.for_person(person)
    if start is not None:
        entries = entries.filter(at__date__gte=start)
    if end is not None:
        entries = entries.filter(at__date__lte=end)
    return entries.order_by("-at", "-sequence")


def describe_entries(entries, *, person: Person, reader) -> list[LogLine]:
    """How the person reads their log: themself as "vous", their relatives and representatives by
    first name, the professionals by name, profession and establishments; nobody else is named (a
    refused attempt by someone else's login says nothing about that login)."""
    actor_ids = {entry.actor_id for entry in entries}
    accounts = {
        account.user_id: account
        for account in PortalAccount.objects.filter(person=person, user_id__in=actor_ids).select_related(
            "user", "relative"
        )
    }
    who = describe_users(actor_ids - set(accounts) - {reader.pk})
    lines = []
    for entry in entries:
        if entry.actor_id == reader.pk:
            lines.append(LogLine(entry, "Vous", is_reader=True))
        elif entry.actor_id in accounts:
            account = accounts[entry.actor_id]
            name = account.user.first_name or (account.relative.first_name if account.relative else "")
            role = {
                PortalRole.PERSON: "vous-même, depuis un autre compte",
                PortalRole.REPRESENTATIVE: "représentant légal",
                PortalRole.RELATIVE: "proche",
            }[account.role]
            lines.append(LogLine(entry, f"{name} ({role})" if name else role.capitalize()))
        elif entry.actor_id in who and who[entry.actor_id].profession:
            person_who = who[entry.actor_id]
            places = person_who.places_on(timezone.localtime(entry.at).date())
            detail = person_who.profession + (" — " + ", ".join(places) if places else "")
            lines.append(LogLine(entry, person_who.name, detail))
        else:
            lines.append(LogLine(entry, "Un autre utilisateur de Parcours"))
    return lines


# Download of the person's data


def require_portal_export(actor: Actor, person: Person, *, obj=None) -> None:
    """The export of the whole record from the space: one decision of the portal's policy, logged once
    per category of the record (Action.EXPORT), like the team's export."""
    for category in Category.values:
        require_portal(actor, person, PortalPower.PRIVACY, category, Action.EXPORT, obj=obj)


@atomic_service
def request_export(person: Person, *, actor: Actor) -> ExportRequest:
    """Ask for the archive of everything held on the person, for this login only. Built by the task
    `build_export` once this transaction is committed."""
    export_request = ExportRequest(person=person, requested_by=actor.user)
    require_portal_export(actor, person, obj=export_request)
    if ExportRequest.objects.for_person(person).in_progress().filter(requested_by=actor.user).exists():
        raise ValidationError("Votre demande précédente est encore en préparation.")
    export_request.full_clean()
    export_request.save()
    transaction.on_commit(partial(build_export.enqueue, str(export_request.uuid)))
    return export_request


def build(export_uuid) -> ExportRequest | None:
    """Build the archive of a pending export asked for in the space as the team's is built, the
    portal's policy checked again for its requester (a link revoked since fails it)."""
    return privacy_services.build_export(export_uuid, check=require_portal_export)


@task()
def build_export(export_uuid: str) -> dict:
    """Build the archive of an export asked for in the person's space; returns its state only."""
    export_request = build(export_uuid)
    if export_request is None:
        return {"status": "skipped"}
    return {"status": export_request.status, "size": export_request.size}


def open_download(export_request: ExportRequest, *, actor: Actor):
    """The archive, for the login that asked for it, while it is available; the portal's policy is
    checked again and the download written to the access log. FileNotFoundError when it is gone."""
    if not export_request.downloadable_by(actor.user):
        raise ValidationError("Cette archive n'est pas disponible.")
    require_portal_export(actor, export_request.person, obj=export_request)
    return export_request.file.open("rb")
