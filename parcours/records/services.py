"""The only code that writes the record: admissions and exits, needs assessments, projets
personnalisés, the service log, notes and documents.

Each function takes the acting user as `actor`, checks the access policy before writing (the
decision goes to the access log), validates with the model rules (French messages) and runs in
one transaction: a refused or invalid write, or one bad line among several, saves nothing.
"""

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone

from parcours.access import policy, portal
from parcours.access.api import Action, Actor, Category, atomic_service, require, require_portal
from parcours.access.enums import PortalPower, PortalRole
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment, Unit
from parcours.people.models import Person
from parcours.people.services import professional_of, require_writable_establishment
from parcours.records import projet_versions
from parcours.records.enums import PROJET_TRANSITIONS, ProjetResponseKind, ProjetStatus, ResponseCapacity
from parcours.records.models import (
    Admission,
    Document,
    Goal,
    Need,
    NeedsAssessment,
    Note,
    PlannedService,
    ProjetPersonnalise,
    ProjetResponse,
    ServiceDelivery,
)
from parcours.records.signals import announce_service_log_change

MAX_DOCUMENT_SIZE = 10 * 1024 * 1024
# Allowed document types: extension -> (content type, check of the first bytes).
ALLOWED_DOCUMENT_TYPES: dict[str, tuple[str, bytes | None]] = {
    "pdf": ("application/pdf", b"%PDF-"),
    "png": ("image/png", b"\x89PNG\r\n\x1a\n"),
    "jpg": ("image/jpeg", b"\xff\xd8\xff"),
    "jpeg": ("image/jpeg", b"\xff\xd8\xff"),
    "odt": ("application/vnd.oasis.opendocument.text", b"PK\x03\x04"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
    "txt": ("text/plain; charset=utf-8", None),
}
ALLOWED_TYPES_LABEL = "PDF, PNG, JPEG, ODT, DOCX ou TXT"


def writes_for(user, establishment_id: int) -> bool:
    """Whether the user writes in this establishment's name, the rule `require_writable_establishment`
    enforces, read from the scope already computed for the request so that pages decide their
    correction links without a query. Only the establishment that wrote an admission, a needs
    assessment, a projet or a service delivered corrects it."""
    scope = policy.scope_of(user)
    return establishment_id in scope.team | scope.directed


# Admissions


@atomic_service
def admit_person(
    person: Person,
    *,
    establishment: Establishment,
    mode: str,
    start_date: datetime.date,
    actor: Actor,
    unit: Unit | None = None,
    comment: str = "",
) -> Admission:
    """Open an episode of support. Several at once in different structures are normal; two
    overlapping episodes in the same structure are refused by the model rules."""
    professional_of(actor)
    require_writable_establishment(actor, establishment)
    admission = Admission(
        person=person,
        establishment=establishment,
        unit=unit,
        mode=mode,
        start_date=start_date,
        comment=comment,
    )
    require(actor, person, Category.PARCOURS, Action.CREATE, obj=admission)
    admission.full_clean()
    admission.save()
    return admission


@atomic_service
def end_admission(
    admission: Admission,
    *,
    end_date: datetime.date,
    exit_reason: str,
    actor: Actor,
    comment: str | None = None,
) -> Admission:
    """Close an episode of support: the exit date and its coded reason go together."""
    professional_of(actor)
    require_writable_establishment(actor, admission.establishment)
    require(actor, admission.person, Category.PARCOURS, Action.UPDATE, obj=admission)
    if not end_date:
        raise ValidationError({"end_date": "Indiquez la date de sortie."})
    admission.end_date = end_date
    admission.exit_reason = exit_reason
    if comment is not None:
        admission.comment = comment
    admission.full_clean()
    admission.save()
    return admission


@atomic_service
def update_admission(
    admission: Admission,
    *,
    unit: Unit | None,
    mode: str,
    start_date: datetime.date,
    comment: str,
    actor: Actor,
    end_date: datetime.date | None = None,
    exit_reason: str | None = None,
) -> Admission:
    """Correct an episode of support: its unit, mode, start date and comment, and, once it has ended,
    its exit date and reason (None keeps them). The establishment stays: a support by another
    structure is another admission. An exit is recorded with `end_admission`, never here. The model
    rules, the overlap with the person's other episodes in the same structure included, are checked
    again."""
    professional_of(actor)
    require(actor, admission.person, Category.PARCOURS, Action.UPDATE, obj=admission)
    require_writable_establishment(actor, admission.establishment)
    if admission.end_date is None and (end_date or exit_reason):
        raise ValidationError(
            {
                "end_date": (
                    "Cet accompagnement est en cours : sa sortie s'enregistre avec « Enregistrer la sortie »."
                )
            }
        )
    admission.unit = unit
    admission.mode = mode
    admission.start_date = start_date
    admission.comment = comment
    if end_date is not None:
        admission.end_date = end_date
    if exit_reason is not None:
        admission.exit_reason = exit_reason
    admission.full_clean()
    admission.save()
    return admission


# Needs assessments


@dataclass
class NeedInput:
    concept: Concept
    intensity: int
    comment: str = ""


def _checked_needs(needs: list[NeedInput]) -> list[Need]:
    """The rows of an assessment's needs, checked one by one (numbered in the messages as entered):
    at least one, each coded in SERAFIN-PH besoins, none twice."""
    if not needs:
        raise ValidationError("Indiquez au moins un besoin.")
    rows = [Need(concept=n.concept, intensity=n.intensity, comment=n.comment) for n in needs]
    seen: set[int] = set()
    for index, need in enumerate(rows, start=1):
        try:
            need.full_clean(exclude=["assessment"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError([f"Besoin n° {index} : {message}" for message in exc.messages]) from exc
        if need.concept_id in seen:
            raise ValidationError(f"Besoin n° {index} : ce besoin figure déjà dans l'évaluation.")
        seen.add(need.concept_id)
    return rows


@atomic_service
def create_needs_assessment(
    person: Person,
    *,
    establishment: Establishment,
    date: datetime.date,
    needs: list[NeedInput],
    actor: Actor,
    comment: str = "",
) -> NeedsAssessment:
    """An assessment and all its coded needs, or nothing."""
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    assessment = NeedsAssessment(
        person=person, establishment=establishment, date=date, assessed_by=professional, comment=comment
    )
    require(actor, person, Category.ASSESSMENTS, Action.CREATE, obj=assessment)
    assessment.full_clean()
    rows = _checked_needs(needs)
    assessment.save()
    for need in rows:
        need.assessment = assessment
    Need.objects.bulk_create(rows)
    return assessment


@atomic_service
def update_needs_assessment(
    assessment: NeedsAssessment,
    *,
    establishment: Establishment,
    date: datetime.date,
    needs: list[NeedInput],
    actor: Actor,
    comment: str = "",
) -> NeedsAssessment:
    """Correct an assessment: its date, establishment and synthesis, and the whole list of its coded
    needs (a need left out is removed, a new one added, one kept takes the new intensity and
    comment), all or nothing. The professional who assessed stays; the access log keeps who
    corrected."""
    professional_of(actor)
    require(actor, assessment.person, Category.ASSESSMENTS, Action.UPDATE, obj=assessment)
    require_writable_establishment(actor, assessment.establishment)
    if establishment.pk != assessment.establishment_id:
        require_writable_establishment(actor, establishment)
    assessment.establishment = establishment
    assessment.date = date
    assessment.comment = comment
    assessment.full_clean()
    rows = _checked_needs(needs)
    assessment.save()
    current = {need.concept_id: need for need in assessment.needs.all()}
    kept, added = [], []
    for row in rows:
        need = current.pop(row.concept_id, None)
        if need is None:
            row.assessment = assessment
            added.append(row)
        else:
            need.intensity, need.comment = row.intensity, row.comment
            kept.append(need)
    Need.objects.filter(pk__in=[need.pk for need in current.values()]).delete()
    Need.objects.bulk_update(kept, ["intensity", "comment"])
    Need.objects.bulk_create(added)
    return assessment


# Projets personnalisés


@dataclass
class GoalInput:
    title: str
    description: str = ""
    needs: list[Concept] = field(default_factory=list)


@dataclass
class PlannedServiceInput:
    concept: Concept
    frequency_count: int
    frequency_period: str
    comment: str = ""
    goal_index: int | None = None  # position (0-based) of the goal in the goals list


def _checked_projet_parts(
    projet: ProjetPersonnalise, goals: list[GoalInput], planned_services: list[PlannedServiceInput]
) -> tuple[list[Goal], list[tuple[PlannedService, int | None]]]:
    """The goal and planned-service rows of a projet, checked one by one (numbered as entered),
    not saved yet."""
    goal_rows = [Goal(projet=projet, title=g.title, description=g.description) for g in goals]
    for index, (goal, data) in enumerate(zip(goal_rows, goals, strict=True), start=1):
        try:
            goal.full_clean(exclude=["projet"])
        except ValidationError as exc:
            raise ValidationError([f"Objectif n° {index} : {m}" for m in exc.messages]) from exc
        for need in data.needs:
            if need.system.slug != "serafin-ph-besoins" or not need.active or not need.label:
                raise ValidationError(
                    f"Objectif n° {index} : « {need} » n'est pas un besoin SERAFIN-PH utilisable."
                )
    service_rows = []
    for index, data in enumerate(planned_services, start=1):
        if data.goal_index is not None and not 0 <= data.goal_index < len(goal_rows):
            raise ValidationError(f"Prestation n° {index} : l'objectif choisi n'existe pas.")
        row = PlannedService(
            projet=projet,
            concept=data.concept,
            frequency_count=data.frequency_count,
            frequency_period=data.frequency_period,
            comment=data.comment,
        )
        try:
            row.full_clean(exclude=["projet", "goal"])
        except ValidationError as exc:
            raise ValidationError([f"Prestation n° {index} : {m}" for m in exc.messages]) from exc
        service_rows.append((row, data.goal_index))
    return goal_rows, service_rows


def _save_projet_parts(
    projet: ProjetPersonnalise,
    goals: list[GoalInput],
    goal_rows: list[Goal],
    service_rows: list[tuple[PlannedService, int | None]],
) -> None:
    for goal, data in zip(goal_rows, goals, strict=True):
        goal.projet = projet
        goal.save()
        if data.needs:
            goal.needs.set(data.needs)
    for row, goal_index in service_rows:
        row.projet = projet
        row.goal = goal_rows[goal_index] if goal_index is not None else None
    PlannedService.objects.bulk_create([row for row, _ in service_rows])


@atomic_service
def create_projet(
    person: Person,
    *,
    establishment: Establishment,
    date: datetime.date,
    review_date: datetime.date,
    actor: Actor,
    person_words: str = "",
    goals: list[GoalInput] | None = None,
    planned_services: list[PlannedServiceInput] | None = None,
) -> ProjetPersonnalise:
    """A projet personnalisé in draft, with its goals (linked to coded needs) and planned services."""
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    goals = goals or []
    planned_services = planned_services or []
    projet = ProjetPersonnalise(
        person=person,
        establishment=establishment,
        date=date,
        review_date=review_date,
        person_words=person_words,
        author=professional,
        status=ProjetStatus.DRAFT,
    )
    require(actor, person, Category.PROJET, Action.CREATE, obj=projet)
    projet.full_clean()
    goal_rows, service_rows = _checked_projet_parts(projet, goals, planned_services)
    projet.save()
    _save_projet_parts(projet, goals, goal_rows, service_rows)
    return projet


# A projet is written while in draft or under review; once proposed to the person, or agreed with
# them, it changes only through its status (back to draft, or a review opened).
PROJET_EDITABLE_STATUSES = {ProjetStatus.DRAFT, ProjetStatus.UNDER_REVIEW}


def projet_edit_refusal(projet: ProjetPersonnalise) -> str:
    """Why this projet is not edited in place, in words for its team ("" when it may be)."""
    if projet.status in PROJET_EDITABLE_STATUSES:
        return ""
    if projet.status == ProjetStatus.AGREED:
        return (
            "Ce projet a été validé avec la personne : il ne se modifie plus tel quel. "
            "Ouvrez sa révision pour le faire évoluer."
        )
    return (
        "Ce projet est proposé à la personne : il ne se modifie pas pendant qu'elle l'examine. "
        "Repassez-le en brouillon pour le modifier."
    )


@atomic_service
def update_projet(
    projet: ProjetPersonnalise,
    *,
    establishment: Establishment,
    date: datetime.date,
    review_date: datetime.date,
    actor: Actor,
    person_words: str = "",
    goals: list[GoalInput] | None = None,
    planned_services: list[PlannedServiceInput] | None = None,
) -> ProjetPersonnalise:
    """Rewrite a projet in draft or under review: its header, and its goals and planned services,
    which replace the previous ones, all or nothing. A projet proposed or agreed is refused (see
    projet_edit_refusal); its status and author stay."""
    professional_of(actor)
    require(actor, projet.person, Category.PROJET, Action.UPDATE, obj=projet)
    require_writable_establishment(actor, projet.establishment)
    if establishment.pk != projet.establishment_id:
        require_writable_establishment(actor, establishment)
    refusal = projet_edit_refusal(projet)
    if refusal:
        raise ValidationError(refusal)
    goals = goals or []
    planned_services = planned_services or []
    projet.establishment = establishment
    projet.date = date
    projet.review_date = review_date
    projet.person_words = person_words
    projet.full_clean()
    goal_rows, service_rows = _checked_projet_parts(projet, goals, planned_services)
    projet.save()
    projet.planned_services.all().delete()
    projet.goals.all().delete()
    _save_projet_parts(projet, goals, goal_rows, service_rows)
    return projet


def allowed_transitions(projet: ProjetPersonnalise) -> list[ProjetStatus]:
    return [
        ProjetStatus(status)
        for status in ProjetStatus.values
        if status in PROJET_TRANSITIONS.get(projet.status, set())
    ]


def _move_projet(projet: ProjetPersonnalise, status: str) -> None:
    """The one place where a projet changes status: along PROJET_TRANSITIONS, agreeing it dates the
    agreement. Used by the team's change of status and by the person's agreement."""
    if status not in ProjetStatus.values:
        raise ValidationError({"status": "Statut inconnu."})
    if status not in PROJET_TRANSITIONS.get(projet.status, set()):
        raise ValidationError(
            {
                "status": (
                    f"Un projet « {projet.get_status_display()} » ne peut pas passer au statut "
                    f"« {ProjetStatus(status).label} »."
                )
            }
        )
    projet.status = status
    if status == ProjetStatus.AGREED:
        projet.agreed_at = timezone.now()
    projet.full_clean()
    projet.save(update_fields=["status", "agreed_at"])


def _locked(projet: ProjetPersonnalise) -> ProjetPersonnalise:
    """The projet read again with its row locked until the end of the transaction, so that the
    team's change of status and the person's answer never cross."""
    fresh = ProjetPersonnalise.objects.select_for_update().get(pk=projet.pk)
    projet.status, projet.agreed_at = fresh.status, fresh.agreed_at
    return projet


@atomic_service
def change_projet_status(projet: ProjetPersonnalise, *, status: str, actor: Actor) -> ProjetPersonnalise:
    """Move the projet along PROJET_TRANSITIONS. Proposing it to the person freezes what they are
    shown in a new version (projet_versions); agreeing it by hand records the agreement collected on
    paper (capacity "team", the user as author) on the latest version."""
    professional_of(actor)
    require(actor, projet.person, Category.PROJET, Action.UPDATE, obj=projet)
    _locked(projet)
    _move_projet(projet, status)
    if status == ProjetStatus.PROPOSED:
        projet_versions.freeze_version(projet, user=actor.user)
    elif status == ProjetStatus.AGREED:
        # A projet proposed before versions existed has none: freeze the text agreed to.
        version = projet_versions.latest_version(projet) or projet_versions.freeze_version(
            projet, user=actor.user
        )
        ProjetResponse.objects.create(
            version=version,
            kind=ProjetResponseKind.AGREE,
            author=actor.user,
            capacity=ResponseCapacity.TEAM,
        )
    return projet


# Answers from the person's space: the person, their legal representative, a relative

CAPACITY_OF_ROLE = {
    PortalRole.PERSON: ResponseCapacity.PERSON,
    PortalRole.REPRESENTATIVE: ResponseCapacity.REPRESENTATIVE,
    PortalRole.RELATIVE: ResponseCapacity.RELATIVE,
}
# Agreeing and asking for changes are the person's decision (or their legal representative's);
# commenting is open to whoever reads the projet in the space, relatives with the right included.
POWER_OF_KIND = {
    ProjetResponseKind.AGREE: PortalPower.AGREE,
    ProjetResponseKind.CHANGES: PortalPower.AGREE,
    ProjetResponseKind.COMMENT: PortalPower.PROJET,
}
PROJET_CHANGED = (
    "L'équipe a changé le projet depuis que vous l'avez ouvert. Lisez la nouvelle version avant de répondre."
)


@atomic_service
def respond_to_projet(
    projet: ProjetPersonnalise, *, version_number: int, kind: str, actor: Actor, text: str = ""
) -> ProjetResponse:
    """An answer given in the person's space to the version `version_number` of a projet: an
    agreement (the projet becomes agreed, dated), a request for changes (it stays proposed, the team
    sees the request) or a comment. The answer records who gave it, in what capacity (the person,
    their legal representative with the measure under which they act, a relative) and when.

    Refused, nothing written, when the login may not (404 to the page, logged); when the version is
    not the latest one (the team changed the projet meanwhile); for an agreement or a request for
    changes, when the projet is not proposed; for a comment, when the projet is not shown in the
    space; and when a request or a comment has no text."""
    if kind not in POWER_OF_KIND:
        raise ValidationError("Réponse inconnue.")
    person = projet.person
    response = ProjetResponse(kind=kind, text=text.strip(), author=actor.user)
    action = Action.UPDATE if kind == ProjetResponseKind.AGREE else Action.CREATE
    require_portal(
        actor, person, POWER_OF_KIND[kind], Category.PROJET, action,
        obj=projet if kind == ProjetResponseKind.AGREE else response,
    )  # fmt: skip
    link = portal.link_to(actor.user, person)
    _locked(projet)
    version = projet_versions.latest_version(projet)
    if version is None:
        raise ValidationError("Ce projet ne vous a pas encore été proposé.")
    if projet.status not in projet_versions.SHOWN_STATUSES:
        raise ValidationError(
            "L'équipe a repris ce projet pour le modifier : vous pourrez répondre à la nouvelle version."
        )
    if version.number != version_number:
        raise ValidationError(PROJET_CHANGED)
    if kind != ProjetResponseKind.COMMENT and projet.status != ProjetStatus.PROPOSED:
        raise ValidationError(
            "Ce projet n'attend pas de réponse : il a déjà été validé, ou l'équipe le revoit."
        )
    if kind != ProjetResponseKind.AGREE and not response.text:
        raise ValidationError({"text": "Écrivez votre message."})
    if kind == ProjetResponseKind.AGREE:
        response.text = ""
        _move_projet(projet, ProjetStatus.AGREED)
    response.version = version
    response.capacity = CAPACITY_OF_ROLE[link.role]
    response.protection_id = link.protection_id if link.role == PortalRole.REPRESENTATIVE else None
    response.full_clean()
    response.save()
    return response


# Service log and notes


def _refresh_rollups(establishment: Establishment, *days: datetime.date) -> None:
    """Once the write is committed, tell who keeps totals of the service log which days changed
    (reporting's rollups: the dashboards never read the log itself)."""
    announce_service_log_change((establishment.pk, day) for day in days)


@atomic_service
def log_service(
    person: Person,
    *,
    establishment: Establishment,
    concept: Concept,
    date: datetime.date,
    duration_minutes: int,
    actor: Actor,
    is_group: bool = False,
) -> ServiceDelivery:
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    delivery = ServiceDelivery(
        person=person,
        establishment=establishment,
        concept=concept,
        date=date,
        duration_minutes=duration_minutes,
        is_group=is_group,
        professional=professional,
    )
    require(actor, person, Category.SERVICES, Action.CREATE, obj=delivery)
    delivery.full_clean()
    delivery.save()
    _refresh_rollups(establishment, delivery.date)
    return delivery


@atomic_service
def update_service_delivery(
    delivery: ServiceDelivery,
    *,
    concept: Concept,
    date: datetime.date,
    duration_minutes: int,
    actor: Actor,
    is_group: bool = False,
) -> ServiceDelivery:
    """Correct a line of the service log: the prestation, its date, its duration and whether it was
    collective. The establishment and the professional who delivered it stay as logged."""
    professional_of(actor)
    require(actor, delivery.person, Category.SERVICES, Action.UPDATE, obj=delivery)
    require_writable_establishment(actor, delivery.establishment)
    logged_on = delivery.date
    delivery.concept = concept
    delivery.date = date
    delivery.duration_minutes = duration_minutes
    delivery.is_group = is_group
    delivery.full_clean()
    delivery.save()
    _refresh_rollups(delivery.establishment, logged_on, delivery.date)
    return delivery


@atomic_service
def write_note(
    person: Person,
    *,
    establishment: Establishment,
    category: str,
    text: str,
    actor: Actor,
    shareable: bool = False,
    attachment: UploadedFile | None = None,
    attachment_title: str = "",
) -> Note:
    """A daily note by the acting professional, with an optional attached document. Notes are never
    changed once written (traceability of what was passed on): a correction is a new note."""
    professional = professional_of(actor)
    require_writable_establishment(actor, establishment)
    note = Note(
        person=person,
        establishment=establishment,
        category=category,
        text=text,
        author=professional,
        shareable=shareable,
    )
    require(actor, person, Category.NOTES, Action.CREATE, obj=note)
    note.full_clean()
    note.save()
    if attachment is not None:
        attach_document(
            person, file=attachment, title=attachment_title or attachment.name, note=note, actor=actor
        )
    return note


# Documents


def detect_document_type(file: UploadedFile) -> tuple[str, str]:
    """(extension, content type) of an upload, decided from its name AND its first bytes, never from
    the browser's declared type. Raises ValidationError for anything outside the allowed list."""
    name = file.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    refused = ValidationError(
        {"file": f"Type de fichier non accepté : envoyez un document {ALLOWED_TYPES_LABEL}."}
    )
    if extension not in ALLOWED_DOCUMENT_TYPES:
        raise refused
    content_type, signature = ALLOWED_DOCUMENT_TYPES[extension]
    file.seek(0)
    head = file.read(2048)
    file.seek(0)
    if signature is not None and not head.startswith(signature):
        raise refused
    if signature is None:  # plain text: no binary content
        if b"\x00" in head:
            raise refused
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A cut in the middle of a multi-byte character at the end of the sample is fine.
            if exc.start < len(head) - 4:
                raise refused from exc
    return extension, content_type


@atomic_service
def attach_document(
    person: Person, *, file: UploadedFile, title: str, actor: Actor, note: Note | None = None
) -> Document:
    """Store a document of the person's record under a name made of its UUID only."""
    professional = professional_of(actor)
    document = Document(person=person, note=note, title=(title or "Document")[:200], uploaded_by=professional)
    require(actor, person, Category.DOCUMENTS, Action.CREATE, obj=document)
    if file.size > MAX_DOCUMENT_SIZE:
        raise ValidationError({"file": "Le fichier dépasse 10 Mo."})
    if file.size == 0:
        raise ValidationError({"file": "Le fichier est vide."})
    extension, content_type = detect_document_type(file)
    document.content_type = content_type
    document.size = file.size
    # The storage name comes from document_path(): the UUID and the checked extension only.
    document.file.save(f"document.{extension}", file, save=False)
    try:
        document.full_clean()
        document.save()
    except Exception:
        document.file.delete(save=False)
        raise
    return document
