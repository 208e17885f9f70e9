"""Liaison files (dossiers de liaison): when a person moves or starts a new support elsewhere, the
sending structure chooses, part by part, what it passes on; the file leaves with the person's consent
to the receiving structure, which reads it and imports it into a new admission.

Business rules:
- The team or the direction of an establishment that supports the person prepares the file, in the
  name of that establishment (its write right on the person's parcours, logged), and reads, logged
  per category, every part it puts in.
- A file carries only the parts chosen (`LiaisonPart`) and, for the notes, only the notes chosen.
  Each part belongs to a category of the record (`PART_CATEGORY`); identity is always carried, as
  the file names the person and a consent that does not cover identity opens nothing.
- It is sent only with the person's (or their legal representative's) consent to the receiving
  establishment covering every category it carries: recorded with the file
  (`access.services.record_consent`), or one already in force. Its content is then frozen (encrypted
  JSON) and the receiving team and direction are notified (a notice naming nobody).
- The receiving team and direction read it through that consent (logged per category, basis
  "consent"); the sender reads it too. Anyone else gets a 404.
- The receiver imports it once into a new admission in its establishment; a cancelled file cannot
  be imported. The sender cancels it until it is imported.
"""

import datetime
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parcours.access import policy
from parcours.access import services as access_services
from parcours.access.api import Action, Actor, Category, atomic_service, require
from parcours.access.enums import ConsentDecision
from parcours.access.models import Consent
from parcours.coordination.enums import LiaisonPart, LiaisonStatus, NotificationKind
from parcours.coordination.models import AdmissionRequest, LiaisonFile
from parcours.coordination.notifications import notify
from parcours.organisations.models import Establishment, Unit
from parcours.people.models import Person
from parcours.people.services import professional_of, require_writable_establishment
from parcours.records.models import Admission, NeedsAssessment, Note, ProjetPersonnalise
from parcours.records.services import admit_person
from parcours.staff.enums import Role
from parcours.staff.models import Membership

# The category of the record each part belongs to. Deficiencies and MDPH decisions are read with the
# identity, as the person's page shows them (and as the policy decides them there).
PART_CATEGORY: dict[str, str] = {
    LiaisonPart.IDENTITY: Category.IDENTITY,
    LiaisonPart.CONTACTS: Category.IDENTITY,
    LiaisonPart.DEFICIENCIES: Category.IDENTITY,
    LiaisonPart.MDPH: Category.IDENTITY,
    LiaisonPart.NEEDS: Category.ASSESSMENTS,
    LiaisonPart.PROJET: Category.PROJET,
    LiaisonPart.NOTES: Category.NOTES,
}
# How many notes the sender may choose from (the most recent).
NOTES_OFFERED = 30
CONTENT_VERSION = 1


def carried_categories(parts) -> list[str]:
    """The categories of the record a file with these parts carries, in the record's order: identity
    always, then those of the parts."""
    wanted = {Category.IDENTITY} | {PART_CATEGORY[part] for part in parts if part in PART_CATEGORY}
    return [category for category in Category.values if category in wanted]


def ordered_parts(parts) -> list[str]:
    return [part for part in LiaisonPart.values if part in set(parts)]


def offered_notes(person: Person):
    """The notes the sender may choose from: the person's most recent ones."""
    return (
        Note.objects.filter(person=person)
        .select_related("establishment")
        .order_by("-written_at", "-pk")[:NOTES_OFFERED]
    )


def sending_establishments(user, person: Person):
    """The establishments in whose name this user may send a file about this person: those they work
    in (team or direction) that support the person now."""
    scope = policy.scope_of(user)
    supporting = Admission.objects.active().filter(person=person).values("establishment_id")
    return Establishment.objects.filter(pk__in=scope.team | scope.directed).filter(pk__in=supporting)


# Content


def _date(value) -> str | None:
    return value.isoformat() if value else None


def _identity(person: Person) -> dict:
    return {
        "birth_name": person.birth_name,
        "first_names": person.first_names,
        "used_name": person.used_name,
        "used_first_name": person.used_first_name,
        "birth_date": _date(person.birth_date),
        "sex": person.get_sex_display(),
        "birth_place_code": person.birth_place_code,
        "nir": person.nir,
        "phone": person.phone,
        "email": person.email,
        "street": person.street,
        "postal_code": person.postal_code,
        "city": person.city,
    }


def _contacts(person: Person) -> dict:
    today = timezone.localdate()
    protections = person.protections.select_related("representative_relative").filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    )
    return {
        "relatives": [
            {
                "first_name": relative.first_name,
                "last_name": relative.last_name,
                "relationship": relative.get_relationship_display(),
                "natural_carer": relative.is_natural_carer,
                "emergency_contact": relative.is_emergency_contact,
                "phone": relative.phone,
                "email": relative.email,
                "street": relative.street,
                "postal_code": relative.postal_code,
                "city": relative.city,
            }
            for relative in person.relatives.order_by("last_name", "first_name", "pk")
        ],
        "legal_protections": [
            {
                "measure": protection.get_measure_display(),
                "representative": protection.representative_display,
                "start_date": _date(protection.start_date),
                "end_date": _date(protection.end_date),
                "court_reference": protection.court_reference,
            }
            for protection in protections
        ],
    }


def _needs(person: Person) -> dict | None:
    assessment = (
        NeedsAssessment.objects.filter(person=person)
        .select_related("establishment")
        .order_by("-date", "-pk")
        .first()
    )
    if assessment is None:
        return None
    return {
        "date": _date(assessment.date),
        "establishment": assessment.establishment.name,
        "summary": assessment.comment,
        "needs": [
            {
                "code": need.concept.code,
                "label": need.concept.label,
                "intensity": need.get_intensity_display(),
                "comment": need.comment,
            }
            for need in assessment.needs.select_related("concept").order_by("concept__code")
        ],
    }


def _projet(person: Person) -> dict | None:
    projet = (
        ProjetPersonnalise.objects.filter(person=person)
        .select_related("establishment")
        .order_by("-date", "-pk")
        .first()
    )
    if projet is None:
        return None
    return {
        "date": _date(projet.date),
        "establishment": projet.establishment.name,
        "status": projet.get_status_display(),
        "review_date": _date(projet.review_date),
        "person_words": projet.person_words,
        "goals": [
            {
                "title": goal.title,
                "description": goal.description,
                "needs": [f"{concept.code} {concept.label}" for concept in goal.needs.order_by("code")],
            }
            for goal in projet.goals.prefetch_related("needs")
        ],
        "services": [
            {
                "code": service.concept.code,
                "label": service.concept.label,
                "frequency": f"{service.frequency_count} {service.get_frequency_period_display()}",
                "goal": service.goal.title if service.goal_id else "",
                "comment": service.comment,
            }
            for service in projet.planned_services.select_related("concept", "goal")
        ],
    }


def _notes(person: Person, note_uuids) -> list[dict]:
    notes = (
        Note.objects.filter(person=person, uuid__in=list(note_uuids))
        .select_related("establishment")
        .order_by("-written_at", "-pk")
    )
    return [
        {
            "written_at": timezone.localtime(note.written_at).isoformat(),
            "category": note.get_category_display(),
            "establishment": note.establishment.name,
            "text": note.text,
        }
        for note in notes
    ]


def _deficiencies(person: Person) -> list[dict]:
    rows = person.deficiencies.select_related("concept").order_by("-is_main", "concept__code")
    return [{"code": row.concept.code, "label": row.concept.label, "main": row.is_main} for row in rows]


def _mdph(person: Person) -> list[dict]:
    today = timezone.localdate()
    decisions = person.mdph_decisions.select_related("orientation_category").filter(
        Q(end_date__isnull=True) | Q(end_date__gte=today), start_date__lte=today
    )
    return [
        {
            "decision_type": decision.get_decision_type_display(),
            "orientation_category": (
                f"{decision.orientation_category.code} {decision.orientation_category.label}"
                if decision.orientation_category_id
                else ""
            ),
            "reference": decision.reference,
            "national_reference": decision.national_reference,
            "decision_date": _date(decision.decision_date),
            "start_date": _date(decision.start_date),
            "end_date": _date(decision.end_date),
        }
        for decision in decisions
    ]


BUILDERS = {
    LiaisonPart.IDENTITY: _identity,
    LiaisonPart.CONTACTS: _contacts,
    LiaisonPart.NEEDS: _needs,
    LiaisonPart.PROJET: _projet,
    LiaisonPart.DEFICIENCIES: _deficiencies,
    LiaisonPart.MDPH: _mdph,
}


def build_content(person: Person, parts, note_uuids) -> dict:
    """The parts chosen, and only them, read from the record now (the caller decided and logged the
    reads). Keys are the parts' values; nothing else is in the file."""
    content = {}
    for part in ordered_parts(parts):
        if part == LiaisonPart.NOTES:
            content[part] = _notes(person, note_uuids)
        else:
            content[part] = BUILDERS[part](person)
    return content


def content_of(liaison: LiaisonFile) -> dict:
    """What the file carries: its frozen content once sent, otherwise what it would carry now."""
    if liaison.content:
        return json.loads(liaison.content)["parts"]
    return build_content(liaison.person, liaison.parts, liaison.note_uuids)


# Preparing and sending


def _validate_choice(person: Person, from_establishment, to_establishment, parts, note_uuids) -> tuple:
    errors = {}
    parts = list(parts or [])
    unknown = [part for part in parts if part not in LiaisonPart.values]
    if not parts:
        errors["parts"] = "Choisissez au moins une partie du dossier à transmettre."
    elif unknown:
        errors["parts"] = "Partie du dossier inconnue."
    if to_establishment is None:
        errors["to_establishment"] = "Choisissez l'établissement ou le service qui accueillera la personne."
    elif from_establishment is not None and to_establishment.pk == from_establishment.pk:
        errors["to_establishment"] = "Le dossier ne s'envoie pas à l'établissement qui l'envoie."
    note_uuids = [str(value) for value in (note_uuids or [])]
    if LiaisonPart.NOTES in parts:
        if not note_uuids:
            errors["notes"] = "Choisissez les transmissions à joindre, ou retirez cette partie."
        else:
            found = {
                str(value)
                for value in Note.objects.filter(person=person, uuid__in=note_uuids).values_list(
                    "uuid", flat=True
                )
            }
            if found != set(note_uuids):
                errors["notes"] = "Une transmission choisie n'est pas dans le dossier de la personne."
    elif note_uuids:
        errors["notes"] = "Des transmissions sont choisies sans la partie « Transmissions choisies »."
    if errors:
        raise ValidationError(errors)
    return ordered_parts(parts), sorted(set(note_uuids))


def _require_sender(actor: Actor, person: Person, from_establishment, action: str, obj=None) -> None:
    """The sender writes in the name of an establishment that supports the person, with the right to
    write the person's parcours (logged)."""
    professional_of(actor)
    require_writable_establishment(actor, from_establishment)
    require(actor, person, Category.PARCOURS, action, obj=obj)
    if not Admission.objects.active().filter(person=person, establishment=from_establishment).exists():
        raise ValidationError(
            {"from_establishment": "Cet établissement n'accompagne pas la personne aujourd'hui."}
        )


def _read_carried(actor: Actor, person: Person, parts, obj=None) -> None:
    for category in carried_categories(parts):
        require(actor, person, category, Action.READ, obj=obj)


def preview(
    person: Person, *, from_establishment, to_establishment, parts, note_uuids=(), actor: Actor
) -> dict:
    """What a file with these choices would carry, for the sender to check before sending: the same
    checks and logged reads as `prepare`, nothing written."""
    parts, note_uuids = _validate_choice(person, from_establishment, to_establishment, parts, note_uuids)
    professional_of(actor)
    require_writable_establishment(actor, from_establishment)
    _read_carried(actor, person, parts)
    return build_content(person, parts, note_uuids)


@atomic_service
def prepare(
    person: Person,
    *,
    from_establishment: Establishment,
    to_establishment: Establishment,
    parts,
    note_uuids=(),
    actor: Actor,
    request: AdmissionRequest | None = None,
) -> LiaisonFile:
    """A file in preparation, with the parts and notes chosen."""
    parts, note_uuids = _validate_choice(person, from_establishment, to_establishment, parts, note_uuids)
    if request is not None and request.person_id != person.pk:
        raise ValidationError("Cette demande d'admission concerne une autre personne.")
    liaison = LiaisonFile(
        person=person,
        from_establishment=from_establishment,
        to_establishment=to_establishment,
        request=request,
        parts=parts,
        note_uuids=note_uuids,
        prepared_by=actor.user,
    )
    _require_sender(actor, person, from_establishment, Action.CREATE, obj=liaison)
    _read_carried(actor, person, parts, obj=liaison)
    liaison.full_clean()
    liaison.save()
    return liaison


def covering_consent(liaison: LiaisonFile) -> Consent | None:
    """An active consent of the person to the receiving establishment covering every category the file
    carries (the most recent)."""
    needed = set(carried_categories(liaison.parts))
    consents = Consent.objects.active().filter(person=liaison.person, establishment=liaison.to_establishment)
    return next((consent for consent in consents if needed <= set(consent.categories)), None)


def receivers(establishment: Establishment) -> list:
    """The users of the establishment's team and direction (who read and import its files)."""
    memberships = (
        Membership.objects.active()
        .filter(
            establishment=establishment,
            role__in=[Role.PROFESSIONAL, Role.ESTABLISHMENT_DIRECTOR],
            professional__user__isnull=False,
        )
        .select_related("professional__user")
    )
    return [membership.professional.user for membership in memberships]


@atomic_service
def send(liaison: LiaisonFile, *, actor: Actor, consent: dict | None = None) -> LiaisonFile:
    """Send a file in preparation. `consent`: the person's consent statement given for it (the
    arguments of `access.services.record_consent` but the establishment and categories, which are the
    file's); without it, an active consent covering the file's categories must exist. Freezes the
    content and notifies the receiving team and direction."""
    liaison = LiaisonFile.objects.select_for_update().select_related("person").get(pk=liaison.pk)
    person = liaison.person
    _require_sender(actor, person, liaison.from_establishment, Action.UPDATE, obj=liaison)
    if liaison.status != LiaisonStatus.DRAFT:
        raise ValidationError("Ce dossier de liaison a déjà été envoyé ou annulé.")
    categories = carried_categories(liaison.parts)
    if consent is not None:
        if consent.get("decision", ConsentDecision.GRANTED) != ConsentDecision.GRANTED:
            raise ValidationError("La personne n'a pas donné son accord : le dossier n'est pas envoyé.")
        given = access_services.record_consent(
            person,
            actor=actor,
            establishment=liaison.to_establishment,
            categories=categories,
            **{key: value for key, value in consent.items() if key != "decision"},
        )
        if not Consent.objects.active().filter(pk=given.pk).exists():
            raise ValidationError(
                "Ce consentement n'est pas en vigueur aujourd'hui : le dossier n'est pas envoyé."
            )
    given = covering_consent(liaison)
    if given is None:
        labels = ", ".join(Category(category).label.lower() for category in categories)
        raise ValidationError(
            "Le dossier n'est pas envoyé : la personne n'a pas consenti à partager avec cet établissement "
            f"toutes les parties choisies ({labels})."
        )
    _read_carried(actor, person, liaison.parts, obj=liaison)
    now = timezone.now()
    content = {
        "version": CONTENT_VERSION,
        "sent_at": now.isoformat(),
        "parts": build_content(person, liaison.parts, liaison.note_uuids),
    }
    liaison.content = json.dumps(content, ensure_ascii=False)
    liaison.consent = given
    liaison.status = LiaisonStatus.SENT
    liaison.sent_at = now
    liaison.save(update_fields=["content", "consent", "status", "sent_at"])
    notify(
        receivers(liaison.to_establishment),
        NotificationKind.LIAISON_RECEIVED,
        reverse("coordination:liaison", args=[liaison.uuid]),
    )
    return liaison


@atomic_service
def prepare_and_send(
    person: Person,
    *,
    from_establishment: Establishment,
    to_establishment: Establishment,
    parts,
    note_uuids=(),
    actor: Actor,
    consent: dict | None = None,
    request: AdmissionRequest | None = None,
) -> LiaisonFile:
    """`prepare` then `send`, in one transaction: a refusal leaves no draft behind."""
    liaison = prepare(
        person,
        from_establishment=from_establishment,
        to_establishment=to_establishment,
        parts=parts,
        note_uuids=note_uuids,
        actor=actor,
        request=request,
    )
    return send(liaison, actor=actor, consent=consent)


@atomic_service
def cancel(liaison: LiaisonFile, *, actor: Actor) -> LiaisonFile:
    """The sender withdraws a file not imported yet: the receiver no longer sees nor imports it."""
    liaison = LiaisonFile.objects.select_for_update().select_related("person").get(pk=liaison.pk)
    professional_of(actor)
    require_writable_establishment(actor, liaison.from_establishment)
    require(actor, liaison.person, Category.PARCOURS, Action.UPDATE, obj=liaison)
    if liaison.status == LiaisonStatus.IMPORTED:
        raise ValidationError(
            "Ce dossier a déjà été importé par l'établissement qui accueille : il ne s'annule plus."
        )
    if liaison.status == LiaisonStatus.CANCELLED:
        raise ValidationError("Ce dossier de liaison est déjà annulé.")
    liaison.status = LiaisonStatus.CANCELLED
    liaison.save(update_fields=["status"])
    return liaison


# Receiving


def is_sender(user, liaison: LiaisonFile) -> bool:
    scope = policy.scope_of(user)
    return liaison.from_establishment_id in scope.team | scope.directed


def is_receiver(user, liaison: LiaisonFile) -> bool:
    """The receiving team and direction see a file once sent (and after its import), never a draft
    nor a cancelled one."""
    scope = policy.scope_of(user)
    return liaison.to_establishment_id in scope.team | scope.directed and liaison.status in {
        LiaisonStatus.SENT,
        LiaisonStatus.IMPORTED,
    }


def _admit(liaison: LiaisonFile, *, actor: Actor, start_date, mode, unit) -> Admission:
    """The admission in the receiving establishment: the file sent with the person's consent is what
    lets the receiver open it (the policy's "arrival" basis, docs/access.md)."""
    return admit_person(
        liaison.person,
        establishment=liaison.to_establishment,
        mode=mode,
        start_date=start_date,
        actor=actor,
        unit=unit,
    )


@atomic_service
def import_liaison(
    liaison: LiaisonFile,
    *,
    actor: Actor,
    start_date: datetime.date,
    mode: str,
    unit: Unit | None = None,
) -> LiaisonFile:
    """The receiver imports the file into a new admission in its establishment, once."""
    liaison = (
        LiaisonFile.objects.select_for_update()
        .select_related("person", "to_establishment")
        .get(pk=liaison.pk)
    )
    if not policy.writable_establishments(actor.user).filter(pk=liaison.to_establishment_id).exists():
        raise PermissionDenied("Seul l'établissement qui accueille la personne importe ce dossier.")
    if liaison.status == LiaisonStatus.IMPORTED:
        raise ValidationError("Ce dossier de liaison a déjà été importé : l'admission existe déjà.")
    if liaison.status == LiaisonStatus.CANCELLED:
        raise ValidationError("Ce dossier de liaison a été annulé : il ne peut pas être importé.")
    if liaison.status != LiaisonStatus.SENT:
        raise ValidationError("Ce dossier de liaison n'a pas encore été envoyé.")
    if unit is not None and unit.establishment_id != liaison.to_establishment_id:
        raise ValidationError({"unit": "Cette unité appartient à un autre établissement."})
    admission = _admit(liaison, actor=actor, start_date=start_date, mode=mode, unit=unit)
    liaison.status = LiaisonStatus.IMPORTED
    liaison.imported_at = timezone.now()
    liaison.imported_by = actor.user
    liaison.admission = admission
    liaison.save(update_fields=["status", "imported_at", "imported_by", "admission"])
    # The receiver now supports the person: the scope computed for this request is stale.
    actor.user._parcours_scope = None
    return liaison
