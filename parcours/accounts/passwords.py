"""Password rules of the CNIL recommendation on passwords (délibération n° 2022-100 du 21 juillet 2022).

Parcours applies the strictest case of the recommendation, "mot de passe seul" (80 bits of entropy),
even though logins also go through a lockout and a second factor. A password is accepted when it
matches one of the recommendation's three examples for that case:
- at least 12 characters with upper case, lower case, digits and special characters;
- at least 14 characters with upper case, lower case and digits;
- a passphrase of at least 7 different words.
Django's validators listed beside it in settings also refuse common passwords, passwords close to
the user's name and all-digit passwords.
"""

import re

from django.core.exceptions import ValidationError

RULES = (
    "au moins 12 caractères mêlant majuscules, minuscules, chiffres et caractères spéciaux ; "
    "ou au moins 14 caractères mêlant majuscules, minuscules et chiffres ; "
    "ou une phrase de passe d'au moins 7 mots"
)
WORD = re.compile(r"[^\W\d_]{2,}")


def classes(password: str) -> set[str]:
    found = set()
    for char in password:
        if char.isupper():
            found.add("upper")
        elif char.islower():
            found.add("lower")
        elif char.isdigit():
            found.add("digit")
        elif not char.isalpha():
            found.add("special")
    return found


def is_passphrase(password: str) -> bool:
    return len({word.casefold() for word in WORD.findall(password)}) >= 7


def meets_cnil_rules(password: str) -> bool:
    found = classes(password)
    if len(password) >= 12 and found >= {"upper", "lower", "digit", "special"}:
        return True
    if len(password) >= 14 and found >= {"upper", "lower", "digit"}:
        return True
    return is_passphrase(password)


class CnilPasswordValidator:
    def validate(self, password: str, user=None) -> None:
        if not meets_cnil_rules(password):
            raise ValidationError(
                f"Ce mot de passe est trop faible. Choisissez {RULES}.", code="password_too_weak"
            )

    def get_help_text(self) -> str:
        return f"Votre mot de passe doit comporter {RULES}."
