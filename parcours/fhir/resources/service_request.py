"""ServiceRequest: one need of a needs assessment (TDDUIServiceRequestBesoin), coded in SERAFIN-PH
besoins (JDV_J285-Besoins-SERAFIN, system https://smt.esante.gouv.fr/terminologie-SERAFINPH, the
nomenclature's own system URL).

The guide's `basedOn` (1..1, the projet personnalisé) is the person's first projet in the same
establishment written on or after the assessment (the one that answers the need), else the one in
force that day; without any, a data-absent-reason. The intensity, which the guide has no element for,
is the professional's analysis of the need (`orderDetail.text`, "analyseProfessionnelBesoin")."""

from __future__ import annotations

from parcours.access.enums import Action, Category
from parcours.fhir import codes, search
from parcours.fhir.outcome import Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.fhir.resources.encounter import (
    absent,
    business_id,
    check_profile_identifier,
    parse_date,
    ref,
    required,
    resolve,
    subject_person,
)
from parcours.organisations.models import Establishment
from parcours.records.enums import NeedIntensity
from parcours.records.models import BESOINS, Need, NeedsAssessment, ProjetPersonnalise
from parcours.staff.models import Professional

PROFILE = tddui_profile("tddui-service-request-besoin")
SYSTEM = "https://identifiant-medicosocial-besoin.esante.gouv.fr"
TYPE_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-service-request-identifier"
INTENSITY_PREFIX = "Intensité du besoin : "
INTENSITY_OF_LABEL = {str(level.label).lower(): level.value for level in NeedIntensity}


def projet_for(person, establishment_id: int, day, *, answering: bool = False):
    """The person's projet in this establishment in force on `day` (from the prefetched projets).
    `answering` (a need): the first projet written on or after the day, which answers it, comes first."""
    projets = [p for p in person.projets.all() if p.establishment_id == establishment_id]
    if answering:
        later = [p for p in projets if p.date >= day]
        if later:
            return min(later, key=lambda p: (p.date, p.pk))
    candidates = [p for p in projets if p.date <= day]
    current = [p for p in candidates if p.review_date >= day]
    chosen = current or candidates
    return max(chosen, key=lambda p: (p.date, p.pk)) if chosen else None


def _code_filter(queryset, values, ctx, name="code"):
    """`code=https://smt.esante.gouv.fr/terminologie-SERAFINPH|1.2.1.1` or `code=1.2.1.1`."""
    for value in values:
        pks = []
        for item in filter(None, value.split(",")):
            system, bar, code = item.rpartition("|")
            pks += codes.pks_for_code(BESOINS, code, system if bar else None)
        queryset = queryset.filter(concept_id__in=pks)
    return queryset


@register
class ServiceRequestBesoinMapping(Mapping):
    resource_type = "ServiceRequest"
    profiles = (PROFILE,)
    model = Need
    category = Category.ASSESSMENTS
    person_path = "assessment__person"
    # After the CarePlan its basedOn names (40).
    order = 45
    search_params = {
        "patient": search.reference_filter("assessment__person", "Patient"),
        "subject": search.reference_filter("assessment__person", "Patient"),
        "authored": search.date_filter("assessment__date"),
        "code": _code_filter,
    }
    sort_params = {"authored": "assessment__date"}

    def base_queryset(self):
        return Need.objects.select_related(
            "assessment__person", "assessment__establishment", "assessment__assessed_by"
        ).prefetch_related("assessment__person__projets")

    def person_of(self, obj):
        return obj.assessment.person

    def to_fhir(self, obj, ctx) -> dict:
        assessment = obj.assessment
        person = assessment.person
        coding = codes.coding(BESOINS, obj.concept_id)
        projet = projet_for(person, assessment.establishment_id, assessment.date, answering=True)
        resource = {
            "resourceType": "ServiceRequest",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [
                {
                    "type": {"coding": [{"system": TYPE_SYSTEM, "code": "BES"}]},
                    "system": SYSTEM,
                    "value": business_id(assessment.establishment, person, "BESO", obj.uuid),
                }
            ],
            "basedOn": [
                ref("CarePlan", projet)
                if projet is not None
                else {"extension": [absent("unknown")], "display": "Aucun projet personnalisé à cette date"}
            ],
            "status": "active",
            "intent": "plan",
            "category": [{"coding": [coding]}],
            "code": {"coding": [coding], "text": coding.get("display") or coding["code"]},
            "orderDetail": [{"text": f"{INTENSITY_PREFIX}{obj.get_intensity_display()}"}],
            "subject": ref("Patient", person),
            "authoredOn": assessment.date.isoformat(),
            "requester": ref("Practitioner", assessment.assessed_by),
            "performer": [ref("Organization", assessment.establishment, assessment.establishment.name)],
        }
        if obj.comment:
            resource["note"] = [{"text": obj.comment}]
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(
            data, "ServiceRequest", SYSTEM, "BESO", issues, sliced_type=(TYPE_SYSTEM, "BES")
        )
        for path, message in (
            ("code.text", "La description du besoin (code.text) est obligatoire."),
            ("subject", "L'usager (subject) est obligatoire."),
            ("basedOn", "Le projet personnalisé (basedOn) est obligatoire."),
            ("authoredOn", "La date de l'évaluation (authoredOn) est obligatoire dans Parcours."),
            ("requester", "Le professionnel qui a évalué (requester) est obligatoire dans Parcours."),
            ("performer", "L'établissement (performer) est obligatoire dans Parcours."),
        ):
            issue = required(data, path, "ServiceRequest", message)
            if issue:
                issues.append(issue)
        if len(data.get("basedOn") or []) > 1:
            issues.append(
                Issue("value", "Un seul projet personnalisé (basedOn) est attendu.", "ServiceRequest.basedOn")
            )
        if len(data.get("category") or []) > 1:
            issues.append(Issue("value", "Une seule catégorie est attendue.", "ServiceRequest.category"))
        return issues

    def _intensity(self, data) -> int:
        for detail in data.get("orderDetail") or []:
            text = (detail.get("text") or "").strip()
            if text.startswith(INTENSITY_PREFIX):
                label = text[len(INTENSITY_PREFIX) :].strip().lower()
                if label in INTENSITY_OF_LABEL:
                    return INTENSITY_OF_LABEL[label]
                raise invalid(
                    "Intensité inconnue (Faible, Modérée, Importante ou Très importante).",
                    "ServiceRequest.orderDetail",
                    code="code-invalid",
                )
        raise invalid(
            f"Intensité du besoin obligatoire dans Parcours (orderDetail.text « {INTENSITY_PREFIX}… »).",
            "ServiceRequest.orderDetail",
            code="required",
        )

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "ServiceRequest")
        concept_id = codes.concept_pk(BESOINS, data.get("code"), "ServiceRequest.code")
        for category in data.get("category") or []:
            if codes.concept_pk(BESOINS, category, "ServiceRequest.category") != concept_id:
                raise invalid("La catégorie et le code du besoin diffèrent.", "ServiceRequest.category")
        based_on = (data.get("basedOn") or [{}])[0]
        if based_on.get("reference"):
            projet = resolve(ctx, based_on, "CarePlan", ProjetPersonnalise, "ServiceRequest.basedOn")
            if projet.person_id != person.pk:
                raise invalid(
                    "Le projet personnalisé référencé est celui d'une autre personne.",
                    "ServiceRequest.basedOn",
                )
        establishment = resolve(
            ctx,
            (data.get("performer") or [None])[0],
            "Organization",
            Establishment,
            "ServiceRequest.performer",
        )
        professional = resolve(
            ctx, data.get("requester"), "Practitioner", Professional, "ServiceRequest.requester"
        )
        day = parse_date(data.get("authoredOn"), "ServiceRequest.authoredOn")
        intensity = self._intensity(data)
        comment = "\n".join(note.get("text", "") for note in data.get("note") or [] if note.get("text"))
        assessment = (
            NeedsAssessment.objects.filter(person=person, establishment=establishment, date=day)
            .order_by("pk")
            .first()
        )
        action = Action.UPDATE if existing is not None else Action.CREATE
        if assessment is None:
            assessment = NeedsAssessment(
                person=person,
                establishment=establishment,
                date=day,
                assessed_by=professional,
                uuid=ctx.new_uuid(NeedsAssessment),
            )
            ctx.authorize(
                person, Category.ASSESSMENTS, Action.CREATE, assessment, establishment=establishment
            )
            assessment.full_clean()
            assessment.save()
        need = existing or Need(uuid=ctx.new_uuid(Need))
        if existing is not None:
            if existing.assessment.person_id != person.pk:
                raise invalid("L'usager d'un besoin ne change pas.", "ServiceRequest.subject")
            ctx.authorize(
                person,
                Category.ASSESSMENTS,
                action,
                existing,
                establishment=existing.assessment.establishment,
            )
        need.assessment, need.concept_id, need.intensity, need.comment = (
            assessment,
            concept_id,
            intensity,
            comment,
        )
        ctx.authorize(person, Category.ASSESSMENTS, action, need, establishment=establishment)
        twin = Need.objects.filter(assessment=assessment, concept_id=concept_id).exclude(pk=need.pk).exists()
        if twin:
            raise invalid(
                "Ce besoin figure déjà dans l'évaluation de cette date et de cet établissement.",
                "ServiceRequest.code",
                code="duplicate",
            )
        need.full_clean()
        need.save()
        return need
