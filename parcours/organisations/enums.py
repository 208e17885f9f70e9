from django.db import models


class SupportMode(models.TextChoices):
    """Modes of support for which a capacity is authorised (arrêté d'autorisation)."""

    INTERNAT = "internat", "Internat"
    SEMI_INTERNAT = "semi_internat", "Semi-internat / accueil de jour"
    EXTERNAT = "externat", "Externat"
    ACCUEIL_TEMPORAIRE = "accueil_temporaire", "Accueil temporaire"
    MILIEU_ORDINAIRE = "milieu_ordinaire", "Milieu ordinaire / ambulatoire"
