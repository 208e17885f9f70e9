"""Task: the SERAFIN-PH prestations of the person's record, in the guide's TDDUITaskPrestation
profile: the services planned in a projet personnalisé (intent `plan`) and the services delivered,
the lines of the service log (status `completed`).

The guide has no element for a frequency or a duration: a planned service's frequency is
`restriction.repetitions` with its period in a note ("Fréquence : 2 par semaine"); a delivered
service's duration and whether it was collective are notes ("Durée : 45 minutes", "Prestation
collective"), its day the `executionPeriod` (no time of day is recorded). `basedOn` (1..1, the
projet) of a delivered service is the projet in force that day, else a data-absent-reason.

Both kinds share one profile: each mapping hands a resource or an object of the other kind to it,
so that a Task goes to the right one whichever the registry picks by profile.
"""

from __future__ import annotations

import re
from collections import defaultdict

from django.db.models import Q

from parcours.access.enums import Action, Category
from parcours.fhir import codes, registry, search
from parcours.fhir.outcome import Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.fhir.resources.encounter import (
    absent,
    adopt_uuid,
    business_id,
    check_profile_identifier,
    parse_date,
    ref,
    required,
    resolve,
    subject_person,
    team_writes,
)
from parcours.fhir.resources.service_request import projet_for
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records import services as records
from parcours.records.enums import FrequencyPeriod, ProjetStatus
from parcours.records.models import PRESTATIONS, Goal, PlannedService, ProjetPersonnalise, ServiceDelivery
from parcours.staff.models import Professional

PROFILE = tddui_profile("tddui-task-prestation")
SYSTEM = "https://identifiant-medicosocial-prestation.esante.gouv.fr"
INPUT_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-task-input-prestation"
FREQUENCY = re.compile(r"^Fréquence : (?P<count>\d+) (?P<period>.+)$")
DURATION = re.compile(r"^Durée : (?P<minutes>\d+) minutes?$")
GROUP = "Prestation collective"
PERIOD_OF_LABEL = {str(period.label): period.value for period in FrequencyPeriod}
IN_FORCE = {ProjetStatus.AGREED, ProjetStatus.UNDER_REVIEW}


def serafin_coding(data: dict) -> dict | None:
    """The SERAFIN-PH prestation the Task names: its code, else its input typePrestation."""
    candidates = [data.get("code") or {}]
    candidates += [
        item.get("valueCodeableConcept") or {}
        for item in data.get("input") or []
        if _input_is(item, "typePrestation")
    ]
    url = _prestation_system()
    for codeable in candidates:
        if any(coding.get("system") == url for coding in codeable.get("coding") or []):
            return codeable
    return None


def _prestation_system() -> str:
    return next(iter(codes._concepts(PRESTATIONS)["by_code"]))[0]


def _input_is(item: dict, code: str) -> bool:
    return any(
        c.get("system") == INPUT_SYSTEM and c.get("code") == code
        for c in (item.get("type") or {}).get("coding") or []
    )


def _inputs(coding: dict) -> list[dict]:
    return [
        {
            "type": {"coding": [{"system": INPUT_SYSTEM, "code": "titre"}]},
            "valueString": coding.get("display") or coding["code"],
        },
        {
            "type": {"coding": [{"system": INPUT_SYSTEM, "code": "typePrestation"}]},
            "valueCodeableConcept": {"coding": [coding]},
        },
    ]


def _notes(data: dict) -> list[str]:
    return [(note.get("text") or "").strip() for note in data.get("note") or []]


def _common_check(data: dict) -> list[Issue]:
    issues = []
    check_profile_identifier(data, "Task", SYSTEM, "PRES", issues)
    titles = [item for item in data.get("input") or [] if _input_is(item, "titre")]
    if len(titles) != 1 or not titles[0].get("valueString"):
        issues.append(
            Issue(
                "required",
                "Le titre de la prestation (input[titre], texte) est obligatoire, une fois.",
                "Task.input",
            )
        )
    for path, message in (
        ("basedOn", "Le projet personnalisé (basedOn) est obligatoire."),
        ("for", "L'usager (for) est obligatoire dans Parcours."),
    ):
        issue = required(data, path, "Task", message)
        if issue:
            issues.append(issue)
    if len(data.get("basedOn") or []) > 1:
        issues.append(Issue("value", "Un seul projet personnalisé (basedOn) est attendu.", "Task.basedOn"))
    if serafin_coding(data) is None:
        issues.append(
            Issue(
                "required",
                "La prestation SERAFIN-PH (code ou input[typePrestation]) est obligatoire.",
                "Task.code",
            )
        )
    return issues


def _mapping(model) -> Mapping:
    return next(mapping for mapping in registry.parts("Task") if mapping.model is model)


class _Prestation(Mapping):
    """What the two kinds share: the profile, the dispatch to the right kind, the search."""

    resource_type = "Task"
    profiles = (PROFILE,)

    def accepts(self, data: dict) -> bool:
        return serafin_coding(data) is not None and self.is_mine(data)

    def is_mine(self, data: dict) -> bool:
        raise NotImplementedError

    def _target(self, data=None, obj=None) -> _Prestation:
        if obj is not None:
            return _mapping(type(obj))
        return _mapping(PlannedService if data.get("intent") == "plan" else ServiceDelivery)

    def to_fhir(self, obj, ctx) -> dict:
        return self._target(obj=obj).render_task(obj, ctx)

    def person_of(self, obj):
        return obj.projet.person if isinstance(obj, PlannedService) else obj.person

    def check(self, data: dict) -> list[Issue]:
        return _common_check(data) + self._target(data).check_task(data)

    def write(self, data: dict, ctx, existing=None):
        target = self._target(obj=existing) if existing is not None else self._target(data)
        if existing is not None and target is not self._target(data):
            raise invalid(
                "Une prestation prévue ne devient pas une prestation réalisée (ni l'inverse).", "Task.intent"
            )
        return target.write_task(data, ctx, existing)


def _planned_status(queryset, values, ctx, name="status"):
    conditions = {"in-progress": Q(projet__status__in=IN_FORCE), "draft": ~Q(projet__status__in=IN_FORCE)}
    return _status_filter(queryset, values, name, conditions)


def _delivered_status(queryset, values, ctx, name="status"):
    everything = Q(pk__isnull=False)
    conditions = {
        "completed": everything,
        "in-progress": ~everything,
        "draft": ~everything,
        "cancelled": ~everything,
    }
    return _status_filter(queryset, values, name, conditions)


TASK_STATUSES = (
    *("draft", "requested", "received", "accepted", "rejected", "ready"),
    *("cancelled", "in-progress", "on-hold", "failed", "completed", "entered-in-error"),
)


def _status_filter(queryset, values, name, conditions):
    """Any Task status is a valid value (another kind of Task may hold it); those this kind never has
    match nothing."""
    for value in values:
        condition = Q(pk__in=[])
        for item in filter(None, value.split(",")):
            code = item.rpartition("|")[2]
            if code not in TASK_STATUSES:
                raise search.bad_parameter(name, f"statut de Task inconnu « {code[:30]} ».")
            condition |= conditions.get(code, Q(pk__in=[]))
        queryset = queryset.filter(condition)
    return queryset


def _code_filter(field: str):
    def apply(queryset, values, ctx, name="code"):
        for value in values:
            pks = []
            for item in filter(None, value.split(",")):
                system, bar, code = item.rpartition("|")
                pks += codes.pks_for_code(PRESTATIONS, code, system if bar else None)
            queryset = queryset.filter(**{f"{field}__in": pks})
        return queryset

    return apply


@register
class TaskPlannedMapping(_Prestation):
    """A service planned in a projet personnalisé, with its frequency and its goal."""

    model = PlannedService
    category = Category.PROJET
    person_path = "projet__person"
    order = 42
    search_params = {
        "patient": search.reference_filter("projet__person", "Patient"),
        "subject": search.reference_filter("projet__person", "Patient"),
        "code": _code_filter("concept_id"),
        "date": search.date_filter("projet__date"),
        "status": _planned_status,
    }

    def base_queryset(self):
        return PlannedService.objects.select_related("projet__person", "projet__establishment", "goal")

    def is_mine(self, data: dict) -> bool:
        return data.get("intent") == "plan"

    def render_task(self, obj, ctx) -> dict:
        projet = obj.projet
        coding = codes.coding(PRESTATIONS, obj.concept_id)
        resource = {
            "resourceType": "Task",
            "id": str(obj.uuid),
            "meta": self.meta(obj, PROFILE),
            "identifier": [
                {
                    "system": SYSTEM,
                    "value": business_id(projet.establishment, projet.person, "PRES", obj.uuid),
                }
            ],
            "basedOn": [ref("CarePlan", projet)],
            "status": "in-progress" if projet.status in IN_FORCE else "draft",
            "intent": "plan",
            "code": {"coding": [coding]},
            "for": ref("Patient", projet.person),
            "requester": ref("Organization", projet.establishment, projet.establishment.name),
            "restriction": {"repetitions": obj.frequency_count},
            "note": [{"text": f"Fréquence : {obj.frequency_count} {obj.get_frequency_period_display()}"}],
            "input": _inputs(coding),
        }
        if obj.goal is not None:
            resource["focus"] = ref("Goal", obj.goal)
        if obj.comment:
            resource["description"] = obj.comment
        return resource

    def check_task(self, data: dict) -> list[Issue]:
        if not any(FREQUENCY.match(text) for text in _notes(data)):
            return [
                Issue(
                    "required",
                    "La fréquence est obligatoire dans Parcours (note « Fréquence : 2 par semaine »).",
                    "Task.note",
                )
            ]
        return []

    def write_task(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Task", "for")
        projet = resolve(ctx, data["basedOn"][0], "CarePlan", ProjetPersonnalise, "Task.basedOn")
        if projet.person_id != person.pk:
            raise invalid("Le projet personnalisé référencé est celui d'une autre personne.", "Task.basedOn")
        concept_id = codes.concept_pk(PRESTATIONS, serafin_coding(data), "Task.code")
        match = next(FREQUENCY.match(text) for text in _notes(data) if FREQUENCY.match(text))
        if match["period"] not in PERIOD_OF_LABEL:
            raise invalid(
                "Période de fréquence inconnue (par jour, par semaine, par mois ou par an).", "Task.note"
            )
        goal = None
        if data.get("focus"):
            goal = resolve(ctx, data["focus"], "Goal", Goal, "Task.focus")
            if goal.projet_id != projet.pk:
                raise invalid("Cet objectif appartient à un autre projet.", "Task.focus")
        records_refusal = records.projet_edit_refusal(projet)
        if records_refusal:
            raise invalid(records_refusal, "Task.basedOn", code="business-rule")
        service = existing or PlannedService(uuid=ctx.new_uuid(PlannedService))
        if existing is not None and existing.projet_id != projet.pk:
            raise invalid("Une prestation prévue reste dans son projet.", "Task.basedOn")
        service.projet, service.goal, service.concept_id = projet, goal, concept_id
        service.frequency_count, service.frequency_period = (
            int(match["count"]),
            PERIOD_OF_LABEL[match["period"]],
        )
        service.comment = data.get("description") or ""
        action = Action.UPDATE if existing is not None else Action.CREATE
        ctx.authorize(person, Category.PROJET, action, service, establishment=projet.establishment)
        service.full_clean()
        service.save()
        return service


def _projet_on(projets, day):
    """`projet_for` on rows (person, establishment, date, review date, pk, uuid): the projet in force
    that day, else the last one written before it; its uuid."""
    candidates = [row for row in projets if row[2] <= day]
    current = [row for row in candidates if row[3] >= day]
    chosen = current or candidates
    return max(chosen, key=lambda row: (row[2], row[4]))[5] if chosen else None


@register
class TaskDeliveredMapping(_Prestation):
    """A line of the service log: a prestation delivered on a day, for a duration, by a professional."""

    model = ServiceDelivery
    category = Category.SERVICES
    order = 60
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "code": _code_filter("concept_id"),
        "date": search.date_filter("date"),
        "status": _delivered_status,
    }
    sort_params = {"date": "date"}
    includes = {"Task:patient": "person", "Task:subject": "person"}

    def base_queryset(self):
        return ServiceDelivery.objects.select_related(
            "person", "establishment", "professional"
        ).prefetch_related("person__projets")

    def is_mine(self, data: dict) -> bool:
        return data.get("intent") != "plan"

    def export_rows(self, person_ids, ctx):
        """The bulk export's fast path: the resources `render_task` writes, built from rows rather than
        model objects (the service log is the record's largest part: 10 million lines at department
        scale). tests/fhir/test_task.py holds the two paths to the same output."""
        persons = dict(Person.objects.filter(pk__in=person_ids).values_list("pk", "uuid"))
        projets: dict = defaultdict(list)
        for row in ProjetPersonnalise.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "establishment_id", "date", "review_date", "pk", "uuid"
        ):
            projets[row[0], row[1]].append(row)
        cache = ctx.__dict__.setdefault("_task_export", {})
        if "establishments" not in cache:
            cache["establishments"] = {
                pk: (uuid_, finess, name)
                for pk, uuid_, finess, name in Establishment.objects.values_list(
                    "pk", "uuid", "finess", "name"
                )
            }
            cache["professionals"] = dict(Professional.objects.values_list("pk", "uuid"))
            cache["concepts"] = {}
        establishments, professionals, concepts = (
            cache["establishments"], cache["professionals"], cache["concepts"]
        )  # fmt: skip
        meta = {"profile": [PROFILE]}
        rows = (
            ServiceDelivery.objects.filter(person_id__in=person_ids)
            .order_by("pk")
            .values_list(
                "uuid",
                "person_id",
                "establishment_id",
                "concept_id",
                "date",
                "duration_minutes",
                "professional_id",
                "is_group",
            )  # fmt: skip
        )
        for (
            key,
            person_id,
            establishment_id,
            concept_id,
            day,
            minutes,
            professional_id,
            is_group,
        ) in rows.iterator(chunk_size=5000):
            if concept_id not in concepts:
                coding = codes.coding(PRESTATIONS, concept_id)
                concepts[concept_id] = ({"coding": [coding]}, _inputs(coding))
            code, inputs = concepts[concept_id]
            person_uuid = persons[person_id]
            est_uuid, finess, name = establishments[establishment_id]
            projet = _projet_on(projets.get((person_id, establishment_id), ()), day)
            notes = [{"text": f"Durée : {minutes} minutes"}]
            if is_group:
                notes.append({"text": GROUP})
            on = day.isoformat()
            resource = {
                "resourceType": "Task",
                "id": str(key),
                "meta": meta,
                "identifier": [{"system": SYSTEM, "value": f"3{finess}/{person_uuid.hex}-PRES-{key.hex}"}],
                "basedOn": [
                    {"reference": f"CarePlan/{projet}"}
                    if projet is not None
                    else {
                        "extension": [absent("unknown")],
                        "display": "Aucun projet personnalisé à cette date",
                    }
                ],
                "status": "completed",
                "intent": "unknown",
                "code": code,
                "for": {"reference": f"Patient/{person_uuid}"},
                "executionPeriod": {"start": on, "end": on},
                "requester": {"reference": f"Organization/{est_uuid}", "display": name},
                "note": notes,
                "input": inputs,
            }
            if professional_id is not None:
                resource["owner"] = {"reference": f"Practitioner/{professionals[professional_id]}"}
            yield resource

    def render_task(self, obj, ctx) -> dict:
        coding = codes.coding(PRESTATIONS, obj.concept_id)
        projet = projet_for(obj.person, obj.establishment_id, obj.date)
        notes = [{"text": f"Durée : {obj.duration_minutes} minutes"}]
        if obj.is_group:
            notes.append({"text": GROUP})
        resource = {
            "resourceType": "Task",
            "id": str(obj.uuid),
            "meta": self.meta(obj, PROFILE),
            "identifier": [
                {"system": SYSTEM, "value": business_id(obj.establishment, obj.person, "PRES", obj.uuid)}
            ],
            "basedOn": [
                ref("CarePlan", projet)
                if projet is not None
                else {"extension": [absent("unknown")], "display": "Aucun projet personnalisé à cette date"}
            ],
            "status": "completed",
            "intent": "unknown",
            "code": {"coding": [coding]},
            "for": ref("Patient", obj.person),
            "executionPeriod": {"start": obj.date.isoformat(), "end": obj.date.isoformat()},
            "requester": ref("Organization", obj.establishment, obj.establishment.name),
            "note": notes,
            "input": _inputs(coding),
        }
        if obj.professional is not None:
            resource["owner"] = ref("Practitioner", obj.professional)
        return resource

    def check_task(self, data: dict) -> list[Issue]:
        issues = []
        if data.get("status") != "completed":
            issues.append(Issue("value", "Une prestation réalisée a le statut « completed ».", "Task.status"))
        if not any(DURATION.match(text) for text in _notes(data)):
            issues.append(
                Issue(
                    "required",
                    "La durée est obligatoire dans Parcours (note « Durée : 45 minutes »).",
                    "Task.note",
                )
            )
        for path, message in (
            (
                "executionPeriod.start",
                "Le jour de la prestation (executionPeriod.start) est obligatoire dans Parcours.",
            ),
            ("requester", "L'établissement (requester, Organization) est obligatoire dans Parcours."),
        ):
            issue = required(data, path, "Task", message)
            if issue:
                issues.append(issue)
        return issues

    def write_task(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Task", "for")
        establishment = resolve(ctx, data.get("requester"), "Organization", Establishment, "Task.requester")
        concept = codes.concept_pk(PRESTATIONS, serafin_coding(data), "Task.code")
        based_on = data["basedOn"][0]
        if based_on.get("reference"):
            projet = resolve(ctx, based_on, "CarePlan", ProjetPersonnalise, "Task.basedOn")
            if projet.person_id != person.pk:
                raise invalid(
                    "Le projet personnalisé référencé est celui d'une autre personne.", "Task.basedOn"
                )
        day = parse_date(data["executionPeriod"]["start"], "Task.executionPeriod.start")
        minutes = int(next(DURATION.match(t) for t in _notes(data) if DURATION.match(t))["minutes"])
        is_group = GROUP in _notes(data)
        if existing is not None and (
            existing.person_id != person.pk or existing.establishment_id != establishment.pk
        ):
            raise invalid(
                "L'usager et l'établissement d'une prestation réalisée ne changent pas.", "Task.for"
            )
        action = Action.UPDATE if existing is not None else Action.CREATE
        concept_obj = Concept.objects.select_related("system").get(pk=concept)
        if team_writes(ctx, person, Category.SERVICES, action):
            if existing is None:
                delivery = records.log_service(
                    person,
                    establishment=establishment,
                    concept=concept_obj,
                    date=day,
                    duration_minutes=minutes,
                    actor=ctx.actor,
                    is_group=is_group,
                )
                adopt_uuid(ctx, delivery)
                return delivery
            return records.update_service_delivery(
                existing,
                concept=concept_obj,
                date=day,
                duration_minutes=minutes,
                actor=ctx.actor,
                is_group=is_group,
            )
        delivery = existing or ServiceDelivery(
            uuid=ctx.new_uuid(ServiceDelivery), person=person, establishment=establishment
        )
        logged_on = existing.date if existing is not None else day
        delivery.concept, delivery.date, delivery.duration_minutes, delivery.is_group = (
            concept_obj,
            day,
            minutes,
            is_group,
        )
        if data.get("owner"):
            delivery.professional = resolve(ctx, data["owner"], "Practitioner", Professional, "Task.owner")
        ctx.authorize(person, Category.SERVICES, action, delivery, establishment=establishment)
        delivery.full_clean()
        delivery.save()
        records._refresh_rollups(establishment, logged_on, day)
        return delivery
