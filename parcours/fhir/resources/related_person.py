"""RelatedPerson (TDDUIRelatedPersonContact): a relative or close contact of the person, possibly their
natural carer (aidant) or the person to call in an emergency.

Read from `TDDUIRelatedPersonContact.fsh` and its parent FR Core RelatedPerson profile (identifier 1..1,
relationship sliced on coding.system):
- relationship[RelationType] from TDDUIContactRelation = JDV_J11-RelationPatient-CISIS (codes of
  TRE_R216-HL7RoleCode). Parcours' kinds that the value set only knows by sex (a parent: MTH/FTH, a
  sibling: BRO/SIS, a grandparent: GRMTH/GRFTH) are sent as text, Parcours not holding the relative's sex;
- relationship[Role] from JDV-J384-Role-Membre-Famille-MS (TRE_R260-HL7RoleClass, codes marked for the
  medico-social sector): CAREGIVER (aidant), ECON (personne à prévenir en cas d'urgence);
- identifier 1..1: Parcours holds no national identifier of a relative; the resource carries its own
  stable id as a URI (urn:ietf:rfc:3986, urn:uuid:...).
"""

import uuid

from parcours.access.enums import Action, Category
from parcours.fhir import search
from parcours.fhir.outcome import Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.fhir.resources.patient import address, contact_traits, telecoms
from parcours.people import services as people_services
from parcours.people.enums import RelationshipKind
from parcours.people.models import Person, Relative

PROFILE = tddui_profile("tddui-related-person-contact")
URI_SYSTEM = "urn:ietf:rfc:3986"
RELATION_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R216-HL7RoleCode/FHIR/TRE-R216-HL7RoleCode"
ROLE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R260-HL7RoleClass/FHIR/TRE-R260-HL7RoleClass"
CAREGIVER = {"system": ROLE_SYSTEM, "code": "CAREGIVER", "display": "Aidant"}
EMERGENCY = {"system": ROLE_SYSTEM, "code": "ECON", "display": "personne à prévenir en cas d'urgence"}
# RelationshipKind -> JDV_J11 coding (code, display), when the value set has a code for it.
RELATIONS = {
    RelationshipKind.CHILD: ("CHILD", "Enfant"),
    RelationshipKind.SPOUSE: ("SIGOTHR", "Conjoint"),
    RelationshipKind.OTHER_FAMILY: ("FAMMEMB", "Autre membre de la famille"),
    RelationshipKind.FRIEND: ("FRND", "Autre proche"),
}
# JDV_J11 code -> RelationshipKind, for what other software sends.
KINDS = {
    **dict.fromkeys(["MTH", "FTH", "NMTH", "NFTH", "STPMTH", "STPFTH"], RelationshipKind.PARENT),
    **dict.fromkeys(["GRMTH", "GRFTH", "GGRMTH", "GGRFTH"], RelationshipKind.GRANDPARENT),
    **dict.fromkeys(["DAU", "SON", "CHILD", "DAUC", "SONC"], RelationshipKind.CHILD),
    **dict.fromkeys(["BRO", "SIS", "HBRO", "HSIS"], RelationshipKind.SIBLING),
    **dict.fromkeys(["HUSB", "WIFE", "DOMPART", "SIGOTHR"], RelationshipKind.SPOUSE),
    **dict.fromkeys(["FRND", "NBOR"], RelationshipKind.FRIEND),
    **dict.fromkeys(
        ["FAMMEMB", "UNCLE", "AUNT", "NEPHEW", "NIECE", "COUSN", "GRNDDAU", "GRNDSO"],
        RelationshipKind.OTHER_FAMILY,
    ),
    "ROOM": RelationshipKind.OTHER,
}
LABELS = {str(label).lower(): kind for kind, label in RelationshipKind.choices}


def _relationship(data: dict) -> tuple[str, bool, bool]:
    """(kind, natural carer, emergency contact) from the relationships of the resource."""
    kind, carer, emergency = None, False, False
    for codeable in data.get("relationship") or []:
        codings = codeable.get("coding") or []
        for coding in codings:
            system, code = coding.get("system"), coding.get("code")
            if system == ROLE_SYSTEM:
                carer = carer or code == "CAREGIVER"
                emergency = emergency or code == "ECON"
            elif system == RELATION_SYSTEM:
                if code not in KINDS:
                    raise invalid(f"Lien inconnu : {str(code)[:12]} (JDV_J11-RelationPatient-CISIS).",
                                  "RelatedPerson.relationship", code="code-invalid")  # fmt: skip
                kind = kind or KINDS[code]
        if not codings and codeable.get("text"):
            found = LABELS.get(codeable["text"].strip().lower())
            if found is None:
                message = (
                    "Lien en texte libre non reconnu : utilisez un code de JDV_J11-RelationPatient-CISIS."
                )
                raise invalid(message, "RelatedPerson.relationship", code="code-invalid")
            kind = kind or found
    if kind is None:
        message = "Le lien avec la personne (relationship, JDV_J11-RelationPatient-CISIS) est obligatoire."
        raise invalid(message, "RelatedPerson.relationship", code="required")
    return kind, carer, emergency


@register
class RelatedPersonMapping(Mapping):
    resource_type = "RelatedPerson"
    profiles = (PROFILE,)
    model = Relative
    category = Category.IDENTITY
    person_path = "person"
    order = 12
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "name": search.string_filter("last_name", "first_name"),
    }
    sort_params = {"name": "last_name"}
    includes = {"RelatedPerson:patient": "person"}

    def base_queryset(self):
        return Relative.objects.select_related("person")

    def to_fhir(self, obj, ctx) -> dict:
        relationships = []
        if obj.relationship in RELATIONS:
            code, display = RELATIONS[obj.relationship]
            relationships.append({"coding": [{"system": RELATION_SYSTEM, "code": code, "display": display}]})
        else:
            relationships.append({"text": obj.get_relationship_display()})
        if obj.is_natural_carer:
            relationships.append({"coding": [CAREGIVER]})
        if obj.is_emergency_contact:
            relationships.append({"coding": [EMERGENCY]})
        resource = {
            "resourceType": "RelatedPerson",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [{"system": URI_SYSTEM, "value": f"urn:uuid:{obj.uuid}"}],
            "patient": {"reference": f"Patient/{obj.person.uuid}"},
            "relationship": relationships,
            "name": [{"family": obj.last_name, "given": [obj.first_name]}],
        }
        contact = telecoms(obj)
        if contact:
            resource["telecom"] = contact
        home = address(obj)
        if home:
            resource["address"] = [home]
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        if len(data.get("identifier") or []) > 1:
            issues.append(Issue("invalid", "Un seul identifiant (identifier 1..1) est admis.",
                                "RelatedPerson.identifier"))  # fmt: skip
        if len(data.get("address") or []) > 1:
            issues.append(
                Issue("invalid", "Une seule adresse (address 0..1) est admise.", "RelatedPerson.address")
            )
        names = data.get("name") or []
        if len(names) != 1 or not names[0].get("family") or not names[0].get("given"):
            issues.append(Issue("required", "Un nom (family) et un prénom (given) sont obligatoires.",
                                "RelatedPerson.name"))  # fmt: skip
        if not data.get("relationship"):
            issues.append(Issue("required", "Le lien avec la personne (relationship) est obligatoire.",
                                "RelatedPerson.relationship"))  # fmt: skip
        if data.get("gender") not in (None, "male", "female", "unknown"):
            issues.append(Issue("code-invalid", "Le sexe (gender) est male, female ou unknown.",
                                "RelatedPerson.gender"))  # fmt: skip
        return issues

    def fields(self, data: dict) -> dict:
        kind, carer, emergency = _relationship(data)
        name = data["name"][0]
        return {
            "last_name": name["family"],
            "first_name": " ".join(name["given"]),
            "relationship": kind,
            "is_natural_carer": carer,
            "is_emergency_contact": emergency,
            **contact_traits(data),
        }

    def write(self, data: dict, ctx, existing=None):
        fields = self.fields(data)
        person = ctx.resolve(data["patient"], ["Patient"], "RelatedPerson.patient", model=Person)
        if existing is not None and existing.person_id != person.pk:
            raise invalid("Un proche reste rattaché à la même personne (patient).", "RelatedPerson.patient")
        if not ctx.importing:
            if existing is None:
                return people_services.add_relative(person, actor=ctx.actor, **fields)
            return people_services.update_relative(existing, actor=ctx.actor, **fields)
        relative = existing or Relative(uuid=self._new_uuid(data, ctx), person=person)
        for name, value in fields.items():
            setattr(relative, name, value)
        action = Action.CREATE if existing is None else Action.UPDATE
        ctx.authorize(person, Category.IDENTITY, action, relative)
        relative.full_clean()
        relative.save()
        return relative

    def _new_uuid(self, data: dict, ctx):
        """The relative's id: the bundle entry's urn:uuid, else the urn:uuid identifier this mapping
        writes (so that a relative keeps its id from one instance to the next), else a new one."""
        if ctx.current_full_url:
            return ctx.new_uuid(Relative)
        for identifier in data.get("identifier") or []:
            value = identifier.get("value") or ""
            if identifier.get("system") == URI_SYSTEM and value.startswith("urn:uuid:"):
                try:
                    candidate = uuid.UUID(value[len("urn:uuid:") :])
                except ValueError:
                    break
                if not Relative.objects.filter(uuid=candidate).exists():
                    return candidate
        return ctx.new_uuid(Relative)
