"""Load the code systems from the data files into the database.

The same function serves the data migration (with historical models) and the
`load_nomenclatures` command; it is idempotent (updates labels, adds new codes,
never deletes a code that records may point to).
"""

import csv
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.db import transaction

DATA_DIR = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class SystemSpec:
    slug: str
    name: str
    file: str
    source: str
    description: str = ""
    url: str = ""
    oid: str = ""
    version: str = ""
    # Column names in the CSV file for each concept field.
    columns: dict[str, str] = field(default_factory=dict)


SERAFIN_SOURCE = (
    "CNSA/DGCS, nomenclatures SERAFIN-PH (version validée le 27 avril 2018) ; codes et libellés du "
    "serveur multi-terminologies de l'ANS (https://smt.esante.gouv.fr/terminologie-SERAFINPH, "
    "CodeSystem v2023.1.0)."
)

SYSTEMS = [
    SystemSpec(
        slug="serafin-ph-besoins",
        name="SERAFIN-PH — besoins",
        file="serafin-ph-besoins.csv",
        description="Nomenclature des besoins des personnes handicapées (SERAFIN-PH).",
        source=SERAFIN_SOURCE + " ValueSet ANS JDV_J285_Besoins_SERAFIN (OID 1.2.250.1.213.3.3.254).",
        url="https://smt.esante.gouv.fr/terminologie-SERAFINPH",
        oid="1.2.250.1.213.3.3.254",
        version="2023.1.0",
        columns={
            "code": "code",
            "parent_code": "parent_code",
            "level": "level",
            "label": "label_fr",
            "national_code": "smt_code",
            "verified": "verified",
            "note": "note",
        },
    ),
    SystemSpec(
        slug="serafin-ph-prestations",
        name="SERAFIN-PH — prestations",
        file="serafin-ph-prestations.csv",
        description=(
            "Nomenclature des prestations directes (soins, accompagnement) et indirectes (SERAFIN-PH)."
        ),
        source=SERAFIN_SOURCE + " ValueSets ANS JDV_J284 (prestations directes, OID 1.2.250.1.213.3.3.253) "
        "et JDV_J283 (prestations indirectes, OID 1.2.250.1.213.3.3.252).",
        url="https://smt.esante.gouv.fr/terminologie-SERAFINPH",
        version="2023.1.0",
        columns={
            "code": "code",
            "parent_code": "parent_code",
            "level": "level",
            "label": "label_fr",
            "national_code": "smt_code",
            "verified": "verified",
            "note": "note",
        },
    ),
    SystemSpec(
        slug="finess-categories",
        name="Catégories d'établissement FINESS",
        file="finess-categories-esms.csv",
        description="Catégories sociales et médico-sociales de la nomenclature FINESS.",
        source="ANS, CodeSystem TRE_R66-CategorieEtablissement (OID 1.2.250.1.213.1.6.1.8, version "
        "20260505120000) : catégories sociales et médico-sociales, MDPH et DAC.",
        url="https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement",
        oid="1.2.250.1.213.1.6.1.8",
        version="20260505120000",
        columns={
            "code": "code",
            "label": "label_fr",
            "short_label": "sigle",
            "active": "statut",
            "end_date": "date_fin",
            "group": "famille",
            "verified": "verified",
            "note": "note",
        },
    ),
    SystemSpec(
        slug="deficiences",
        name="Troubles et déficiences (ROR, JDV_J35)",
        file="deficiences-ror-jdv-j35.csv",
        description=(
            "Spécialisations de prise en charge du ROR, employées ici pour coder la déficience principale et "
            "les déficiences associées de la personne : aucune nomenclature nationale des déficiences de la "
            "personne (NATDEF du GEVA) n'a été trouvée sous forme publiée et lisible."
        ),
        source="ANS, JDV_J35-SpecialisationDePriseEnCharge-ROR v20260330120000 (codes de TRE_R245-"
        "SpecialisationDePriseEnCharge), "
        "https://mos.esante.gouv.fr/NOS/JDV_J35-SpecialisationDePriseEnCharge-ROR/FHIR/"
        "JDV-J35-SpecialisationDePriseEnCharge-ROR.",
        url="https://mos.esante.gouv.fr/NOS/TRE_R245-SpecialisationDePriseEnCharge/FHIR/"
        "TRE-R245-SpecialisationDePriseEnCharge",
        version="20260330120000",
        columns={"code": "code", "label": "label_fr"},
    ),
]


def _concept_values(row: dict[str, str], columns: dict[str, str]) -> dict:
    values: dict = {}
    for field_name, column in columns.items():
        raw = (row.get(column) or "").strip()
        if field_name == "level":
            values[field_name] = int(raw or 1)
        elif field_name == "verified":
            values[field_name] = raw != "no"
        elif field_name == "active":
            values[field_name] = raw != "obsolète"
        elif field_name == "end_date":
            values[field_name] = date.fromisoformat(raw) if raw else None
        else:
            values[field_name] = raw
    if "level" not in columns:
        values["level"] = 1 if "." not in values["code"] else values["code"].count(".") + 1
    return values


def sort_key(code: str) -> str:
    return ".".join(part.zfill(4) for part in code.split("."))


@transaction.atomic
def load_systems(code_system_model, concept_model, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Create or update every code system and its concepts; return the number of concepts per system."""
    counts: dict[str, int] = {}
    for spec in SYSTEMS:
        system, _ = code_system_model.objects.update_or_create(
            slug=spec.slug,
            defaults={
                "name": spec.name,
                "description": spec.description,
                "url": spec.url,
                "oid": spec.oid,
                "version": spec.version,
                "source": spec.source,
            },
        )
        with open(data_dir / spec.file, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        existing = {concept.code: concept for concept in concept_model.objects.filter(system=system)}
        to_create, to_update = [], []
        update_fields: set[str] = {"sort_key"}
        for row in rows:
            values = _concept_values(row, spec.columns)
            values["sort_key"] = sort_key(values["code"])
            concept = existing.get(values["code"])
            if concept is None:
                to_create.append(concept_model(system=system, **values))
            else:
                for name, value in values.items():
                    setattr(concept, name, value)
                    update_fields.add(name)
                to_update.append(concept)
        concept_model.objects.bulk_create(to_create)
        if to_update:
            update_fields.discard("code")
            concept_model.objects.bulk_update(to_update, sorted(update_fields))
        counts[spec.slug] = len(rows)
    return counts
