"""The orientation follow-up (ANS guide "Suivi des décisions d'orientation", SDO) on the ESMS side.

In the guide (page synthese_flux) every flow is a call of the ESMS to the SI-SDO: it searches and reads
the MDPH's decisions as DocumentReference (flux 1 and 3), creates the agreement as Consent (flux 2),
sends its statuses as ESMSTask (flux 4, create then update) and searches the SI-SDO's notifications
as SDOTask (flux 5). Parcours serves the ESMS end of those flows through its own API, for the
connector (or partner) that carries them:
- Task (profile esms-task): each admission request followed by the SI-SDO, read and searched as the
  ESMSTask the ESMS sends (`coordination.sdo.esms_task`);
- Task (profile sdo-task) received: the SDO's notification applied to the admission request it names
  (`coordination.sdo.accept_notification`), one by POST/PUT, or the SDO's search result as a whole
  (searchset Bundle, flux 5.2) by `POST Task/$sdo-notifications`;
- DocumentReference (profiles esms-document-reference and sdo-document-reference): the MDPH's decision
  received, kept as the person's `MdphDecision`, and read or searched back (flux 1.1/1.3 on our side).

The decision's CDA document (content.attachment.data) is not read nor kept: the person is named by
`subject` (a Patient of this server, or the INS), the decision date by `date`, the rights by
`context.period` and the category of establishment by `context.facilityType` (FINESS, TRE_R66).
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django.utils.dateparse import parse_datetime

from parcours.access import policy
from parcours.access.api import may_import
from parcours.access.enums import Action, Category
from parcours.coordination import sdo as sdo_format
from parcours.coordination.models import AdmissionRequest
from parcours.fhir import codes, operations, registry, search, validation
from parcours.fhir.context import validation_issues
from parcours.fhir.http import body
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register
from parcours.nomenclature.models import Concept, SystemSlug
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision, Person
from parcours.people.services import add_mdph_decision

SDO = sdo_format.CANONICAL
ESMS_TASK = sdo_format.ESMS_TASK_PROFILE
SDO_TASK = sdo_format.SDO_TASK_PROFILE
ESMS_DOCUMENT = f"{SDO}/StructureDefinition/esms-document-reference"
SDO_DOCUMENT = f"{SDO}/StructureDefinition/sdo-document-reference"
LOINC = "http://loinc.org"
# ValueSet DocumentReferenceTypeESMSValueSet and invariants regle-Type / regle-NomPieceJointe-type.
DECISION_TYPE = ("57830-2", "Admission request Document", "Document Individu et décision")
EVALUATION_TYPE = "51848-0"
INS_NIR = "urn:oid:1.2.250.1.213.1.4.8"
# ANS TRE_R66-CategorieEtablissement (the nomenclature keeps its OID, not its canonical URL).
FINESS_CATEGORY_SYSTEMS = (
    "https://mos.esante.gouv.fr/NOS/TRE_R66-CategorieEtablissement/FHIR/TRE-R66-CategorieEtablissement",
    "urn:oid:1.2.250.1.213.1.6.1.8",
)
TASK_STATUSES = {
    "draft",
    "requested",
    "received",
    "accepted",
    "rejected",
    "ready",
    "cancelled",
    "in-progress",
    "on-hold",
    "failed",
    "completed",
    "entered-in-error",
}


def _profiles(data: dict) -> set[str]:
    return set((data.get("meta") or {}).get("profile") or [])


# --- Task: the statuses of the admission requests (ESMSTask) and the SDO's notifications (SDOTask)


def _task_status(queryset, values, ctx, name="status"):
    """Task.status: an ESMSTask is always "completed" (the request's step is in input statutESMS)."""
    for value in values:
        codes_asked = {item.rpartition("|")[2] for item in value.split(",") if item}
        unknown = codes_asked - TASK_STATUSES
        if unknown:
            raise search.bad_parameter(name, f"statut de Task inconnu « {sorted(unknown)[0][:30]} ».")
        if "completed" not in codes_asked:
            queryset = queryset.none()
    return queryset


def _absent(queryset, values, ctx, name=""):
    """A parameter the other mappings of the type know but the SDO profiles do not carry (Task.code,
    DocumentReference content type): nothing of ours matches it."""
    return queryset.none()


def _esms_status(queryset, values, ctx, name="statut-esms"):
    """statut-esms=[TRE_R357 system|]code: the request's status in the ESMS (input statutESMS)."""
    for value in values:
        wanted = []
        for item in filter(None, value.split(",")):
            system, bar, code = item.rpartition("|")
            if bar and system and system != sdo_format.STATUS_SYSTEM:
                raise search.bad_parameter(name, "système attendu : TRE_R357-StatutPersonnePriseCharge.")
            if code not in sdo_format.J252_CODES:
                raise search.bad_parameter(name, f"code inconnu de JDV_J252 « {code[:20]} ».")
            wanted.append(code)
        queryset = queryset.filter(status__in=wanted)
    return queryset


@register
class EsmsTaskMapping(Mapping):
    """An admission request followed by the SI-SDO (its MDPH decision has both identifiers), as the
    ESMSTask of its current status; receives the SDOTask notifications."""

    resource_type = "Task"
    profiles = (ESMS_TASK, SDO_TASK)
    model = AdmissionRequest
    category = Category.PARCOURS
    person_path = "person"
    exported = False
    order = 80
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "owner": search.reference_filter("establishment", "Organization"),
        "organization": search.reference_filter("establishment", "Organization"),
        "status": _task_status,
        "code": _absent,
        "statut-esms": _esms_status,
        "date": search.date_filter("status_date"),
        "_lastUpdated": search.datetime_date_filter("updated_at"),
    }
    sort_params = {"_lastUpdated": "updated_at", "date": "status_date"}

    def base_queryset(self):
        return (
            AdmissionRequest.objects.select_related("person", "establishment", "mdph_decision")
            .filter(mdph_decision__isnull=False)
            .exclude(mdph_decision__reference="")
            .exclude(mdph_decision__national_reference="")
        )

    def last_updated(self, obj):
        return obj.updated_at

    def to_fhir(self, obj, ctx) -> dict:
        task = sdo_format.esms_task(obj)
        # Not in the ESMSTask profile's slices but allowed by it: who and which ESMS, for our searches.
        task["for"] = {"reference": f"Patient/{obj.person.uuid}"}
        task["owner"] = {
            "reference": f"Organization/{obj.establishment.uuid}",
            "display": obj.establishment.name,
        }
        return task

    def accepts(self, data: dict) -> bool:
        return bool(_profiles(data) & {ESMS_TASK, SDO_TASK})

    def check(self, data: dict) -> list[Issue]:
        if SDO_TASK not in _profiles(data):
            return [
                Issue(
                    "not-supported",
                    "Parcours reçoit les notifications du SI-SDO (profil sdo-task) ; "
                    "les ESMSTask sont émises par Parcours et se lisent seulement.",
                    "Task.meta.profile",
                )
            ]
        return [Issue("invalid", message, "Task") for message in sdo_format.check_task(data, SDO_TASK)]

    def write(self, data: dict, ctx, existing=None):
        request = _request_named(data, ctx)
        if existing is not None and existing.pk != request.pk:
            raise invalid(
                "La notification désigne une autre demande d'admission que celle de l'URL.", "Task.input"
            )
        sdo_format.accept_notification(data, actor=ctx.actor)
        return self.base_queryset().get(pk=request.pk)


def _request_named(task: dict, ctx) -> AdmissionRequest:
    """The admission request an SDOTask names (ESMS by FINESS, decision by its identifiers); the caller
    must write in that establishment's name."""
    values = sdo_format.task_values(task)
    request = sdo_format.find_request(values, "")
    ctx.authorize(
        request.person, Category.PARCOURS, Action.UPDATE, obj=request, establishment=request.establishment
    )
    return request


@operations.operation(
    "sdo-notifications",
    level=operations.TYPE,
    resource_type="Task",
    methods=("POST",),
    scope=("Task", "write"),
    description="Appliquer le résultat d'une recherche de notifications du SI-SDO "
    "(Bundle searchset de SDOTask, flux 5.2)",
)
def sdo_notifications(request, ctx, resource_type=None, obj=None):
    """A searchset Bundle of SDOTask, as the SI-SDO answers flux 5.1: every notification applied, or
    none. Answers a collection Bundle with the ESMSTask of each request named."""
    payload = body(request)
    if not isinstance(payload, dict) or payload.get("resourceType") != "Bundle":
        raise FhirError(
            400, "Un Bundle « searchset » de Task (profil sdo-task) est attendu.", code="structure"
        )
    validation.parse("Bundle", payload)
    if payload.get("type") != "searchset":
        raise invalid("Le lot reçu n'est pas un résultat de recherche (Bundle « searchset »).", "Bundle.type")
    mapping = next(m for m in registry.parts("Task") if isinstance(m, EsmsTaskMapping))
    requests = []
    for index, entry in enumerate(payload.get("entry") or [], start=1):
        task = (entry or {}).get("resource") or {}
        if task.get("resourceType") != "Task":
            raise invalid(f"Entrée n° {index} : une Task est attendue.", f"Bundle.entry[{index - 1}]")
        issues = mapping.check(task)
        if issues:
            for issue in issues:
                issue.message = f"Entrée n° {index} : {issue.message}"
            raise FhirError(422, issues=issues)
        try:
            requests.append(_request_named(task, ctx))
        except DjangoValidationError as error:
            raise validation_issues(error, f"Bundle.entry[{index - 1}]") from None
    try:
        sdo_format.accept_notification(payload, actor=ctx.actor)
    except DjangoValidationError as error:
        raise validation_issues(error, "Bundle") from None
    entries = []
    for item in dict.fromkeys(requests):
        updated = mapping.base_queryset().get(pk=item.pk)
        resource = mapping.to_fhir(updated, ctx)
        entries.append({"fullUrl": f"{ctx.base_url}/Task/{resource['id']}", "resource": resource})
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}


# --- DocumentReference: the MDPH's orientation decisions


def _identifier(queryset, values, ctx, name="identifier"):
    """identifier=[system|]value: the decision's idDecision (MDPH reference) or idNat_Decision."""
    for value in values:
        condition = Q(pk__in=[])
        for item in filter(None, value.split(",")):
            code = item.rpartition("|")[2]
            condition |= Q(reference=code) | Q(national_reference=code)
        queryset = queryset.filter(condition)
    return queryset


def _document_type(queryset, values, ctx, name="type"):
    """type=57830-2: the decisions (an evaluation, 51848-0, is not kept by Parcours)."""
    for value in values:
        wanted = set()
        for item in filter(None, value.split(",")):
            system, bar, code = item.rpartition("|")
            if bar and system and system != LOINC:
                continue
            wanted.add(code)
        if DECISION_TYPE[0] not in wanted:
            queryset = queryset.none()
    return queryset


def _paris_midnight(day: datetime.date) -> str:
    moment = datetime.datetime.combine(day, datetime.time(0), tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment.isoformat()


@register
class OrientationDecisionMapping(Mapping):
    """An MDPH orientation decision towards an ESMS with its MDPH reference (idDecision), as the SDO
    guide's DocumentReference (esms-document-reference once it has its national identifier)."""

    resource_type = "DocumentReference"
    profiles = (ESMS_DOCUMENT, SDO_DOCUMENT)
    model = MdphDecision
    category = Category.IDENTITY
    person_path = "person"
    exported = False
    order = 60
    search_params = {
        "identifier": _identifier,
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "type": _document_type,
        "contenttype": _absent,
        "date": search.date_filter("decision_date"),
    }
    sort_params = {"date": "decision_date"}

    def base_queryset(self):
        return (
            MdphDecision.objects.select_related("person")
            .filter(decision_type=MdphDecisionType.ORIENTATION_ESMS)
            .exclude(reference="")
        )

    def to_fhir(self, obj, ctx) -> dict:
        identifiers = [{"use": "usual", "value": obj.reference}]
        if obj.national_reference:
            identifiers.append({"use": "official", "value": obj.national_reference})
        period = {"start": obj.start_date.isoformat()}
        if obj.end_date:
            period["end"] = obj.end_date.isoformat()
        context = {"period": period}
        if obj.orientation_category_id:
            coding = codes.coding(SystemSlug.FINESS_CATEGORIES, obj.orientation_category_id)
            coding["system"] = FINESS_CATEGORY_SYSTEMS[0]
            context["facilityType"] = {"coding": [coding]}
        code, display, title = DECISION_TYPE
        return {
            "resourceType": "DocumentReference",
            "id": str(obj.uuid),
            "meta": self.meta(obj, ESMS_DOCUMENT if obj.national_reference else SDO_DOCUMENT),
            "identifier": identifiers,
            "status": "current",
            "type": {"coding": [{"system": LOINC, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{obj.person.uuid}"},
            # The decision date (an instant in FHIR: midnight, Paris time).
            "date": _paris_midnight(obj.decision_date),
            # The CDA document is not kept by Parcours: the attachment has its title, no data.
            "content": [{"attachment": {"title": title}}],
            "context": context,
        }

    def accepts(self, data: dict) -> bool:
        return bool(_profiles(data) & {ESMS_DOCUMENT, SDO_DOCUMENT})

    def check(self, data: dict) -> list[Issue]:
        issues = []
        declared = _profiles(data)
        identifiers = [i for i in data.get("identifier") or [] if isinstance(i, dict)]
        usual = [i for i in identifiers if i.get("use") == "usual"]
        official = [i for i in identifiers if i.get("use") == "official"]
        if len(usual) != 1 or not str(usual[0].get("value") or "").strip():
            issues.append(
                Issue(
                    "required",
                    "Un et un seul identifiant de décision (use « usual », "
                    "idDecision) avec sa valeur est attendu.",
                    "DocumentReference.identifier",
                )
            )
        if len(official) > 1 or any(not str(i.get("value") or "").strip() for i in official):
            issues.append(
                Issue(
                    "invalid",
                    "Au plus un identifiant national (use « official », idNat_Decision), avec sa valeur.",
                    "DocumentReference.identifier",
                )
            )
        if ESMS_DOCUMENT in declared and len(identifiers) != 2:
            issues.append(
                Issue(
                    "invalid",
                    "Le profil esms-document-reference porte exactement deux identifiants "
                    "(idDecision et idNat_Decision).",
                    "DocumentReference.identifier",
                )
            )
        contents = data.get("content") or []
        if (
            len(contents) != 1
            or not str(((contents[0] or {}).get("attachment") or {}).get("title") or "").strip()
        ):
            issues.append(
                Issue(
                    "required",
                    "Un seul contenu, avec le titre de sa pièce jointe, est attendu.",
                    "DocumentReference.content",
                )
            )
        type_codes = [
            c.get("code") for c in ((data.get("type") or {}).get("coding") or []) if isinstance(c, dict)
        ]
        if EVALUATION_TYPE in type_codes:
            issues.append(
                Issue(
                    "not-supported",
                    "Parcours ne reprend que les décisions (type 57830-2), pas les évaluations (51848-0).",
                    "DocumentReference.type",
                )
            )
        elif type_codes != [DECISION_TYPE[0]] and (type_codes or ESMS_DOCUMENT in declared):
            issues.append(
                Issue(
                    "code-invalid",
                    "Type attendu : LOINC 57830-2 (Admission request Document).",
                    "DocumentReference.type",
                )
            )
        elif ESMS_DOCUMENT in declared and contents and not issues:
            title = ((contents[0] or {}).get("attachment") or {}).get("title")
            if title != DECISION_TYPE[2]:
                issues.append(
                    Issue(
                        "invalid",
                        f"Le titre de la pièce jointe d'une décision est « {DECISION_TYPE[2]} ».",
                        "DocumentReference.content.attachment.title",
                    )
                )
        subject = data.get("subject") or {}
        if not subject.get("reference") and not (subject.get("identifier") or {}).get("value"):
            issues.append(
                Issue(
                    "required",
                    "La personne est attendue dans subject (référence Patient ou INS) : "
                    "Parcours ne lit pas le document CDA.",
                    "DocumentReference.subject",
                )
            )
        if not data.get("date"):
            issues.append(
                Issue("required", "La date de la décision est attendue (date).", "DocumentReference.date")
            )
        context = data.get("context") or {}
        if not (context.get("period") or {}).get("start"):
            issues.append(
                Issue(
                    "required",
                    "Le début des droits est attendu (context.period.start).",
                    "DocumentReference.context.period.start",
                )
            )
        if not (context.get("facilityType") or {}).get("coding"):
            issues.append(
                Issue(
                    "required",
                    "La catégorie d'établissement de l'orientation est attendue "
                    "(context.facilityType, FINESS).",
                    "DocumentReference.context.facilityType",
                )
            )
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = _person(data.get("subject") or {}, ctx)
        identifiers = data.get("identifier") or []
        reference = next(i["value"].strip() for i in identifiers if i.get("use") == "usual")
        national = next((i["value"].strip() for i in identifiers if i.get("use") == "official"), "")
        period = data["context"]["period"]
        values = {
            "decision_type": MdphDecisionType.ORIENTATION_ESMS,
            "decision_date": _day(data["date"], "DocumentReference.date"),
            "start_date": _day(period["start"], "DocumentReference.context.period.start"),
            "end_date": _day(period["end"], "DocumentReference.context.period.end")
            if period.get("end")
            else None,
            "orientation_category": _finess_category(data["context"]["facilityType"]),
            "reference": reference,
        }
        decision = existing or _same_decision(reference, national)
        if decision is not None:
            if decision.person_id != person.pk:
                raise invalid(
                    "Cette décision est déjà enregistrée pour une autre personne.",
                    "DocumentReference.subject",
                )
            ctx.authorize(person, Category.IDENTITY, Action.UPDATE, obj=decision)
            for name, value in values.items():
                setattr(decision, name, value)
            decision.national_reference = national or decision.national_reference
            decision.full_clean()
            decision.save()
            return decision
        ctx.authorize(person, Category.IDENTITY, Action.CREATE)
        if _is_professional(ctx.user):
            # Team mode: the people service writes (and logs) the decision as the pages do.
            decision = add_mdph_decision(person, actor=ctx.actor, **values)
        else:
            # Import mode (an administrator on the import basis, authorised above).
            decision = MdphDecision(person=person, **values)
        decision.uuid = ctx.new_uuid(MdphDecision)
        decision.national_reference = national
        decision.full_clean()
        decision.save()
        return decision


def _is_professional(user) -> bool:
    # A missing reverse one-to-one raises RelatedObjectDoesNotExist, an AttributeError.
    return getattr(user, "professional", None) is not None


def _same_decision(reference: str, national: str) -> MdphDecision | None:
    if national:
        found = MdphDecision.objects.filter(national_reference=national).first()
        if found is not None:
            return found
    return MdphDecision.objects.filter(
        reference=reference, decision_type=MdphDecisionType.ORIENTATION_ESMS
    ).first()


def _person(subject: dict, ctx) -> Person:
    """The person a decision names: a Patient of this server, or the INS (NIR) of a record the caller
    may see (any record for an administrator importing)."""
    if subject.get("reference"):
        return ctx.resolve(subject, ["Patient"], "DocumentReference.subject", model=Person)
    identifier = subject.get("identifier") or {}
    if identifier.get("system") != INS_NIR:
        raise invalid(
            f"Identifiant de personne attendu : INS (système {INS_NIR}).",
            "DocumentReference.subject.identifier",
            code="code-invalid",
        )
    persons = Person.objects.filter(nir=str(identifier.get("value", "")).strip())
    if not may_import(ctx.user):
        persons = persons.filter(pk__in=policy.visible_persons(ctx.user))
    found = list(persons[:2])
    if len(found) != 1:
        raise invalid(
            "Aucun dossier accessible ne porte cet INS."
            if not found
            else "Plusieurs dossiers portent cet INS : désignez la personne par sa référence Patient.",
            "DocumentReference.subject.identifier",
            code="not-found",
        )
    return found[0]


def _day(value: str, expression: str) -> datetime.date:
    text = str(value)
    try:
        if len(text) == 10:
            return datetime.date.fromisoformat(text)
        moment = parse_datetime(text)
    except ValueError:
        moment = None
    if moment is None:
        raise invalid("Date invalide.", expression)
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return moment.date()


def _finess_category(codeable: dict) -> Concept:
    for coding in codeable.get("coding") or []:
        if isinstance(coding, dict) and coding.get("system") in FINESS_CATEGORY_SYSTEMS:
            concept = Concept.objects.filter(
                system__slug=SystemSlug.FINESS_CATEGORIES, code=str(coding.get("code", ""))
            ).first()
            if concept is not None:
                return concept
            raise invalid(
                f"Catégorie FINESS inconnue : {str(coding.get('code', ''))[:20]}.",
                "DocumentReference.context.facilityType",
                code="code-invalid",
            )
    raise invalid(
        "Catégorie d'établissement attendue dans la nomenclature FINESS (TRE_R66).",
        "DocumentReference.context.facilityType",
        code="code-invalid",
    )
