"""Practitioner (TDDUIPractitioner) and PractitionerRole (TDDUIPractitionerRole): the professionals and
their place in an establishment's team or a gestionnaire's direction.

Read from `TDDUIPractitioner.fsh` (identifier[idNatPs] 1..1, name 0..1), `TDDUIPractitionerRole.fsh`
(code 0..1 from JDV-J47-FunctionCode-CISIS, with the extension `tddui-profession` from
JDV-J01-XdsAuthorSpecialty-CISIS) and the FR Core Practitioner slices (idNatPs: system
urn:oid:1.2.250.1.71.4.2.1, value 8 + RPPS; rpps: https://rpps.esante.gouv.fr).

What Parcours does not hold, and how it is sent:
- idNatPs of a professional without RPPS (most of the sector's professions): the slice is sent with its
  system and type and a data-absent-reason (`unknown`), not an invented number;
- the codes of JDV-J47 (function) and JDV-J01 (profession): Parcours' roles and professions are not coded
  in them (no published correspondence in the project's reference data), so both are sent as text;
- the professional's birth date and sex are staff (HR) data, not sent.

A membership's id is its uuid, kept from one instance to the next by the import.

Not a person's data: readable with the scope alone; written only by the instance's administrator
importing records.
"""

import uuid

from django.db.models import Q

from parcours.core.identifiers import compact
from parcours.fhir import search
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.fhir.resources.organization import refuse_unless_importing
from parcours.fhir.resources.patient import absent, extension
from parcours.organisations.models import Establishment, Gestionnaire
from parcours.staff.enums import Profession, Role
from parcours.staff.models import Membership, Professional

PROFILE = tddui_profile("tddui-practitioner")
PROFILE_ROLE = tddui_profile("tddui-practitioner-role")
PROFESSION = tddui_profile("tddui-profession")
FR_CORE_V2_0203 = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-v2-0203"
ID_NAT_PS = "urn:oid:1.2.250.1.71.4.2.1"
RPPS_SYSTEM = "https://rpps.esante.gouv.fr"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
PROFESSIONS = {str(label): value for value, label in Profession.choices}
ROLES = {str(label): value for value, label in Role.choices}


def _name_filter(queryset, values, ctx, name="name"):
    return search.string_filter("last_name", "first_name")(queryset, values, ctx, name)


def _rpps_filter(queryset, values, ctx, name="identifier"):
    for value in values:
        condition = Q(pk__in=[])
        for item in value.split(","):
            system, bar, code = item.rpartition("|")
            code = compact(code)
            if (not bar or system == RPPS_SYSTEM) and code:
                condition |= Q(rpps=code)
            if (not bar or system == ID_NAT_PS) and code.startswith("8") and len(code) > 1:
                condition |= Q(rpps=code[1:])
        queryset = queryset.filter(condition)
    return queryset


def _organization_filter(queryset, values, ctx, name="organization"):
    for value in values:
        ids = []
        for item in value.split(","):
            kind, _, key = item.rstrip("/").rpartition("/")
            if kind and kind.rsplit("/", 1)[-1] != "Organization":
                raise search.bad_parameter(name, "référence Organization/<identifiant> attendue.")
            try:
                ids.append(uuid.UUID(key))
            except ValueError:
                raise search.bad_parameter(name, "identifiant invalide.") from None
        queryset = queryset.filter(Q(establishment__uuid__in=ids) | Q(gestionnaire__uuid__in=ids))
    return queryset


@register
class PractitionerMapping(Mapping):
    resource_type = "Practitioner"
    profiles = (PROFILE,)
    model = Professional
    category = None
    order = 2
    search_params = {"identifier": _rpps_filter, "name": _name_filter}
    sort_params = {"name": "last_name"}

    def to_fhir(self, obj, ctx) -> dict:
        id_nat = {
            "use": "official",
            "type": {"coding": [{"system": FR_CORE_V2_0203, "code": "IDNPS"}]},
            "system": ID_NAT_PS,
        }
        identifiers = [id_nat]
        if obj.rpps:
            id_nat["value"] = f"8{obj.rpps}"
            identifiers.append(
                {
                    "type": {"coding": [{"system": FR_CORE_V2_0203, "code": "RPPS"}]},
                    "system": RPPS_SYSTEM,
                    "value": obj.rpps,
                }
            )
        else:
            id_nat["extension"] = [absent()]
        return {
            "resourceType": "Practitioner",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": identifiers,
            "name": [{"family": obj.last_name, "given": [obj.first_name]}],
        }

    def check(self, data: dict) -> list[Issue]:
        issues = []
        id_nat = [i for i in data.get("identifier") or [] if i.get("system") == ID_NAT_PS]
        if len(id_nat) != 1:
            issues.append(Issue("required", f"Un et un seul identifiant national (idNatPs, {ID_NAT_PS}) est "
                                "obligatoire.", "Practitioner.identifier[idNatPs]"))  # fmt: skip
        elif "value" not in id_nat[0] and extension(id_nat[0], DATA_ABSENT_REASON) is None:
            message = "L'identifiant national porte une valeur (8 + RPPS) ou une raison d'absence."
            issues.append(Issue("required", message, "Practitioner.identifier[idNatPs]"))
        names = data.get("name") or []
        if len(names) != 1 or not names[0].get("family") or not names[0].get("given"):
            message = (
                "Un nom avec family et given est attendu : Parcours ne connaît pas de professionnel sans nom."
            )
            issues.append(Issue("required", message, "Practitioner.name"))
        return issues

    def write(self, data: dict, ctx, existing=None):
        refuse_unless_importing(ctx)
        rpps = ""
        for identifier in data.get("identifier") or []:
            value = compact(identifier.get("value", ""))
            if identifier.get("system") == RPPS_SYSTEM and value:
                rpps = value
            elif identifier.get("system") == ID_NAT_PS and value.startswith("8") and not rpps:
                rpps = value[1:]
        professional = existing
        if professional is None and rpps:
            professional = Professional.objects.filter(rpps=rpps).first()
        if professional is None:
            professional = Professional(uuid=ctx.new_uuid(Professional), profession=self._profession(ctx))
        name = data["name"][0]
        professional.last_name = name["family"]
        professional.first_name = " ".join(name["given"])
        professional.rpps = rpps
        professional.full_clean()
        professional.save()
        return professional

    def _profession(self, ctx) -> str:
        """The profession a PractitionerRole of the same bundle gives, else « Autre profession »:
        the Practitioner resource does not carry it in TDDUI."""
        if ctx.current_full_url:
            for role in ctx.referrers("PractitionerRole", ctx.current_full_url):
                found = _profession_of(role)
                if found:
                    return found
        return Profession.AUTRE


def _profession_of(role: dict) -> str | None:
    profession = extension((role.get("code") or [{}])[0], PROFESSION)
    text = ((profession or {}).get("valueCodeableConcept") or {}).get("text")
    return PROFESSIONS.get(text) if text else None


@register
class PractitionerRoleMapping(Mapping):
    resource_type = "PractitionerRole"
    profiles = (PROFILE_ROLE,)
    model = Membership
    category = None
    order = 3
    search_params = {
        "practitioner": search.reference_filter("professional", "Practitioner"),
        "organization": _organization_filter,
    }
    sort_params = {"date": "start_date"}

    def base_queryset(self):
        return Membership.objects.select_related("professional", "establishment", "gestionnaire")

    def to_fhir(self, obj, ctx) -> dict:
        organization = obj.establishment or obj.gestionnaire
        period = {"start": obj.start_date.isoformat()}
        if obj.end_date:
            period["end"] = obj.end_date.isoformat()
        profession = {
            "url": PROFESSION,
            "valueCodeableConcept": {"text": obj.professional.get_profession_display()},
        }
        return {
            "resourceType": "PractitionerRole",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "period": period,
            "practitioner": {
                "reference": f"Practitioner/{obj.professional.uuid}",
                "display": str(obj.professional),
            },
            "organization": {"reference": f"Organization/{organization.uuid}", "display": organization.name},
            "code": [{"extension": [profession], "text": obj.get_role_display()}],
        }

    def check(self, data: dict) -> list[Issue]:
        issues = []
        if len(data.get("code") or []) > 1:
            issues.append(Issue("invalid", "Un seul rôle (code 0..1) est admis.", "PractitionerRole.code"))
        for name in ("practitioner", "organization"):
            if not data.get(name):
                issues.append(
                    Issue("required", f"La référence {name} est obligatoire.", f"PractitionerRole.{name}")
                )
        if not (data.get("period") or {}).get("start"):
            issues.append(Issue("required", "La date de début (period.start) est obligatoire.",
                                "PractitionerRole.period.start"))  # fmt: skip
        return issues

    def write(self, data: dict, ctx, existing=None):
        refuse_unless_importing(ctx)
        professional = ctx.resolve(data["practitioner"], ["Practitioner"], "PractitionerRole.practitioner",
                                   model=Professional)  # fmt: skip
        organization = data["organization"]
        where = "PractitionerRole.organization"
        try:
            scope = ctx.resolve(organization, ["Organization"], where, model=Establishment)
        except FhirError:  # not an establishment: a gestionnaire, or the 422 of a wrong reference
            scope = ctx.resolve(organization, ["Organization"], where, model=Gestionnaire)
        code = (data.get("code") or [{}])[0]
        role = ROLES.get(code.get("text") or "", None) if code.get("text") else Role.PROFESSIONAL
        if role is None:
            message = (
                "Rôle inconnu : le texte d'un rôle de Parcours est attendu (pas de code JDV-J47 en regard)."
            )
            raise invalid(message, "PractitionerRole.code", code="code-invalid")
        membership = existing or Membership(uuid=ctx.new_uuid(Membership))
        membership.professional = professional
        membership.establishment = scope if isinstance(scope, Establishment) else None
        membership.gestionnaire = scope if isinstance(scope, Gestionnaire) else None
        membership.role = role
        membership.start_date = data["period"]["start"]
        membership.end_date = data["period"].get("end")
        membership.full_clean()
        membership.save()
        profession = _profession_of(data)
        if profession and professional.profession != profession:
            professional.profession = profession
            professional.save(update_fields=["profession"])
        return membership
