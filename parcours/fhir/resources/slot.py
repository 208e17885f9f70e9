"""Slot: a person's presence or absence on a day in an establishment (TDDUISlotPresenceAbsence), and
Schedule: the person's set of presences and absences that every Slot points to (TDDUISchedule).

Business rules (TDDUISlotPresenceAbsence.fsh, TDDUISchedule.fsh of the ANS guide):
- One Slot per `records.Presence` (one row per person, establishment and day). Its identifier is
  `3+FINESS/<local id of the person>-PA-<id of the presence>` in the system
  https://identifiant-medicosocial-presenceabsence.esante.gouv.fr, typed `tddui-slot-identifier#PA`;
  the FINESS names the establishment, the local ids are the UUIDs without hyphens (the format allows
  letters and digits only).
- status: a presence noted by the team is validated ("VALIDE" -> busy, as the profile maps it);
  Parcours has no planned presences. The status author (TDDUIStatusAuthor) is who noted it.
- serviceType (TRE_R423, 1 "Présent", 2 "Absent"); for an absence, appointmentType (TRE_R424: 1
  "Hospitalisation de l'usager", 2 "Raisons personnelles de l'usager": family, holiday) with Parcours'
  own reason as text. Illness and "other" have no TRE_R424 code: text only.
- start/end: the arrival and departure times of the day (Europe/Paris); an absence, or a presence
  without departure time, ends at midnight the next day (Slot.end is mandatory in FHIR).
- The guide requires, for an absence, whether it was planned (TDDUIPlannedAbsence): Parcours does not
  record it, so the extension carries a data-absent-reason "unknown" instead of a made-up boolean.
- The Schedule's actor may only be the Patient (TDDUISchedule: actor only TDDUIPatient or
  TDDUIPatientINS), and it holds every presence and absence of the person, whatever the
  establishment: one Schedule per person. Its id is derived from the person's UUID (reversibly, so
  that `Schedule/<id>` is found without a table, and the same on every instance). A received Schedule
  (TDDUI bundles carry them) is matched to its Patient: nothing is stored.
- Writing a Slot: in the name of an establishment the caller works for, through
  `records.daily.record_presence` (its rules: not a day to come, the person supported that day, one
  row per day); otherwise on the import basis (administrator), directly, with the same model rules.
  Presence belongs to the "services" category of the record (records/daily.py).
"""

from __future__ import annotations

import datetime
import re
import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.query import ModelIterable
from django.utils import timezone

from parcours.access import policy
from parcours.access.enums import Action, Category
from parcours.fhir import registry, search
from parcours.fhir.context import REFERENCE, URN
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import TDDUI, Mapping, register, tddui_profile
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records import daily
from parcours.records.enums import AbsenceReason, PresenceStatus
from parcours.records.models import Presence
from parcours.staff.models import Professional

PROFILE = tddui_profile("tddui-slot-presence-absence")
SCHEDULE_PROFILE = tddui_profile("tddui-schedule")
PA_SYSTEM = "https://identifiant-medicosocial-presenceabsence.esante.gouv.fr"
SLOT_IDENTIFIER_SYSTEM = f"{TDDUI}/CodeSystem/tddui-slot-identifier"
STATUS_AUTHOR = tddui_profile("tddui-status-author")
PLANNED_ABSENCE = tddui_profile("tddui-planned-absence")
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
# TRE_R423-TypePresenceAbsence and TRE_R424-MotifAbsence (terminology server of the ANS), as the
# guide's examples use them.
PRESENCE_TYPE_SYSTEM = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r423-type-presence-absence"
ABSENCE_REASON_SYSTEM = "https://smt.esante.gouv.fr/fhir/CodeSystem/tre-r424-motif-absence"
PRESENCE_TYPES = {PresenceStatus.PRESENT: ("1", "Présent"), PresenceStatus.ABSENT: ("2", "Absent")}
TYPE_STATUSES = {code: status for status, (code, _) in PRESENCE_TYPES.items()}
ABSENCE_CODES = {
    AbsenceReason.HOSPITAL: ("1", "Hospitalisation de l'usager"),
    AbsenceReason.FAMILY: ("2", "Raisons personnelles de l'usager"),
    AbsenceReason.HOLIDAY: ("2", "Raisons personnelles de l'usager"),
}
# A code received without one of Parcours' labels: the closest reason of Parcours.
CODE_REASONS = {"1": AbsenceReason.HOSPITAL, "2": AbsenceReason.OTHER}
IDENTIFIER_FORMAT = r"^3[0-9]{9}/[A-Za-z0-9]+-PA-[A-Za-z0-9]+$"
# The Schedule's id: the person's UUID with these bits flipped (a bijection: the id gives the person
# back without a lookup table, and it never equals the Patient's id, so fullUrls stay distinct).
SCHEDULE_MASK = uuid.UUID("5c4ed01e-0000-4000-8000-000000000000").int


def schedule_id(person_uuid) -> uuid.UUID:
    return uuid.UUID(int=uuid.UUID(str(person_uuid)).int ^ SCHEDULE_MASK)


def person_uuid_of_schedule(value) -> uuid.UUID:
    return uuid.UUID(int=uuid.UUID(str(value)).int ^ SCHEDULE_MASK)


def local_id(value) -> str:
    return uuid.UUID(str(value)).hex


def _local(day: datetime.date, time: datetime.time | None) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time or datetime.time(0)))


def _instant(value: str, expression: str) -> datetime.datetime:
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (TypeError, ValueError, AttributeError):
        raise invalid("Date et heure invalides.", expression) from None
    if timezone.is_naive(moment):
        raise invalid("Le fuseau horaire de la date et heure manque.", expression)
    return timezone.localtime(moment)


# --- Schedule


class _ScheduleIterable(ModelIterable):
    def __iter__(self):
        for person in super().__iter__():
            person.schedule_uuid = schedule_id(person.uuid)
            yield person


class ScheduleQuerySet(QuerySet):
    """Persons as Schedules: filtering on `schedule_uuid` (the derived id) is translated to their
    UUID, and each person fetched carries its `schedule_uuid`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._iterable_class = _ScheduleIterable

    def filter(self, *args, **kwargs):
        if "schedule_uuid" in kwargs:
            kwargs["uuid"] = person_uuid_of_schedule(kwargs.pop("schedule_uuid"))
        if "schedule_uuid__in" in kwargs:
            kwargs["uuid__in"] = [person_uuid_of_schedule(v) for v in kwargs.pop("schedule_uuid__in")]
        return super().filter(*args, **kwargs)


def _actor(queryset, values, ctx, name="actor"):
    for alternatives in search._alternatives(values):
        ids = []
        for item in alternatives:
            kind, _, value = item.rstrip("/").rpartition("/")
            if kind and kind.rsplit("/", 1)[-1] != "Patient":
                raise search.bad_parameter(name, "référence Patient/<identifiant> attendue.")
            try:
                ids.append(uuid.UUID(value))
            except ValueError:
                raise search.bad_parameter(name, "identifiant invalide.") from None
        queryset = queryset.filter(uuid__in=ids)
    return queryset


@register
class ScheduleMapping(Mapping):
    """TDDUISchedule: the person's presences and absences (one per person, derived: nothing stored)."""

    resource_type = "Schedule"
    profiles = (SCHEDULE_PROFILE,)
    model = Person
    category = Category.SERVICES
    person_path = ""
    id_field = "schedule_uuid"
    order = 61
    search_params = {"actor": _actor, "patient": _actor}

    def base_queryset(self):
        with_presence = Presence.objects.filter(person_id=OuterRef("pk"))
        return ScheduleQuerySet(model=Person).filter(Exists(with_presence))

    def to_fhir(self, obj, ctx) -> dict:
        return {
            "resourceType": "Schedule",
            "id": str(schedule_id(obj.uuid)),
            "meta": self.meta(obj),
            "active": True,
            "actor": [ctx.reference("Patient", obj)],
        }

    def check(self, data: dict) -> list[Issue]:
        actors = data.get("actor") or []
        reference = (actors[0].get("reference") or "") if len(actors) == 1 else ""
        if not (reference.startswith("Patient/") or "/Patient/" in reference or URN.match(reference)):
            return [Issue("invariant", "L'acteur d'un Schedule TDDUI est la personne accompagnée, et elle "
                          "seule (actor : une référence Patient).", "Schedule.actor")]  # fmt: skip
        return []

    def write(self, data: dict, ctx, existing=None):
        """A received Schedule names its person: nothing is stored (the Schedule is derived from the
        person's presences), but the caller must be allowed to write them."""
        person = ctx.resolve(data["actor"][0], ["Patient"], "Schedule.actor[0]", model=Person)
        if existing is not None and existing.pk != person.pk:
            raise invalid("L'acteur d'un Schedule existant ne change pas.", "Schedule.actor[0]")
        ctx.authorize(person, Category.SERVICES, Action.UPDATE if existing else Action.CREATE, person)
        person.schedule_uuid = schedule_id(person.uuid)
        return person


# --- Slot


def _professional(ctx, reference, expression: str) -> Professional:
    """The professional a Practitioner reference names (this server's, or another entry of the bundle)."""
    value = reference.get("reference") if isinstance(reference, dict) else None
    if registry.parts("Practitioner") or (value and value in ctx.written):
        return ctx.resolve(reference, ["Practitioner"], expression, model=Professional)
    match = (value or "").rsplit("/", 1)
    found = Professional.objects.filter(uuid=_uuid_or_none(match[-1])).first() if value else None
    if found is None:
        raise invalid("Le professionnel référencé n'existe pas.", expression, code="not-found")
    return found


def _uuid_or_none(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _schedule_person(ctx, reference, expression: str) -> Person:
    """The person of a Slot: the actor of its Schedule, given as `Schedule/<id>`, or as another entry
    of the bundle."""
    value = reference.get("reference") if isinstance(reference, dict) else ""
    if value in ctx.written:
        written = ctx.written[value]
        if isinstance(written, Person):
            return written
        raise invalid("La référence ne désigne pas un Schedule.", expression)
    if URN.match(value or "") and value in ctx.entries:
        schedule = ctx.entries[value]
        actors = schedule.get("actor") or [{}]
        return ctx.resolve(actors[0], ["Patient"], f"{expression}.actor", model=Person)
    match = REFERENCE.match(value or "")
    if not match or match["type"] != "Schedule":
        raise invalid("Référence invalide : Schedule/<identifiant> attendu.", expression)
    # Every person has a Schedule, even before their first presence: it is found through the person.
    patient = f"{match['base'] + '/' if match['base'] else ''}Patient/{person_uuid_of_schedule(match['id'])}"
    return ctx.resolve(patient, ["Patient"], expression, model=Person)


def _identifier(data: dict) -> dict | None:
    for identifier in data.get("identifier") or []:
        if identifier.get("system") == PA_SYSTEM:
            return identifier
    return None


def _service_code(data: dict) -> str:
    for concept in data.get("serviceType") or []:
        for coding in concept.get("coding") or []:
            if coding.get("system") == PRESENCE_TYPE_SYSTEM:
                return coding.get("code", "")
    return ""


def _absence_reason(data: dict) -> str:
    concept = data.get("appointmentType") or {}
    labels = {str(label): value for value, label in AbsenceReason.choices}
    if concept.get("text") in labels:
        return labels[concept["text"]]
    for coding in concept.get("coding") or []:
        if coding.get("system") == ABSENCE_REASON_SYSTEM and coding.get("code") in CODE_REASONS:
            return CODE_REASONS[coding["code"]]
    return AbsenceReason.OTHER


def _patient(queryset, values, ctx, name="patient"):
    return search.reference_filter("person", "Patient")(queryset, values, ctx, name)


def _schedule(queryset, values, ctx, name="schedule"):
    for alternatives in search._alternatives(values):
        ids = []
        for item in alternatives:
            try:
                ids.append(person_uuid_of_schedule(item.rstrip("/").rpartition("/")[2]))
            except ValueError:
                raise search.bad_parameter(name, "identifiant invalide.") from None
        queryset = queryset.filter(person__uuid__in=ids)
    return queryset


def _service_type(queryset, values, ctx, name="service-type"):
    return search.choice_filter("status", TYPE_STATUSES)(queryset, values, ctx, name)


def _slot_identifier(queryset, values, ctx, name="identifier"):
    for alternatives in search._alternatives(values):
        condition = Q(pk__in=[])
        for item in alternatives:
            system, bar, value = item.rpartition("|")
            if bar and system != PA_SYSTEM:
                continue
            number = value.rpartition("-PA-")[2]
            presence = _uuid_or_none(number) if len(number) == 32 else None
            if presence is not None:
                condition |= Q(uuid=presence)
        queryset = queryset.filter(condition)
    return queryset


@register
class SlotMapping(Mapping):
    """TDDUISlotPresenceAbsence, from `records.Presence`."""

    resource_type = "Slot"
    profiles = (PROFILE,)
    model = Presence
    category = Category.SERVICES
    order = 62
    search_params = {
        "patient": _patient,
        "date": search.date_filter("date"),
        "start": search.date_filter("date"),
        "schedule": _schedule,
        "service-type": _service_type,
        "identifier": _slot_identifier,
    }
    sort_params = {"date": "date", "start": "date", "_lastUpdated": "recorded_at"}

    def base_queryset(self):
        return Presence.objects.select_related("person", "establishment", "recorded_by")

    def last_updated(self, obj):
        return obj.recorded_at

    def to_fhir(self, obj, ctx) -> dict:
        person, establishment = obj.person, obj.establishment
        code, display = PRESENCE_TYPES[obj.status]
        resource = {
            "resourceType": "Slot",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [
                {
                    "type": {"coding": [{"system": SLOT_IDENTIFIER_SYSTEM, "code": "PA"}]},
                    "system": PA_SYSTEM,
                    "value": f"3{establishment.finess}/{local_id(person.uuid)}-PA-{local_id(obj.uuid)}",
                }
            ],
            "serviceType": [{"coding": [{"system": PRESENCE_TYPE_SYSTEM, "code": code, "display": display}]}],
            "schedule": {"reference": f"Schedule/{schedule_id(person.uuid)}"},
            "status": "busy",
            "_status": {
                "extension": [
                    {"url": STATUS_AUTHOR, "valueReference": ctx.reference("Practitioner", obj.recorded_by)}
                ]
            },
        }
        start = _local(obj.date, obj.arrived_at)
        next_midnight = _local(obj.date + datetime.timedelta(days=1), None)
        end = _local(obj.date, obj.left_at) if obj.left_at else next_midnight
        resource["start"] = start.isoformat()
        resource["end"] = end.isoformat()
        if obj.status == PresenceStatus.ABSENT:
            reason = obj.absence_reason or AbsenceReason.OTHER
            concept = {"text": str(AbsenceReason(reason).label)}
            if reason in ABSENCE_CODES:
                code, display = ABSENCE_CODES[reason]
                concept["coding"] = [{"system": ABSENCE_REASON_SYSTEM, "code": code, "display": display}]
            resource["appointmentType"] = concept
            # Whether the absence was planned is not recorded by Parcours.
            resource["extension"] = [
                {"url": PLANNED_ABSENCE, "extension": [{"url": DATA_ABSENT_REASON, "valueCode": "unknown"}]}
            ]
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        identifier = _identifier(data)
        if identifier is None or not identifier.get("value"):
            issues.append(Issue("required", "Identifiant de présence/absence obligatoire (system "
                                f"{PA_SYSTEM}).", "Slot.identifier"))  # fmt: skip
        elif not re.match(IDENTIFIER_FORMAT, identifier["value"]):
            issues.append(Issue("invariant", "L'identifiant de présence/absence suit le format "
                                "3+FINESS/identifiantLocalUsager-PA-numPresenceAbsence.",
                                "Slot.identifier.value"))  # fmt: skip
        types = data.get("serviceType") or []
        code = _service_code(data)
        if len(types) != 1 or code not in TYPE_STATUSES:
            issues.append(Issue("code-invalid", "serviceType obligatoire : un code de TRE_R423 (1 présent, 2 "
                                f"absent), système {PRESENCE_TYPE_SYSTEM}.", "Slot.serviceType"))  # fmt: skip
        if code == "2" and not data.get("appointmentType"):
            issues.append(Issue("invariant", "Le motif d'absence (appointmentType) est obligatoire pour une "
                                "absence.", "Slot.appointmentType"))  # fmt: skip
        if code == "1" and data.get("appointmentType"):
            issues.append(Issue("business-rule", "Le motif d'absence ne s'indique que pour une absence.",
                                "Slot.appointmentType"))  # fmt: skip
        if data.get("status") not in ("busy", "busy-tentative"):
            issues.append(Issue("value", "Statut attendu : busy (présence ou absence notée).", "Slot.status"))
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = _schedule_person(ctx, data.get("schedule"), "Slot.schedule")
        finess = _identifier(data)["value"].split("/", 1)[0][1:]
        establishment = Establishment.objects.filter(finess=finess).first()
        if establishment is None:
            raise invalid("Aucun établissement de cette instance ne porte le FINESS de l'identifiant.",
                          "Slot.identifier.value", code="not-found")  # fmt: skip
        start = _instant(data.get("start"), "Slot.start")
        end = _instant(data.get("end"), "Slot.end")
        if end < start:
            raise invalid("La fin précède le début.", "Slot.end")
        day = start.date()
        status = TYPE_STATUSES[_service_code(data)]
        arrived_at = left_at = None
        if status == PresenceStatus.PRESENT:
            arrived_at = start.time().replace(tzinfo=None)
            if end != _local(day + datetime.timedelta(days=1), None):
                if end.date() != day:
                    raise invalid("Une présence commence et finit le même jour.", "Slot.end")
                left_at = end.time().replace(tzinfo=None)
        reason = _absence_reason(data) if status == PresenceStatus.ABSENT else ""
        if existing is not None and (
            existing.person_id != person.pk
            or existing.establishment_id != establishment.pk
            or existing.date != day
        ):
            raise invalid("La personne, l'établissement et le jour d'une présence notée ne changent pas.",
                          "Slot")  # fmt: skip
        fields = {"status": status, "arrived_at": arrived_at, "left_at": left_at, "absence_reason": reason}
        if policy.writable_establishments(ctx.user).filter(pk=establishment.pk).exists():
            created = existing is None and not Presence.objects.filter(
                person=person, establishment=establishment, date=day).exists()  # fmt: skip
            presence = daily.record_presence(person, establishment=establishment, date=day, actor=ctx.actor,
                                             **fields)  # fmt: skip
            if created and URN.match(ctx.current_full_url or ""):
                presence.uuid = ctx.new_uuid(Presence)
                presence.save(update_fields=["uuid"])
            return presence
        # The import basis: an administrator restoring a record, the model's rules only.
        presence = existing or Presence(
            uuid=ctx.new_uuid(Presence), person=person, establishment=establishment, date=day
        )
        action = Action.UPDATE if existing is not None else Action.CREATE
        ctx.authorize(person, Category.SERVICES, action, presence, establishment=establishment)
        author_ref = _status_author(data)
        if author_ref is None:
            raise invalid("L'auteur du statut (extension TDDUIStatusAuthor de status) est obligatoire "
                          "pour importer une présence.", "Slot.status.extension")  # fmt: skip
        for name, value in fields.items():
            setattr(presence, name, value)
        presence.recorded_by = _professional(ctx, author_ref, "Slot.status.extension[0].valueReference")
        presence.recorded_at = _lastupdated(data) or timezone.now()
        presence.full_clean()
        presence.save()
        return presence


def _status_author(data: dict):
    for extension in (data.get("_status") or {}).get("extension") or []:
        if extension.get("url") == STATUS_AUTHOR and extension.get("valueReference"):
            return extension["valueReference"]
    return None


def _lastupdated(data: dict):
    value = (data.get("meta") or {}).get("lastUpdated")
    if not value:
        return None
    try:
        return _instant(value, "Slot.meta.lastUpdated")
    except FhirError:
        return None
