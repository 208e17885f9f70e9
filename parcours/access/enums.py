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
    # The person's own space (parcours.portal): the person, their legal representative, a relative.
    PERSON = "person", "La personne elle-même (son espace)"
    REPRESENTATIVE = "representative", "Son représentant légal, dans le cadre de la mesure"
    RELATIVE = "relative", "Un proche, avec les droits que la personne lui donne"
    # The establishment that accepted the person and admits them (parcours.coordination).
    ARRIVAL = (
        "arrival",
        "Établissement qui accueille la personne (demande acceptée ou dossier de liaison reçu)",
    )
    # The circle of carers around the person (parcours.coordination).
    CIRCLE = "circle", "Membre du cercle d'accompagnement de la personne"
    # An administrator restoring or migrating records through the FHIR API (parcours.fhir).
    IMPORT = "import", "Import d'un dossier par l'administrateur de l'instance (FHIR)"
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


class PortalRight(models.TextChoices):
    """What the person (or their legal representative) lets a relative do in the person's space."""

    DAY = "day", "Suivre la journée : présence, activités, transmissions partagées, rendez-vous"
    PROJET = "projet", "Lire le projet personnalisé et le commenter"
    MESSAGES = "messages", "Échanger des messages avec l'équipe"


class PortalPower(models.TextChoices):
    """Everything that can be done in the person's space. A relative holds only the rights
    (`PortalRight`) given to them; the person, and a legal representative within the scope of the
    measure, hold more (docs/portal.md)."""

    DAY = "day", "Suivre la journée"
    PROJET = "projet", "Lire et commenter le projet personnalisé"
    MESSAGES = "messages", "Échanger des messages avec l'équipe"
    AGREE = "agree", "Donner son accord au projet personnalisé"
    CONSENTS = "consents", "Décider du partage du dossier et des droits des proches"
    PRIVACY = "privacy", "Voir qui a ouvert le dossier et télécharger ses données"
    EVALUATE = "evaluate", "Répondre aux questionnaires de satisfaction"


class PortalRole(models.TextChoices):
    PERSON = "person", "La personne elle-même"
    REPRESENTATIVE = "representative", "Représentant légal"
    RELATIVE = "relative", "Proche"
