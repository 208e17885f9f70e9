"""French texts of the synthetic data: daily notes, goals, the person's words, place names.

Note sentences are written once with gender markers, expanded at import into a masculine and a
feminine form: {p} the first name, {il}/{Il} il or elle, {e} the feminine ending, {le} le or la.
They carry no tab, newline or backslash, so they go into a COPY stream unescaped.
"""

from parcours.demo.profiles import CHILD, CHILD_PROTECTION, ELDERLY, HOME, SOCIAL, WORKER
from parcours.records.enums import NoteCategory

C = NoteCategory

OPENINGS: dict[str, tuple[str, ...]] = {
    C.DAILY_LIFE: (
        "{p} a passé une bonne journée.",
        "{p} s'est levé{e} de bonne humeur ce matin.",
        "Journée calme pour {p}.",
        "{p} était fatigué{e} aujourd'hui.",
        "{p} a bien mangé au repas de midi.",
        "{p} a pris sa douche sans aide ce matin.",
        "{p} semblait préoccupé{e} en début de journée.",
        "{p} a participé à la préparation du goûter.",
        "Bonne nuit pour {p}, sans réveil signalé.",
        "{p} a rangé sa chambre avec un peu d'aide.",
        "{p} a eu du mal à se lever ce matin.",
        "{p} a choisi seul{e} ses vêtements pour la journée.",
    ),
    C.HEALTH: (
        "{p} s'est plaint{e} de maux de tête en fin de matinée.",
        "Traitement du soir pris par {p} sans difficulté.",
        "{p} a toussé une partie de la nuit.",
        "Rendez-vous chez le dentiste pour {p} : soins à poursuivre.",
        "{p} a un peu de fièvre ce soir (38,1).",
        "Pansement de {p} refait, la plaie cicatrise bien.",
        "{p} a bien dormi après l'adaptation du traitement.",
        "{p} a peu bu aujourd'hui.",
        "Tension de {p} contrôlée ce matin : dans les normes.",
        "{p} a été vu{e} par le médecin.",
    ),
    C.BEHAVIOUR: (
        "{p} s'est montré{e} agité{e} en fin d'après-midi.",
        "{p} a aidé spontanément un camarade.",
        "Tension entre {p} et un autre résident au moment du repas.",
        "{p} a su exprimer sa colère avec des mots.",
        "{p} s'est isolé{e} une bonne partie de l'après-midi.",
        "{p} a été très souriant{e} toute la journée.",
        "{p} a refusé de participer à l'activité prévue.",
        "{p} a demandé à parler à son référent.",
        "{p} a respecté les règles du groupe aujourd'hui.",
    ),
    C.ACTIVITY: (
        "{p} a participé à l'atelier cuisine.",
        "Sortie au marché avec {p} et deux autres personnes.",
        "{p} a fait de la piscine ce matin.",
        "{p} s'est investi{e} dans l'atelier peinture.",
        "{p} a participé à l'atelier mémoire.",
        "Promenade au parc avec {p} cet après-midi.",
        "{p} a joué aux cartes avec le groupe.",
        "{p} a participé à la séance de gymnastique douce.",
        "{p} a terminé son travail à l'atelier dans les temps.",
        "{p} a assisté au spectacle de fin d'année.",
    ),
    C.FAMILY: (
        "Appel de la famille de {p} en fin de journée.",
        "{p} est parti{e} en week-end chez ses parents.",
        "Visite de la sœur de {p} cet après-midi.",
        "{p} a parlé au téléphone avec sa mère.",
        "{p} est rentré{e} de week-end en forme.",
        "La famille de {p} a apporté des photos.",
        "{p} attend avec impatience la visite de son frère.",
        "Rencontre avec les proches de {p} pour le projet.",
    ),
    C.INCIDENT: (
        "{p} a chuté dans le couloir, sans blessure apparente.",
        "{p} a cassé un verre au repas, sans se blesser.",
        "Altercation entre {p} et un autre résident, vite apaisée.",
        "{p} a quitté le groupe sans prévenir.",
        "{p} s'est coupé{e} légèrement en cuisine.",
        "Objet personnel de {p} retrouvé abîmé.",
    ),
    C.ADMINISTRATIVE: (
        "Dossier de renouvellement MDPH de {p} à compléter.",
        "Attestation d'assurance de {p} reçue.",
        "Demande de carte de transport pour {p} envoyée.",
        "Courrier de la caisse d'allocations pour {p} reçu.",
        "Mise à jour de la carte Vitale de {p} faite.",
        "Rendez-vous fixé avec le mandataire de {p}.",
    ),
}

BODIES: dict[str, tuple[str, ...]] = {
    C.DAILY_LIFE: (
        "Appétit correct au dîner.",
        "Coucher à l'heure habituelle.",
        "Temps calme respecté après le repas.",
        "A demandé à regarder son émission préférée.",
        "Toilette faite avec une aide partielle.",
        "Humeur stable toute la journée.",
        "A participé à la mise de table.",
        "Quelques difficultés à l'habillage.",
        "A apprécié le moment du goûter.",
        "Sieste d'une heure en début d'après-midi.",
    ),
    C.HEALTH: (
        "À surveiller demain matin.",
        "Infirmière prévenue.",
        "Hydratation à encourager.",
        "Pas de douleur exprimée depuis.",
        "Température à reprendre ce soir.",
        "Traitement inchangé.",
        "La famille a été informée.",
        "Prochain contrôle prévu dans quinze jours.",
    ),
    C.BEHAVIOUR: (
        "Échange avec l'équipe pour apaiser la situation.",
        "Retour au calme après un temps seul.",
        "À reprendre en réunion d'équipe.",
        "Les repères visuels l'ont aidé{e}.",
        "Bonne entente avec le groupe par la suite.",
        "Valorisé{e} pour ce comportement.",
    ),
    C.ACTIVITY: (
        "Bonne implication.",
        "A montré de l'intérêt et posé des questions.",
        "Fatigue en fin de séance.",
        "A aidé à ranger le matériel.",
        "Souhaite recommencer la semaine prochaine.",
        "Progrès visibles depuis le mois dernier.",
        "Concentration plus courte que d'habitude.",
    ),
    C.FAMILY: (
        "Échange cordial.",
        "Les nouvelles sont bonnes.",
        "Retour prévu dimanche soir.",
        "Moment apprécié.",
        "La famille souhaite un rendez-vous avec le référent.",
        "Émotion au moment de la séparation.",
    ),
    C.INCIDENT: (
        "Fiche d'événement indésirable remplie.",
        "Chef de service informé.",
        "Surveillance renforcée ce soir.",
        "Famille prévenue.",
        "Situation reprise avec la personne.",
    ),
    C.ADMINISTRATIVE: (
        "Pièces transmises au secrétariat.",
        "Copie classée au dossier.",
        "Relance à prévoir dans un mois.",
        "Assistante sociale informée.",
        "En attente de réponse.",
    ),
}

CLOSINGS: tuple[str, ...] = (
    "",
    "",
    "",
    "Transmis à l'équipe du soir.",
    "À suivre.",
    "Rien d'autre à signaler.",
    "Voir avec le référent.",
    "Point à faire en réunion de synthèse.",
)

# Sentences that only make sense for some publics: kept out of the others' notes.
PUBLIC_OPENINGS: dict[str, dict[str, tuple[str, ...]]] = {
    CHILD: {
        C.ACTIVITY: (
            "{p} a bien travaillé en classe ce matin.",
            "{p} a participé à la séance d'orthophonie.",
            "{p} a réussi l'exercice de lecture proposé.",
        ),
        C.FAMILY: ("Cahier de liaison de {p} rempli avec les parents.",),
    },
    CHILD_PROTECTION: {
        C.ACTIVITY: (
            "{p} a fait ses devoirs avec l'éducateur.",
            "{p} est allé{e} au collège sans difficulté.",
        ),
        C.FAMILY: (
            "Visite médiatisée de {p} avec sa mère.",
            "Droit d'hébergement de {p} chez son père ce week-end.",
        ),
    },
    WORKER: {
        C.ACTIVITY: (
            "{p} a tenu son poste à l'atelier toute la matinée.",
            "{p} a appris une nouvelle tâche au conditionnement.",
            "{p} a travaillé en équipe espaces verts.",
        ),
    },
    ELDERLY: {
        C.HEALTH: (
            "{p} a été mobilisé{e} au fauteuil pour le repas.",
            "Effleurage et prévention d'escarre faits pour {p}.",
        ),
        C.ACTIVITY: ("{p} a participé au loto de l'après-midi.",),
    },
    HOME: {
        C.DAILY_LIFE: (
            "Passage au domicile de {p} : logement rangé.",
            "{p} a fait ses courses avec l'intervenant{e}.",
        ),
        C.ADMINISTRATIVE: ("Aide de {p} pour le tri du courrier.",),
    },
    SOCIAL: {
        C.ADMINISTRATIVE: (
            "Demande de logement social de {p} déposée.",
            "{p} a rencontré la conseillère emploi.",
        ),
    },
}


def _gendered(text: str, feminine: bool) -> str:
    return (
        text.replace("{il}", "elle" if feminine else "il")
        .replace("{Il}", "Elle" if feminine else "Il")
        .replace("{e}", "e" if feminine else "")
        .replace("{le}", "la" if feminine else "le")
    )


def _split(text: str) -> tuple[str, str]:
    before, _, after = text.partition("{p}")
    return before, after


def build_note_pools(
    public: str,
) -> dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]], list[str]]]:
    """For each category: openings split around the first name (masculine, feminine forms) and bodies
    (masculine, feminine), with the closings."""
    pools = {}
    for category in C.values:
        openings = list(OPENINGS[category]) + list(PUBLIC_OPENINGS.get(public, {}).get(category, ()))
        masc = [_split(_gendered(text, False)) for text in openings]
        fem = [_split(_gendered(text, True)) for text in openings]
        bodies_m = [_gendered(text, False) for text in BODIES[category]]
        bodies_f = [_gendered(text, True) for text in BODIES[category]]
        pools[category] = ((masc, fem), (bodies_m, bodies_f), list(CLOSINGS))
    return pools


GOAL_TITLES: dict[str, tuple[str, ...]] = {
    "1.1.1.1": ("Prendre soin de sa santé psychique", "Apaiser les moments d'angoisse"),
    "1.1.1.2": ("Compenser la baisse de la vue et de l'audition",),
    "1.1.1.3": ("Repérer et soulager la douleur",),
    "1.1.1.4": ("Développer la communication orale", "Améliorer l'hygiène bucco-dentaire"),
    "1.1.1.5": ("Suivre le traitement cardiaque et respiratoire",),
    "1.1.1.6": ("Équilibrer l'alimentation",),
    "1.1.1.7": ("Accompagner la continence",),
    "1.1.1.8": ("Maintenir la marche", "Prévenir les chutes"),
    "1.1.1.9": ("Prévenir les escarres",),
    "1.1.1.10": ("Suivre ses rendez-vous médicaux", "Prendre son traitement avec moins d'aide"),
    "1.2.1.1": (
        "Gagner en autonomie pour la toilette",
        "S'habiller sans aide",
        "Prendre ses repas avec moins d'aide",
    ),
    "1.2.1.2": ("Exprimer ses besoins et ses choix", "Trouver sa place dans le groupe"),
    "1.2.1.3": ("Se déplacer dans l'établissement en sécurité", "Utiliser le fauteuil en autonomie"),
    "1.2.1.4": ("Mieux gérer l'argent de poche", "Repérer les situations de danger"),
    "1.3.1.1": ("Connaître et exercer ses droits", "Participer au conseil de la vie sociale"),
    "1.3.2.1": ("Préparer l'entrée en appartement", "Se maintenir dans son logement"),
    "1.3.2.2": ("Faire ses courses et préparer ses repas", "Entretenir son logement"),
    "1.3.3.1": ("Poursuivre la scolarité en unité d'enseignement", "Apprendre à lire et à compter"),
    "1.3.3.2": ("Consolider sa place à l'atelier", "Préparer un stage en entreprise"),
    "1.3.3.3": ("Développer les apprentissages de base",),
    "1.3.3.4": ("Maintenir les liens familiaux", "Parler de la vie affective"),
    "1.3.3.5": ("Partager son expérience avec ses pairs",),
    "1.3.4.1": ("Participer à une activité de loisir extérieure", "Rompre l'isolement"),
    "1.3.4.2": ("Prendre le bus sans accompagnement", "Préparer ses trajets"),
    "1.3.5.1": ("Ouvrir ses droits aux allocations", "Gérer son budget"),
}

PERSON_WORDS: tuple[str, ...] = (
    "Je voudrais faire plus de sorties.",
    "J'aimerais voir ma famille plus souvent.",
    "Je veux apprendre à cuisiner.",
    "Je voudrais travailler dans les espaces verts.",
    "J'aimerais avoir mon appartement un jour.",
    "Je veux rester ici, je me sens bien.",
    "Je voudrais aller à la piscine.",
    "J'aimerais que l'on m'aide moins pour m'habiller.",
    "Je veux qu'on respecte mon rythme le matin.",
    "Je voudrais refaire du vélo.",
    "J'aimerais choisir mes activités.",
    "Je veux garder mon chat avec moi.",
)

PLAN_COMMENTS: tuple[str, ...] = (
    "",
    "",
    "Avec le référent",
    "En petit groupe",
    "Au domicile",
    "Selon l'état de fatigue",
    "Avec un support visuel",
)

ASSESSMENT_COMMENTS: tuple[str, ...] = (
    "Évaluation menée en équipe pluridisciplinaire, avec la personne.",
    "Évaluation réalisée avec la personne et sa famille.",
    "Synthèse annuelle : besoins stables, quelques progrès en autonomie.",
    "Réévaluation après une période d'hospitalisation.",
    "Évaluation d'admission, à compléter après la période d'observation.",
)

PLACE_NAMES: tuple[str, ...] = (
    "Les Tilleuls",
    "Le Clos Fleuri",
    "La Roseraie",
    "Les Glycines",
    "Le Moulin",
    "Les Châtaigniers",
    "Les Hortensias",
    "La Source",
    "Les Mouettes",
    "Le Verger",
    "Les Peupliers",
    "Le Bois Joli",
    "L'Escale",
    "Les Lilas",
    "La Prairie",
    "Les Cèdres",
    "Le Chemin Vert",
    "Les Saules",
    "La Colline",
    "L'Étoile",
    "Les Iris",
    "Les Coquelicots",
    "Le Hameau",
    "La Passerelle",
    "Les Ajoncs",
    "Le Phare",
    "Les Bruyères",
    "La Maison Bleue",
    "Les Marronniers",
    "Le Grand Pré",
)

GESTIONNAIRE_PATTERNS: dict[str, tuple[str, ...]] = {
    "disability": (
        "Association {a} pour l'inclusion",
        "APEI de {c}",
        "Association {a}",
        "Fondation {a}",
        "Association départementale des amis et parents de personnes handicapées ({c})",
    ),
    "old_age": (
        "CCAS de {c}",
        "Association {a} Services",
        "Mutualité {a}",
        "Fondation {a} Seniors",
        "Centre hospitalier de {c}",
    ),
    "protection": ("Association {a} Enfance", "Sauvegarde de l'enfance de {c}", "Fondation {a} Jeunesse"),
    "inclusion": ("Association {a} Solidarité", "Association Accueil et Logement de {c}"),
}
ASSOCIATION_WORDS: tuple[str, ...] = (
    "Horizons",
    "L'Envol",
    "Les Amis de la Vallée",
    "Trait d'Union",
    "Cap Avenir",
    "Les Liens",
    "Arc-en-Ciel",
    "Escale",
    "Le Fil d'Ariane",
    "Rivages",
    "Passerelles",
    "Les Sources",
    "Ensemble",
    "Le Goéland",
    "Bel Air",
)
TOWNS: tuple[str, ...] = (
    "Saint-Aubin-du-Val",
    "Montreval",
    "Bréal-sur-Ille",
    "Le Vieux-Bourg",
    "Saint-Méen-la-Forêt",
    "Belle-Rive",
    "Val-d'Ouest",
    "Les Trois-Chênes",
    "Pont-Réan-sur-Vilaine",
    "Bois-Joli",
    "Plessis-le-Marais",
    "La Chapelle-Verte",
)
MANDATAIRES: tuple[str, ...] = (
    "Service mandataire judiciaire de l'association tutélaire départementale",
    "Mandataire judiciaire à la protection des majeurs (exercice individuel)",
    "Service mandataire de l'union départementale des associations familiales",
)
