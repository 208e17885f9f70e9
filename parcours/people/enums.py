from django.db import models


class Sex(models.TextChoices):
    """Sex as in the INS identity traits (M, F, I for indeterminate)."""

    FEMALE = "F", "Féminin"
    MALE = "M", "Masculin"
    UNKNOWN = "I", "Indéterminé"


class IdentityStatus(models.TextChoices):
    """Identity confidence statuses of the RNIV (FR Core CodeSystem fr-core-cs-identity-status)."""

    PROVISOIRE = "PROV", "Identité provisoire"
    RECUPEREE = "RECUP", "Identité récupérée"
    VALIDEE = "VALI", "Identité validée"
    QUALIFIEE = "QUAL", "Identité qualifiée"


class RelationshipKind(models.TextChoices):
    PARENT = "parent", "Parent"
    CHILD = "child", "Enfant"
    SPOUSE = "spouse", "Conjoint ou conjointe"
    SIBLING = "sibling", "Frère ou sœur"
    GRANDPARENT = "grandparent", "Grand-parent"
    OTHER_FAMILY = "other_family", "Autre membre de la famille"
    FRIEND = "friend", "Ami ou voisin"
    OTHER = "other", "Autre"


class ProtectionMeasure(models.TextChoices):
    """Legal protection measures for adults (Code civil, art. 425 and following)."""

    SAUVEGARDE = "sauvegarde", "Sauvegarde de justice"
    CURATELLE_SIMPLE = "curatelle_simple", "Curatelle simple"
    CURATELLE_RENFORCEE = "curatelle_renforcee", "Curatelle renforcée"
    TUTELLE = "tutelle", "Tutelle"
    HABILITATION_FAMILIALE = "habilitation_familiale", "Habilitation familiale"
    MANDAT_PROTECTION_FUTURE = "mandat_protection_future", "Mandat de protection future"
    AUTORITE_PARENTALE = "autorite_parentale", "Autorité parentale (mineur)"
    DELEGATION_AUTORITE = "delegation_autorite", "Délégation d'autorité parentale / tutelle de mineur"


class RepresentativeKind(models.TextChoices):
    FAMILY = "family", "Membre de la famille"
    MANDATAIRE = "mandataire", "Mandataire judiciaire à la protection des majeurs"
    SERVICE = "service", "Service (ASE, service mandataire)"


class MdphDecisionType(models.TextChoices):
    """Rights and benefits decided by the CDAPH of the MDPH."""

    ORIENTATION_ESMS = "orientation_esms", "Orientation vers un établissement ou service médico-social"
    ORIENTATION_PRO = "orientation_pro", "Orientation professionnelle"
    RQTH = "rqth", "Reconnaissance de la qualité de travailleur handicapé (RQTH)"
    AAH = "aah", "Allocation aux adultes handicapés (AAH)"
    AEEH = "aeeh", "Allocation d'éducation de l'enfant handicapé (AEEH)"
    PCH = "pch", "Prestation de compensation du handicap (PCH)"
    CMI = "cmi", "Carte mobilité inclusion (CMI)"
    SCOLARISATION = "scolarisation", "Parcours de scolarisation (PPS)"
    OTHER = "other", "Autre décision"


class Gir(models.IntegerChoices):
    """Groupe iso-ressources of the AGGIR grid, 1 (most dependent) to 6."""

    GIR_1 = 1, "GIR 1"
    GIR_2 = 2, "GIR 2"
    GIR_3 = 3, "GIR 3"
    GIR_4 = 4, "GIR 4"
    GIR_5 = 5, "GIR 5"
    GIR_6 = 6, "GIR 6"
