"""Codings of the nomenclatures (SERAFIN-PH besoins and prestations, FINESS categories...), as the
national terminology server (SMT) publishes them: system = the code system's canonical URL, code =
its SMT code (`Concept.national_code`, else the code)."""

from functools import lru_cache

from parcours.fhir.outcome import invalid
from parcours.nomenclature.models import Concept


@lru_cache(maxsize=8)
def _concepts(system_slug: str) -> dict:
    """{pk: (system url, code, label)} and {(system url, code): pk} of a code system, read once per
    process (the nomenclatures change only with a new release of Parcours)."""
    by_pk, by_code = {}, {}
    rows = Concept.objects.filter(system__slug=system_slug).values_list(
        "pk", "system__url", "code", "national_code", "label"
    )
    uses_national = any(national for _, _, _, national, _ in rows)
    for pk, url, code, national, label in rows:
        if uses_national and not national:
            # A code of the CNSA numbering the national server does not publish (SERAFIN-PH 1.1.1,
            # 2.2.1): sent as its own code it would mean another concept there. Label only.
            by_pk[pk] = ("", "", label)
            continue
        value = national or code
        by_pk[pk] = (url, value, label)
        by_code[(url, value)] = pk
    return {"by_pk": by_pk, "by_code": by_code}


def clear_cache() -> None:
    _concepts.cache_clear()


def coding(system_slug: str, concept_pk: int) -> dict:
    """The Coding of a concept, from its primary key (no query once the system is cached)."""
    entry = _concepts(system_slug)["by_pk"].get(concept_pk)
    if entry is None:
        clear_cache()
        entry = _concepts(system_slug)["by_pk"][concept_pk]
    url, code, label = entry
    result = {"system": url, "code": code} if code else {}
    if label:
        result["display"] = label
    return result


def concept_pk(system_slug: str, codeable: dict | None, expression: str) -> int:
    """The concept a CodeableConcept (or Coding) names in this code system; an unknown or missing code
    is a 422 (code-invalid) naming the element."""
    codings = []
    if isinstance(codeable, dict):
        codings = codeable.get("coding") or ([codeable] if "code" in codeable else [])
    table = _concepts(system_slug)["by_code"]
    for item in codings:
        key = (item.get("system", ""), item.get("code", ""))
        if key in table:
            return table[key]
    if not codings:
        raise invalid("Code manquant.", expression, code="required")
    item = codings[0]
    raise invalid(
        f"Code inconnu : {item.get('code', '')[:40]} dans le système {item.get('system', '')[:120]} "
        f"(nomenclature attendue : {system_slug}).",
        expression,
        code="code-invalid",
    )


def pks_for_code(system_slug: str, code: str, system: str | None = None) -> list[int]:
    """The concepts a search token `[system|]code` names in this code system (for `code=` searches)."""
    return [
        pk
        for (url, value), pk in _concepts(system_slug)["by_code"].items()
        if value == code and (system is None or url == system)
    ]
