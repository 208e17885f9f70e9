"""Patient: the supported person (TDDUIPatient, or TDDUIPatientINS when the INS is qualified).

Read from the TDDUI FSH files (ansforge/IG-fhir-medicosocial-transfert-donnees-dui): `TDDUIPatient.fsh`,
`TDDUIPatientINS.fsh`, the rule set `TDDUIPatientCommonConstraints`, the FR Core copies
`FRCorePatientProfile.fsh` and `FrCorePatientINSProfile.fsh`, and the extension `TDDUIBirthOrder`.

What Parcours does not hold, and how it is sent:
- the birth order (`tddui-birth-order`, 1..1 in TDDUIPatient): digits 11 to 13 of the NIR when a NIR is
  known; otherwise the extension carries a data-absent-reason (`unknown`) instead of a made-up number;
- the MDPH initial number (slice InitialNumberMDPH), the civility (prefix), the household situation, the
  nationality, the driving licence: not held, not sent;
- the NIR of an identity that is not qualified is never sent (RNIV: only a qualified identity carries
  the INS), so such a record travels with its status but without its NIR.
"""

import datetime
import re

from django.db.models import Q

from parcours.access import policy
from parcours.access.enums import Action, Category
from parcours.core.text import fold
from parcours.fhir import search
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.organisations.models import Establishment
from parcours.people import services as people_services
from parcours.people.enums import IdentityStatus, Sex
from parcours.people.models import Person

PROFILE = tddui_profile("tddui-patient")
PROFILE_INS = tddui_profile("tddui-patient-ins")
INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
# TDDUIPatientCommonConstraints: identifier[PI].system (the newest version of the rule set).
LOCAL_SYSTEM = "https://identifiant-medicosocial-localusager.esante.gouv.fr"
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"
FR_CORE = "https://hl7.fr/ig/fhir/core"
FR_CORE_V2_0203 = f"{FR_CORE}/CodeSystem/fr-core-cs-v2-0203"
IDENTITY_RELIABILITY = f"{FR_CORE}/StructureDefinition/fr-core-identity-reliability"
# The RNIV statuses (people.enums.IdentityStatus, from FR Core v2.2.0).
IDENTITY_STATUS_SYSTEM = f"{FR_CORE}/CodeSystem/fr-core-cs-identity-status"
BIRTH_LIST_GIVEN_NAME = f"{FR_CORE}/StructureDefinition/fr-core-patient-birth-list-given-name"
BIRTH_PLACE = "http://hl7.org/fhir/StructureDefinition/patient-birthPlace"
INSEE_CODE = f"{FR_CORE}/StructureDefinition/fr-core-address-insee-code"
# FR Core ValueSet fr-core-vs-insee-code: the codes of TRE_R13-CommuneOM.
INSEE_SYSTEM = "https://mos.esante.gouv.fr/NOS/TRE_R13-CommuneOM/FHIR/TRE-R13-CommuneOM"
BIRTH_ORDER = tddui_profile("tddui-birth-order")
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
GENDERS = {Sex.MALE: "male", Sex.FEMALE: "female", Sex.UNKNOWN: "unknown"}
SEXES = {code: sex for sex, code in GENDERS.items()}

# The messages of the profile's rules (OperationOutcome diagnostics).
PROFILE_INS_GIVEN = "Profil INS : name[officialName].given porte le seul premier prénom de naissance."
PROFILE_INS_LIST = "Profil INS : la liste des prénoms de naissance (birth-list-given-name) est obligatoire."
FIRST_GIVEN = "Le premier prénom (given) doit être le premier de la liste des prénoms de naissance."
GENDER_REQUIRED = (
    "Le sexe (gender) est obligatoire : male, female ou unknown (fr-core-vs-patient-gender-INS)."
)
UNKNOWN_STATUS = "Statut d'identité inconnu : PROV, RECUP, VALI ou QUAL attendu (fr-core-cs-identity-status)."
INS_NIR_FORM = f"L'INS-NIR porte use = official et le type INS-NIR ({FR_CORE_V2_0203})."
LOCAL_FORM = (
    f"L'identifiant local (PI) a pour système {LOCAL_SYSTEM} et pour valeur 3 + FINESS + / + identifiant."
)
INS_QUALIFIED = "Profil INS : seule une identité qualifiée (identityStatus = QUAL) transmet l'INS."
INS_BIRTH_PLACE = "Profil INS : le lieu de naissance et son code INSEE sont obligatoires."
INS_ONLY_QUALIFIED = "L'INS ne se transmet qu'avec le profil TDDUIPatientINS (identité qualifiée)."
BIRTH_ORDER_REQUIRED = (
    "L'ordre de naissance (tddui-birth-order) est obligatoire sur birthDate : une valeur, ou une raison "
    "d'absence (data-absent-reason) s'il n'est pas connu."
)
LOCAL_VALUE = re.compile(r"^3(?P<finess>(\d{2}|2A|2B)\d{7})/(?P<local>.+)$")


def absent(reason: str = "unknown") -> dict:
    """The data-absent-reason extension, for an element the profile requires and Parcours does not hold."""
    return {"url": DATA_ABSENT_REASON, "valueCode": reason}


def extension(element: dict, url: str) -> dict | None:
    return next((item for item in element.get("extension") or [] if item.get("url") == url), None)


def _name(queryset, values, ctx, name="name"):
    for value in values:
        condition = Q(pk__in=[])
        for item in value.split(","):
            condition |= Q(search_text__contains=fold(item))
        queryset = queryset.filter(condition)
    return queryset


def _identifier(queryset, values, ctx, name="identifier"):
    """`identifier=urn:oid:1.2.250.1.213.1.4.8|<INS>` (qualified identities only: the INS is not
    shared otherwise) or `identifier=<local system>|3<FINESS>/<id>`; a bare value is tried as both."""
    for value in values:
        condition = Q(pk__in=[])
        for item in value.split(","):
            system, bar, code = item.rpartition("|")
            if not bar or system == INS_NIR_SYSTEM:
                condition |= Q(nir=code, identity_status=IdentityStatus.QUALIFIEE)
            if not bar or system == LOCAL_SYSTEM:
                match = LOCAL_VALUE.match(code)
                if match and re.fullmatch(r"[0-9a-fA-F-]{36}", match["local"]):
                    condition |= Q(uuid=match["local"], opened_by__finess=match["finess"])
        queryset = queryset.filter(condition)
    return queryset


def _identity_status(code: str) -> dict:
    return {
        "url": IDENTITY_RELIABILITY,
        "extension": [
            {
                "url": "identityStatus",
                "valueCoding": {
                    "system": IDENTITY_STATUS_SYSTEM,
                    "code": code,
                    "display": IdentityStatus(code).label,
                },
            }
        ],
    }


def birth_order(person: Person) -> dict:
    """TDDUIBirthOrder: the 3 digits of the NIR before its key when a NIR is known, else absent."""
    digits = person.nir[10:13] if person.nir else ""
    if digits.isdigit() and int(digits) > 0:
        return {"url": BIRTH_ORDER, "valuePositiveInt": int(digits)}
    return {"url": BIRTH_ORDER, "extension": [absent()]}


def telecoms(obj) -> list[dict]:
    result = []
    if obj.phone:
        result.append({"system": "phone", "value": obj.phone})
    if obj.email:
        result.append({"system": "email", "value": obj.email})
    return result


def address(obj) -> dict | None:
    if not (obj.street or obj.postal_code or obj.city):
        return None
    result = {}
    if obj.street:
        result["line"] = [obj.street]
    if obj.city:
        result["city"] = obj.city
    if obj.postal_code:
        result["postalCode"] = obj.postal_code
    return result


def contact_traits(data: dict) -> dict:
    """phone, email, street, postal_code, city from telecom and the first address."""
    traits = {"phone": "", "email": "", "street": "", "postal_code": "", "city": ""}
    for item in data.get("telecom") or []:
        if item.get("system") == "phone" and not traits["phone"]:
            traits["phone"] = item.get("value", "")
        elif item.get("system") == "email" and not traits["email"]:
            traits["email"] = item.get("value", "")
    addresses = data.get("address") or []
    if addresses:
        first = addresses[0]
        traits["street"] = ", ".join(first.get("line") or [])
        traits["postal_code"] = first.get("postalCode", "")
        traits["city"] = first.get("city", "")
    return traits


def _official(data: dict) -> list[dict]:
    return [name for name in data.get("name") or [] if name.get("use") == "official"]


def _usual(data: dict) -> dict | None:
    return next((name for name in data.get("name") or [] if name.get("use") == "usual"), None)


def _ins_identifiers(data: dict) -> list[dict]:
    return [item for item in data.get("identifier") or [] if item.get("system") == INS_NIR_SYSTEM]


def _codes(codeable: dict | None) -> set[tuple[str, str]]:
    return {(c.get("system", ""), c.get("code", "")) for c in (codeable or {}).get("coding") or []}


def _full_date(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise invalid("Date de naissance complète (AAAA-MM-JJ) attendue.", "Patient.birthDate") from None


def _birth_orders(data: dict) -> list[dict]:
    return [e for e in (data.get("_birthDate") or {}).get("extension") or [] if e.get("url") == BIRTH_ORDER]


def _status_code(data: dict) -> str | None:
    reliability = extension(data, IDENTITY_RELIABILITY)
    if reliability is None:
        return None
    status = extension(reliability, "identityStatus")
    coding = (status or {}).get("valueCoding") or {}
    return coding.get("code")


@register
class PatientMapping(Mapping):
    resource_type = "Patient"
    profiles = (PROFILE, PROFILE_INS)
    model = Person
    category = Category.IDENTITY
    person_path = ""  # the person itself
    order = 10
    search_params = {
        "name": _name,
        "family": _name,
        "given": _name,
        "birthdate": search.date_filter("birth_date"),
        "identifier": _identifier,
        "gender": search.choice_filter("sex", SEXES),
    }
    sort_params = {"name": "birth_name", "family": "birth_name", "birthdate": "birth_date",
                   "_lastUpdated": "updated_at"}  # fmt: skip
    includes = {"Patient:organization:Organization": "opened_by"}

    def base_queryset(self):
        return Person.objects.select_related("opened_by")

    def last_updated(self, obj):
        return obj.updated_at

    def is_ins(self, obj) -> bool:
        return obj.identity_status == IdentityStatus.QUALIFIEE and bool(obj.nir)

    def to_fhir(self, obj, ctx) -> dict:
        ins = self.is_ins(obj)
        extensions = [_identity_status(obj.identity_status)]
        if obj.birth_place_code:
            place = {"url": INSEE_CODE, "valueCoding": {"system": INSEE_SYSTEM, "code": obj.birth_place_code}}
            extensions.append({"url": BIRTH_PLACE, "valueAddress": {"extension": [place]}})
        elif ins:
            # FRCorePatientINS: birthPlace and its INSEE code 1..1; Parcours does not have it.
            place = {"url": INSEE_CODE, "extension": [absent()]}
            extensions.append({"url": BIRTH_PLACE, "valueAddress": {"extension": [place]}})
        identifiers = []
        if ins:
            identifiers.append(
                {
                    "use": "official",
                    "type": {"coding": [{"system": FR_CORE_V2_0203, "code": "INS-NIR"}]},
                    "system": INS_NIR_SYSTEM,
                    "value": obj.nir,
                }
            )
        if obj.opened_by_id:
            identifiers.append(
                {
                    "use": "usual",
                    "type": {
                        "coding": [
                            {"system": V2_0203, "code": "PI", "display": "Patient internal identifier"}
                        ]
                    },
                    "system": LOCAL_SYSTEM,
                    "value": f"3{obj.opened_by.finess}/{obj.uuid}",
                }
            )
        first_names = obj.first_names.split()
        official = {
            "use": "official",
            "family": obj.birth_name,
            "given": first_names[:1],
            "extension": [{"url": BIRTH_LIST_GIVEN_NAME, "valueString": " ".join(first_names)}],
        }
        names = [official]
        if obj.used_name or obj.used_first_name:
            usual = {"use": "usual"}
            if obj.used_name:
                usual["family"] = obj.used_name
            if obj.used_first_name:
                usual["given"] = [obj.used_first_name]
            names.append(usual)
        resource = {
            "resourceType": "Patient",
            "id": str(obj.uuid),
            "meta": self.meta(obj, PROFILE_INS if ins else PROFILE),
            "extension": extensions,
        }
        if identifiers:
            resource["identifier"] = identifiers
        resource["name"] = names
        contact = telecoms(obj)
        if contact:
            resource["telecom"] = contact
        resource["gender"] = GENDERS.get(obj.sex, "unknown")
        resource["birthDate"] = obj.birth_date.isoformat()
        if not ins:
            resource["_birthDate"] = {"extension": [birth_order(obj)]}
        home = address(obj)
        if home:
            resource["address"] = [home]
        if obj.opened_by_id:
            resource["managingOrganization"] = {
                "reference": f"Organization/{obj.opened_by.uuid}",
                "display": obj.opened_by.name,
            }
        return resource

    # --- writing

    def check(self, data: dict) -> list[Issue]:
        issues: list[Issue] = []

        def add(code: str, message: str, expression: str) -> None:
            issues.append(Issue(code, message, f"Patient.{expression}"))

        ins = PROFILE_INS in ((data.get("meta") or {}).get("profile") or [])
        officials = _official(data)
        if len(officials) != 1:
            add("required", "Un et un seul nom de naissance (name.use = official) est attendu.", "name")
        else:
            official = officials[0]
            given = official.get("given") or []
            listed = extension(official, BIRTH_LIST_GIVEN_NAME)
            if not official.get("family"):
                add("required", "Le nom de naissance (family) est obligatoire.", "name[officialName].family")
            if not given:
                add("required", "Le premier prénom de naissance est obligatoire.", "name[officialName].given")
            if ins and len(given) != 1:
                add("invalid", PROFILE_INS_GIVEN, "name[officialName].given")
            if ins and listed is None:
                add("required", PROFILE_INS_LIST, "name[officialName].extension")
            if listed is not None and given and (listed.get("valueString") or "").split()[:1] != given[:1]:
                add("invalid", FIRST_GIVEN, "name[officialName]")
        if not data.get("birthDate"):
            add("required", "La date de naissance est obligatoire.", "birthDate")
        if data.get("gender") not in SEXES:
            add("code-invalid", GENDER_REQUIRED, "gender")
        status = _status_code(data)
        if status is not None and status not in IdentityStatus.values:
            add("code-invalid", UNKNOWN_STATUS, "extension[identityReliability]")
        ins_ids = _ins_identifiers(data)
        for item in ins_ids:
            if item.get("use") != "official" or (FR_CORE_V2_0203, "INS-NIR") not in _codes(item.get("type")):
                add("invalid", INS_NIR_FORM, "identifier[INS-NIR]")
        local_ids = [i for i in data.get("identifier") or [] if (V2_0203, "PI") in _codes(i.get("type"))]
        if len(local_ids) > 1:
            add("invalid", "Un seul identifiant local (PI) est admis.", "identifier[PI]")
        for item in local_ids:
            if item.get("system") != LOCAL_SYSTEM or not LOCAL_VALUE.match(item.get("value") or ""):
                add("invalid", LOCAL_FORM, "identifier[PI]")
        if ins:
            if len(ins_ids) != 1:
                add("required", "Profil INS : un identifiant INS-NIR est attendu.", "identifier[INS-NIR]")
            if status != IdentityStatus.QUALIFIEE:
                add("invalid", INS_QUALIFIED, "extension[identityReliability]")
            place = extension(data, BIRTH_PLACE)
            if place is None or extension(place.get("valueAddress") or {}, INSEE_CODE) is None:
                add("required", INS_BIRTH_PLACE, "extension[birthPlace]")
            return issues
        if ins_ids:
            add("invalid", INS_ONLY_QUALIFIED, "identifier[INS-NIR]")
        orders = _birth_orders(data)
        if len(orders) != 1:
            add("required", BIRTH_ORDER_REQUIRED, "birthDate.extension[tddui-birth-order]")
        elif "valuePositiveInt" not in orders[0] and extension(orders[0], DATA_ABSENT_REASON) is None:
            add("required", BIRTH_ORDER_REQUIRED, "birthDate.extension[tddui-birth-order]")
        return issues

    def traits(self, data: dict) -> dict:
        """The identity traits and contact details the resource carries (every field: a PUT replaces)."""
        official = _official(data)[0]
        listed = extension(official, BIRTH_LIST_GIVEN_NAME)
        first_names = (listed or {}).get("valueString") or " ".join(official.get("given") or [])
        usual = _usual(data) or {}
        place = extension(data, BIRTH_PLACE)
        insee = extension((place or {}).get("valueAddress") or {}, INSEE_CODE) or {}
        ins_ids = _ins_identifiers(data)
        traits = {
            "birth_name": official.get("family", ""),
            "first_names": " ".join(first_names.split()),
            "birth_date": _full_date(data["birthDate"]),
            "sex": SEXES[data["gender"]],
            "birth_place_code": (insee.get("valueCoding") or {}).get("code", ""),
            "used_name": usual.get("family", ""),
            "used_first_name": " ".join(usual.get("given") or []),
            "nir": ins_ids[0].get("value", "") if ins_ids else "",
            "identity_status": _status_code(data) or IdentityStatus.PROVISOIRE,
            **contact_traits(data),
        }
        orders = [
            e for e in (data.get("_birthDate") or {}).get("extension") or [] if e.get("url") == BIRTH_ORDER
        ]
        if orders and "valuePositiveInt" in orders[0] and traits["nir"]:
            if f"{orders[0]['valuePositiveInt']:03d}" != traits["nir"][10:13]:
                raise invalid("L'ordre de naissance ne correspond pas aux chiffres 11 à 13 du NIR.",
                              "Patient.birthDate.extension[tddui-birth-order]")  # fmt: skip
        return traits

    def write(self, data: dict, ctx, existing=None):
        traits = self.traits(data)
        reference = data.get("managingOrganization")
        establishment = None
        if reference:
            establishment = ctx.resolve(reference, ["Organization"], "Patient.managingOrganization",
                                        model=Establishment)  # fmt: skip
        if ctx.importing:
            return self._import(traits, establishment, ctx, existing)
        if existing is None:
            if establishment is None:
                establishment = self._only_establishment(ctx)
            return people_services.create_person(establishment=establishment, actor=ctx.actor, **traits)
        if establishment is not None and establishment.pk != existing.opened_by_id:
            raise invalid("L'établissement qui a ouvert le dossier (managingOrganization) ne change pas.",
                          "Patient.managingOrganization")  # fmt: skip
        changes = {
            name: value for name, value in traits.items() if str(getattr(existing, name)) != str(value)
        }
        return people_services.update_person(existing, actor=ctx.actor, reason="Mise à jour par l'API FHIR",
                                             **changes)  # fmt: skip

    def _only_establishment(self, ctx) -> Establishment:
        writable = list(policy.writable_establishments(ctx.user)[:2])
        if not writable:
            raise FhirError(403, "Ce client n'écrit au nom d'aucun établissement.", code="forbidden")
        if len(writable) > 1:
            message = "Ce client écrit pour plusieurs établissements : indiquez celui qui ouvre le dossier."
            raise invalid(message, "Patient.managingOrganization", code="required")
        return writable[0]

    def _import(self, traits: dict, establishment, ctx, existing):
        """The administrator's import: the person is written as received, the write decided (import
        basis) and logged by `ctx.authorize`."""
        if existing is None:
            person = Person(uuid=ctx.new_uuid(Person), opened_by=establishment, **traits)
            person.full_clean()
            person.save()
            ctx.authorize(person, Category.IDENTITY, Action.CREATE, person)
            return person
        ctx.authorize(existing, Category.IDENTITY, Action.UPDATE, existing)
        for name, value in traits.items():
            setattr(existing, name, value)
        if establishment is not None:
            existing.opened_by = establishment
        existing.full_clean()
        existing.save()
        return existing
