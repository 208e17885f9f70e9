"""Who must use a second factor, and what a password-authenticated user must still do.

Business rules:
- every user who can read personal data uses a second factor: anyone with a staff membership
  (current or past: a new membership opens records at once), and the administrators (`is_staff`,
  superusers);
- a user who set up an authentication app gives a code at every login, even when not required to;
- with PARCOURS_REQUIRE_2FA off (the demonstration on synthetic data only) nobody is asked.
"""

from django.conf import settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from parcours.accounts.enums import SecondFactorStep
from parcours.staff.models import Membership


def second_factor_required(user) -> bool:
    if user.is_superuser or user.is_staff:
        return True
    return Membership.objects.filter(professional__user=user).exists()


def has_totp_device(user) -> bool:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).exists()


def second_factor_step(user) -> SecondFactorStep | None:
    """None once nothing stands between the user and the pages (verified, or no second factor needed)."""
    if not settings.PARCOURS_REQUIRE_2FA or not user.is_authenticated:
        return None
    if getattr(user, "is_verified", None) is not None and user.is_verified():
        return None
    if has_totp_device(user):
        return SecondFactorStep.VERIFY
    if second_factor_required(user):
        return SecondFactorStep.ENROL
    return None
