import re
import unicodedata


def fold(text: str) -> str:
    """Lower-case, accent-free, single-spaced text, for searches that ignore accents and case.

    "Éléonore  D'Aubigné-Léger" -> "eleonore d aubigne leger"
    """
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    stripped = stripped.replace("œ", "oe").replace("Œ", "oe").replace("æ", "ae").replace("Æ", "ae")
    return re.sub(r"[^a-z0-9]+", " ", stripped.lower()).strip()
