from django.db import models


class Category(models.TextChoices):
    """Categories of a person's record, the unit in which access is decided."""

    IDENTITY = "identity", "Identité et coordonnées"
    PARCOURS = "parcours", "Parcours (admissions et sorties)"
    ASSESSMENTS = "assessments", "Évaluations des besoins"
    PROJET = "projet", "Projet personnalisé"
    SERVICES = "services", "Prestations réalisées"
    NOTES = "notes", "Transmissions"
    DOCUMENTS = "documents", "Documents"
    HEALTH = "health", "Informations de santé"


class Action(models.TextChoices):
    READ = "read", "Lecture"
    LIST = "list", "Affichage dans une liste"
    SEARCH = "search", "Recherche"
    CREATE = "create", "Création"
    UPDATE = "update", "Modification"
    EXPORT = "export", "Export (droit d'accès)"


WRITE_ACTIONS = {Action.CREATE, Action.UPDATE}


class Basis(models.TextChoices):
    """Why access was granted (or not)."""

    TEAM = "team", "Membre de l'équipe qui accompagne la personne"
    REGISTRATION = "registration", "Équipe qui a ouvert le dossier (avant admission)"
    ESTABLISHMENT_DIRECTION = "establishment_direction", "Direction de l'établissement"
    GESTIONNAIRE_DIRECTION = "gestionnaire_direction", "Direction de l'organisme gestionnaire"
    CONSENT = "consent", "Consentement de la personne"
    BREAK_GLASS = "break_glass", "Accès d'urgence (bris de glace)"
    RETENTION = "retention", "Application des durées de conservation (DPO)"
    VISIBLE = "visible", "Dans le périmètre d'accès de l'utilisateur (liste ou recherche)"
    NONE = "none", "Aucun droit"


class ConsentDecision(models.TextChoices):
    GRANTED = "granted", "Accord"
    REFUSED = "refused", "Refus"


class ConsentGivenBy(models.TextChoices):
    PERSON = "person", "La personne elle-même"
    REPRESENTATIVE = "representative", "Son représentant légal"


class ConsentHow(models.TextChoices):
    SIGNED_PAPER = "signed_paper", "Document papier signé (numérisé)"
    PORTAL = "portal", "Sur le portail"
    ORAL = "oral", "Oralement, devant un témoin"


class RestrictionGround(models.TextChoices):
    """Why processing is restricted (RGPD art. 18.1, a to d)."""

    ACCURACY = "accuracy", "La personne conteste l'exactitude des données (le temps de vérifier)"
    UNLAWFUL = "unlawful", "Traitement illicite : la personne demande la limitation plutôt que l'effacement"
    CLAIMS = "claims", "Données nécessaires à la personne pour un recours en justice"
    OBJECTION = "objection", "Opposition en cours d'examen"
