"""Synthetic national identifiers that pass the checks of parcours.core.identifiers.

Numbers are drawn at random: a generated SIREN or FINESS may happen to exist for real, which is
harmless for a demonstration (nothing is sent anywhere), but they must never be used outside it.
"""

import random

from stdnum import luhn

# UUID version 4: version nibble and RFC 4122 variant bits, set on 128 random bits.
UUID_MASK = ((1 << 128) - 1) & ~((0xC000 << 48) | (0xF000 << 64))
UUID_BITS = (0x8000 << 48) | (4 << 76)


def uuid4_int(rng: random.Random) -> int:
    """The integer of a version 4 UUID drawn from rng (deterministic for a seeded rng)."""
    return (rng.getrandbits(128) & UUID_MASK) | UUID_BITS


def make_siren(rng: random.Random) -> str:
    base = f"{rng.randrange(10**7, 10**8)}"
    return base + luhn.calc_check_digit(base)


def make_finess(rng: random.Random, department: str) -> str:
    """Department (2 digits) + 6 digits + a Luhn key over the nine characters."""
    base = f"{department}{rng.randrange(10**5, 10**6)}"
    return base + luhn.calc_check_digit(base)


def make_nir(sex: str, birth_year: int, birth_month: int, birth_place: str, order: int) -> str:
    """NIR: sex (1 man, 2 woman), year, month, place of birth (INSEE code, 99 + country when born
    abroad), birth order, then the key: 97 - (the first 13 digits mod 97)."""
    body = f"{'1' if sex == 'M' else '2'}{birth_year % 100:02d}{birth_month:02d}{birth_place}{order:03d}"
    return body + f"{97 - int(body) % 97:02d}"


def make_rpps(rng: random.Random) -> str:
    return f"10{rng.randrange(10**8, 10**9)}"
