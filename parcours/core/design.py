"""The colour tokens of parcours.css and the text/background pairs the interface uses.

The style guide shows them with their contrast ratios, and tests/core/test_design.py checks
that the stylesheet declares the same values and that every text pair reaches WCAG AA.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    name: str
    value: str
    usage: str

    @property
    def css_variable(self) -> str:
        return f"--color-{self.name}"


TOKENS = [
    Token("text", "#1b1f24", "Texte courant"),
    Token("text-muted", "#4f5966", "Texte secondaire, aides de saisie"),
    Token("bg", "#ffffff", "Fond des cartes, tableaux, champs"),
    Token("white", "#ffffff", "Texte sur fond foncé (boutons, bandeau)"),
    Token("page", "#f4f6f8", "Fond de page"),
    Token("border", "#d4d9e0", "Séparateurs décoratifs"),
    Token("border-strong", "#6b7482", "Bordure des champs de saisie"),
    Token("primary", "#1d4f91", "Liens, boutons principaux"),
    Token("primary-dark", "#163d70", "Survol des boutons principaux"),
    Token("primary-light", "#e6eff9", "Survol des boutons secondaires"),
    Token("header", "#15325a", "Bandeau de navigation"),
    Token("header-muted", "#d5e2f3", "Texte secondaire du bandeau"),
    Token("focus", "#7c3aed", "Anneau de focus"),
    Token("focus-on-dark", "#ffd23f", "Anneau de focus sur le bandeau"),
    Token("success", "#1d6b35", "Texte de succès"),
    Token("success-bg", "#e5f3e9", "Fond de succès"),
    Token("success-fill", "#2e7d4a", "Remplissage de succès"),
    Token("warning", "#7a4600", "Texte d'avertissement"),
    Token("warning-bg", "#fdf1d6", "Fond d'avertissement"),
    Token("warning-fill", "#b45f06", "Barre d'occupation basse"),
    Token("danger", "#a1231a", "Texte d'erreur"),
    Token("danger-bg", "#fcebea", "Fond d'erreur"),
    Token("danger-fill", "#b3261e", "Bouton de suppression, suroccupation"),
    Token("info", "#1d4f91", "Texte d'information"),
    Token("info-bg", "#e6eff9", "Fond d'information"),
    Token("neutral", "#3b4450", "Texte neutre"),
    Token("neutral-bg", "#eceef1", "Fond neutre"),
    Token("track", "#dfe4ea", "Fond des barres de progression"),
]
TOKEN_VALUES = {token.name: token.value for token in TOKENS}


@dataclass(frozen=True)
class Pair:
    label: str
    foreground: str
    background: str
    # 4.5 for text (WCAG 1.4.3), 3 for focus rings and component edges (WCAG 1.4.11).
    minimum: float = 4.5

    @property
    def ratio(self) -> float:
        return contrast_ratio(self.foreground_value, self.background_value)

    @property
    def passes(self) -> bool:
        return self.ratio >= self.minimum

    @property
    def foreground_value(self) -> str:
        return TOKEN_VALUES[self.foreground]

    @property
    def background_value(self) -> str:
        return TOKEN_VALUES[self.background]


PAIRS = [
    Pair("Texte sur fond blanc", "text", "bg"),
    Pair("Texte sur fond de page", "text", "page"),
    Pair("Texte secondaire sur blanc", "text-muted", "bg"),
    Pair("Texte secondaire sur fond de page", "text-muted", "page"),
    Pair("Lien sur blanc", "primary", "bg"),
    Pair("Lien sur fond de page", "primary", "page"),
    Pair("Bouton principal", "white", "primary"),
    Pair("Bouton principal survolé", "white", "primary-dark"),
    Pair("Bouton secondaire survolé", "primary-dark", "primary-light"),
    Pair("Bandeau de navigation", "white", "header"),
    Pair("Texte secondaire du bandeau", "header-muted", "header"),
    Pair("Succès", "success", "success-bg"),
    Pair("Avertissement", "warning", "warning-bg"),
    Pair("Erreur", "danger", "danger-bg"),
    Pair("Information", "info", "info-bg"),
    Pair("Neutre", "neutral", "neutral-bg"),
    Pair("Bouton de suppression", "white", "danger-fill"),
    Pair("Page courante de la pagination", "white", "primary"),
    Pair("Bordure des champs", "border-strong", "bg", 3),
    Pair("Anneau de focus sur blanc", "focus", "bg", 3),
    Pair("Anneau de focus sur fond de page", "focus", "page", 3),
    Pair("Anneau de focus sur le bandeau", "focus-on-dark", "header", 3),
    Pair("Barre d'occupation", "primary", "track", 3),
    Pair("Barre d'occupation basse", "warning-fill", "track", 3),
    Pair("Barre de suroccupation", "danger-fill", "track", 3),
]


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def relative_luminance(hex_colour: str) -> float:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2.1 contrast ratio between two #rrggbb colours, from 1 to 21."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
