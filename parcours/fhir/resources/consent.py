"""Consent: the person's answers to their projet personnalisé (TDDUIConsentAccord) and their
decisions to share their record with another establishment (TDDUIConsent).

Business rules:
- Both profiles require `performer` 1..1 and `dateTime` 1..1; the fixed parts (scope
  `consentscope#patient-privacy`, category LOINC 59284-0, policy authority https://www.cnsa.fr/) are
  those of the guide's example of a projet agreement (tddui-pp-pa-consent-accord-example).
- TDDUIConsentAccord, from `records.ProjetResponse` (category "projet"): an agreement is `active`, a
  request for changes `rejected`, a comment (no decision yet) `proposed`; `sourceReference` is the
  projet (CarePlan); the performer is the Patient when the person answered, the professional for an
  agreement collected on paper by the team, a display of the capacity for a representative or a
  relative (their logins are not resources of the API). The words of a request or a comment have no
  element in an R4 Consent (no note): they stay in Parcours. Read and search only: an answer answers
  one frozen version of the projet shown to the person's login, which another instance cannot
  rebuild, so these are neither written through the API nor carried in the bundles.
- TDDUIConsent, from `access.Consent` (category "identity", as the access module decides them):
  `provision` permits (accord) or denies (refus) the recipient establishment (actor with the role
  IRCP, information recipient, of the base Consent's actor role binding) the parts of the record
  named as text (Parcours' own categories: no national code exists), over the validity period; a
  withdrawal makes it `inactive`, dated by `meta.lastUpdated`; how it was collected is
  `sourceAttachment.title`, the witness of an oral consent `verification.verifiedWith`. Written in the
  team's name through `access.services` (record_consent, withdraw_consent: the only change a
  recorded consent accepts), or on the import basis. Not carried: the reason of a withdrawal and the
  legal protection measure of a representative (no element of the profile holds them), and the login
  that recorded it (an import records the importing login).
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from parcours.access import policy
from parcours.access.enums import Action, Category, ConsentDecision, ConsentGivenBy, ConsentHow
from parcours.access.models import Consent
from parcours.access.services import record_consent, withdraw_consent
from parcours.fhir import search
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records.enums import ProjetResponseKind, ResponseCapacity
from parcours.records.models import ProjetResponse

ACCORD_PROFILE = tddui_profile("tddui-consent-accord")
SHARING_PROFILE = tddui_profile("tddui-consent")
SCOPE = {
    "coding": [
        {
            "system": "http://terminology.hl7.org/CodeSystem/consentscope",
            "code": "patient-privacy",
            "display": "Privacy Consent",
        }
    ]
}
CATEGORY = [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}]
POLICY = [{"authority": "https://www.cnsa.fr/"}]
RECIPIENT_ROLE = {
    "coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP"}]
}
STATUSES = {"draft", "proposed", "active", "rejected", "inactive", "entered-in-error"}
ANSWER_STATUS = {
    ProjetResponseKind.AGREE: "active",
    ProjetResponseKind.CHANGES: "rejected",
    ProjetResponseKind.COMMENT: "proposed",
}
CATEGORY_OF_LABEL = {str(label): value for value, label in Category.choices}
HOW_OF_LABEL = {str(label): value for value, label in ConsentHow.choices}


def _status_filter(conditions: dict):
    """`status=active,rejected`: `conditions` gives, for the codes this mapping can hold, the ORM
    condition; the other codes of Consent.status match none of its rows."""

    def apply(queryset, values, ctx, name="status"):
        for alternatives in search._alternatives(values):
            condition = Q(pk__in=[])
            for item in alternatives:
                code = item.rpartition("|")[2]
                if code not in STATUSES:
                    raise search.bad_parameter(name, f"code inconnu « {code[:40]} ».")
                condition |= conditions.get(code, Q(pk__in=[]))
            queryset = queryset.filter(condition)
        return queryset

    return apply


def _base(obj, meta: dict) -> dict:
    return {
        "resourceType": "Consent",
        "id": str(obj.uuid),
        "meta": meta,
        "scope": SCOPE,
        "category": CATEGORY,
        "policy": POLICY,
    }


@register
class ConsentAccordMapping(Mapping):
    """TDDUIConsentAccord: the person's (or their circle's) answer to a version of the projet."""

    resource_type = "Consent"
    profiles = (ACCORD_PROFILE,)
    model = ProjetResponse
    category = Category.PROJET
    person_path = "version__projet__person"
    writable = False
    exported = False
    order = 45
    search_params = {
        "patient": search.reference_filter("version__projet__person", "Patient"),
        "date": search.datetime_date_filter("at"),
        "status": _status_filter({status: Q(kind=kind) for kind, status in ANSWER_STATUS.items()}),
    }
    sort_params = {"date": "at", "_lastUpdated": "at"}

    def base_queryset(self):
        return ProjetResponse.objects.select_related("version__projet__person", "author__professional")

    def last_updated(self, obj):
        return obj.at

    def to_fhir(self, obj, ctx) -> dict:
        projet = obj.version.projet
        resource = _base(obj, self.meta(obj))
        resource.update(
            status=ANSWER_STATUS[obj.kind],
            patient=ctx.reference("Patient", projet.person),
            dateTime=obj.at.isoformat(),
            sourceReference=ctx.reference("CarePlan", projet),
        )
        professional = getattr(obj.author, "professional", None)
        if obj.capacity == ResponseCapacity.PERSON:
            resource["performer"] = [ctx.reference("Patient", projet.person)]
        elif obj.capacity == ResponseCapacity.TEAM and professional is not None:
            resource["performer"] = [ctx.reference("Practitioner", professional)]
        else:
            resource["performer"] = [{"display": str(ResponseCapacity(obj.capacity).label)}]
        return resource


@register
class SharingConsentMapping(Mapping):
    """TDDUIConsent: the person's decision to let another establishment read parts of the record."""

    resource_type = "Consent"
    profiles = (SHARING_PROFILE,)
    model = Consent
    category = Category.IDENTITY
    order = 45
    # The same parameters as the other mapping of Consent (a search runs over both).
    search_params = {
        "patient": search.reference_filter("person", "Patient"),
        "date": search.datetime_date_filter("recorded_at"),
        "status": _status_filter(
            {
                "active": Q(decision=ConsentDecision.GRANTED, withdrawn_at__isnull=True),
                "inactive": Q(decision=ConsentDecision.GRANTED, withdrawn_at__isnull=False),
                "rejected": Q(decision=ConsentDecision.REFUSED),
            }
        ),
    }
    sort_params = {"date": "recorded_at", "_lastUpdated": "recorded_at"}

    def base_queryset(self):
        return Consent.objects.select_related("person", "establishment")

    def last_updated(self, obj):
        return obj.withdrawn_at or obj.recorded_at

    def to_fhir(self, obj, ctx) -> dict:
        granted = obj.decision == ConsentDecision.GRANTED
        resource = _base(obj, self.meta(obj))
        status = "rejected" if not granted else "inactive" if obj.withdrawn_at else "active"
        period = {"start": obj.valid_from.isoformat()}
        if obj.valid_until:
            period["end"] = obj.valid_until.isoformat()
        resource.update(
            status=status,
            patient=ctx.reference("Patient", obj.person),
            dateTime=obj.recorded_at.isoformat(),
            performer=[
                ctx.reference("Patient", obj.person)
                if obj.given_by == ConsentGivenBy.PERSON
                else {"display": str(ConsentGivenBy(obj.given_by).label)}
            ],
            sourceAttachment={"title": str(ConsentHow(obj.how).label)},
            provision={
                "type": "permit" if granted else "deny",
                "period": period,
                "actor": [
                    {
                        "role": RECIPIENT_ROLE,
                        "reference": ctx.reference("Organization", obj.establishment, obj.establishment.name),
                    }
                ],
                "code": [{"text": str(Category(value).label)} for value in obj.categories],
            },
        )
        if obj.how == ConsentHow.ORAL and obj.witness_name:
            resource["verification"] = [{"verified": True, "verifiedWith": {"display": obj.witness_name}}]
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        if len(data.get("performer") or []) != 1:
            issues.append(
                Issue("required", "Un consentement a un et un seul auteur (performer).", "Consent.performer")
            )
        if not data.get("dateTime"):
            issues.append(
                Issue("required", "La date du consentement (dateTime) est obligatoire.", "Consent.dateTime")
            )
        if not (data.get("patient") or {}).get("reference"):
            issues.append(Issue("required", "La personne (patient) est obligatoire.", "Consent.patient"))
        provision = data.get("provision") or {}
        if provision.get("type") not in ("permit", "deny"):
            issues.append(
                Issue(
                    "required", "provision.type : permit (accord) ou deny (refus).", "Consent.provision.type"
                )
            )
        actors = provision.get("actor") or []
        if len(actors) != 1 or not (actors[0].get("reference") or {}).get("reference"):
            issues.append(
                Issue(
                    "required",
                    "L'établissement destinataire (provision.actor, une Organization) est obligatoire.",
                    "Consent.provision.actor",
                )
            )
        labels = [code.get("text") for code in provision.get("code") or []]
        if not labels or any(label not in CATEGORY_OF_LABEL for label in labels):
            known = " ; ".join(CATEGORY_OF_LABEL)
            issues.append(
                Issue(
                    "code-invalid",
                    f"provision.code : les parties du dossier, parmi : {known}.",
                    "Consent.provision.code",
                )
            )
        if (data.get("sourceAttachment") or {}).get("title") not in HOW_OF_LABEL:
            known = " ; ".join(HOW_OF_LABEL)
            issues.append(
                Issue(
                    "code-invalid",
                    f"sourceAttachment.title : comment le consentement a été recueilli, parmi : {known}.",
                    "Consent.sourceAttachment.title",
                )
            )
        if provision.get("type") == "deny" and data.get("status") != "rejected":
            issues.append(Issue("value", "Un refus a le statut « rejected ».", "Consent.status"))
        if provision.get("type") == "permit" and data.get("status") not in ("active", "inactive"):
            issues.append(
                Issue(
                    "value",
                    "Un accord a le statut « active » (« inactive » une fois retiré).",
                    "Consent.status",
                )
            )
        return issues

    def write(self, data: dict, ctx, existing=None):
        person = ctx.resolve(data["patient"], ["Patient"], "Consent.patient", model=Person)
        provision = data["provision"]
        recipient = provision["actor"][0]["reference"]
        establishment = ctx.resolve(
            recipient, ["Organization"], "Consent.provision.actor[0].reference", model=Establishment
        )
        categories = [CATEGORY_OF_LABEL[code["text"]] for code in provision["code"]]
        performer = data["performer"][0].get("reference") or ""
        by_person = isinstance(ctx.written.get(performer), Person) or "Patient/" in performer
        given_by = ConsentGivenBy.PERSON if by_person else ConsentGivenBy.REPRESENTATIVE
        how = HOW_OF_LABEL[data["sourceAttachment"]["title"]]
        witness = ""
        for verification in data.get("verification") or []:
            witness = (verification.get("verifiedWith") or {}).get("display") or witness
        period = provision.get("period") or {}
        valid_from = parse_date((period.get("start") or "")[:10]) or None
        valid_until = parse_date((period.get("end") or "")[:10]) or None
        decision = ConsentDecision.GRANTED if provision["type"] == "permit" else ConsentDecision.REFUSED
        withdrawn = data["status"] == "inactive"
        fields = dict(
            establishment=establishment,
            categories=categories,
            decision=decision,
            given_by=given_by,
            how=how,
            witness_name=witness,
            valid_from=valid_from,
            valid_until=valid_until,
        )
        team = policy.decide(
            ctx.user, person, Category.IDENTITY, Action.UPDATE if existing else Action.CREATE
        )
        if existing is not None:
            return self._update(existing, person, fields, withdrawn, data, ctx, team)
        if team:
            consent = record_consent(person, actor=ctx.actor, **fields)
            if ctx.current_full_url.startswith("urn:uuid:"):
                consent.uuid = ctx.new_uuid(Consent)
                consent.save(update_fields=["uuid"])
            if withdrawn:
                consent = withdraw_consent(consent, actor=ctx.actor)
            return consent
        # The import basis: an administrator restoring a record.
        consent = Consent(uuid=ctx.new_uuid(Consent), person=person, recorded_by=ctx.user, **fields)
        ctx.authorize(person, Category.IDENTITY, Action.CREATE, consent)
        consent.recorded_at = _moment(data.get("dateTime"), "Consent.dateTime")
        if consent.valid_from is None:
            consent.valid_from = timezone.localtime(consent.recorded_at).date()
        if withdrawn:
            consent.withdrawn_at = _moment(
                (data.get("meta") or {}).get("lastUpdated"), "Consent.meta.lastUpdated"
            )
        consent.full_clean()
        consent.save()
        return consent

    def _update(self, consent, person, fields, withdrawn, data, ctx, team):
        """A recorded consent is never changed: it may only be withdrawn (a new one is recorded instead)."""
        if consent.person_id != person.pk:
            raise invalid("La personne d'un consentement ne change pas.", "Consent.patient")
        current = {name: getattr(consent, name) for name in fields}
        wanted = dict(fields)
        if wanted["valid_from"] is None:
            wanted["valid_from"] = consent.valid_from
        if current != wanted or (consent.withdrawn_at is not None and not withdrawn):
            raise FhirError(
                422,
                "Un consentement enregistré ne se modifie pas : il se retire (statut "
                "« inactive »), et un nouveau s'enregistre.",
                code="business-rule",
                expression="Consent",
            )
        if not withdrawn or consent.withdrawn_at is not None:
            ctx.authorize(person, Category.IDENTITY, Action.UPDATE, consent)
            return consent
        if team:
            return withdraw_consent(consent, actor=ctx.actor)
        ctx.authorize(person, Category.IDENTITY, Action.UPDATE, consent)
        consent.withdrawn_at = _moment(
            (data.get("meta") or {}).get("lastUpdated"), "Consent.meta.lastUpdated"
        )
        consent.save(update_fields=["withdrawn_at"])
        return consent


def _withdrawal(data: dict) -> datetime.datetime:
    """When a consent received as withdrawn was withdrawn: its last change (`meta.lastUpdated`)."""
    return _moment((data.get("meta") or {}).get("lastUpdated"), "Consent.meta.lastUpdated")


def _moment(value, expression: str) -> datetime.datetime:
    moment = parse_datetime(value or "")
    if moment is None or timezone.is_naive(moment):
        raise invalid("Date et heure avec fuseau horaire attendues.", expression)
    return moment
