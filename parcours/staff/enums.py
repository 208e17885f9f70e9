from django.db import models


class Profession(models.TextChoices):
    EDUCATEUR_SPECIALISE = "educateur_specialise", "Éducateur ou éducatrice spécialisé(e)"
    MONITEUR_EDUCATEUR = "moniteur_educateur", "Moniteur-éducateur ou monitrice-éducatrice"
    AES = "aes", "Accompagnant(e) éducatif et social"
    AIDE_SOIGNANT = "aide_soignant", "Aide-soignant(e)"
    INFIRMIER = "infirmier", "Infirmier ou infirmière"
    PSYCHOLOGUE = "psychologue", "Psychologue"
    ASSISTANT_SOCIAL = "assistant_social", "Assistant(e) de service social"
    MONITEUR_ATELIER = "moniteur_atelier", "Moniteur ou monitrice d'atelier"
    ERGOTHERAPEUTE = "ergotherapeute", "Ergothérapeute"
    ORTHOPHONISTE = "orthophoniste", "Orthophoniste"
    PSYCHOMOTRICIEN = "psychomotricien", "Psychomotricien(ne)"
    MEDECIN = "medecin", "Médecin"
    CHEF_SERVICE = "chef_service", "Chef(fe) de service"
    DIRECTEUR = "directeur", "Directeur ou directrice"
    SECRETAIRE = "secretaire", "Secrétaire"
    AGENT_SERVICE = "agent_service", "Agent(e) de service"
    AUTRE = "autre", "Autre profession"


HEALTH_PROFESSIONS = {
    Profession.INFIRMIER,
    Profession.AIDE_SOIGNANT,
    Profession.MEDECIN,
    Profession.PSYCHOLOGUE,
    Profession.ERGOTHERAPEUTE,
    Profession.ORTHOPHONISTE,
    Profession.PSYCHOMOTRICIEN,
}
RPPS_PROFESSIONS = {
    Profession.MEDECIN,
    Profession.INFIRMIER,
    Profession.ERGOTHERAPEUTE,
    Profession.ORTHOPHONISTE,
    Profession.PSYCHOLOGUE,
    Profession.PSYCHOMOTRICIEN,
}


class ContractType(models.TextChoices):
    CDI = "cdi", "CDI"
    CDD = "cdd", "CDD"
    INTERIM = "interim", "Intérim"
    APPRENTISSAGE = "apprentissage", "Apprentissage"
    FONCTIONNAIRE = "fonctionnaire", "Titulaire de la fonction publique"
    LIBERAL = "liberal", "Libéral (convention)"


class Role(models.TextChoices):
    """What a membership lets the professional do; see parcours.access.policy."""

    PROFESSIONAL = "professional", "Professionnel(le) de l'établissement"
    ESTABLISHMENT_DIRECTOR = "establishment_director", "Direction de l'établissement"
    GESTIONNAIRE_DIRECTOR = "gestionnaire_director", "Direction de l'organisme gestionnaire"


class AbsenceReason(models.TextChoices):
    """Why a professional is absent; which reasons count in the absenteeism rate is decided by the
    indicator (parcours.reporting.indicators.staff), not here."""

    SICKNESS = "sickness", "Maladie ordinaire"
    WORK_INJURY = "work_injury", "Accident du travail ou maladie professionnelle"
    PARENTAL = "parental", "Maternité, paternité ou adoption"
    UNPAID = "unpaid", "Congé sans solde ou autre absence non rémunérée"
    TRAINING = "training", "Formation"
    OTHER = "other", "Autre motif"
