from django.db import models


class ThrottleKind(models.TextChoices):
    """What a count of failed logins is about."""

    USERNAME = "username", "Identifiant"
    ADDRESS = "address", "Adresse du poste"


class SecondFactorStep(models.TextChoices):
    """What a user who typed the right password must still do before reaching the pages."""

    VERIFY = "verify", "Saisir un code"
    ENROL = "enrol", "Configurer la double authentification"


class ExternalLoginRefusal(models.TextChoices):
    """Why a login through an outside OpenID Connect provider was refused (never logged with a name)."""

    UNKNOWN = "unknown", "Aucun compte correspondant"
    AMBIGUOUS = "ambiguous", "Plusieurs comptes avec cette adresse"
    INACTIVE = "inactive", "Compte désactivé"
    LOCKED = "locked", "Connexion bloquée"
    CANCELLED = "cancelled", "Refusée ou annulée chez le fournisseur"
    INVALID = "invalid", "Réponse du fournisseur invalide"
    UNAVAILABLE = "unavailable", "Fournisseur injoignable"
