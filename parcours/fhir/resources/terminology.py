"""SERAFIN-PH as terminology resources: the CodeSystem of the national terminology server (SMT) and the
ANS value sets that bind it (JDV_J285 besoins, JDV_J284 prestations directes, JDV_J283 prestations
indirectes), read only, with the operations $lookup and $validate-code.

Everything comes from the nomenclature app (the concepts loaded from `parcours/nomenclature/data`): the
code is the SMT code (`Concept.national_code`), the display its label. A CNSA code that the SMT does not
publish (no SMT code, e.g. the implicit level 3 "1.1.1" of the CNSA numbering) is not part of the
national CodeSystem and is left out. The canonical URLs, OIDs, versions, names and descriptions of the
value sets are those published in the ANS package `ans.fr.terminologies` 1.12.0 (ValueSet
JDV-J285-Besoins-SERAFIN, JDV-J284-PrestationsDirects-SERAFIN, JDV-J283-PrestationsIndirects-SERAFIN);
the CodeSystem's URL is the one the TDDUI guide binds SERAFIN-PH with
(`https://smt.esante.gouv.fr/terminologie-SERAFINPH`, e.g. TDDUIEncounterEvenement type[serafin]).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from parcours.fhir import operations
from parcours.fhir.http import body
from parcours.fhir.outcome import FhirError, not_found
from parcours.fhir.registry import Mapping, register
from parcours.fhir.search import bad_parameter
from parcours.fhir.validation import parse
from parcours.nomenclature.models import Concept, SystemSlug

SERAFIN_URL = "https://smt.esante.gouv.fr/terminologie-SERAFINPH"
# Published title and version of the SMT CodeSystem ("Nomenclature des besoins et des prestations
# v2023.1.0", cited by the TDDUI guide's expansions, interop.esante.gouv.fr/terminologies/1.4.0).
SERAFIN_TITLE = "Nomenclature des besoins et des prestations"
SERAFIN_VERSION = "2023.1.0"
# Computable name: Parcours' own (the SMT's CodeSystem name was not found in the sources read).
SERAFIN_NAME = "SERAFINPH"
SERAFIN_SLUGS = (SystemSlug.SERAFIN_BESOINS, SystemSlug.SERAFIN_PRESTATIONS)
ANS_PUBLISHER = "Agence du Numérique en Santé (ANS) - 2-10 Rue d'Oradour-sur-Glane, 75015 Paris"
INACTIVE_URI = "http://hl7.org/fhir/concept-properties#inactive"
PARENT_URI = "http://hl7.org/fhir/concept-properties#parent"
CHILD_URI = "http://hl7.org/fhir/concept-properties#child"
RFC3986 = "urn:ietf:rfc:3986"


def stable_id(url: str) -> uuid.UUID:
    """The resource's id: the same on every instance, derived from its canonical URL."""
    return uuid.uuid5(uuid.NAMESPACE_URL, url)


@dataclass(frozen=True)
class Term:
    code: str
    display: str
    parent: str | None
    active: bool
    slug: str


@dataclass
class Terminology:
    """One CodeSystem or ValueSet served (a row of the static table below, not a database row)."""

    kind: str
    url: str
    name: str
    title: str
    version: str
    description: str
    oid: str = ""
    date: str = ""
    publisher: str = ""
    # For a value set: which SMT codes of SERAFIN-PH it holds.
    slug: str = ""
    prefix: str = ""
    uuid: uuid.UUID = field(init=False)
    pk: str = field(init=False)

    # Every resource served is in force and draws its codes from SERAFIN-PH.
    status = "active"
    system_url = SERAFIN_URL

    def __post_init__(self):
        self.uuid = stable_id(self.url)
        self.pk = self.url


CODE_SYSTEMS = [
    Terminology(
        "CodeSystem",
        SERAFIN_URL,
        SERAFIN_NAME,
        SERAFIN_TITLE,
        SERAFIN_VERSION,
        "Nomenclatures SERAFIN-PH (CNSA/DGCS, version validée le 27 avril 2018) des besoins des personnes "
        "handicapées et des prestations directes et indirectes, avec les codes du serveur "
        "multi-terminologies de l'ANS.",
    )
]
VALUE_SETS = [
    Terminology(
        "ValueSet",
        "https://mos.esante.gouv.fr/NOS/JDV_J285-Besoins_SERAFIN/FHIR/JDV-J285-Besoins-SERAFIN",
        "JDV_J285_Besoins_SERAFIN",
        "JDV_J285_Besoins_SERAFIN",
        "20241025120000",
        "Liste des besoins provenant de la terminologie SERAFIN",
        oid="1.2.250.1.213.3.3.254",
        date="2024-10-25T12:00:00+01:00",
        publisher=ANS_PUBLISHER,
        slug=SystemSlug.SERAFIN_BESOINS,
        prefix="1",
    ),
    Terminology(
        "ValueSet",
        "https://mos.esante.gouv.fr/NOS/JDV_J284-PrestationsDirects_SERAFIN/FHIR/JDV-J284-PrestationsDirects-SERAFIN",
        "JDV_J284_PrestationsDirects_SERAFIN",
        "JDV_J284_PrestationsDirects_SERAFIN",
        "20241025120000",
        "Liste des prestations directs provenant de la terminologie SERAFIN",
        oid="1.2.250.1.213.3.3.253",
        date="2024-10-25T12:00:00+01:00",
        publisher=ANS_PUBLISHER,
        slug=SystemSlug.SERAFIN_PRESTATIONS,
        prefix="2",
    ),
    Terminology(
        "ValueSet",
        "https://mos.esante.gouv.fr/NOS/JDV_J283-PrestationsIndirects_SERAFIN/FHIR/JDV-J283-PrestationsIndirects-SERAFIN",
        "JDV_J283_PrestationsIndirects_SERAFIN",
        "JDV_J283_PrestationsIndirects_SERAFIN",
        "20241025120000",
        "Liste des prestations indirects provenant de la terminologie SERAFIN",
        oid="1.2.250.1.213.3.3.252",
        date="2024-10-25T12:00:00+01:00",
        publisher=ANS_PUBLISHER,
        slug=SystemSlug.SERAFIN_PRESTATIONS,
        prefix="3",
    ),
]


def serafin_terms() -> dict[str, Term]:
    """The SMT concepts of SERAFIN-PH by SMT code, in the nomenclature's order. A concept's parent is
    its nearest ancestor that the SMT publishes (the SMT flattens a level of the CNSA numbering)."""
    rows = list(
        Concept.objects.filter(system__slug__in=SERAFIN_SLUGS)
        .order_by("system__slug", "sort_key")
        .values_list("system__slug", "code", "parent_code", "national_code", "label", "active")
    )
    by_cnsa = {(slug, code): (parent, national) for slug, code, parent, national, _, _ in rows}
    terms = {}
    for slug, _code, parent_code, national, label, active in rows:
        if not national:
            continue
        parent, seen = None, 0
        while parent_code and seen < 10:
            parent_parent, parent_national = by_cnsa.get((slug, parent_code), ("", ""))
            if parent_national:
                parent = parent_national
                break
            parent_code, seen = parent_parent, seen + 1
        terms[national] = Term(national, label, parent, active, slug)
    return terms


def members(value_set: Terminology, terms: dict[str, Term]) -> list[Term]:
    return [
        term
        for term in terms.values()
        if term.slug == value_set.slug and term.code.split(".")[0] == value_set.prefix
    ]


class StaticQuerySet:
    """The few queryset methods the API's read and search use, over the static table of resources."""

    def __init__(self, items):
        self.items = list(items)

    def filter(self, **lookups):
        items = self.items
        for lookup, value in lookups.items():
            if lookup == "uuid":
                items = [item for item in items if item.uuid == value]
            elif lookup == "uuid__in":
                wanted = set(value)
                items = [item for item in items if item.uuid in wanted]
            else:
                raise ValueError(f"Recherche non prise en charge : {lookup}")
        return StaticQuerySet(items)

    def where(self, predicate):
        return StaticQuerySet(item for item in self.items if predicate(item))

    def order_by(self, *fields):
        return self

    def count(self) -> int:
        return len(self.items)

    def first(self):
        return self.items[0] if self.items else None

    def exists(self) -> bool:
        return bool(self.items)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def __getitem__(self, index):
        return self.items[index]


def _string(attribute_names):
    def apply(queryset, values, ctx, name="name"):
        for value in values:
            wanted = [item.lower() for item in value.split(",") if item]
            queryset = queryset.where(
                lambda obj, wanted=wanted: any(
                    item in (getattr(obj, attribute) or "").lower()
                    for item in wanted
                    for attribute in attribute_names
                )
            )
        return queryset

    return apply


def _uri(attribute):
    def apply(queryset, values, ctx, name="url"):
        for value in values:
            wanted = {item for item in value.split(",") if item}
            queryset = queryset.where(lambda obj, wanted=wanted: getattr(obj, attribute) in wanted)
        return queryset

    return apply


def _status(queryset, values, ctx, name="status"):
    allowed = {"draft", "active", "retired", "unknown"}
    for value in values:
        wanted = {item.rpartition("|")[2] for item in value.split(",") if item}
        if wanted - allowed:
            raise bad_parameter(name, "code attendu : draft, active, retired ou unknown.")
        queryset = queryset.where(lambda obj, wanted=wanted: obj.status in wanted)
    return queryset


def _identifier(queryset, values, ctx, name="identifier"):
    for value in values:
        wanted = {item.rpartition("|")[2] for item in value.split(",") if item}
        queryset = queryset.where(lambda obj, wanted=wanted: bool(obj.oid) and f"urn:oid:{obj.oid}" in wanted)
    return queryset


class Placeholder:
    """Stands for the model of a mapping whose resources are not database rows."""


class _TerminologyMapping(Mapping):
    writable = False
    exported = False
    category = None
    person_path = ""
    order = 90
    items: list[Terminology] = []

    def base_queryset(self):
        return StaticQuerySet(self.items)

    def meta(self, obj, profile=None) -> dict:
        return {}


@register
class CodeSystemMapping(_TerminologyMapping):
    resource_type = "CodeSystem"
    model = type("CodeSystemEntry", (Placeholder,), {})
    items = CODE_SYSTEMS
    search_params = {
        "url": _uri("url"),
        "system": _uri("url"),
        "name": _string(("name", "title")),
        "title": _string(("title",)),
        "status": _status,
        "version": _uri("version"),
    }

    def to_fhir(self, obj, ctx) -> dict:
        terms = serafin_terms()
        children: dict[str | None, list[Term]] = {}
        for term in terms.values():
            children.setdefault(term.parent, []).append(term)

        def concept(term: Term) -> dict:
            entry = {"code": term.code}
            if term.display:
                entry["display"] = term.display
            if not term.active:
                entry["property"] = [{"code": "inactive", "valueBoolean": True}]
            nested = [concept(child) for child in children.get(term.code, [])]
            if nested:
                entry["concept"] = nested
            return entry

        return {
            "resourceType": "CodeSystem",
            "id": str(obj.uuid),
            "url": obj.url,
            "version": obj.version,
            "name": obj.name,
            "title": obj.title,
            "status": obj.status,
            "experimental": False,
            "description": obj.description,
            "caseSensitive": True,
            "content": "complete",
            "count": len(terms),
            "property": [
                {"code": "inactive", "uri": INACTIVE_URI, "description": "Code retiré", "type": "boolean"},
            ],
            "concept": [concept(term) for term in children.get(None, [])],
        }


@register
class ValueSetMapping(_TerminologyMapping):
    resource_type = "ValueSet"
    model = type("ValueSetEntry", (Placeholder,), {})
    items = VALUE_SETS
    search_params = {
        "url": _uri("url"),
        "name": _string(("name", "title")),
        "title": _string(("title",)),
        "status": _status,
        "version": _uri("version"),
        "identifier": _identifier,
        "system": _uri("system_url"),
    }

    def to_fhir(self, obj, ctx) -> dict:
        terms = members(obj, serafin_terms())
        return {
            "resourceType": "ValueSet",
            "id": str(obj.uuid),
            "url": obj.url,
            "identifier": [{"system": RFC3986, "value": f"urn:oid:{obj.oid}"}],
            "version": obj.version,
            "name": obj.name,
            "status": obj.status,
            "experimental": False,
            "date": obj.date,
            "publisher": obj.publisher,
            "description": obj.description,
            "jurisdiction": [{"coding": [{"system": "urn:iso:std:iso:3166", "code": "FRA"}]}],
            "compose": {
                "include": [
                    {
                        "system": SERAFIN_URL,
                        "concept": [{"code": term.code, "display": term.display} for term in terms],
                    }
                ]
            },
        }


# --- operations


def _parameters(request) -> dict[str, list]:
    """The operation's parameters, from the query string (GET) or a Parameters resource (POST): name ->
    values (strings, or dicts for a Coding / CodeableConcept)."""
    if request.method == "GET":
        return {key: request.GET.getlist(key) for key in request.GET}
    data = body(request)
    if not isinstance(data, dict) or data.get("resourceType") != "Parameters":
        raise FhirError(400, "Une ressource Parameters est attendue dans le corps de la requête.",
                        code="structure")  # fmt: skip
    parse("Parameters", data)
    values: dict[str, list] = {}
    for parameter in data.get("parameter") or []:
        value = next((v for k, v in parameter.items() if k.startswith("value")), None)
        if value is not None:
            values.setdefault(parameter.get("name", ""), []).append(value)
    return values


def _one(params: dict, name: str):
    values = params.get(name) or []
    if len(values) > 1:
        raise FhirError(400, f"Le paramètre {name} ne peut être donné qu'une fois.", code="invalid")
    return values[0] if values else None


def _coded(params: dict) -> tuple[str | None, str | None, str | None]:
    """(system, code, display) from code/system/display, or from a coding or codeableConcept."""
    system, code, display = _one(params, "system"), _one(params, "code"), _one(params, "display")
    coding = _one(params, "coding")
    if coding is None and (concept := _one(params, "codeableConcept")) is not None:
        codings = concept.get("coding") if isinstance(concept, dict) else None
        coding = codings[0] if codings else None
    if isinstance(coding, dict):
        system = system or coding.get("system")
        code = code or coding.get("code")
        display = display or coding.get("display")
    if not code:
        raise FhirError(400, "Le paramètre code (ou coding) est obligatoire.", code="required")
    return system, str(code), display


def _code_system(url: str | None, obj, version: str | None) -> Terminology:
    """The CodeSystem named (instance level: the one of the URL)."""
    if obj is not None:
        if url and url != obj.url:
            raise FhirError(400, "Le système donné n'est pas celui de cette ressource CodeSystem.",
                            code="invalid")  # fmt: skip
        system = obj
    else:
        if not url:
            raise FhirError(400, "Le paramètre system (ou url) est obligatoire.", code="required")
        system = next((item for item in CODE_SYSTEMS if item.url == url), None)
        if system is None:
            raise not_found(f"Système de codes inconnu de ce serveur : {url[:200]}.")
    if version and version != system.version:
        raise not_found(f"Version {version[:40]} non disponible pour ce système (version servie : "
                        f"{system.version}).")  # fmt: skip
    return system


@operations.operation("lookup", level=operations.TYPE, resource_type="CodeSystem",
                      description="Libellé et propriétés d'un code SERAFIN-PH")  # fmt: skip
@operations.operation("lookup", level=operations.INSTANCE, resource_type="CodeSystem",
                      description="Libellé et propriétés d'un code SERAFIN-PH")  # fmt: skip
def lookup(request, ctx, resource_type=None, obj=None):
    params = _parameters(request)
    system_url, code, _ = _coded(params)
    system = _code_system(system_url, obj, _one(params, "version"))
    terms = serafin_terms()
    term = terms.get(code)
    if term is None:
        raise not_found(f"Code inconnu dans {system.title} (SERAFIN-PH) : {code[:40]}.")
    wanted = set(params.get("property") or [])
    properties = []
    if term.parent:
        properties.append(("parent", {"valueCode": term.parent}))
    properties += [("child", {"valueCode": t.code}) for t in terms.values() if t.parent == term.code]
    properties.append(("inactive", {"valueBoolean": not term.active}))
    parameters = [
        {"name": "name", "valueString": system.title},
        {"name": "version", "valueString": system.version},
        {"name": "display", "valueString": term.display},
        {
            "name": "designation",
            "part": [
                {"name": "language", "valueCode": "fr"},
                {"name": "value", "valueString": term.display},
            ],
        },
    ]
    for name, value in properties:
        if wanted and name not in wanted:
            continue
        parameters.append({"name": "property", "part": [{"name": "code", "valueCode": name},
                                                         {"name": "value", **value}]})  # fmt: skip
    return {"resourceType": "Parameters", "parameter": parameters}


def _result(ok: bool, message: str = "", display: str = "") -> dict:
    parameters = [{"name": "result", "valueBoolean": ok}]
    if message:
        parameters.append({"name": "message", "valueString": message})
    if display:
        parameters.append({"name": "display", "valueString": display})
    return {"resourceType": "Parameters", "parameter": parameters}


def _check(term: Term | None, code: str, display: str | None, where: str) -> dict:
    if term is None:
        return _result(False, f"Le code {code[:40]} n'appartient pas à {where}.")
    if display and display != term.display:
        return _result(
            False, f"Libellé incorrect pour le code {code} : « {term.display} » attendu.", term.display
        )
    return _result(True, display=term.display)


@operations.operation("validate-code", level=operations.TYPE, resource_type="CodeSystem",
                      description="Un code appartient-il à SERAFIN-PH ?")  # fmt: skip
@operations.operation("validate-code", level=operations.INSTANCE, resource_type="CodeSystem",
                      description="Un code appartient-il à SERAFIN-PH ?")  # fmt: skip
def validate_code_system(request, ctx, resource_type=None, obj=None):
    params = _parameters(request)
    system_url, code, display = _coded(params)
    url = _one(params, "url")
    if url and system_url and url != system_url:
        raise FhirError(
            400, "Les paramètres url et system désignent deux systèmes différents.", code="invalid"
        )
    system = _code_system(url or system_url, obj, _one(params, "version"))
    return _check(serafin_terms().get(code), code, display, system.title)


@operations.operation("validate-code", level=operations.TYPE, resource_type="ValueSet",
                      description="Un code appartient-il à ce jeu de valeurs SERAFIN-PH ?")  # fmt: skip
@operations.operation("validate-code", level=operations.INSTANCE, resource_type="ValueSet",
                      description="Un code appartient-il à ce jeu de valeurs SERAFIN-PH ?")  # fmt: skip
def validate_value_set(request, ctx, resource_type=None, obj=None):
    params = _parameters(request)
    url = _one(params, "url")
    if obj is not None:
        if url and url != obj.url:
            raise FhirError(400, "L'url donnée n'est pas celle de cette ressource ValueSet.", code="invalid")
        value_set = obj
    else:
        if not url:
            raise FhirError(400, "Le paramètre url (jeu de valeurs) est obligatoire.", code="required")
        value_set = next((item for item in VALUE_SETS if item.url == url), None)
        if value_set is None:
            raise not_found(f"Jeu de valeurs inconnu de ce serveur : {url[:200]}.")
    system_url, code, display = _coded(params)
    if system_url and system_url != SERAFIN_URL:
        return _result(False, f"Le système {system_url[:200]} n'est pas celui de ce jeu de valeurs "
                              f"({SERAFIN_URL}).")  # fmt: skip
    term = {t.code: t for t in members(value_set, serafin_terms())}.get(code)
    return _check(term, code, display, value_set.name)
