import pytest
from django.core.exceptions import ValidationError

from parcours.core.identifiers import validate_finess, validate_nir, validate_rpps, validate_siren
from parcours.core.text import fold


@pytest.mark.parametrize(
    "value", ["295109912611193", "2 95 10 99 126 111 93", "253072A07300443", "253072B07300470"]
)
def test_valid_nir(value):
    validate_nir(value)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("295109912611199", "clé du NIR"),
        ("253072C07300443", "format"),
        ("29510991261119", "15 caractères"),
    ],
)
def test_invalid_nir_says_why(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_nir(value)


@pytest.mark.parametrize("value", ["404833048", "732829320"])
def test_valid_siren(value):
    validate_siren(value)


def test_siren_with_wrong_key_is_refused():
    with pytest.raises(ValidationError, match="clé du SIREN"):
        validate_siren("404833047")


@pytest.mark.parametrize("value", ["750712184", "330781196", "690781810", "2A0000001"])
def test_valid_finess(value):
    validate_finess(value)


@pytest.mark.parametrize(
    ("value", "message"), [("750712185", "clé"), ("75071218", "9 caractères"), ("2C0000001", "9 caractères")]
)
def test_invalid_finess(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_finess(value)


def test_rpps_format():
    validate_rpps("10001234567")
    with pytest.raises(ValidationError, match="11 chiffres"):
        validate_rpps("1000123456")


def test_fold_ignores_accents_case_and_punctuation():
    assert fold("Éléonore  D'Aubigné-Léger") == "eleonore d aubigne leger"
    assert fold("Cœur") == "coeur"
