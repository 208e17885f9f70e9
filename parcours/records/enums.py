from django.db import models


class ExitReason(models.TextChoices):
    """Reasons for the end of a support: ANS TRE_R358-MotifStatutPersonnePriseCharge
    (OID 1.2.250.1.213.3.3.248, v20231215120000), the codes linked to the status "usager sorti"
    (188) by ASS_A32. Codes and labels as published; source in parcours/nomenclature/data/SOURCES.md."""

    MOVE = "87", "L'usager est admis dans un autre ESMS suite à un déménagement"
    CDAPH_DECISION = "88", "Suite à la décision de la CDAPH"
    PERSON_CHOICE = "89", "L'usager ne souhaite plus être pris en charge par l'ESMS"
    DEATH = "124", "L'usager est décédé"
    REORIENTATION = "91", "L'usager est admis dans un autre ESMS suite à une réorientation"
    ESAT_RESIGNATION = "125", "L'usager a démissionné (ESAT)"
    ESAT_INVALIDITY = "126", "Prise en charge invalidité SS (ESAT)"
    ESAT_RETIREMENT = "127", "Retraite (ESAT)"
    END_OF_CONTRACT = "128", "Fin de contrat (SAVS/SAMSAH/SESSAD)"
    END_OF_TRIAL = "135", "Fin de période d'essai"
    RENEWAL = "136", "Renouvellement"
    APPRENTICESHIP = "146", "Entrée en apprentissage"
    ORDINARY_LIFE = "147", "Réinsertion en milieu ordinaire"
    HOSPITAL = "157", "Hospitalisation"
    ELDERLY_ESTABLISHMENT = "158", "Admission en établissement pour personnes âgées"
    END_OF_TRAINING = "159", "Fin de formation"
    FOSTER_FAMILY = "184", "L'usager est accueilli en famille d'accueil"
    END_OF_TEMPORARY_STAY = "204", "Fin de l'accueil temporaire"
    UNIT_TRANSFER = "253", "L'usager est transféré dans une autre unité"


class NeedIntensity(models.IntegerChoices):
    LOW = 1, "Faible"
    MODERATE = 2, "Modérée"
    HIGH = 3, "Importante"
    VERY_HIGH = 4, "Très importante"


class ProjetStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PROPOSED = "proposed", "Proposé"
    AGREED = "agreed", "Validé avec la personne"
    UNDER_REVIEW = "under_review", "En révision"


# Which status may follow which: a plan is drafted, proposed to the person, agreed with
# them; an agreed plan is reopened for review and proposed again.
PROJET_TRANSITIONS: dict[str, set[str]] = {
    ProjetStatus.DRAFT: {ProjetStatus.PROPOSED},
    ProjetStatus.PROPOSED: {ProjetStatus.AGREED, ProjetStatus.DRAFT},
    ProjetStatus.AGREED: {ProjetStatus.UNDER_REVIEW},
    ProjetStatus.UNDER_REVIEW: {ProjetStatus.PROPOSED},
}


class FrequencyPeriod(models.TextChoices):
    DAY = "day", "par jour"
    WEEK = "week", "par semaine"
    MONTH = "month", "par mois"
    YEAR = "year", "par an"


class NoteCategory(models.TextChoices):
    DAILY_LIFE = "daily_life", "Vie quotidienne"
    HEALTH = "health", "Santé"
    BEHAVIOUR = "behaviour", "Comportement et relations"
    ACTIVITY = "activity", "Activités et ateliers"
    FAMILY = "family", "Lien avec la famille"
    INCIDENT = "incident", "Événement indésirable"
    ADMINISTRATIVE = "administrative", "Administratif"


class TimelineKind(models.TextChoices):
    ADMISSION = "admission", "Admissions et sorties"
    ASSESSMENT = "assessment", "Évaluations des besoins"
    PROJET = "projet", "Projets personnalisés"
    NOTE = "note", "Transmissions"
    SERVICE = "service", "Prestations réalisées"


class ProjetResponseKind(models.TextChoices):
    """What the person, their representative or a relative says about a version of the projet."""

    AGREE = "agree", "Accord"
    CHANGES = "changes", "Demande de modification"
    COMMENT = "comment", "Commentaire"


class ResponseCapacity(models.TextChoices):
    """In what capacity a response was given."""

    PERSON = "person", "La personne elle-même"
    REPRESENTATIVE = "representative", "Son représentant légal"
    RELATIVE = "relative", "Un proche"
    TEAM = "team", "L'équipe (accord recueilli sur papier)"


class PresenceStatus(models.TextChoices):
    PRESENT = "present", "Présent"
    ABSENT = "absent", "Absent"


class AbsenceReason(models.TextChoices):
    """Why a person expected today is not there (Parcours' own list, for the family's view)."""

    ILLNESS = "illness", "Maladie"
    HOSPITAL = "hospital", "Hospitalisation"
    FAMILY = "family", "En famille"
    HOLIDAY = "holiday", "Vacances"
    OTHER = "other", "Autre raison"


class AgendaKind(models.TextChoices):
    ACTIVITY = "activity", "Activité"
    APPOINTMENT = "appointment", "Rendez-vous"
