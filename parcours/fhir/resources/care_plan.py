"""CarePlan: the projet personnalisé (TDDUICarePlanProjetPersonnalise, the guide's profile since
2.1.0, which its Bundle lists) and its Goals: the objectives (TDDUIGoalObjectif) and the person's
own words (TDDUIGoalAttente, "les attentes de l'usager", one per projet that holds them).

Left out, and why:
- TDDUIGoalProjetVie (the person's life project, with its own dates and status): Parcours keeps no
  such record apart from the projet personnalisé; the person's words are its expectations (Attente).
- CarePlan.supportingInfo[accordStructure] (1..*, a TDDUIConsentAccord): Parcours records the
  agreement with the person (ProjetResponse) but no agreement of the structure as a consent; the
  slice carries a data-absent-reason.
- CarePlan.category (JDV_J367 type of projet): no type is recorded.
- Goal.addresses (the besoins as ServiceRequests): a goal names SERAFIN-PH besoins, not rows of an
  assessment; the besoins travel as the goal's category ("domaineObjectif").
- The status "under review" has no FHIR status of its own: it is sent as `active` (the agreed
  projet stays in force while it is revised) and read back as agreed.
"""

from __future__ import annotations

import uuid

from django.db.models import Prefetch
from django.db.models.query import ModelIterable, QuerySet

from parcours.access.enums import Action, Category
from parcours.fhir import codes, search
from parcours.fhir.outcome import Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.fhir.resources.encounter import (
    EXTENSION,
    absent,
    business_id,
    check_profile_identifier,
    parse_date,
    ref,
    required,
    resolve,
    subject_person,
    team_writes,
)
from parcours.organisations.models import Establishment
from parcours.records import services as records
from parcours.records.enums import ProjetStatus
from parcours.records.models import BESOINS, Goal, PlannedService, ProjetPersonnalise
from parcours.staff.models import Professional

PROFILE_CAREPLAN = tddui_profile("tddui-careplan-projet-personnalise")
PROFILE_OBJECTIF = tddui_profile("tddui-goal-objectif")
PROFILE_ATTENTE = tddui_profile("tddui-goal-attente")
CAREPLAN_SYSTEM = "https://identifiant-medicosocial-projetpersonnalise.esante.gouv.fr"
OBJECTIF_SYSTEM = "https://identifiant-medicosocial-objectif.esante.gouv.fr"
ATTENTE_SYSTEM = "https://identifiant-medicosocial-attente.esante.gouv.fr"
DISCRIMINATOR = f"{EXTENSION}tddui-discriminator"
DISCRIMINATOR_SYSTEM = "https://interop.esante.gouv.fr/ig/fhir/tddui/CodeSystem/tddui-discriminator"
CAREPLAN_REFERENCE = f"{EXTENSION}tddui-careplan-reference"

CAREPLAN_STATUS = {
    ProjetStatus.DRAFT: "draft",
    ProjetStatus.PROPOSED: "on-hold",
    ProjetStatus.AGREED: "active",
    ProjetStatus.UNDER_REVIEW: "active",
}
PROJET_STATUS = {"draft": ProjetStatus.DRAFT, "on-hold": ProjetStatus.PROPOSED, "active": ProjetStatus.AGREED}
GOAL_STATUS = {
    ProjetStatus.DRAFT: "planned",
    ProjetStatus.PROPOSED: "proposed",
    ProjetStatus.AGREED: "active",
    ProjetStatus.UNDER_REVIEW: "active",
}
# The Attente's id: derived from its projet's, reversibly (a uuid5 could not be looked up), and
# distinct from it so that both may sit in one bundle.
ATTENTE_MASK = uuid.UUID("7a1e0000-0000-4000-8000-00000000a77e").int


def attente_id(projet_uuid: uuid.UUID) -> uuid.UUID:
    return uuid.UUID(int=projet_uuid.int ^ ATTENTE_MASK)


def discriminator(code: str) -> dict:
    return {
        "url": DISCRIMINATOR,
        "valueCodeableConcept": {"coding": [{"system": DISCRIMINATOR_SYSTEM, "code": code}]},
    }


def has_discriminator(element: dict, code: str) -> bool:
    for extension in element.get("extension") or []:
        if extension.get("url") == DISCRIMINATOR:
            for coding in (extension.get("valueCodeableConcept") or {}).get("coding") or []:
                if coding.get("system") == DISCRIMINATOR_SYSTEM and coding.get("code") == code:
                    return True
    return False


def note_text(data: dict, code: str) -> str:
    return next((n.get("text", "") for n in data.get("note") or [] if has_discriminator(n, code)), "")


def refuse_edit(projet: ProjetPersonnalise, expression: str) -> None:
    refusal = records.projet_edit_refusal(projet)
    if refusal:
        raise invalid(refusal, expression, code="business-rule")


def goal_projet(ctx, data: dict, resource_type: str = "Goal") -> ProjetPersonnalise:
    """The goal's projet: the guide's tddui-careplan-reference extension, else (within a bundle) the
    CarePlan entry that lists this goal."""
    for extension in data.get("extension") or []:
        if extension.get("url") == CAREPLAN_REFERENCE:
            return resolve(
                ctx,
                extension.get("valueReference"),
                "CarePlan",
                ProjetPersonnalise,
                f"{resource_type}.extension",
            )
    if ctx.current_full_url:
        for careplan in ctx.referrers("CarePlan", ctx.current_full_url):
            for full_url, resource in ctx.entries.items():
                if resource is careplan and full_url in ctx.written:
                    return ctx.written[full_url]
    raise invalid(
        "Le projet personnalisé de l'objectif (extension tddui-careplan-reference) est obligatoire.",
        f"{resource_type}.extension",
        code="required",
    )


def _careplan_status(queryset, values, ctx, name="status"):
    """`status=active`: a FHIR status may stand for several of ours (active: agreed or under review)."""
    for value in values:
        stored = []
        for item in filter(None, value.split(",")):
            code = item.rpartition("|")[2]
            if code not in PROJET_STATUS:
                raise search.bad_parameter(
                    name, f"code inconnu « {code[:40]} » (attendu : draft, on-hold, active)."
                )
            stored += [ours for ours, fhir in CAREPLAN_STATUS.items() if fhir == code]
        queryset = queryset.filter(status__in=stored)
    return queryset


@register
class CarePlanMapping(Mapping):
    resource_type = "CarePlan"
    profiles = (PROFILE_CAREPLAN,)
    model = ProjetPersonnalise
    category = Category.PROJET
    order = 40
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
        "date": search.date_filter("date"),
        "status": _careplan_status,
    }
    sort_params = {"date": "date"}
    includes = {"CarePlan:subject": "person", "CarePlan:patient": "person"}

    def base_queryset(self):
        return ProjetPersonnalise.objects.select_related(
            "person", "establishment", "author"
        ).prefetch_related(
            Prefetch("goals", queryset=Goal.objects.only("uuid", "projet_id")),
            Prefetch("planned_services", queryset=PlannedService.objects.only("uuid", "projet_id")),
        )

    def to_fhir(self, obj, ctx) -> dict:
        goals = [ref("Goal", goal) for goal in obj.goals.all()]
        if obj.person_words:
            goals.insert(0, {"reference": f"Goal/{attente_id(obj.uuid)}"})
        resource = {
            "resourceType": "CarePlan",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "identifier": [
                {
                    "system": CAREPLAN_SYSTEM,
                    "value": business_id(obj.establishment, obj.person, "PPER", obj.uuid),
                }
            ],
            "status": CAREPLAN_STATUS[obj.status],
            "intent": "plan",
            "title": str(obj),
            "subject": ref("Patient", obj.person),
            "period": {"start": obj.date.isoformat(), "end": obj.review_date.isoformat()},
            "author": ref("Practitioner", obj.author),
            "contributor": [ref("Organization", obj.establishment, obj.establishment.name)],
            "supportingInfo": [
                {
                    "extension": [discriminator("accordStructure"), absent("unknown")],
                    "display": "Consentement structure",
                }
            ],
        }
        if goals:
            resource["goal"] = goals
        activities = [{"reference": ref("Task", service)} for service in obj.planned_services.all()]
        if activities:
            resource["activity"] = activities
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(data, "CarePlan", CAREPLAN_SYSTEM, "PPER", issues)
        for path, message in (
            ("title", "Le titre du projet (title) est obligatoire."),
            ("subject", "L'usager (subject) est obligatoire."),
            ("period.start", "La date du projet (period.start) est obligatoire dans Parcours."),
            ("period.end", "La date de révision prévue (period.end) est obligatoire dans Parcours."),
            ("contributor", "L'établissement (contributor, Organization) est obligatoire dans Parcours."),
        ):
            issue = required(data, path, "CarePlan", message)
            if issue:
                issues.append(issue)
        if not any(has_discriminator(info, "accordStructure") for info in data.get("supportingInfo") or []):
            issues.append(
                Issue(
                    "required",
                    "L'accord de la structure (supportingInfo[accordStructure]) est obligatoire.",
                    "CarePlan.supportingInfo",
                )
            )
        if data.get("status") not in PROJET_STATUS:
            issues.append(Issue("value", "Statut attendu : draft, on-hold ou active.", "CarePlan.status"))
        if data.get("intent") != "plan":
            issues.append(
                Issue("value", "L'intention d'un projet personnalisé est « plan ».", "CarePlan.intent")
            )
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "CarePlan")
        organisation = next((c for c in data.get("contributor") or [] if c.get("reference")), None)
        establishment = resolve(ctx, organisation, "Organization", Establishment, "CarePlan.contributor")
        author = (
            resolve(ctx, data["author"], "Practitioner", Professional, "CarePlan.author")
            if data.get("author")
            else None
        )
        period = data.get("period") or {}
        day = parse_date(period.get("start"), "CarePlan.period.start")
        review_date = parse_date(period.get("end"), "CarePlan.period.end")
        status = PROJET_STATUS[data["status"]]
        if existing is None:
            team = team_writes(ctx, person, Category.PROJET, Action.CREATE)
            if team and status != ProjetStatus.DRAFT:
                raise invalid(
                    "Un projet personnalisé se crée en brouillon (status draft).", "CarePlan.status"
                )
            if author is None:
                author = getattr(ctx.user, "professional", None)
            if author is None:
                raise invalid(
                    "Le rédacteur du projet (author, Practitioner) est obligatoire.",
                    "CarePlan.author",
                    code="required",
                )
            projet = ProjetPersonnalise(
                uuid=ctx.new_uuid(ProjetPersonnalise),
                person=person,
                establishment=establishment,
                date=day,
                review_date=review_date,
                author=author,
                status=status,
            )
            ctx.authorize(person, Category.PROJET, Action.CREATE, projet, establishment=establishment)
            projet.full_clean()
            projet.save()
            return projet
        projet = existing
        if projet.person_id != person.pk:
            raise invalid("L'usager d'un projet ne change pas.", "CarePlan.subject")
        ctx.authorize(person, Category.PROJET, Action.UPDATE, projet, establishment=projet.establishment)
        changed = (projet.establishment_id, projet.date, projet.review_date) != (
            establishment.pk,
            day,
            review_date,
        )
        if changed or (author is not None and author.pk != projet.author_id):
            refuse_edit(projet, "CarePlan")
            if establishment.pk != projet.establishment_id:
                ctx.authorize(person, Category.PROJET, Action.UPDATE, projet, establishment=establishment)
            projet.establishment, projet.date, projet.review_date = establishment, day, review_date
            if author is not None:
                projet.author = author
            projet.full_clean()
            projet.save()
        if CAREPLAN_STATUS[projet.status] != data["status"]:
            if team_writes(ctx, person, Category.PROJET, Action.UPDATE):
                projet = records.change_projet_status(projet, status=status, actor=ctx.actor)
            else:
                projet.status = status
                projet.full_clean()
                projet.save(update_fields=["status"])
        return projet


@register
class GoalObjectifMapping(Mapping):
    resource_type = "Goal"
    profiles = (PROFILE_OBJECTIF,)
    model = Goal
    category = Category.PROJET
    person_path = "projet__person"
    order = 41
    search_params = {
        "patient": search.reference_filter("projet__person", "Patient"),
        "subject": search.reference_filter("projet__person", "Patient"),
    }

    def base_queryset(self):
        return Goal.objects.select_related(
            "projet__person", "projet__establishment", "projet__author"
        ).prefetch_related("needs")

    def person_of(self, obj):
        return obj.projet.person

    def to_fhir(self, obj, ctx) -> dict:
        projet = obj.projet
        resource = {
            "resourceType": "Goal",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "extension": [{"url": CAREPLAN_REFERENCE, "valueReference": ref("CarePlan", projet)}],
            "identifier": [
                {
                    "system": OBJECTIF_SYSTEM,
                    "value": business_id(projet.establishment, projet.person, "OBJE", obj.uuid),
                }
            ],
            "lifecycleStatus": GOAL_STATUS[projet.status],
            "description": {"text": obj.description or obj.title},
            "subject": ref("Patient", projet.person),
            "startDate": projet.date.isoformat(),
            "expressedBy": ref("Practitioner", projet.author),
            "note": [{"extension": [discriminator("titreObjectif")], "text": obj.title}],
        }
        needs = [{"coding": [codes.coding(BESOINS, need.pk)]} for need in obj.needs.all()]
        if needs:
            resource["category"] = needs
        return resource

    def accepts(self, data: dict) -> bool:
        return any(item.get("system") == OBJECTIF_SYSTEM for item in data.get("identifier") or [])

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(data, "Goal", OBJECTIF_SYSTEM, "OBJE", issues)
        titles = [n for n in data.get("note") or [] if has_discriminator(n, "titreObjectif")]
        if len(titles) != 1 or not titles[0].get("text"):
            issues.append(
                Issue(
                    "required",
                    "Le titre de l'objectif (note[titreObjectif]) est obligatoire, une fois.",
                    "Goal.note",
                )
            )
        issue = required(data, "subject", "Goal", "L'usager (subject) est obligatoire.")
        if issue:
            issues.append(issue)
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Goal")
        projet = goal_projet(ctx, data)
        if projet.person_id != person.pk:
            raise invalid(
                "Le projet personnalisé référencé est celui d'une autre personne.", "Goal.extension"
            )
        title = note_text(data, "titreObjectif").strip()
        description = ((data.get("description") or {}).get("text") or "").strip()
        needs = [
            codes.concept_pk(BESOINS, item, f"Goal.category[{i}]")
            for i, item in enumerate(data.get("category") or [])
        ]
        refuse_edit(projet, "Goal")
        goal = existing or Goal(uuid=ctx.new_uuid(Goal))
        if existing is not None and existing.projet_id != projet.pk:
            refuse_edit(existing.projet, "Goal")
        goal.projet, goal.title, goal.description = projet, title, "" if description == title else description
        action = Action.UPDATE if existing is not None else Action.CREATE
        ctx.authorize(person, Category.PROJET, action, goal, establishment=projet.establishment)
        goal.full_clean()
        goal.save()
        goal.needs.set(needs)
        return goal


class _AttenteIterable(ModelIterable):
    def __iter__(self):
        for projet in super().__iter__():
            projet.attente_uuid = attente_id(projet.uuid)
            yield projet


class AttenteQuerySet(QuerySet):
    """The projets that hold the person's words, seen as Goals: their id (`attente_uuid`) is looked up
    through the projet's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._iterable_class = _AttenteIterable

    def _filter_or_exclude(self, negate, args, kwargs):
        translated = {}
        for key, value in kwargs.items():
            if key == "attente_uuid":
                key, value = "uuid", attente_id(uuid.UUID(str(value)))
            elif key == "attente_uuid__in":
                key, value = "uuid__in", [attente_id(uuid.UUID(str(item))) for item in value]
            translated[key] = value
        return super()._filter_or_exclude(negate, args, translated)


@register
class GoalAttenteMapping(Mapping):
    """The person's expectations in their own words (ProjetPersonnalise.person_words)."""

    resource_type = "Goal"
    profiles = (PROFILE_ATTENTE,)
    model = ProjetPersonnalise
    category = Category.PROJET
    id_field = "attente_uuid"
    order = 41
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "subject": search.reference_filter("person", "Patient"),
    }

    def base_queryset(self):
        queryset = AttenteQuerySet(model=ProjetPersonnalise).select_related("person", "establishment")
        return queryset.exclude(person_words="")

    def to_fhir(self, obj, ctx) -> dict:
        key = attente_id(obj.uuid)
        return {
            "resourceType": "Goal",
            "id": str(key),
            "meta": self.meta(obj),
            "extension": [{"url": CAREPLAN_REFERENCE, "valueReference": ref("CarePlan", obj)}],
            "identifier": [
                {"system": ATTENTE_SYSTEM, "value": business_id(obj.establishment, obj.person, "ATTE", key)}
            ],
            "lifecycleStatus": GOAL_STATUS[obj.status],
            "description": {"text": obj.person_words},
            "subject": ref("Patient", obj.person),
            "expressedBy": ref("Patient", obj.person),
            "note": [
                {"extension": [discriminator("origineAttente")], "text": "La personne, dans ses propres mots"}
            ],
        }

    def accepts(self, data: dict) -> bool:
        return any(item.get("system") == ATTENTE_SYSTEM for item in data.get("identifier") or [])

    def check(self, data: dict) -> list[Issue]:
        issues = []
        check_profile_identifier(data, "Goal", ATTENTE_SYSTEM, "ATTE", issues)
        for path, message in (
            ("expressedBy", "L'origine de l'attente (expressedBy) est obligatoire."),
            ("subject", "L'usager (subject) est obligatoire."),
            (
                "description.text",
                "Les attentes de la personne (description.text) sont obligatoires dans Parcours.",
            ),
        ):
            issue = required(data, path, "Goal", message)
            if issue:
                issues.append(issue)
        if not any(has_discriminator(n, "origineAttente") for n in data.get("note") or []):
            issues.append(
                Issue(
                    "required", "L'origine de l'attente (note[origineAttente]) est obligatoire.", "Goal.note"
                )
            )
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = subject_person(ctx, data, "Goal")
        projet = goal_projet(ctx, data)
        if projet.person_id != person.pk:
            raise invalid(
                "Le projet personnalisé référencé est celui d'une autre personne.", "Goal.extension"
            )
        if existing is not None and existing.pk != projet.pk:
            raise invalid("Les attentes appartiennent à leur projet : il ne change pas.", "Goal.extension")
        if data.get("id") and existing is None and str(attente_id(projet.uuid)) != str(data["id"]):
            raise invalid("L'identifiant des attentes se déduit de celui du projet.", "Goal.id")
        words = data["description"]["text"].strip()
        if words != projet.person_words:
            refuse_edit(projet, "Goal")
            ctx.authorize(person, Category.PROJET, Action.UPDATE, projet, establishment=projet.establishment)
            projet.person_words = words
            projet.full_clean()
            projet.save(update_fields=["person_words"])
        projet.attente_uuid = attente_id(projet.uuid)
        return projet
