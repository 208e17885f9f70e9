"""The person's record as a TDDUI Bundle in the archive of the right of access (`fhir/Bundle.json`),
beside `donnees.json` and `donnees.pdf`: the same data in the format other software of the sector
reads, so the person can take it elsewhere (RGPD art. 20, portability).

The privacy app has already decided and logged the export when its writers run: the bundle is built
from the same record, without a second decision."""

import json
import zipfile
from dataclasses import dataclass

from parcours.access.journal import Actor
from parcours.fhir import exchange
from parcours.fhir.context import Context

BUNDLE_NAME = "fhir/Bundle.json"


@dataclass
class _ArchiveCaller:
    """The export being written: no client, no scope; the record's reads are those already logged."""

    actor: Actor


def write_bundle(data, archive: zipfile.ZipFile) -> None:
    ctx = Context(_ArchiveCaller(Actor.system(None, channel="export")), base_url="")
    bundle = exchange._bundle(ctx, [data.person.pk])
    archive.writestr(BUNDLE_NAME, json.dumps(bundle, ensure_ascii=False, indent=1))
