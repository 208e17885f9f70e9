import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models
from django_otp.models import Device, TimestampMixin

from parcours.accounts.enums import ThrottleKind


class User(AbstractUser):
    """A login. What the user may see follows from their staff memberships (see `access`)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    class Meta:
        verbose_name = "compte"
        verbose_name_plural = "comptes"

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class LoginThrottle(models.Model):
    """Recent failed logins (wrong password or wrong code) for one typed username or one client address.

    `key` is a keyed hash of the username as typed (or of the address), never the text itself: a
    password typed into the username field does not land in the database, and the table does not
    tell which usernames exist. Written only by `parcours.accounts.services`.
    """

    kind = models.CharField("objet", max_length=16, choices=ThrottleKind.choices)
    key = models.CharField("empreinte", max_length=64)
    failures = models.PositiveIntegerField("échecs récents", default=0)
    last_failure_at = models.DateTimeField("dernier échec")
    locked_until = models.DateTimeField("bloqué jusqu'à", null=True, blank=True)

    class Meta:
        verbose_name = "échecs de connexion"
        verbose_name_plural = "échecs de connexion"
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="login_throttle_unique_key")]
        indexes = [models.Index(fields=["last_failure_at"], name="login_throttle_last_failure")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key[:12]}…"


class ExternalIdentity(TimestampMixin, Device):
    """A user's identity at an outside OpenID Connect provider (a gestionnaire's directory, Pro Santé
    Connect): the provider's `iss` and the `sub` it gives this person, which never change.

    It is also a django-otp device, one that accepts no code: a login whose ID token asserts a
    multi-factor authentication (`acr` in PARCOURS_OIDC_TRUSTED_ACR) marks its session verified with
    this identity, the way a TOTP code marks it with the authentication app. Written only by
    `parcours.accounts.services` (or created by an administrator in the admin, to link an account by
    hand when the provider gives no verified e-mail)."""

    issuer = models.CharField("fournisseur d'identité (iss)", max_length=255)
    subject = models.CharField("identifiant chez le fournisseur (sub)", max_length=255)

    class Meta:
        verbose_name = "identité externe"
        verbose_name_plural = "identités externes"
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="external_identity_unique_subject")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    def is_interactive(self) -> bool:
        return False

    def verify_token(self, token) -> bool:
        """No code is ever accepted: this device only records what the provider asserted."""
        return False
