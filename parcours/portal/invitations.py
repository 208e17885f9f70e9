"""Accounts of the person's space: invitations by the establishment, their acceptance, and the rights
of relatives.

Business rules:
- The team and the direction of an establishment that supports the person (those who write the
  person's identity) invite the person, a legal representative or a relative to the person's space.
  The invitation is made in the name of that establishment.
- A relative's rights (follow the day, read the projet, message the team) are those the person, or
  their legal representative, decided; the team writes them down. A legal representative acts
  within the scope of a protection measure in force; a relative exercising the measure is named by
  the measure itself.
- An invitation travels as a one-time link by e-mail, or as a printed code handed over by the team.
  Only hashes of the link's token and of the code are kept: the code is shown once, on the printed
  sheet, never again. The e-mail says only that an invitation to open an account on Parcours awaits,
  with the link: no name, no establishment.
- An invitation works once, until it expires (PARCOURS_INVITATION_DAYS days, 14 by default), unless
  the team revoked it. Wrong codes count as failed logins of the client address (the login
  throttling of parcours.accounts): too many of them lock the code page for a while.
- Accepting it creates a login without any staff membership (no second factor is asked), or links
  the invitation to the login already open (a parent of two children keeps one login), and opens
  the link to the person's space. The creation of the link is written to the access log.
- The person (or a legal representative with that power) changes the rights of their relatives and
  closes their links; the team closes any link. Links are closed, dated, never deleted.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require, require_portal
from parcours.access.enums import PortalPower, PortalRight, PortalRole
from parcours.access.journal import record
from parcours.access.portal import ASSISTANCE, BASIS_OF_ROLE, REPRESENTATION, forget_links
from parcours.accounts import services as account_services
from parcours.people.models import LegalProtection, Person, Relative
from parcours.portal.models import Invitation, PortalAccount, ordered_rights

# Letters and digits that cannot be mistaken for one another (no I, L, O, 0, 1).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
DELIVERY_EMAIL = "email"
DELIVERY_PRINTED = "printed"
# Who decided a relative's rights: the person, or their legal representative.
DECIDED_BY_PERSON = "person"
DECIDED_BY_REPRESENTATIVE = "representative"
# Wrong codes are counted under this name per client address; a colon never appears in a username.
CODE_THROTTLE_NAME = "code-invitation:{address}"

INVALID = (
    "Cette invitation n'est pas valable : elle a déjà servi, elle a expiré ou elle a été annulée. "
    "Demandez une nouvelle invitation à l'établissement."
)
WRONG_CODE = "Ce code ne correspond à aucune invitation en cours. Vérifiez-le et réessayez."
ALREADY_LINKED = (
    "Votre compte est déjà relié à l'espace de cette personne. Pour changer cet accès, adressez-vous "
    "à l'établissement."
)


def invitation_days() -> int:
    return getattr(settings, "PARCOURS_INVITATION_DAYS", 14)


def _digest(kind: str, value: str) -> str:
    key = f"parcours.portal.invitation.{kind}:{settings.SECRET_KEY}".encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def token_hash(token: str) -> str:
    return _digest("token", token)


def normalise_code(code: str) -> str:
    """Codes are typed in any case, with or without dashes and spaces."""
    return "".join(code.split()).replace("-", "").upper()


def code_hash(code: str) -> str:
    return _digest("code", normalise_code(code))


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def grouped_code(code: str) -> str:
    """XXXX-XXXX-XXXX, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def protections_in_force(person: Person, on=None):
    """The person's protection measures in force today under which a representative acts."""
    today = on or timezone.localdate()
    return (
        LegalProtection.objects.filter(person=person, measure__in=[*REPRESENTATION, *ASSISTANCE])
        .filter(start_date__lte=today)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("representative_relative")
    )


def inviting_establishments(user, person: Person):
    """The establishments in whose name this user may invite to this person's space: those they
    write for that support the person (an admission running or to come), or, before any admission,
    the one that opened the record."""
    today = timezone.localdate()
    writable = policy.writable_establishments(user)
    admissions = person.admissions.filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    supporting = writable.filter(pk__in=admissions.values("establishment_id"))
    if supporting.exists() or person.admissions.exists():
        return supporting
    return writable.filter(pk=person.opened_by_id)


@dataclass(frozen=True)
class IssuedInvitation:
    """A new invitation, with its token and code in clear: shown or sent once, never stored."""

    invitation: Invitation
    token: str
    code: str

    @property
    def grouped_code(self) -> str:
        return grouped_code(self.code)


def invitation_url(token: str, base_url: str) -> str:
    return base_url.rstrip("/") + reverse("portal:invitation", args=[token])


def send_invitation_email(address: str, url: str, expires_at) -> None:
    """The e-mail names nobody and no establishment: only that an invitation awaits, and the link."""
    context = {"url": url, "expires_at": timezone.localtime(expires_at)}
    subject = render_to_string("portal/emails/invitation_subject.txt", context).strip()
    body = render_to_string("portal/emails/invitation_body.txt", context)
    send_mail(subject, body, None, [address])


def _check_who(person: Person, role: str, relative, protection, rights, decided_by) -> None:
    errors = {}
    if relative is not None and relative.person_id != person.pk:
        errors["relative"] = "Ce proche n'est pas rattaché à cette personne."
    if protection is not None and protection.person_id != person.pk:
        errors["protection"] = "Cette mesure de protection concerne une autre personne."
    if role == PortalRole.RELATIVE:
        if relative is None:
            errors["relative"] = "Choisissez le proche invité."
        if not rights:
            errors["rights"] = "Cochez au moins un droit : sans droit, le proche ne verrait rien."
        if decided_by == DECIDED_BY_REPRESENTATIVE and not _represented(person):
            errors["decided_by"] = (
                "Aucune mesure de représentation n'est en cours : les droits des proches sont décidés "
                "par la personne elle-même."
            )
    elif role == PortalRole.REPRESENTATIVE:
        if protection is None:
            errors["protection"] = "Un représentant légal agit dans le cadre d'une mesure de protection."
        elif not protections_in_force(person).filter(pk=protection.pk).exists():
            errors["protection"] = "Cette mesure de protection n'est pas en cours."
        elif protection.representative_relative_id and relative != protection.representative_relative:
            errors["relative"] = (
                f"Cette mesure est exercée par {protection.representative_relative} : invitez ce proche."
            )
    if role != PortalRole.RELATIVE and rights:
        errors["rights"] = "Seuls les droits d'un proche se choisissent."
    if errors:
        raise ValidationError(errors)


def _represented(person: Person) -> bool:
    return protections_in_force(person).filter(measure__in=REPRESENTATION).exists()


@atomic_service
def invite(
    person: Person,
    *,
    actor: Actor,
    role: str,
    relative: Relative | None = None,
    protection: LegalProtection | None = None,
    rights=(),
    decided_by: str = DECIDED_BY_PERSON,
    email: str = "",
    base_url: str = "",
) -> IssuedInvitation:
    """Invite someone to the person's space. With an e-mail address, the link is sent there once the
    transaction commits; without, the code is to be printed (`IssuedInvitation.code`)."""
    decision = policy.decide(actor.user, person, Category.IDENTITY, Action.CREATE)
    if not decision:
        require(actor, person, Category.IDENTITY, Action.CREATE)  # logs the refusal, raises
    establishment = inviting_establishments(actor.user, person).order_by("name", "pk").first()
    if establishment is None:
        raise AccessDenied("Vous n'écrivez au nom d'aucun établissement qui accompagne cette personne.")
    if role == PortalRole.REPRESENTATIVE and protection is not None and relative is None:
        relative = protection.representative_relative
    rights = ordered_rights(rights or ())
    _check_who(person, role, relative, protection, rights, decided_by)
    token, code = secrets.token_urlsafe(32), new_code()
    now = timezone.now()
    invitation = Invitation.objects.create(
        person=person,
        establishment=establishment,
        role=role,
        relative=relative,
        protection=protection if role == PortalRole.REPRESENTATIVE else None,
        rights=rights,
        email=email,
        token_hash=token_hash(token),
        code_hash=code_hash(code),
        created_by=actor.user,
        created_at=now,
        expires_at=now + timedelta(days=invitation_days()),
    )
    details = {"invitation": "courriel" if email else "code"}
    if role == PortalRole.RELATIVE:
        details["droits_decides_par"] = decided_by
    record(actor, person=person, action=Action.CREATE, category=Category.IDENTITY, allowed=True,
           basis=decision.basis, obj=invitation, details=details)  # fmt: skip
    if email:
        url = invitation_url(token, base_url or settings.PARCOURS_SITE_URL)
        expires_at = invitation.expires_at
        transaction.on_commit(lambda: send_invitation_email(email, url, expires_at))
    return IssuedInvitation(invitation, token, code)


@atomic_service
def revoke_invitation(invitation: Invitation, *, actor: Actor) -> Invitation:
    """Cancel a pending invitation: its link and its code stop working."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    require(actor, invitation.person, Category.IDENTITY, Action.UPDATE, obj=invitation)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError("Cette invitation n'est plus en attente.")
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    return invitation


def _close(account: PortalAccount, user) -> PortalAccount:
    account.revoked_at = timezone.now()
    account.revoked_by = user
    account.save(update_fields=["revoked_at", "revoked_by"])
    forget_links(account.user)
    return account


@atomic_service
def close_account(account: PortalAccount, *, actor: Actor) -> PortalAccount:
    """The team closes a link to the person's space (dated, never deleted)."""
    account = PortalAccount.objects.select_for_update().get(pk=account.pk)
    require(actor, account.person, Category.IDENTITY, Action.UPDATE, obj=account)
    if account.revoked_at:
        raise ValidationError("Cet accès est déjà fermé.")
    return _close(account, actor.user)


# -- accepting --------------------------------------------------------------------------------------


def pending_by_token(token: str) -> Invitation | None:
    if not token:
        return None
    return Invitation.objects.pending().filter(token_hash=token_hash(token)).first()


def pending_by_uuid(uuid) -> Invitation | None:
    if not uuid:
        return None
    return Invitation.objects.pending().filter(uuid=uuid).first()


def code_throttle_name(address: str | None) -> str:
    return CODE_THROTTLE_NAME.format(address=address or "inconnue")


def codes_locked(address: str | None) -> bool:
    return account_services.login_locked(username=code_throttle_name(address), address=address)


def check_code(code: str, *, address: str | None) -> Invitation:
    """The pending invitation of this printed code. A wrong code counts as a failed login of the
    client address; once locked, even the right code is refused for a while. Raises ValidationError."""
    if codes_locked(address):
        raise ValidationError(account_services.lockout_message(), code="locked")
    normalised = normalise_code(code)
    invitation = None
    if len(normalised) == CODE_LENGTH:
        invitation = Invitation.objects.pending().filter(code_hash=code_hash(normalised)).first()
    if invitation is None:
        locked = account_services.record_login_failure(username=code_throttle_name(address), address=address)
        if locked:
            raise ValidationError(account_services.lockout_message(), code="locked")
        raise ValidationError(WRONG_CODE, code="wrong_code")
    return invitation


def _open_link(invitation: Invitation, user, ip_address) -> PortalAccount:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at or invitation.expires_at <= timezone.now():
        raise ValidationError(INVALID, code="invalid")
    if PortalAccount.objects.filter(
        user=user, person_id=invitation.person_id, revoked_at__isnull=True
    ).exists():
        raise ValidationError(ALREADY_LINKED, code="already_linked")
    now = timezone.now()
    account = PortalAccount(
        user=user,
        person_id=invitation.person_id,
        role=invitation.role,
        relative_id=invitation.relative_id,
        protection_id=invitation.protection_id,
        rights=invitation.rights,
        rights_changed_at=now,
        rights_changed_by_id=invitation.created_by_id,
        created_at=now,
    )
    account.full_clean(exclude=["user", "person", "rights_changed_by"])
    account.save()
    invitation.accepted_at = now
    invitation.account = account
    invitation.save(update_fields=["accepted_at", "account"])
    record(
        Actor(user=user, ip_address=ip_address),
        person=invitation.person,
        action=Action.CREATE,
        category=Category.IDENTITY,
        allowed=True,
        basis=BASIS_OF_ROLE[invitation.role],
        obj=account,
        details={"espace": "invitation"},
    )
    forget_links(user)
    return account


@atomic_service
def accept_invitation(
    invitation: Invitation, *, username: str, password: str, ip_address=None
) -> PortalAccount:
    """Create a login (no staff membership, so no second factor) and open the invitation's link."""
    User = get_user_model()
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": "Cet identifiant est déjà pris : choisissez-en un autre."})
    user = User(username=username)
    user.set_password(password)
    user.save()
    return _open_link(invitation, user, ip_address)


@atomic_service
def attach_invitation(invitation: Invitation, *, user, ip_address=None) -> PortalAccount:
    """Open the invitation's link for a login already open (one login for several persons)."""
    return _open_link(invitation, user, ip_address)


# -- the person's side: relatives' rights -----------------------------------------------------------


def relatives_links(person: Person):
    return (
        PortalAccount.objects.active()
        .filter(person=person, role=PortalRole.RELATIVE)
        .select_related("relative", "user")
        .order_by("created_at", "pk")
    )


@atomic_service
def change_relative_rights(account: PortalAccount, *, actor: Actor, rights) -> PortalAccount:
    """The person (or a legal representative who decides the sharing) changes a relative's rights;
    they apply from the relative's next request."""
    account = PortalAccount.objects.select_for_update().select_related("person").get(pk=account.pk)
    require_portal(actor, account.person, PortalPower.CONSENTS, Category.IDENTITY, Action.UPDATE, obj=account)
    if account.role != PortalRole.RELATIVE or account.revoked_at:
        raise ValidationError("Cet accès n'est pas celui d'un proche en cours.")
    rights = ordered_rights(rights or ())
    unknown = set(rights) - set(PortalRight.values)
    if unknown:
        raise ValidationError({"rights": "Droit inconnu."})
    if not rights:
        raise ValidationError(
            {"rights": "Cochez au moins un droit. Pour que ce proche ne voie plus rien, fermez son accès."}
        )
    account.rights = rights
    account.rights_changed_at = timezone.now()
    account.rights_changed_by = actor.user
    account.save(update_fields=["rights", "rights_changed_at", "rights_changed_by"])
    forget_links(account.user)
    return account


@atomic_service
def close_relative_link(account: PortalAccount, *, actor: Actor) -> PortalAccount:
    """The person (or a legal representative who decides the sharing) closes a relative's link."""
    account = PortalAccount.objects.select_for_update().select_related("person").get(pk=account.pk)
    require_portal(actor, account.person, PortalPower.CONSENTS, Category.IDENTITY, Action.UPDATE, obj=account)
    if account.role != PortalRole.RELATIVE or account.revoked_at:
        raise ValidationError("Cet accès n'est pas celui d'un proche en cours.")
    return _close(account, actor.user)


def rights_in_words(rights) -> list[str]:
    labels = dict(PortalRight.choices)
    return [labels[right] for right in ordered_rights(rights)]
