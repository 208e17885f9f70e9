"""Patient: the supported person (TDDUIPatient, or TDDUIPatientINS when the INS is qualified)."""

from django.db.models import Q

from parcours.access.enums import Category
from parcours.core.text import fold
from parcours.fhir import search
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.people.enums import IdentityStatus, Sex
from parcours.people.models import Person

PROFILE = tddui_profile("tddui-patient")
PROFILE_INS = tddui_profile("tddui-patient-ins")
INS_NIR_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
LOCAL_SYSTEM = "https://identifiant-medicosocial-localusager.esante.gouv.fr"
GENDERS = {Sex.MALE: "male", Sex.FEMALE: "female", Sex.UNKNOWN: "unknown"}


def _name(queryset, values, ctx, name="name"):
    for value in values:
        condition = Q(pk__in=[])
        for item in value.split(","):
            condition |= Q(search_text__contains=fold(item))
        queryset = queryset.filter(condition)
    return queryset


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
        "identifier": search.token_filter({INS_NIR_SYSTEM: "nir"}, default_field="nir"),
        "gender": search.choice_filter("sex", {v: k for k, v in GENDERS.items()}),
    }
    sort_params = {"name": "birth_name", "family": "birth_name", "birthdate": "birth_date",
                   "_lastUpdated": "updated_at"}  # fmt: skip

    def base_queryset(self):
        return Person.objects.select_related("opened_by")

    def last_updated(self, obj):
        return obj.updated_at

    def is_ins(self, obj) -> bool:
        return obj.identity_status == IdentityStatus.QUALIFIEE and bool(obj.nir)

    def to_fhir(self, obj, ctx) -> dict:
        resource = {
            "resourceType": "Patient",
            "id": str(obj.uuid),
            "meta": self.meta(obj, PROFILE_INS if self.is_ins(obj) else PROFILE),
            "name": [{"use": "official", "family": obj.birth_name, "given": obj.first_names.split()}],
            "gender": GENDERS.get(obj.sex, "unknown"),
            "birthDate": obj.birth_date.isoformat(),
        }
        if self.is_ins(obj):
            resource["identifier"] = [{"use": "official", "system": INS_NIR_SYSTEM, "value": obj.nir}]
        return resource
