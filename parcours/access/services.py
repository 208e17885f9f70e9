"""The only code that writes consents, emergency accesses and restrictions of processing.

Recording or withdrawing a consent is a write to the person's identity category: the team or the
direction of an establishment supporting the person does it (the policy decides and the access log
keeps the decision), in one transaction. So is restricting processing, which only the direction of
an establishment that supports or supported the person decides and lifts.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require
from parcours.access.enums import Basis, ConsentDecision, ConsentGivenBy, ConsentHow
from parcours.access.journal import record
from parcours.access.models import BreakGlass, Consent, Restriction
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


# Emergency access ("bris de glace")

REASON_MIN_LENGTH = 20


@atomic_service
def open_break_glass(person: Person, *, actor: Actor, reason: str) -> BreakGlass:
    """Open an emergency access to a record the professional has no right to: whole record, read
    only, until PARCOURS_BREAK_GLASS_HOURS from now. Flagged in the access log, and notified (once
    the transaction is committed) to the directors concerned and the data protection officer."""
    user = actor.user
    scope = policy.scope_of(user)
    reason = reason.strip()
    if not scope.may_break_glass:
        record(
            actor,
            person=person,
            action=Action.READ,
            category=Category.IDENTITY,
            allowed=False,
            basis=Basis.NONE,
            details={"break_glass": "refused"},
        )
        raise AccessDenied("L'accès d'urgence est réservé aux professionnels des équipes et aux directions.")
    if len(reason) < REASON_MIN_LENGTH:
        raise ValidationError(
            {"reason": f"Décrivez l'urgence en {REASON_MIN_LENGTH} caractères au moins : ce motif sera relu."}
        )
    if any(basis != Basis.BREAK_GLASS for basis in policy.bases_for(user, person)):
        raise ValidationError("Vous avez déjà accès à ce dossier : l'accès d'urgence n'est pas nécessaire.")
    now = timezone.now()
    access = BreakGlass(
        user=user,
        person=person,
        reason=reason,
        opened_at=now,
        expires_at=now + datetime.timedelta(hours=settings.PARCOURS_BREAK_GLASS_HOURS),
    )
    access.full_clean()
    access.save()
    record(
        actor,
        person=person,
        action=Action.READ,
        category=Category.IDENTITY,
        allowed=True,
        basis=Basis.BREAK_GLASS,
        obj=access,
        details={"break_glass": "opened"},
    )
    user._parcours_scope = None  # the scope of this request now includes the record
    from parcours.access.tasks import notify_break_glass

    transaction.on_commit(lambda: notify_break_glass.enqueue(str(access.uuid)))
    return access


@atomic_service
def review_break_glass(access: BreakGlass, *, actor: Actor, note: str) -> BreakGlass:
    """The director's or the data protection officer's conclusion on an emergency access."""
    access = BreakGlass.objects.select_for_update().get(pk=access.pk)
    if not policy.break_glass_reviewable_by(actor.user).filter(pk=access.pk).exists():
        raise AccessDenied("Vous ne pouvez pas examiner cet accès d'urgence.")
    if access.reviewed_at is not None:
        raise ValidationError("Cet accès d'urgence a déjà été examiné.")
    note = note.strip()
    if not note:
        raise ValidationError({"review_note": "Indiquez la conclusion de l'examen."})
    access.reviewed_by = actor.user
    access.reviewed_at = timezone.now()
    access.review_note = note
    access.full_clean()
    access.save(update_fields=["reviewed_by", "reviewed_at", "review_note"])
    return access


# Restriction of processing (RGPD art. 18)


def _require_direction(actor: Actor, person: Person, action: str, obj) -> None:
    """Only the direction of an establishment that supports or supported the person restricts
    processing or lifts the restriction. Both the grant and the refusal are logged (the refusal
    after the service's rollback, by `atomic_service`)."""
    allowed = policy.may_restrict(actor.user, person)

    def log() -> None:
        record(
            actor,
            person=person,
            action=action,
            category=Category.IDENTITY,
            allowed=allowed,
            basis=Basis.ESTABLISHMENT_DIRECTION if allowed else Basis.NONE,
            obj=obj,
            details={"restriction": "lift" if obj.pk else "start"},
        )

    if not allowed:
        raise AccessDenied(
            "Seule la direction de l'établissement limite le traitement d'un dossier.", pending_refusal=log
        )
    log()


@atomic_service
def restrict_processing(person: Person, *, actor: Actor, ground: str, note: str = "") -> Restriction:
    """Restrict processing of the record: from the next request nobody writes in it and no consent
    opens it to another establishment."""
    restriction = Restriction(person=person, ground=ground, note=note.strip(), started_by=actor.user)
    _require_direction(actor, person, Action.CREATE, restriction)
    if Restriction.objects.active().filter(person=person).exists():
        raise ValidationError("Le traitement de ce dossier est déjà limité.")
    restriction.full_clean()
    restriction.save()
    return restriction


@atomic_service
def lift_restriction(restriction: Restriction, *, actor: Actor) -> Restriction:
    restriction = Restriction.objects.select_for_update().get(pk=restriction.pk)
    _require_direction(actor, restriction.person, Action.UPDATE, restriction)
    if restriction.lifted_at is not None:
        raise ValidationError("Cette limitation a déjà été levée.")
    restriction.lifted_at = timezone.now()
    restriction.lifted_by = actor.user
    restriction.save(update_fields=["lifted_at", "lifted_by"])
    return restriction
