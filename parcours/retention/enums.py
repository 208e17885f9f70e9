from django.db import models

from parcours.access.enums import Category

ACCESS_LOG = "access_log"


class RetentionCategory(models.TextChoices):
    """What a retention rule applies to: each category of a person's record, and the access log."""

    IDENTITY = Category.IDENTITY.value, Category.IDENTITY.label
    PARCOURS = Category.PARCOURS.value, Category.PARCOURS.label
    ASSESSMENTS = Category.ASSESSMENTS.value, Category.ASSESSMENTS.label
    PROJET = Category.PROJET.value, Category.PROJET.label
    SERVICES = Category.SERVICES.value, Category.SERVICES.label
    NOTES = Category.NOTES.value, Category.NOTES.label
    DOCUMENTS = Category.DOCUMENTS.value, Category.DOCUMENTS.label
    HEALTH = Category.HEALTH.value, Category.HEALTH.label
    ACCESS_LOG = ACCESS_LOG, "Journal des accès"


class FinalAction(models.TextChoices):
    ERASURE = "erasure", "Suppression"
    ANONYMISATION = "anonymisation", "Anonymisation"


class StartEvent(models.TextChoices):
    LAST_SUPPORT_END = (
        "last_support_end",
        "Fin du dernier accompagnement (date de sortie de la dernière admission)",
    )
    ENTRY_DATE = "entry_date", "Date de l'entrée elle-même"


class Phase(models.TextChoices):
    ARCHIVE = "archive", "Passage en archive intermédiaire"
    DISPOSE = "dispose", "Suppression ou anonymisation"
    REACTIVATE = "reactivate", "Retour en base active (nouvel accompagnement)"


class RunStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    PLANNING = "planning", "Simulation en cours"
    PLANNED = "planned", "Simulation prête, à examiner"
    APPLYING = "applying", "Application en cours"
    APPLIED = "applied", "Appliquée"
    FAILED = "failed", "Échec"


# What the final action does, category by category. A person row is referenced by the access log
# (PROTECT): identity is anonymised, never deleted; admissions keep the coded data statistics need.
ALLOWED_ACTIONS = {
    RetentionCategory.IDENTITY: (FinalAction.ANONYMISATION,),
    RetentionCategory.PARCOURS: (FinalAction.ANONYMISATION,),
    RetentionCategory.ASSESSMENTS: (FinalAction.ANONYMISATION, FinalAction.ERASURE),
    RetentionCategory.PROJET: (FinalAction.ANONYMISATION, FinalAction.ERASURE),
    RetentionCategory.SERVICES: (FinalAction.ANONYMISATION, FinalAction.ERASURE),
    RetentionCategory.NOTES: (FinalAction.ERASURE,),
    RetentionCategory.DOCUMENTS: (FinalAction.ERASURE,),
    RetentionCategory.HEALTH: (FinalAction.ANONYMISATION, FinalAction.ERASURE),
    RetentionCategory.ACCESS_LOG: (FinalAction.ERASURE,),
}

# What each final action does, in the words shown to the DPO.
ACTION_EFFECTS = {
    RetentionCategory.IDENTITY: (
        "Noms, prénoms, NIR, lieu de naissance et coordonnées effacés ; date de naissance "
        "ramenée au 1er janvier de l'année ; sexe et GIR gardés. Proches supprimés, nom du représentant, "
        "référence du jugement, référence des décisions MDPH et nom du témoin des consentements effacés."
    ),
    RetentionCategory.PARCOURS: (
        "Commentaires des admissions effacés ; dates, établissements, modes et motifs de "
        "sortie gardés pour les statistiques."
    ),
    RetentionCategory.ASSESSMENTS: (
        "Anonymisation : synthèses et commentaires effacés, besoins SERAFIN-PH codés "
        "gardés. Suppression : évaluations supprimées."
    ),
    RetentionCategory.PROJET: (
        "Anonymisation : paroles de la personne, intitulés et descriptions d'objectifs et "
        "précisions effacés, prestations prévues codées gardées. Suppression : projets supprimés."
    ),
    RetentionCategory.SERVICES: (
        "Anonymisation : rien à effacer (données codées gardées). Suppression : "
        "prestations réalisées supprimées."
    ),
    RetentionCategory.NOTES: "Transmissions supprimées (texte libre).",
    RetentionCategory.DOCUMENTS: "Documents supprimés, fichiers compris.",
    RetentionCategory.HEALTH: (
        "Aucune donnée de santé n'est encore enregistrée à part (les transmissions de "
        "santé relèvent des transmissions)."
    ),
    RetentionCategory.ACCESS_LOG: "Entrées du journal plus anciennes que la durée supprimées.",
}
