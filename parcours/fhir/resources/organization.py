"""Organization (TDDUIOrganization): an establishment or service (FINESS géographique), and the
organisme gestionnaire it belongs to (`partOf`, FINESS juridique and SIREN).

Read from `TDDUIOrganization.fsh` (identifier[idNatSt] 1..1; `TDDUIOrgnization.fsh` is an older file of
the same profile with the same rule) and its parent FR Core Organization profile (slices idNatSt,
finess, siren; type[categorieEtablissementRASS] with the system of TRE_R66-CategorieEtablissement).

Not a person's data: readable with the scope alone. Written only by the instance's administrator
importing records (`may_import`): a team's client cannot create or change an establishment.

The INSEE region code of an establishment has no FHIR element in the profile: Parcours writes it in
`address.state` (the sub-unit of the country) next to the department in `address.district`, and reads it
back from there on import; no department -> region table exists in Parcours to derive it.
"""

import re

from django.db.models import Q

from parcours.access.api import may_import
from parcours.core.identifiers import compact, finess_department
from parcours.fhir import codes, search
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment, Gestionnaire

PROFILE = tddui_profile("tddui-organization")
FR_CORE_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
ID_NAT_STRUCT = "urn:oid:1.2.250.1.71.4.2.2"
FINESS_SYSTEM = "https://finess.esante.gouv.fr"
SIREN_SYSTEM = "https://sirene.fr"
# FR Core Organization, type[categorieEtablissementRASS].coding.system (fixed "exactly").
CATEGORY_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement"
)
FINESS_CATEGORIES = "finess-categories"
# idNat_Struct prefixes (FR Core Organization, identifier[idNatSt].value): 1 + FINESS, 2 + SIREN.
PREFIX_FINESS, PREFIX_SIREN = "1", "2"
ID_NAT_REQUIRED = (
    f"Un et un seul identifiant national de structure (idNatSt, {ID_NAT_STRUCT}) est obligatoire."
)
FINESS_RE = re.compile(r"^(\d{2}|2A|2B)\d{7}$")


def refuse_unless_importing(ctx) -> None:
    if not may_import(ctx.user):
        raise FhirError(403, "Seul l'administrateur de l'instance, lors d'un import, crée ou modifie un "
                        "établissement ou un organisme gestionnaire.", code="forbidden")  # fmt: skip


def _identifier(kind: str, system: str, value: str, use: str | None = None) -> dict:
    result = {
        "type": {"coding": [{"system": FR_CORE_V2_0203, "code": kind}]},
        "system": system,
        "value": value,
    }
    if use:
        result = {"use": use, **result}
    return result


def _values(data: dict, system: str) -> list[str]:
    return [compact(i.get("value", "")) for i in data.get("identifier") or [] if i.get("system") == system]


def _id_nat(data: dict) -> list[str]:
    return _values(data, ID_NAT_STRUCT)


def _nomenclature_url() -> str:
    """The canonical URL the nomenclature gives the FINESS categories (empty while it has none)."""
    concepts = Concept.objects.filter(system__slug=FINESS_CATEGORIES)
    return concepts.values_list("system__url", flat=True).first() or CATEGORY_SYSTEM


def _category_coding(concept_id: int) -> dict:
    """The FINESS category as FR Core fixes its system (the nomenclature's own URL when it has one)."""
    result = dict(codes.coding(FINESS_CATEGORIES, concept_id))
    result["system"] = result.get("system") or CATEGORY_SYSTEM
    return result


def _identifier_filter(fields: dict[str, str], prefixes: dict[str, str]):
    """`identifier=system|value`: `fields` maps a system to the field holding the value; idNat_Struct
    values are the field's value behind its prefix (`prefixes`: prefix -> field)."""

    def apply(queryset, values, ctx, name="identifier"):
        for value in values:
            condition = Q(pk__in=[])
            for item in value.split(","):
                system, bar, code = item.rpartition("|")
                code = compact(code)
                if not bar or system in fields:
                    for field in [fields[system]] if bar else fields.values():
                        condition |= Q(**{field: code})
                if not bar or system == ID_NAT_STRUCT:
                    for prefix, field in prefixes.items():
                        if code.startswith(prefix):
                            condition |= Q(**{field: code[len(prefix) :]})
            queryset = queryset.filter(condition)
        return queryset

    return apply


def _address(obj) -> dict:
    result = {}
    if obj.street:
        result["line"] = [obj.street]
    if obj.city:
        result["city"] = obj.city
    if obj.postal_code:
        result["postalCode"] = obj.postal_code
    result["district"] = obj.department_code
    result["state"] = obj.region_code
    result["country"] = "FR"
    return result


def _reference(obj) -> dict:
    return {"reference": f"Organization/{obj.uuid}", "display": obj.name}


@register
class EstablishmentMapping(Mapping):
    resource_type = "Organization"
    profiles = (PROFILE,)
    model = Establishment
    category = None
    order = 1
    search_params = {
        "identifier": _identifier_filter({FINESS_SYSTEM: "finess"}, {PREFIX_FINESS: "finess"}),
        "name": search.string_filter("name"),
    }
    sort_params = {"name": "name"}
    includes = {"Organization:partof:Organization": "gestionnaire"}

    def base_queryset(self):
        return Establishment.objects.select_related("gestionnaire")

    def to_fhir(self, obj, ctx) -> dict:
        if isinstance(obj, Gestionnaire):
            return GESTIONNAIRE.to_fhir(obj, ctx)
        resource = {
            "resourceType": "Organization",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [
                _identifier("IDNST", ID_NAT_STRUCT, f"{PREFIX_FINESS}{obj.finess}", use="official"),
                _identifier("FINEG", FINESS_SYSTEM, obj.finess),
            ],
            "active": True,
            "type": [{"coding": [_category_coding(obj.category_id)]}],
            "name": obj.name,
        }
        if obj.phone:
            resource["telecom"] = [{"system": "phone", "value": obj.phone}]
        resource["address"] = [_address(obj)]
        resource["partOf"] = _reference(obj.gestionnaire)
        return resource

    # --- writing

    def is_gestionnaire(self, data: dict) -> bool:
        """A legal entity: no FINESS géographique, no FINESS category, identified by its SIREN."""
        return not data.get("partOf") and bool(_values(data, SIREN_SYSTEM) or any(
            v.startswith(PREFIX_SIREN) for v in _id_nat(data)))  # fmt: skip

    def check(self, data: dict) -> list[Issue]:
        if self.is_gestionnaire(data):
            return GESTIONNAIRE.check(data)
        issues = []
        id_nat = _id_nat(data)
        if len(id_nat) != 1:
            issues.append(Issue("required", ID_NAT_REQUIRED, "Organization.identifier[idNatSt]"))
        elif not (id_nat[0].startswith(PREFIX_FINESS) and FINESS_RE.match(id_nat[0][1:])):
            issues.append(Issue("invalid", "L'identifiant national d'un établissement est 1 + son numéro "
                                "FINESS (9 caractères).", "Organization.identifier[idNatSt]"))  # fmt: skip
        finess = _values(data, FINESS_SYSTEM)
        if finess and id_nat and finess[0] != id_nat[0][1:]:
            issues.append(Issue("invalid", "Le numéro FINESS ne correspond pas à l'identifiant national de "
                                "structure.", "Organization.identifier[finess]"))  # fmt: skip
        if not data.get("name"):
            issues.append(
                Issue("required", "Le nom de l'établissement est obligatoire.", "Organization.name")
            )
        return issues

    def write(self, data: dict, ctx, existing=None):
        refuse_unless_importing(ctx)
        if self.is_gestionnaire(data):
            if existing is not None and not isinstance(existing, Gestionnaire):
                raise invalid("Cette ressource désigne un établissement, pas un organisme gestionnaire.",
                              "Organization.partOf")  # fmt: skip
            return GESTIONNAIRE.write(data, ctx, existing)
        finess = _id_nat(data)[0][1:]
        establishment = existing or Establishment.objects.filter(finess=finess).first()
        if establishment is None:
            establishment = Establishment(uuid=ctx.new_uuid(Establishment))
        elif not isinstance(establishment, Establishment):
            raise invalid("Cette ressource désigne un organisme gestionnaire, pas un établissement.",
                          "Organization.identifier")  # fmt: skip
        establishment.finess = finess
        establishment.name = data["name"]
        reference = data.get("partOf")
        if reference:
            establishment.gestionnaire = ctx.resolve(reference, ["Organization"], "Organization.partOf",
                                                     model=Gestionnaire)  # fmt: skip
        elif establishment.pk is None:
            raise invalid("L'organisme gestionnaire (partOf) est obligatoire pour créer un établissement.",
                          "Organization.partOf", code="required")  # fmt: skip
        establishment.category_id = self._category(data)
        address = (data.get("address") or [{}])[0]
        establishment.street = ", ".join(address.get("line") or [])
        establishment.postal_code = address.get("postalCode", "")
        establishment.city = address.get("city", "")
        establishment.department_code = address.get("district") or finess_department(finess)
        establishment.region_code = address.get("state") or establishment.region_code or self._region(
            establishment.department_code)  # fmt: skip
        phones = [t.get("value", "") for t in data.get("telecom") or [] if t.get("system") == "phone"]
        establishment.phone = phones[0] if phones else ""
        establishment.full_clean()
        establishment.save()
        return establishment

    def _category(self, data: dict) -> int:
        for codeable in data.get("type") or []:
            for coding in codeable.get("coding") or []:
                if coding.get("system") in (CATEGORY_SYSTEM, _nomenclature_url()):
                    found = Concept.objects.filter(system__slug=FINESS_CATEGORIES, code=coding.get("code"))
                    pk = found.values_list("pk", flat=True).first()
                    if pk is None:
                        raise invalid(f"Catégorie FINESS inconnue : {str(coding.get('code'))[:10]}.",
                                      "Organization.type", code="code-invalid")  # fmt: skip
                    return pk
        raise invalid(f"La catégorie FINESS de l'établissement (type, système {CATEGORY_SYSTEM}) est "
                      "obligatoire.", "Organization.type", code="required")  # fmt: skip

    def _region(self, department: str) -> str:
        """The region of another establishment of the same department, if the instance knows one."""
        same = Establishment.objects.filter(department_code=department)
        region = same.values_list("region_code", flat=True).first()
        if not region:
            message = (
                "Le code INSEE de la région (address.state) est obligatoire : Parcours ne le déduit pas."
            )
            raise invalid(message, "Organization.address.state", code="required")
        return region


class GestionnaireMapping(Mapping):
    """The organisme gestionnaire, also a TDDUIOrganization; registered after the establishments, whose
    mapping hands it the legal entities it is given (both carry the same profile)."""

    resource_type = "Organization"
    profiles = (PROFILE,)
    model = Gestionnaire
    category = None
    writable = False  # written through EstablishmentMapping.write, which recognises a legal entity
    order = 1
    search_params = {
        "identifier": _identifier_filter(
            {SIREN_SYSTEM: "siren", FINESS_SYSTEM: "finess_juridique"}, {PREFIX_SIREN: "siren"}
        ),
        "name": search.string_filter("name"),
    }
    sort_params = {"name": "name"}
    # A gestionnaire is part of nothing: the include finds no attribute and adds nothing.
    includes = {"Organization:partof:Organization": "part_of"}

    def to_fhir(self, obj, ctx) -> dict:
        identifiers = [
            _identifier("IDNST", ID_NAT_STRUCT, f"{PREFIX_SIREN}{obj.siren}", use="official"),
            _identifier("SIREN", SIREN_SYSTEM, obj.siren),
        ]
        if obj.finess_juridique:
            identifiers.append(_identifier("FINEJ", FINESS_SYSTEM, obj.finess_juridique))
        return {
            "resourceType": "Organization",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": identifiers,
            "active": True,
            "name": obj.name,
        }

    def check(self, data: dict) -> list[Issue]:
        issues = []
        id_nat = _id_nat(data)
        if len(id_nat) != 1:
            issues.append(Issue("required", ID_NAT_REQUIRED, "Organization.identifier[idNatSt]"))
        siren = _values(data, SIREN_SYSTEM)
        if id_nat and siren and id_nat[0] != f"{PREFIX_SIREN}{siren[0]}":
            issues.append(Issue("invalid", "Le SIREN ne correspond pas à l'identifiant national de structure "
                                "(2 + SIREN).", "Organization.identifier[siren]"))  # fmt: skip
        if not data.get("name"):
            issues.append(Issue("required", "La raison sociale (name) est obligatoire.", "Organization.name"))
        return issues

    def write(self, data: dict, ctx, existing=None):
        refuse_unless_importing(ctx)
        from_id_nat = [value[1:] for value in _id_nat(data) if value.startswith(PREFIX_SIREN)]
        siren = (_values(data, SIREN_SYSTEM) or from_id_nat)[0]
        gestionnaire = existing or Gestionnaire.objects.filter(siren=siren).first()
        if gestionnaire is None:
            gestionnaire = Gestionnaire(uuid=ctx.new_uuid(Gestionnaire))
        gestionnaire.siren = siren
        gestionnaire.name = data["name"]
        finess = _values(data, FINESS_SYSTEM)
        gestionnaire.finess_juridique = finess[0] if finess else ""
        gestionnaire.full_clean()
        gestionnaire.save()
        return gestionnaire


GESTIONNAIRE = GestionnaireMapping()
register(GestionnaireMapping)
