"""Encounter: the person's stays (TDDUIEncounterSejour, one per admission) and the events of their
agenda (TDDUIEncounterEvenement, activities and appointments). Also the small helpers the TDDUI
record mappings share (business identifiers, references, absent data).

What the guide asks and Parcours does not hold, left out on purpose:
- `serviceType` (modalité d'accueil, JDV_J226-ModaliteAccueil-ROR, required binding): none of its 24
  codes (accueil séquentiel, téléconsultation, visite à domicile...) says internat, semi-internat,
  externat, accueil temporaire or milieu ordinaire; the mode travels as `type.text` and `class`.
- `hospitalization.origin` and the administrative file number (NUMDOSS): not recorded.
- The event's type: no SERAFIN-PH or SSIAD code is recorded for an agenda entry; it is sent in the
  guide's free-text slice (data-absent-reason "not-permitted" + text).
"""

from __future__ import annotations

import datetime
import re

from django.db.models import Q
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.policy import decide
from parcours.fhir import registry, search
from parcours.fhir.context import REFERENCE, URN
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records import daily
from parcours.records import services as records
from parcours.records.enums import AgendaKind, ExitReason
from parcours.records.models import Admission, AgendaEntry
from parcours.staff.models import Professional

PROFILE_SEJOUR = tddui_profile("tddui-encounter-sejour")
PROFILE_EVENEMENT = tddui_profile("tddui-encounter-evenement")
EXTENSION = "https://interop.esante.gouv.fr/ig/fhir/tddui/StructureDefinition/"
STAY_SYSTEM = "https://identifiant-medicosocial-sejour.esante.gouv.fr"
STAY_TYPE_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-encounter-identifier"
EVENT_SYSTEM = "https://identifiant-medicosocial-evenement.esante.gouv.fr"
# FR Core's identifier types (the TDDUI event example: VN, the visit number).
FR_IDENTIFIER_TYPE = "https://hl7.fr/ig/fhir/core/CodeSystem/fr-core-cs-identifier-type"
EXIT_REASON_SYSTEM = (
    "https://mos.esante.gouv.fr/NOS/TRE_R358-MotifStatutPersonnePriseCharge/FHIR/"
    "TRE-R358-MotifStatutPersonnePriseCharge"
)
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
DATA_ABSENT = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
DATA_ABSENT_CODES = "http://terminology.hl7.org/CodeSystem/data-absent-reason"

# The encounter class of a stay (HL7 v3 ActEncounterCode, the base binding): the nearest class for
# each mode of support. Two modes share AMB; `type.text` carries the exact mode.
CLASS_OF_MODE = {
    SupportMode.INTERNAT: ("NONAC", "inpatient non-acute"),
    SupportMode.SEMI_INTERNAT: ("AMB", "ambulatory"),
    SupportMode.EXTERNAT: ("AMB", "ambulatory"),
    SupportMode.ACCUEIL_TEMPORAIRE: ("SS", "short stay"),
    SupportMode.MILIEU_ORDINAIRE: ("HH", "home health"),
}
MODE_OF_CLASS = {
    "NONAC": SupportMode.INTERNAT,
    "IMP": SupportMode.INTERNAT,
    "SS": SupportMode.ACCUEIL_TEMPORAIRE,
    "HH": SupportMode.MILIEU_ORDINAIRE,
    "AMB": SupportMode.EXTERNAT,
}
MODE_OF_LABEL = {mode.label: mode.value for mode in SupportMode}
KIND_OF_LABEL = {kind.label: kind.value for kind in AgendaKind}


# --- helpers shared by the record mappings (ServiceRequest, CarePlan, Goal, Task import them)


def business_id(establishment: Establishment, person: Person, tag: str, key) -> str:
    """The TDDUI business identifier `3+FINESS/identifiantLocalUsagerESSMS-<TAG>-<num>`: the person's
    local id and the object's number are their UUIDs without hyphens (the guide's identifier
    constraints allow letters and digits only)."""
    return f"3{establishment.finess}/{person.uuid.hex}-{tag}-{key.hex}"


def ref(resource_type: str, obj, display: str = "") -> dict:
    reference = {"reference": f"{resource_type}/{obj.uuid}"}
    if display:
        reference["display"] = display
    return reference


def absent(code: str = "unknown") -> dict:
    """The data-absent-reason extension, for an element the guide requires and Parcours does not hold."""
    return {"url": DATA_ABSENT, "valueCode": code}


def resolve(ctx, reference, resource_type: str, model, expression: str):
    """`ctx.resolve` for a reference to `resource_type`; while that type's mapping is not registered
    (Organization, Practitioner are another module's), the same rules read the model directly."""
    if registry.parts(resource_type):
        return ctx.resolve(reference, (resource_type,), expression, model=model)
    value = reference.get("reference") if isinstance(reference, dict) else reference
    if not value:
        raise invalid("Référence vide.", expression, code="required")
    if value in ctx.written:
        obj = ctx.written[value]
        if not isinstance(obj, model):
            raise invalid(f"La référence {value} ne désigne pas une ressource du type attendu.", expression)
        return obj
    if URN.match(value):
        raise invalid(f"La référence {value} ne désigne aucune ressource de ce lot (Bundle).", expression)
    match = REFERENCE.match(value)
    if not match or match["type"] != resource_type:
        raise invalid(f"Référence invalide : {resource_type}/<identifiant> attendu.", expression)
    obj = model.objects.filter(uuid=match["id"]).first()
    if obj is None:
        raise invalid(
            f"La ressource référencée {resource_type}/{match['id']} n'existe pas.",
            expression,
            code="not-found",
        )
    return obj


def required(data: dict, path: str, resource_type: str, message: str) -> Issue | None:
    """An issue when the dotted `path` (lists: first item) holds nothing."""
    value = data
    for part in path.split("."):
        if isinstance(value, list):
            value = value[0] if value else None
        value = value.get(part) if isinstance(value, dict) else None
    if value in (None, "", [], {}):
        return Issue("required", message, f"{resource_type}.{path}")
    return None


def parse_date(value, expression: str) -> datetime.date | None:
    """A FHIR date or dateTime as a (local) date; None when absent; 422 when unreadable."""
    if not value:
        return None
    try:
        if len(value) == 10:
            return datetime.date.fromisoformat(value)
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Date invalide (AAAA-MM-JJ attendu).", expression) from None
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def parse_datetime(value, expression: str) -> datetime.datetime | None:
    if not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise invalid("Date et heure invalides.", expression) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def team_writes(ctx, person: Person, category: str, action: str) -> bool:
    """Does the caller write here as a member of the person's team (the records services apply), or on
    the import basis of an administrator (direct writes, authorised with `ctx.authorize`)?"""
    return bool(decide(ctx.user, person, category, action)) and hasattr(ctx.user, "professional")


def adopt_uuid(ctx, obj) -> None:
    """Give an object a service created the id of its bundle entry, so ids stay the same between
    instances (`ctx.new_uuid`)."""
    if URN.match(ctx.current_full_url or ""):
        wanted = ctx.new_uuid(type(obj))
        type(obj).objects.filter(pk=obj.pk).update(uuid=wanted)
        obj.uuid = wanted


def subject_person(ctx, data: dict, resource_type: str, field: str = "subject") -> Person:
    return resolve(ctx, data.get(field), "Patient", Person, f"{resource_type}.{field}")


def check_profile_identifier(data, resource_type, system, tag, issues, *, sliced_type=None) -> None:
    """The business identifier the profile requires: one with the fixed system, a value in the
    `3+FINESS/<local id>-<TAG>-<num>` format."""
    found = [item for item in data.get("identifier") or [] if item.get("system") == system]
    if not found:
        issues.append(
            Issue(
                "required", f"Identifiant métier manquant (system {system}).", f"{resource_type}.identifier"
            )
        )
        return
    value = found[0].get("value") or ""
    if not re.match(rf"^3\d{{9}}/[A-Za-z0-9]+-{tag}-[A-Za-z0-9]+$", value):
        issues.append(
            Issue(
                "value",
                f"Identifiant au format 3+FINESS/identifiantLocalUsager-{tag}-numéro attendu.",
                f"{resource_type}.identifier.value",
            )
        )
    if sliced_type is not None:
        codes = {(c.get("system"), c.get("code")) for c in (found[0].get("type") or {}).get("coding") or []}
        if sliced_type not in codes:
            issues.append(
                Issue(
                    "value",
                    f"Type d'identifiant {sliced_type[1]} attendu.",
                    f"{resource_type}.identifier.type",
                )
            )


# --- search


def _stay_period(queryset, values, ctx, name="date"):
    """`date`: stays whose period holds (eq), reaches past (ge, gt) or starts before (le, lt) the day."""
    for value in values:
        condition = Q(pk__in=[])
        for item in filter(None, value.split(",")):
            prefix, first, last = search.parse_date(name, item)
            open_after = Q(end_date__isnull=True) | Q(end_date__gte=first)
            condition |= {
                "eq": Q(start_date__lte=last) & open_after,
                "ne": ~(Q(start_date__lte=last) & open_after),
                "ge": open_after,
                "gt": Q(end_date__isnull=True) | Q(end_date__gt=last),
                "sa": Q(start_date__gt=last),
                "le": Q(start_date__lte=last),
                "lt": Q(start_date__lt=first),
                "eb": Q(end_date__lt=first),
            }[prefix]
        queryset = queryset.filter(condition)
    return queryset


def _stay_status(queryset, values, ctx, name="status"):
    today = timezone.localdate()
    conditions = {
        "planned": Q(start_date__gt=today),
        "in-progress": Q(start_date__lte=today) & (Q(end_date__isnull=True) | Q(end_date__gte=today)),
        "finished": Q(end_date__lt=today),
        "cancelled": Q(pk__in=[]),
    }
    return _status(queryset, values, name, conditions)


def _event_status(queryset, values, ctx, name="status"):
    now = timezone.now()
    live = Q(cancelled_at__isnull=True)
    conditions = {
        "cancelled": Q(cancelled_at__isnull=False),
        "planned": live & Q(starts_at__gt=now),
        "finished": live & Q(starts_at__lte=now),
        "in-progress": Q(pk__in=[]),
    }
    return _status(queryset, values, name, conditions)


def _status(queryset, values, name, conditions):
    for value in values:
        condition = Q(pk__in=[])
        for item in filter(None, value.split(",")):
            code = item.rpartition("|")[2]
            if code not in conditions:
                raise search.bad_parameter(
                    name, f"code inconnu « {code[:40]} » (attendu : {', '.join(conditions)})."
                )
            condition |= conditions[code]
        queryset = queryset.filter(condition)
    return queryset


def _event_date(queryset, values, ctx, name="date"):
    return search.datetime_date_filter("starts_at")(queryset, values, ctx, name)


# --- stays


def stay_status(admission: Admission, today: datetime.date) -> str:
    if admission.start_date > today:
        return "planned"
    if admission.end_date is not None and admission.end_date < today:
        return "finished"
    return "in-progress"


@register
class EncounterSejourMapping(Mapping):
    """A stay: one admission (episode of support) of the person by an establishment."""

    resource_type = "Encounter"
    profiles = (PROFILE_SEJOUR,)
    model = Admission
    category = Category.PARCOURS
    order = 20
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "date": _stay_period,
        "status": _stay_status,
    }
    sort_params = {"date": "start_date"}
    includes = {"Encounter:subject": "person", "Encounter:patient": "person"}

    def base_queryset(self):
        return Admission.objects.select_related("person", "establishment")

    def to_fhir(self, obj, ctx) -> dict:
        code, display = CLASS_OF_MODE.get(obj.mode, ("AMB", "ambulatory"))
        extensions = []
        if obj.exit_reason:
            extensions.append(
                {"url": f"{EXTENSION}tddui-exit-mode-label", "valueString": obj.get_exit_reason_display()}
            )
        if obj.comment:
            extensions.append({"url": f"{EXTENSION}tddui-comment", "valueString": obj.comment})
        resource = {
            "resourceType": "Encounter",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [
                {
                    "type": {
                        "coding": [
                            {"system": STAY_TYPE_SYSTEM, "code": "SEJ", "display": "Identifiant du séjour"}
                        ]
                    },
                    "system": STAY_SYSTEM,
                    "value": business_id(obj.establishment, obj.person, "SEJOUR", obj.uuid),
                }
            ],
            "status": stay_status(obj, timezone.localdate()),
            "class": {"system": ACT_CODE, "code": code, "display": display},
            "type": [{"text": obj.get_mode_display()}],
            "subject": ref("Patient", obj.person),
            "period": {"start": obj.start_date.isoformat()},
            "serviceProvider": ref("Organization", obj.establishment, obj.establishment.name),
        }
        if extensions:
            resource["extension"] = extensions
        if obj.end_date:
            resource["period"]["end"] = obj.end_date.isoformat()
        if obj.exit_reason:
            resource["hospitalization"] = {
                "dischargeDisposition": {
                    "coding": [
                        {
                            "system": EXIT_REASON_SYSTEM,
                            "code": obj.exit_reason,
                            "display": obj.get_exit_reason_display(),
                        }
                    ]
                }
            }
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(
            data, "Encounter", STAY_SYSTEM, "SEJOUR", issues, sliced_type=(STAY_TYPE_SYSTEM, "SEJ")
        )
        for path, message in (
            ("subject", "L'usager (subject) est obligatoire."),
            ("serviceProvider", "L'établissement (serviceProvider) est obligatoire."),
            ("period.start", "La date d'entrée (period.start) est obligatoire."),
        ):
            issue = required(data, path, "Encounter", message)
            if issue:
                issues.append(issue)
        return issues

    def _mode(self, data: dict) -> str:
        for item in data.get("type") or []:
            if item.get("text") in MODE_OF_LABEL:
                return MODE_OF_LABEL[item["text"]]
        code = (data.get("class") or {}).get("code")
        if code in MODE_OF_CLASS:
            return MODE_OF_CLASS[code]
        raise invalid(
            "Mode d'accompagnement inconnu : type.text (Internat, Externat...) ou class attendu.",
            "Encounter.type",
        )

    def _exit_reason(self, data: dict) -> str:
        codings = ((data.get("hospitalization") or {}).get("dischargeDisposition") or {}).get("coding") or []
        for coding in codings:
            if coding.get("system") == EXIT_REASON_SYSTEM:
                if coding.get("code") not in ExitReason.values:
                    raise invalid(
                        f"Motif de sortie inconnu : {str(coding.get('code'))[:10]} (TRE_R358).",
                        "Encounter.hospitalization.dischargeDisposition",
                        code="code-invalid",
                    )
                return coding["code"]
        if codings:
            raise invalid(
                "Motif de sortie : un code de TRE_R358-MotifStatutPersonnePriseCharge est attendu.",
                "Encounter.hospitalization.dischargeDisposition",
                code="code-invalid",
            )
        return ""

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Encounter")
        establishment = resolve(
            ctx, data.get("serviceProvider"), "Organization", Establishment, "Encounter.serviceProvider"
        )
        period = data.get("period") or {}
        start = parse_date(period.get("start"), "Encounter.period.start")
        end = parse_date(period.get("end"), "Encounter.period.end")
        mode = self._mode(data)
        exit_reason = self._exit_reason(data)
        comment = next(
            (
                e.get("valueString", "")
                for e in data.get("extension") or []
                if e.get("url") == f"{EXTENSION}tddui-comment"
            ),
            "",
        )
        if existing is not None and (
            existing.person_id != person.pk or existing.establishment_id != establishment.pk
        ):
            raise invalid(
                "L'usager et l'établissement d'un séjour ne changent pas : un autre accompagnement est "
                "un autre séjour.",
                "Encounter.subject",
            )
        action = Action.UPDATE if existing is not None else Action.CREATE
        if team_writes(ctx, person, Category.PARCOURS, action):
            return self._write_as_team(
                ctx, existing, person, establishment, mode, start, end, exit_reason, comment
            )
        admission = existing or Admission(
            person=person, establishment=establishment, uuid=ctx.new_uuid(Admission)
        )
        admission.mode, admission.start_date, admission.end_date = mode, start, end
        admission.exit_reason, admission.comment = exit_reason, comment
        ctx.authorize(person, Category.PARCOURS, action, admission, establishment=establishment)
        admission.full_clean()
        admission.save()
        return admission

    def _write_as_team(self, ctx, existing, person, establishment, mode, start, end, exit_reason, comment):
        if existing is None:
            admission = records.admit_person(
                person,
                establishment=establishment,
                mode=mode,
                start_date=start,
                actor=ctx.actor,
                comment=comment,
            )
            adopt_uuid(ctx, admission)
            if end is not None:
                admission = records.end_admission(
                    admission, end_date=end, exit_reason=exit_reason, actor=ctx.actor
                )
            return admission
        if existing.end_date is None and end is not None:
            admission = records.update_admission(
                existing, unit=existing.unit, mode=mode, start_date=start, comment=comment, actor=ctx.actor
            )
            return records.end_admission(admission, end_date=end, exit_reason=exit_reason, actor=ctx.actor)
        if existing.end_date is not None and end is None:
            raise invalid(
                "Une sortie enregistrée ne s'annule pas par l'API : corrigez-la dans Parcours.",
                "Encounter.period.end",
            )
        return records.update_admission(
            existing,
            unit=existing.unit,
            mode=mode,
            start_date=start,
            comment=comment,
            actor=ctx.actor,
            end_date=end,
            exit_reason=exit_reason or None,
        )


# --- events


def covering_stay(entry: AgendaEntry):
    """The person's stay in the entry's establishment on its day (from the prefetched admissions)."""
    day = timezone.localtime(entry.starts_at).date()
    for admission in entry.person.admissions.all():
        if (
            admission.establishment_id == entry.establishment_id
            and admission.start_date <= day
            and (admission.end_date is None or admission.end_date >= day)
        ):
            return admission
    return None


def event_status(entry: AgendaEntry, now: datetime.datetime) -> str:
    if entry.cancelled_at is not None:
        return "cancelled"
    return "planned" if entry.starts_at > now else "finished"


@register
class EncounterEvenementMapping(Mapping):
    """An event of the person's agenda: an activity or an appointment planned by the team."""

    resource_type = "Encounter"
    profiles = (PROFILE_EVENEMENT,)
    model = AgendaEntry
    # The agenda is written and read under the services category (records.daily, views_day).
    category = Category.SERVICES
    order = 61
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "date": _event_date,
        "status": _event_status,
    }
    sort_params = {"date": "starts_at"}
    includes = {"Encounter:subject": "person", "Encounter:patient": "person"}

    def base_queryset(self):
        return AgendaEntry.objects.select_related("person", "establishment", "created_by").prefetch_related(
            "person__admissions"
        )

    def last_updated(self, obj):
        return obj.cancelled_at or obj.created_at

    def to_fhir(self, obj, ctx) -> dict:
        stay = covering_stay(obj)
        code, display = CLASS_OF_MODE.get(stay.mode, ("AMB", "ambulatory")) if stay else ("AMB", "ambulatory")
        period = {"start": timezone.localtime(obj.starts_at).isoformat()}
        if obj.ends_at:
            period["end"] = timezone.localtime(obj.ends_at).isoformat()
        else:
            # The guide requires an end; Parcours does not always know it.
            period["_end"] = {"extension": [absent("unknown")]}
        resource = {
            "resourceType": "Encounter",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "extension": [{"url": f"{EXTENSION}tddui-event-label", "valueString": obj.title}],
            "identifier": [
                {
                    "type": {"coding": [{"system": FR_IDENTIFIER_TYPE, "code": "VN"}]},
                    "system": EVENT_SYSTEM,
                    "value": business_id(obj.establishment, obj.person, "EVN", obj.uuid),
                }
            ],
            "status": event_status(obj, timezone.now()),
            "class": {"system": ACT_CODE, "code": code, "display": display},
            "type": [
                {
                    "coding": [
                        {"system": DATA_ABSENT_CODES, "code": "not-permitted", "display": "Not Permitted"}
                    ],
                    "text": obj.get_kind_display(),
                }
            ],
            "subject": ref("Patient", obj.person),
            "period": period,
            "serviceProvider": ref("Organization", obj.establishment, obj.establishment.name),
            "participant": [{"individual": ref("Practitioner", obj.created_by)}],
        }
        if stay is not None:
            resource["partOf"] = ref("Encounter", stay)
        if obj.place:
            resource["location"] = [{"location": {"display": obj.place}}]
        return resource

    def accepts(self, data: dict) -> bool:
        return any(item.get("system") == EVENT_SYSTEM for item in data.get("identifier") or [])

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(data, "Encounter", EVENT_SYSTEM, "EVN", issues)
        if len(data.get("identifier") or []) > 1:
            issues.append(
                Issue("value", "Un seul identifiant d'évènement est attendu.", "Encounter.identifier")
            )
        for path, message in (
            ("subject", "L'usager (subject) est obligatoire."),
            ("period.start", "Le début de l'évènement (period.start) est obligatoire."),
            ("serviceProvider", "La structure en charge (serviceProvider) est obligatoire dans Parcours."),
        ):
            issue = required(data, path, "Encounter", message)
            if issue:
                issues.append(issue)
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Encounter")
        establishment = resolve(
            ctx, data.get("serviceProvider"), "Organization", Establishment, "Encounter.serviceProvider"
        )
        period = data.get("period") or {}
        starts_at = parse_datetime(period.get("start"), "Encounter.period.start")
        ends_at = parse_datetime(period.get("end"), "Encounter.period.end")
        kind = next(
            (KIND_OF_LABEL[t["text"]] for t in data.get("type") or [] if t.get("text") in KIND_OF_LABEL),
            AgendaKind.APPOINTMENT,
        )
        title = next(
            (
                e.get("valueString", "")
                for e in data.get("extension") or []
                if e.get("url") == f"{EXTENSION}tddui-event-label"
            ),
            "",
        )
        if not title:
            raise invalid(
                "Le libellé de l'évènement (extension tddui-event-label) est obligatoire dans Parcours.",
                "Encounter.extension",
            )
        place = next((loc.get("location", {}).get("display", "") for loc in data.get("location") or []), "")
        cancelled = data.get("status") == "cancelled"
        if existing is not None and existing.person_id != person.pk:
            raise invalid("L'usager d'un évènement ne change pas.", "Encounter.subject")
        action = Action.UPDATE if existing is not None else Action.CREATE
        if existing is None and team_writes(ctx, person, Category.SERVICES, action):
            entry = daily.add_agenda_entry(
                person,
                establishment=establishment,
                kind=kind,
                starts_at=starts_at,
                title=title,
                actor=ctx.actor,
                ends_at=ends_at,
                place=place,
            )
            adopt_uuid(ctx, entry)
            if cancelled:
                entry = daily.cancel_agenda_entry(entry, actor=ctx.actor)
            return entry
        entry = existing or AgendaEntry(person=person, uuid=ctx.new_uuid(AgendaEntry))
        entry.establishment, entry.kind, entry.starts_at, entry.ends_at = (
            establishment,
            kind,
            starts_at,
            ends_at,
        )
        entry.title, entry.place = title, place
        if cancelled and entry.cancelled_at is None:
            entry.cancelled_at = timezone.now()
        elif not cancelled and entry.cancelled_at is not None:
            raise invalid("Un évènement annulé ne se rétablit pas : créez-en un nouveau.", "Encounter.status")
        if entry.created_by_id is None:
            entry.created_by = self._author(ctx, data)
        ctx.authorize(person, Category.SERVICES, action, entry, establishment=establishment)
        entry.full_clean()
        entry.save()
        return entry

    def _author(self, ctx, data) -> Professional:
        """Who noted the event: the practitioner taking part, else the caller's own staff record."""
        for index, participant in enumerate(data.get("participant") or []):
            individual = participant.get("individual") or {}
            if str(individual.get("reference", "")).split("/")[-2:-1] == ["Practitioner"] or str(
                individual.get("reference", "")
            ).startswith("urn:uuid:"):
                return resolve(
                    ctx,
                    individual,
                    "Practitioner",
                    Professional,
                    f"Encounter.participant[{index}].individual",
                )
        professional = getattr(ctx.user, "professional", None)
        if professional is None:
            raise FhirError(
                422,
                "Un évènement est noté par un professionnel : ce client n'est lié à aucun professionnel.",
                code="business-rule",
            )
        return professional
