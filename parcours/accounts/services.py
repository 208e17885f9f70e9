"""Authentication services: counting failed logins, the second factor, recovery codes.

Business rules:
- a failed login is a wrong password (or a locked or deactivated account) or a wrong second-factor
  code; failures are counted per username as typed, whether or not it exists, and per client address;
- PARCOURS_LOGIN_FAILURE_LIMIT failures for one username (PARCOURS_LOGIN_ADDRESS_FAILURE_LIMIT for
  one address), each less than PARCOURS_LOGIN_LOCKOUT_SECONDS after the previous one, lock it for
  PARCOURS_LOGIN_LOCKOUT_SECONDS; while locked, not even the right password opens it;
- a complete login (password, then the code when one is asked) clears the username's failures;
  an address's failures only fade with time, so one good account cannot reset them;
- recovery codes are single use; new ones replace all the old ones;
- a login through an outside OpenID Connect provider finds its account by the stored (issuer,
  subject) pair, or the first time by the provider's verified e-mail address of one active account
  (the pair is then stored); an account is created only when PARCOURS_OIDC_CREATE_USERS allows it,
  with no membership (it sees nothing until a director adds it to a team); a deactivated account is
  refused.
"""

import logging
import secrets
import time
from binascii import unhexlify
from datetime import timedelta

import django_otp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from parcours.accounts.enums import ExternalLoginRefusal, ThrottleKind
from parcours.accounts.models import ExternalIdentity, LoginThrottle, User

logger = logging.getLogger(__name__)

RECOVERY_CODE_COUNT = 10
TOTP_DEVICE_NAME = "Application d'authentification"
RECOVERY_DEVICE_NAME = "Codes de secours"


def lockout_message() -> str:
    minutes = max(1, round(settings.PARCOURS_LOGIN_LOCKOUT_SECONDS / 60))
    return (
        "Trop de tentatives de connexion ont échoué : par sécurité, la connexion est bloquée pendant "
        f"{minutes} minute{'s' if minutes > 1 else ''}. Réessayez plus tard, ou adressez-vous à la "
        "personne qui administre Parcours dans votre structure."
    )


# -- failed logins ----------------------------------------------------------------------------------


def throttle_key(kind: str, value: str) -> str:
    salt = f"parcours.accounts.throttle.{kind}"
    return salted_hmac(salt, value.strip().casefold(), algorithm="sha256").hexdigest()


def _subjects(username: str | None, address: str | None) -> list[tuple[str, str, int]]:
    subjects = []
    if username:
        limit = settings.PARCOURS_LOGIN_FAILURE_LIMIT
        subjects.append((ThrottleKind.USERNAME, throttle_key(ThrottleKind.USERNAME, username), limit))
    if address:
        limit = settings.PARCOURS_LOGIN_ADDRESS_FAILURE_LIMIT
        subjects.append((ThrottleKind.ADDRESS, throttle_key(ThrottleKind.ADDRESS, address), limit))
    return subjects


def login_locked(*, username: str | None, address: str | None) -> bool:
    """Whether logins for this username or from this address are refused for now."""
    subjects = _subjects(username, address)
    if not subjects:
        return False
    match = Q()
    for kind, key, _limit in subjects:
        match |= Q(kind=kind, key=key)
    return LoginThrottle.objects.filter(match, locked_until__gt=timezone.now()).exists()


@transaction.atomic
def record_login_failure(*, username: str | None, address: str | None) -> bool:
    """Count one failed password or code. True when the username or the address is now locked."""
    now = timezone.now()
    window = timedelta(seconds=settings.PARCOURS_LOGIN_LOCKOUT_SECONDS)
    # Forget what no longer counts, so the table stays as small as the recent failures.
    LoginThrottle.objects.filter(last_failure_at__lt=now - window).filter(
        Q(locked_until__isnull=True) | Q(locked_until__lt=now)
    ).delete()
    locked = False
    for kind, key, limit in _subjects(username, address):
        throttle, _created = LoginThrottle.objects.select_for_update().get_or_create(
            kind=kind, key=key, defaults={"last_failure_at": now}
        )
        if throttle.locked_until and throttle.locked_until > now:
            locked = True
            continue
        if throttle.last_failure_at < now - window:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        if throttle.failures >= limit:
            throttle.failures = 0
            throttle.locked_until = now + window
            locked = True
            # The key prefix lets an administrator match the log line with `parcours unlock-login`.
            logger.warning("connexions bloquées : %s %s…", kind, key[:12])
        throttle.save()
    return locked


def reset_login_failures(*, username: str) -> None:
    """After a complete login: the username's failures are forgotten (not the address's)."""
    LoginThrottle.objects.filter(
        kind=ThrottleKind.USERNAME, key=throttle_key(ThrottleKind.USERNAME, username)
    ).delete()


def unlock_login(*, username: str) -> bool:
    """Lift a username's lockout at once (an administrator's decision). True if it was locked."""
    deleted, _ = LoginThrottle.objects.filter(
        kind=ThrottleKind.USERNAME, key=throttle_key(ThrottleKind.USERNAME, username)
    ).delete()
    return deleted > 0


# -- second factor ----------------------------------------------------------------------------------


def new_totp_key() -> str:
    """A random TOTP secret (hex, 20 bytes), as django-otp makes them."""
    return default_key()


def unsaved_totp_device(user, key: str) -> TOTPDevice:
    """The device a key would make, to show its otpauth:// URI before it is confirmed."""
    return TOTPDevice(user=user, name=TOTP_DEVICE_NAME, key=key)


@transaction.atomic
def enrol_totp_device(user, *, key: str, code: str) -> tuple[TOTPDevice, list[str]] | None:
    """Confirm an authentication app with its first code: replaces the user's previous app and
    recovery codes. Returns the device and the new recovery codes (shown once), or None if the
    code does not match the key."""
    code = normalise_code(code)
    if not (len(code) == 6 and code.isdigit()):
        return None
    totp = TOTP(unhexlify(key.encode()))
    totp.time = time.time()
    if not totp.verify(int(code), tolerance=1):
        return None
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_DEVICE_NAME, key=key, confirmed=True, last_t=totp.t()
    )
    return device, replace_recovery_codes(user)


@transaction.atomic
def replace_recovery_codes(user) -> list[str]:
    """Ten new single-use recovery codes; the previous ones stop working."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


def remaining_recovery_codes(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def normalise_code(code: str) -> str:
    """Codes may be typed with spaces or dashes, recovery codes in capitals."""
    return "".join(code.split()).replace("-", "").lower()


def verify_second_factor(user, code: str):
    """The device that accepts this code (the app's 6 digits, or a recovery code, then used up), or None.

    django-otp checks each device under a row lock, refuses a TOTP code already used, and slows down
    repeated failures on a device."""
    code = normalise_code(code)
    if not code:
        return None
    model = TOTPDevice if len(code) == 6 and code.isdigit() else StaticDevice
    for device in model.objects.devices_for_user(user, confirmed=True):
        verified = django_otp.verify_token(user, device.persistent_id, code)
        if verified is not None:
            return verified
    return None


def reset_second_factor(user) -> int:
    """Remove the user's authentication app and recovery codes (lost phone): they set up a new app at
    their next login. Returns how many devices were removed."""
    with transaction.atomic():
        apps, codes = TOTPDevice.objects.filter(user=user), StaticDevice.objects.filter(user=user)
        count = apps.count() + codes.count()
        apps.delete()
        codes.delete()
    return count


# -- outside identity providers (OpenID Connect) ----------------------------------------------------


class ExternalLoginRefused(Exception):
    """A login through an outside provider that must not open a session. `username` names the
    account concerned, when one was found, so that the refusal counts against it."""

    def __init__(self, reason: ExternalLoginRefusal, *, username: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.username = username


@transaction.atomic
def sign_in_external_identity(
    *,
    issuer: str,
    subject: str,
    verified_email: str,
    first_name: str = "",
    last_name: str = "",
    provider_name: str,
    create_users: bool,
) -> ExternalIdentity:
    """The identity (and through it the account) a provider's login opens, linked or created here.

    `verified_email` is the address the provider asserts it verified, empty otherwise (an address the
    provider did not verify never links an account). Raises ExternalLoginRefused."""
    identity = ExternalIdentity.objects.select_related("user").filter(issuer=issuer, subject=subject).first()
    if identity is None:
        user = _account_for_email(verified_email)
        if user is None:
            if not create_users:
                raise ExternalLoginRefused(ExternalLoginRefusal.UNKNOWN)
            user = _create_external_user(verified_email, first_name=first_name, last_name=last_name)
        if not user.is_active:
            raise ExternalLoginRefused(ExternalLoginRefusal.INACTIVE, username=user.get_username())
        identity = ExternalIdentity(user=user, issuer=issuer, subject=subject, name=provider_name[:64])
    if not identity.user.is_active:
        raise ExternalLoginRefused(ExternalLoginRefusal.INACTIVE, username=identity.user.get_username())
    identity.last_used_at = timezone.now()
    identity.save(update_fields=["last_used_at"] if identity.pk else None)
    return identity


def _account_for_email(email: str) -> User | None:
    if not email:
        return None
    accounts = list(User.objects.filter(email__iexact=email)[:2])
    if len(accounts) > 1:
        # Choosing one would open someone else's account: an administrator links the right one.
        raise ExternalLoginRefused(ExternalLoginRefusal.AMBIGUOUS)
    return accounts[0] if accounts else None


def _create_external_user(email: str, *, first_name: str, last_name: str) -> User:
    """An account with no password (it logs in through its provider only) and no membership."""
    username = email.lower()
    if not username or len(username) > 150 or User.objects.filter(username__iexact=username).exists():
        username = f"compte-{secrets.token_hex(5)}"
    user = User(username=username, email=email, first_name=first_name[:150], last_name=last_name[:150])
    user.set_unusable_password()
    user.save()
    return user
