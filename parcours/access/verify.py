"""Checking the hash chain of the access log (`parcours audit verify`).

The log is read in sequence order, in batches of `batch_size` rows (keyset pagination on the unique
index of `sequence`), so memory stays bounded whatever its size. Each entry is checked twice:
- its seal: the SHA-256 of the previous hash it records and of its own fields gives its hash; a
  broken seal means the entry itself was changed (its sequence number included);
- its link: the previous hash it records is the hash of the entry just before it.
From these, and the numbering, come the findings:
- a missing number: entries deleted;
- a broken seal: an entry changed, or moved when its seal holds under another sequence number
  that is also out of place (two entries swapped, entries renumbered);
- an intact entry whose link is broken although the entry before it is intact too: the entry before
  was replaced by a well-formed one, or entries between them were deleted and the rest renumbered.
Entries removed at the end of their retention period (`parcours.access.retention`) leave a checkpoint
(LogExpiry): the walk starts after it, from the hash it recorded.
Deleting the last entries leaves no trace inside the chain: pass earlier heads as anchors
(sequence and hash, as printed by a previous run) to detect it.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db import DEFAULT_DB_ALIAS

from parcours.access.chain import GENESIS, payload, seal_hash
from parcours.access.models import AccessLogEntry, LogExpiry

CHANGED = "changed"
DELETED = "deleted"
MOVED = "moved"
BROKEN_LINK = "broken_link"
ANCHOR = "anchor"

# Entries with a broken seal kept for the search of where they came from (swaps, renumbering).
MAX_PAIRED = 200

FIELDS = (
    "sequence",
    "uuid",
    "at",
    "actor__uuid",
    "person__uuid",
    "action",
    "category",
    "allowed",
    "basis",
    "object_type",
    "object_uuid",
    "ip_address",
    "channel",
    "details",
    "previous_hash",
    "entry_hash",
)


@dataclass(frozen=True)
class Problem:
    kind: str
    sequences: tuple[int, ...]
    message: str


@dataclass
class Report:
    checked: int = 0
    first_sequence: int | None = None
    last_sequence: int | None = None
    last_hash: str | None = None
    problems: list[Problem] = field(default_factory=list)
    # Problems found beyond `max_problems` (counted, not described).
    omitted: int = 0

    @property
    def intact(self) -> bool:
        return not self.problems and not self.omitted

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.omitted


@dataclass(frozen=True)
class _Suspect:
    sequence: int
    fields: dict
    previous_hash: str
    entry_hash: str

    def seal_holds_at(self, sequence: int) -> bool:
        return seal_hash(self.previous_hash, payload(sequence=sequence, **self.fields)) == self.entry_hash


def _rows(batch_size: int, using: str, after: int = 0) -> Iterator[tuple]:
    entries = AccessLogEntry.objects.using(using).order_by("sequence").values_list(*FIELDS)
    last = after
    while True:
        batch = list(entries.filter(sequence__gt=last)[:batch_size])
        yield from batch
        if len(batch) < batch_size:
            return
        last = batch[-1][0]


def _changed(sequence: int) -> str:
    return f"L'entrée n° {sequence} a été modifiée : son empreinte ne correspond plus à son contenu."


def _deleted(first: int, last: int) -> str:
    if first == last:
        return f"L'entrée n° {first} a été supprimée (numéro manquant)."
    return f"Les entrées n° {first} à n° {last} ont été supprimées (numéros manquants)."


def verify_chain(
    *,
    batch_size: int = 5000,
    anchors: dict[int, str] | None = None,
    max_problems: int = 1000,
    using: str = DEFAULT_DB_ALIAS,
) -> Report:
    """Walk the whole chain and report every inconsistency found, in French."""
    report = Report()
    anchors = dict(anchors or {})
    suspects: list[_Suspect] = []

    def add(kind: str, sequences: tuple[int, ...], message: str) -> None:
        if len(report.problems) < max_problems:
            report.problems.append(Problem(kind, sequences, message))
        else:
            report.omitted += 1

    # Entries past their retention period were removed up to a checkpoint: the chain starts after it.
    expiry = LogExpiry.objects.using(using).order_by("-last_sequence").first()
    start, origin = (expiry.last_sequence, expiry.last_hash) if expiry else (0, GENESIS)
    expected, previous_hash, previous_sealed = start + 1, origin, True
    for row in _rows(batch_size, using, after=start):
        (sequence, uuid, at, actor_uuid, person_uuid, action, category, allowed, basis, object_type,
         object_uuid, ip_address, channel, details, recorded_previous, entry_hash) = row  # fmt: skip
        report.checked += 1
        if report.first_sequence is None:
            report.first_sequence = sequence
        gap = sequence > expected
        if gap:
            add(DELETED, tuple(range(expected, sequence)), _deleted(expected, sequence - 1))
        fields = {
            "uuid": uuid,
            "at": at,
            "actor_uuid": actor_uuid,
            "person_uuid": person_uuid,
            "action": action,
            "category": category,
            "allowed": allowed,
            "basis": basis,
            "object_type": object_type,
            "object_uuid": object_uuid,
            "ip_address": ip_address,
            "channel": channel,
            "details": details,
        }
        sealed = seal_hash(recorded_previous, payload(sequence=sequence, **fields)) == entry_hash
        if not sealed:
            if len(suspects) < MAX_PAIRED:
                suspects.append(_Suspect(sequence, fields, recorded_previous, entry_hash))
            else:
                add(CHANGED, (sequence,), _changed(sequence))
        elif recorded_previous != previous_hash and not gap and previous_sealed:
            if sequence == start + 1:
                message = (
                    f"L'entrée n° {sequence} ne part pas de l'origine de la chaîne : elle a été remplacée."
                )
            else:
                message = (
                    f"Chaînage rompu entre les entrées n° {sequence - 1} et n° {sequence} : "
                    f"l'entrée n° {sequence - 1} a été remplacée, ou des entrées supprimées entre elles "
                    "ont été renumérotées."
                )
            add(BROKEN_LINK, (sequence - 1, sequence) if sequence > 1 else (1,), message)
        expected_anchor = anchors.pop(sequence, None)
        if expected_anchor is not None and expected_anchor != entry_hash:
            add(
                ANCHOR,
                (sequence,),
                f"L'entrée n° {sequence} ne correspond pas au point de contrôle fourni : "
                "le journal a été réécrit jusqu'à elle.",
            )
        previous_hash, previous_sealed, expected = entry_hash, sealed, sequence + 1
        report.last_sequence, report.last_hash = sequence, entry_hash

    for sequence in sorted(anchors):
        if report.last_sequence is None or sequence > report.last_sequence:
            if report.last_sequence is None:
                cut = "le journal a été vidé."
            else:
                cut = f"les entrées après le n° {report.last_sequence} ont été supprimées."
            add(ANCHOR, (sequence,), f"L'entrée n° {sequence} du point de contrôle est absente : {cut}")

    _describe_suspects(suspects, add)
    report.problems.sort(key=lambda problem: problem.sequences[0])
    return report


def _describe_suspects(suspects: list[_Suspect], add) -> None:
    """A broken seal that holds under the number of another out-of-place entry (or a neighbouring
    number) is a move; otherwise the entry was changed."""
    out_of_place = {suspect.sequence for suspect in suspects}
    origin: dict[int, int] = {}
    for suspect in suspects:
        candidates = (out_of_place | {suspect.sequence - 1, suspect.sequence + 1}) - {suspect.sequence}
        for candidate in sorted(candidates):
            if candidate > 0 and suspect.seal_holds_at(candidate):
                origin[suspect.sequence] = candidate
                break
    for suspect in suspects:
        sequence = suspect.sequence
        source = origin.get(sequence)
        if source is None:
            add(CHANGED, (sequence,), _changed(sequence))
        elif origin.get(source) == sequence:
            if sequence < source:
                add(
                    MOVED,
                    (sequence, source),
                    f"Les entrées n° {sequence} et n° {source} ont été permutées : l'ordre du journal a été "
                    "modifié.",
                )
        else:
            add(
                MOVED,
                (sequence, source),
                f"L'entrée n° {sequence} portait le n° {source} : elle a été déplacée ou renumérotée.",
            )
