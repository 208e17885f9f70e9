"""The cost of encryption at rest: 1,000 notes and one 1 MB document, encrypted then decrypted.

    .venv/bin/python bench/encryption.py [--repeats 30]

Prints the median and the 95th percentile over the repeats, in milliseconds, of the functions the
application calls (parcours.core.crypto), with a throwaway key file.
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = (
    "a bien dormi repas pris en entier inquiète pour sa sortie de samedi atelier cuisine appel de sa "
    "mère rendez-vous chez le dentiste reporté calme toute la journée a demandé à voir son éducatrice"
).split()


def timed(function, repeats: int) -> list[float]:
    durations = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        durations.append((time.perf_counter() - start) * 1000)
    return durations


def summary(name: str, durations: list[float]) -> str:
    ordered = sorted(durations)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"{name:<42} médiane {statistics.median(ordered):8.2f} ms   p95 {p95:8.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    from django.conf import settings

    workdir = tempfile.mkdtemp(prefix="parcours-bench-")
    settings.configure(PARCOURS_DATA_KEYS_FILE=Path(workdir) / "data_keys", PARCOURS_DATA_KEYS_CREATE=True)
    from parcours.core import crypto

    rng = random.Random(1)
    # Daily notes are short: 2 to 60 words, about 200 characters on average.
    notes = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 60))) for _ in range(1000)]
    tokens = [crypto.encrypt_text(note) for note in notes]
    document = os.urandom(1024 * 1024)
    stored = crypto.encrypt_bytes(document)
    if [crypto.decrypt_text(t) for t in tokens] != notes or crypto.decrypt_bytes(stored) != document:
        raise SystemExit("Le déchiffrement ne rend pas les données d'origine.")

    print(
        f"{args.repeats} répétitions ; notes de {statistics.mean(map(len, notes)):.0f} caractères en moyenne"
    )
    print(
        summary("chiffrer 1 000 notes", timed(lambda: [crypto.encrypt_text(n) for n in notes], args.repeats))
    )
    print(
        summary(
            "déchiffrer 1 000 notes", timed(lambda: [crypto.decrypt_text(t) for t in tokens], args.repeats)
        )
    )
    print(
        summary("chiffrer un document de 1 Mo", timed(lambda: crypto.encrypt_bytes(document), args.repeats))
    )
    print(
        summary("déchiffrer un document de 1 Mo", timed(lambda: crypto.decrypt_bytes(stored), args.repeats))
    )
    growth = sum(map(len, tokens)) / sum(len(n.encode()) for n in notes)
    print(f"taille stockée : notes × {growth:.2f}, document + {len(stored) - len(document)} octets")


if __name__ == "__main__":
    main()
