"""The record of processing activities (registre des traitements, RGPD art. 30), generated from the
configuration: the organismes gestionnaires, the DPO's address, the access policy's bases, the
retention rules and the security settings. What the reference texts did not let us verify is marked
"à compléter" rather than guessed."""

from dataclasses import dataclass

from django.conf import settings

from parcours.access.enums import Basis, Category
from parcours.access.policy import may_audit, scope_of
from parcours.organisations.models import Gestionnaire
from parcours.retention.enums import ACTION_EFFECTS, RetentionCategory
from parcours.retention.rules import TO_CONFIGURE, current_rules

TO_COMPLETE = "à compléter"
CNIL_REFERENTIEL = (
    "CNIL, référentiel « accueil, hébergement et accompagnement social et médico-social », "
    "délibération n° 2021-028 du 11 mars 2021"
)

# What Parcours is used for, in the order of the CNIL referential's plan (§ 3 « finalités »). The
# wording of the referential itself was not read: each line is to be checked against it.
PURPOSES = [
    "Gestion administrative de l'accueil : admissions, sorties, capacités et occupation.",
    "Suivi social et médico-social de la personne : évaluations des besoins, transmissions, "
    "prestations réalisées.",
    "Élaboration et suivi du projet personnalisé avec la personne.",
    "Coordination et partage d'informations entre professionnels, avec le consentement de la personne.",
    "Statistiques et pilotage à partir des données codées (SERAFIN-PH), sans nom.",
    "Sécurité du traitement : journal des accès et audit par le délégué à la protection des données.",
]

PERSON_CATEGORIES = [
    "Personnes accompagnées (personnes âgées, personnes en situation de handicap, personnes en difficulté).",
    "Leurs proches, aidants et représentants légaux.",
    "Professionnels utilisateurs de Parcours (comptes, journal de leurs accès).",
]

# The access policy's bases in plain words (docs/access.md).
RECIPIENTS = {
    Basis.TEAM: (
        "Les professionnels de l'équipe d'un établissement où la personne est accompagnée, ou l'a été "
        "il y a moins de {grace} jours : lecture et écriture de tout le dossier."
    ),
    Basis.REGISTRATION: (
        "L'équipe de l'établissement qui a ouvert le dossier, tant que la personne n'est admise "
        "nulle part : lecture et écriture."
    ),
    Basis.ESTABLISHMENT_DIRECTION: (
        "La direction de tout établissement où la personne a été accompagnée : lecture et écriture."
    ),
    Basis.GESTIONNAIRE_DIRECTION: (
        "La direction de l'organisme gestionnaire de ces établissements : lecture de "
        "tout sauf les transmissions, les documents et les informations de santé ; aucune écriture."
    ),
    Basis.CONSENT: (
        "L'équipe et la direction d'un autre établissement désigné par un consentement en cours de la "
        "personne ou de son représentant légal : lecture des seules parties consenties ; aucune écriture."
    ),
    Basis.BREAK_GLASS: (
        "Un professionnel d'une équipe ou une direction, en urgence, après avoir écrit un motif : lecture "
        "de tout le dossier pendant {break_glass} heures, signalée à la direction et au délégué à la "
        "protection des données ; aucune écriture."
    ),
}
NOT_RECIPIENTS = {Basis.VISIBLE, Basis.NONE, Basis.RETENTION}


@dataclass
class RetentionLine:
    category: str
    label: str
    configured: bool
    active: str
    archive: str
    final_action: str
    effect: str
    start_event: str
    justification: str
    source: str


@dataclass
class Measure:
    label: str
    value: str


def may_read_registre(user) -> bool:
    """The DPO, and the directions of establishments and of organismes gestionnaires."""
    if may_audit(user):
        return True
    scope = scope_of(user)
    return bool(scope.directed or scope.gestionnaires)


def _months(value: int | None) -> str:
    if value is None:
        return TO_CONFIGURE
    if value == 0:
        return "aucune"
    return f"{value} mois"


def retention_lines() -> list[RetentionLine]:
    lines = []
    for category, rule in current_rules().items():
        lines.append(
            RetentionLine(
                category=category,
                label=RetentionCategory(category).label,
                configured=rule.is_configured,
                active=_months(rule.active_months),
                archive=_months(rule.archive_months) if rule.is_configured else TO_CONFIGURE,
                final_action=rule.get_final_action_display() if rule.final_action else TO_CONFIGURE,
                effect=ACTION_EFFECTS[category],
                start_event=rule.get_start_event_display(),
                justification=rule.justification,
                source=rule.source,
            )
        )
    return lines


def recipients() -> list[tuple[str, str]]:
    grace = settings.PARCOURS_ACCESS_GRACE_DAYS
    rows = []
    for basis in Basis:
        if basis in NOT_RECIPIENTS:
            continue
        text = RECIPIENTS.get(basis)
        rows.append(
            (
                basis.label,
                text.format(grace=grace, break_glass=settings.PARCOURS_BREAK_GLASS_HOURS)
                if text
                else f"Règles : voir docs/access.md ({TO_COMPLETE}).",
            )
        )
    return rows


def _seconds(value: int) -> str:
    minutes = value // 60
    return f"{minutes // 60} h {minutes % 60:02d}" if minutes >= 60 else f"{minutes} minutes"


def security_measures() -> list[Measure]:
    """Read from the settings in force (defensively: a setting may not exist in every version)."""
    two_factor = getattr(settings, "PARCOURS_REQUIRE_2FA", None)
    idle = getattr(settings, "PARCOURS_SESSION_IDLE_TIMEOUT", None)
    age = getattr(settings, "SESSION_COOKIE_AGE", None)
    failures = getattr(settings, "PARCOURS_LOGIN_FAILURE_LIMIT", None)
    lockout = getattr(settings, "PARCOURS_LOGIN_LOCKOUT_SECONDS", None)
    hsts = getattr(settings, "SECURE_HSTS_SECONDS", 0)
    data_keys = getattr(settings, "PARCOURS_DATA_KEYS_FILE", None)
    measures = [
        Measure(
            "Second facteur d'authentification",
            "exigé de tout utilisateur (application TOTP ou codes de secours)"
            if two_factor
            else "DÉSACTIVÉ (démonstration sur données fictives seulement)"
            if two_factor is not None
            else TO_COMPLETE,
        ),
        Measure(
            "Fin de session",
            f"après {_seconds(idle)} d'inactivité, et au plus tard {_seconds(age)} après la connexion"
            if idle and age
            else TO_COMPLETE,
        ),
        Measure(
            "Verrouillage après échecs de connexion",
            f"compte verrouillé {_seconds(lockout)} après {failures} échecs"
            if failures and lockout
            else TO_COMPLETE,
        ),
        Measure(
            "Journal des accès",
            "chaque lecture, écriture et refus est journalisé ; entrées chaînées par empreinte SHA-256, "
            "vérifiables par « parcours audit verify »",
        ),
        Measure(
            "Chiffrement des échanges",
            "HTTPS imposé (HSTS)" if hsts else "HTTPS à imposer au niveau du serveur (HSTS désactivé)",
        ),
        Measure(
            "Chiffrement au repos",
            "texte libre des dossiers et documents chiffrés par Parcours, clés hors de la base et des "
            "sauvegardes ; chiffrement du disque et des sauvegardes à assurer par l'hébergeur"
            if data_keys
            else f"{TO_COMPLETE} : à assurer au niveau du disque, de la base de données et des sauvegardes "
            "(docs/backup.md)",
        ),
    ]
    return measures


def registre_context() -> dict:
    dpo_email = getattr(settings, "PARCOURS_DPO_EMAIL", "")
    return {
        "controllers": list(Gestionnaire.objects.order_by("name")),
        "dpo_email": dpo_email,
        "referentiel": CNIL_REFERENTIEL,
        "purposes": PURPOSES,
        "person_categories": PERSON_CATEGORIES,
        "data_categories": [label for _, label in Category.choices] + [RetentionCategory.ACCESS_LOG.label],
        "recipients": recipients(),
        "retention": retention_lines(),
        "measures": security_measures(),
        "to_complete": TO_COMPLETE,
    }
