from django.db import models


class ExitReason(models.TextChoices):
    HOME = "home", "Retour ou maintien au domicile"
    OTHER_ESMS = "other_esms", "Orientation vers un autre établissement ou service"
    HOSPITAL = "hospital", "Hospitalisation de longue durée"
    ORDINARY_WORK = "ordinary_work", "Insertion en milieu ordinaire de travail"
    AGE_LIMIT = "age_limit", "Limite d'âge ou fin d'orientation"
    MOVE = "move", "Déménagement"
    PERSON_CHOICE = "person_choice", "À l'initiative de la personne ou de sa famille"
    DEATH = "death", "Décès"
    OTHER = "other", "Autre motif"


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
