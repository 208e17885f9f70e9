"""Choices of the coordination of the parcours.

`RequestStatus` and `RequestReason` are codes of the ANS nomenclatures used by the national
orientation follow-up (SI suivi des orientations, ViaTrajectoire PH) and by the ANS FHIR guide
"Suivi des décisions d'orientation" (ESMSTask, input `statutESMS` / `motifESMS`): the labels are the
published ones (sources in parcours/nomenclature/data/SOURCES.md). `REQUEST_STEP` gives each status
the plain word the pages use (envoyée, reçue, en étude...), Parcours' own wording.
"""

from django.db import models


class WaitingListOutcome(models.TextChoices):
    """Why an entry left the waiting list."""

    ADMITTED = "admitted", "Admission dans l'établissement ou le service"
    ORIENTED_ELSEWHERE = "oriented_elsewhere", "Orientation ou admission ailleurs"
    WITHDRAWN = "withdrawn", "Retrait à la demande de la personne"
    DECEASED = "deceased", "Décès"
    OTHER = "other", "Autre motif"


class WaitingListPriority(models.IntegerChoices):
    """The establishment's priority among its candidates (Parcours' own scale)."""

    URGENT = 1, "Urgente"
    HIGH = 2, "Haute"
    NORMAL = 3, "Normale"


class RequestStatus(models.TextChoices):
    """Status of a person oriented by the MDPH, in one ESMS: ANS JDV_J252-StatutPersonnePriseChargeESMS
    (OID 1.2.250.1.213.3.4.116, v20230922120000), codes of TRE_R357-StatutPersonnePriseCharge; the
    ones an admission request goes through here."""

    SENT = "39", "Notification envoyée"
    READ = "40", "Notification lue"
    UNDER_STUDY = "42", "Liste d'attente. En cours d'analyse, demande d'admission reçue dans l'ESMS"
    ADMISSIBLE = "72", "Liste d'attente. Admissible dans l'ESMS"
    IMPOSSIBLE = "45", "Admission impossible signalée"
    ENTERED = "47", "Usager entré"
    CANCELLED = "49", "Notification annulée"


REQUEST_STEP = {
    RequestStatus.SENT: "envoyée",
    RequestStatus.READ: "reçue",
    RequestStatus.UNDER_STUDY: "en étude",
    RequestStatus.ADMISSIBLE: "acceptée",
    RequestStatus.IMPOSSIBLE: "refusée",
    RequestStatus.ENTERED: "admission réalisée",
    RequestStatus.CANCELLED: "annulée",
}

# Which status may follow which (the last three end the request).
REQUEST_TRANSITIONS: dict[str, set[str]] = {
    RequestStatus.SENT: {RequestStatus.READ, RequestStatus.CANCELLED},
    RequestStatus.READ: {RequestStatus.UNDER_STUDY, RequestStatus.IMPOSSIBLE, RequestStatus.CANCELLED},
    RequestStatus.UNDER_STUDY: {RequestStatus.ADMISSIBLE, RequestStatus.IMPOSSIBLE, RequestStatus.CANCELLED},
    RequestStatus.ADMISSIBLE: {RequestStatus.ENTERED, RequestStatus.IMPOSSIBLE, RequestStatus.CANCELLED},
    RequestStatus.IMPOSSIBLE: set(),
    RequestStatus.ENTERED: set(),
    RequestStatus.CANCELLED: set(),
}
OPEN_STATUSES = {RequestStatus.SENT, RequestStatus.READ, RequestStatus.UNDER_STUDY, RequestStatus.ADMISSIBLE}


class RefusalReason(models.TextChoices):
    """Why an admission is impossible: the codes of TRE_R358-MotifStatutPersonnePriseCharge that the
    ConceptMap ASS_A32-StatutMotifPersonnePriseCharge (v20250411120000) links to status 45, with the
    labels of JDV_J251-MotifStatutPersonnePriseChargeESMS (v20230922120000)."""

    EQUIPMENT = "86", "Le plateau technique n'est pas adapté à la prise en charge de l'usager"
    DISTANCE = "113", "Eloignement géographique"
    RESOURCES = "114", "Les ressources de l'ESMS ne sont pas suffisantes"
    LIFE_PROJECT = "115", "L'ESMS n'est pas adapté au projet de vie actuel de l'usager"
    DISABILITY = "116", "Le type de handicap ne relève pas de l'ESMS"
    SITUATION_CHANGED = "117", "La situation de l'usager a changé, l'ESMS n'est pas adapté"
    REFUSES_REGISTRATION = "118", "L'usager ou son représentant légal refuse de s'inscrire dans l'ESMS"
    ADMITTED_ELSEWHERE = "119", "L'usager a été admis dans un autre ESMS, l'orientation n'est plus pertinente"
    MOVED = "120", "L'usager a déménagé, l'orientation n'est plus pertinente géographiquement"
    REFUSES_PROJECT = "121", "L'usager ou son représentant légal refuse d'adhérer au projet de vie de l'ESMS"
    AGE = "122", "L'âge de l'usager est incompatible"
    DECEASED = "124", "L'usager est décédé"
    RETIREMENT = "127", "L'usager a fait valoir ses droits à la retraite (ESAT)"
    UNREACHABLE = "148", "L'ESMS n'a pas réussi à joindre l'usager"


class LiaisonStatus(models.TextChoices):
    DRAFT = "draft", "En préparation"
    SENT = "sent", "Envoyé"
    IMPORTED = "imported", "Importé par l'établissement qui accueille"
    CANCELLED = "cancelled", "Annulé"


class LiaisonPart(models.TextChoices):
    """The parts of a liaison file the sending structure chooses one by one."""

    IDENTITY = "identity", "Identité et coordonnées"
    CONTACTS = "contacts", "Proches, aidants et représentant légal"
    NEEDS = "needs", "Besoins actuels (dernière évaluation)"
    PROJET = "projet", "Projet personnalisé en cours"
    NOTES = "notes", "Transmissions choisies"
    DEFICIENCIES = "deficiencies", "Déficiences"
    MDPH = "mdph", "Décisions MDPH en cours"


class CircleRole(models.TextChoices):
    """What a member does in the circle around the person (Parcours' own list)."""

    COORDINATOR = "coordinator", "Coordinateur ou référent de parcours"
    REFERENT = "referent", "Professionnel référent dans sa structure"
    PROFESSIONAL = "professional", "Professionnel qui accompagne"
    HEALTH = "health", "Professionnel de santé"
    CARER = "carer", "Aidant familial"
    REPRESENTATIVE = "representative", "Représentant légal"


class TaskStatus(models.TextChoices):
    OPEN = "open", "À faire"
    DONE = "done", "Fait"
    CANCELLED = "cancelled", "Annulé"


class ThreadAudience(models.TextChoices):
    TEAM = "team", "Professionnels du cercle seulement"
    FAMILY = "family", "Avec la famille"


class NotificationKind(models.TextChoices):
    REQUEST_RECEIVED = "request_received", "Demande d'admission reçue"
    REQUEST_DECIDED = "request_decided", "Décision sur une demande d'admission"
    LIAISON_RECEIVED = "liaison_received", "Dossier de liaison reçu"
    TASK_DUE = "task_due", "Tâche à échéance"
    CIRCLE_MESSAGE = "circle_message", "Nouveau message dans le cercle"
