"""Checks of the national identifiers, with French error messages.

Sources are in parcours/nomenclature/data/SOURCES.md (copied from the sector's
reference notes, identifiers.md):
- NIR: 15 characters, key = 97 - (first 13 digits mod 97), Corsica 2A -> 19, 2B -> 18
  (python-stdnum `stdnum.fr.nir`).
- SIREN: 9 digits with a Luhn key (python-stdnum `stdnum.fr.siren`).
- FINESS: 9 characters, the first two the department (2A/2B for Corsica). The 9th is a
  Luhn key over the nine characters; the reference notes mark this key as not confirmed
  by an official text, but every published FINESS number we checked satisfies it. For
  Corsican numbers (2A/2B) the key's treatment of the letters is unknown, so only the
  format is checked there.
- RPPS: 11 digits (format only; the reference notes do not confirm a key).
"""

import re

from django.core.exceptions import ValidationError
from stdnum import luhn
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.fr import nir as stdnum_nir
from stdnum.fr import siren as stdnum_siren

FINESS_RE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")
RPPS_RE = re.compile(r"^\d{11}$")
INSEE_PLACE_RE = re.compile(r"^(\d{2}|2A|2B)\d{3}$")
DEPARTMENT_RE = re.compile(r"^(0[1-9]|[1-8]\d|9[0-5]|2A|2B|97[1-6])$")
REGION_RE = re.compile(r"^\d{2}$")


def compact(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "").upper()


def validate_nir(value: str) -> None:
    """A NIR (or INS matricule of NIR type): 15 characters whose last two are the key."""
    number = compact(value)
    if len(number) != 15:
        raise ValidationError("Le NIR doit comporter 15 caractères (13 chiffres et 2 chiffres de clé).")
    try:
        stdnum_nir.validate(number)
    except StdnumError as exc:
        if "checksum" in type(exc).__name__.lower():
            raise ValidationError("La clé du NIR ne correspond pas : vérifiez le numéro.") from exc
        raise ValidationError("Le NIR n'a pas un format valide.") from exc


def validate_siren(value: str) -> None:
    number = compact(value)
    if not re.fullmatch(r"\d{9}", number):
        raise ValidationError("Le SIREN doit comporter 9 chiffres.")
    try:
        stdnum_siren.validate(number)
    except StdnumError as exc:
        raise ValidationError("La clé du SIREN ne correspond pas : vérifiez le numéro.") from exc


def validate_finess(value: str) -> None:
    number = compact(value)
    if not FINESS_RE.fullmatch(number):
        raise ValidationError(
            "Le numéro FINESS doit comporter 9 caractères : "
            "le département (2 chiffres, 2A ou 2B) puis 7 chiffres."
        )
    if number[:2] in {"2A", "2B"}:
        return
    if luhn.checksum(number) != 0:
        raise ValidationError("La clé du numéro FINESS ne correspond pas : vérifiez le numéro.")


def finess_department(value: str) -> str:
    """The department of a FINESS number: 2 characters, 3 for overseas (97x) numbers."""
    number = compact(value)
    if number.startswith("97"):
        return number[:3]
    if number.startswith("98"):
        return "976"  # Mayotte numbers start with 98
    return number[:2]


def validate_rpps(value: str) -> None:
    if not RPPS_RE.fullmatch(compact(value)):
        raise ValidationError("Le numéro RPPS doit comporter 11 chiffres.")


def validate_insee_place(value: str) -> None:
    if not INSEE_PLACE_RE.fullmatch(compact(value)):
        raise ValidationError(
            "Le code INSEE du lieu de naissance comporte 5 caractères "
            "(99xxx pour une naissance à l'étranger)."
        )


def validate_department(value: str) -> None:
    if not DEPARTMENT_RE.fullmatch((value or "").upper()):
        raise ValidationError("Code de département inconnu (exemples : 01, 2A, 75, 974).")


def validate_region(value: str) -> None:
    if not REGION_RE.fullmatch(value or ""):
        raise ValidationError("Le code de région INSEE comporte 2 chiffres (exemple : 84).")
