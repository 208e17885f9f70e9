"""The only code that writes consents. Recording or withdrawing a consent is a write to the person's
identity category: the team or the direction of an establishment supporting the person does it
(the policy decides and the access log keeps the decision), in one transaction."""

import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone

from parcours.access.api import Action, Actor, Category, atomic_service, require
from parcours.access.enums import ConsentDecision, ConsentGivenBy, ConsentHow
from parcours.access.models import Consent
from parcours.organisations.models import Establishment
from parcours.people.models import LegalProtection, Person


@atomic_service
def record_consent(
    person: Person,
    *,
    actor: Actor,
    establishment: Establishment,
    categories: list[str],
    decision: str = ConsentDecision.GRANTED,
    given_by: str = ConsentGivenBy.PERSON,
    how: str = ConsentHow.SIGNED_PAPER,
    witness_name: str = "",
    protection: LegalProtection | None = None,
    valid_from: datetime.date | None = None,
    valid_until: datetime.date | None = None,
) -> Consent:
    """Record the person's (or their representative's) decision to share categories of their record
    with another establishment."""
    consent = Consent(
        person=person,
        establishment=establishment,
        categories=list(categories),
        decision=decision,
        given_by=given_by,
        how=how,
        witness_name=witness_name.strip(),
        protection=protection,
        recorded_by=actor.user,
        valid_from=valid_from or timezone.localdate(),
        valid_until=valid_until,
    )
    require(actor, person, Category.IDENTITY, Action.CREATE, obj=consent)
    consent.full_clean()
    consent.save()
    return consent


@atomic_service
def withdraw_consent(consent: Consent, *, actor: Actor, reason: str = "") -> Consent:
    """Withdraw a consent: it stops opening the record at the next request."""
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    require(actor, consent.person, Category.IDENTITY, Action.UPDATE, obj=consent)
    if consent.withdrawn_at is not None:
        raise ValidationError("Ce consentement a déjà été retiré.")
    if consent.decision != ConsentDecision.GRANTED:
        raise ValidationError("Seul un accord peut être retiré.")
    consent.withdrawn_at = timezone.now()
    consent.withdrawal_reason = reason.strip()
    consent.full_clean()
    consent.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    return consent
