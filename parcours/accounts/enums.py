from django.db import models


class ThrottleKind(models.TextChoices):
    """What a count of failed logins is about."""

    USERNAME = "username", "Identifiant"
    ADDRESS = "address", "Adresse du poste"


class SecondFactorStep(models.TextChoices):
    """What a user who typed the right password must still do before reaching the pages."""

    VERIFY = "verify", "Saisir un code"
    ENROL = "enrol", "Configurer la double authentification"
