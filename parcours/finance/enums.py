from django.db import models


class ImportStatus(models.TextChoices):
    REJECTED = "rejected", "Refusé : le fichier contient des erreurs"
    READY = "ready", "À confirmer"
    APPLIED = "applied", "Appliqué"


class RowAction(models.TextChoices):
    CREATE = "create", "Création"
    REPLACE = "replace", "Remplacement"
