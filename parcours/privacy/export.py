"""What the export of a person's data contains, and how it is written.

The content is described once, declaratively (`PARTS`): for each kind of record, which rows belong
to the person and which nested records go with each row. The fields come from the models
themselves (`_meta`): a field added to a model is exported without touching this file; only
database ids and internal columns (`HIDDEN_FIELDS`, `Part.exclude`) are left out.

The archive (`write_archive`) holds:
- `donnees.json`: the machine-readable document (shape in docs/privacy.md, `FORMAT_VERSION`);
- `donnees.pdf`: the same content, readable, made with WeasyPrint;
- `documents/<uuid>.<ext>`: the files of the person's documents.
- `fhir/Bundle.json`: the record as a TDDUI Bundle, written by the fhir app (`parcours/fhir/privacy.py`),
  which adds itself to `ARCHIVE_WRITERS`.
"""

import datetime
import json
import shutil
import uuid
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.access.models import AccessLogEntry, Consent
from parcours.coordination.models import (
    AdmissionRequest,
    AdmissionRequestEvent,
    CircleEvent,
    CircleMember,
    CircleMessage,
    CircleTask,
    CircleThread,
    LiaisonFile,
)
from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment
from parcours.people.models import Deficiency, LegalProtection, MdphDecision, Person, Relative
from parcours.portal.models import Answer, EvaluationResponse, Invitation, Message, PortalAccount, Thread
from parcours.privacy.models import Rectification
from parcours.records.models import (
    Admission,
    AgendaEntry,
    Document,
    Goal,
    Need,
    NeedsAssessment,
    Note,
    PlannedService,
    Presence,
    ProjetPersonnalise,
    ProjetResponse,
    ProjetVersion,
    ServiceDelivery,
)
from parcours.staff.models import Professional

FORMAT_VERSION = 1
JSON_NAME = "donnees.json"
PDF_NAME = "donnees.pdf"
PDF_STYLESHEET = Path(__file__).parent / "pdf" / "export.css"

# Never exported: database row numbers and columns computed for the application's own use.
HIDDEN_FIELDS = frozenset({"id", "search_text", "sort_key"})

# French labels of the fields whose model gives none (the default label is the English field name).
LABELS = {
    "uuid": "Identifiant",
    "created_at": "Créé le",
    "updated_at": "Modifié le",
    "content_type": "Type de fichier",
    "size": "Taille (octets)",
    "uploaded_by": "Déposé par",
    "uploaded_at": "Déposé le",
    "person": "Personne",
    "note": "Transmission liée",
    "attachment_type": "Type de la pièce jointe",
    "attachment_size": "Taille de la pièce jointe (octets)",
    "question": "Question",
    "questionnaire": "Questionnaire",
    "thread": "Conversation",
    "request": "Demande d'admission",
}


@dataclass(frozen=True)
class Part:
    """One kind of record of the export.

    `rows(parent)` gives the records that belong to the parent (the person, or the record above);
    every concrete field of `model` is exported except `exclude` and the links to the parent;
    `children` are the kinds of records nested in each row; `display` overrides how a field reads in
    the PDF, `pdf_hidden` leaves codes a reader does not need out of it (they stay in the JSON),
    `heading` names each row there; `table` lays the rows out as one table (long lists of short
    rows)."""

    key: str
    title: str
    model: type[models.Model]
    rows: Callable[[models.Model], Iterable[models.Model]]
    exclude: frozenset[str] = frozenset()
    children: tuple["Part", ...] = ()
    display: dict[str, Callable[[models.Model], str]] = field(default_factory=dict)
    pdf_hidden: frozenset[str] = frozenset({"uuid"})
    heading: Callable[[models.Model], str] = str
    single: bool = False
    table: bool = False

    def fields(self, parent_model: type[models.Model]) -> list[models.Field]:
        chosen = []
        for model_field in [*self.model._meta.concrete_fields, *self.model._meta.many_to_many]:
            if model_field.name in HIDDEN_FIELDS or model_field.name in self.exclude:
                continue
            if model_field.is_relation and model_field.related_model is parent_model:
                continue
            chosen.append(model_field)
        return chosen


def _planned_services() -> Part:
    return Part(
        "planned_services",
        "Prestations prévues",
        PlannedService,
        rows=lambda goal: goal.services.select_related("concept__system").order_by("pk"),
        exclude=frozenset({"projet"}),
    )


PARTS: tuple[Part, ...] = (
    Part("person", "Identité et coordonnées", Person, rows=lambda person: [person], single=True),
    Part(
        "relatives",
        "Proches et aidants",
        Relative,
        rows=lambda person: person.relatives.order_by("last_name", "first_name", "pk"),
    ),
    Part(
        "legal_protections",
        "Mesures de protection juridique",
        LegalProtection,
        rows=lambda person: person.protections.select_related("representative_relative").order_by(
            "start_date", "pk"
        ),
    ),
    Part(
        "deficiencies",
        "Déficiences",
        Deficiency,
        rows=lambda person: person.deficiencies.select_related("concept__system").order_by(
            "-is_main", "concept__sort_key"
        ),
    ),
    Part(
        "mdph_decisions",
        "Décisions de la MDPH",
        MdphDecision,
        rows=lambda person: person.mdph_decisions.select_related("orientation_category__system").order_by(
            "decision_date", "pk"
        ),
    ),
    Part(
        "admissions",
        "Admissions et sorties",
        Admission,
        rows=lambda person: person.admissions.select_related("establishment", "unit").order_by(
            "start_date", "pk"
        ),
    ),
    Part(
        "needs_assessments",
        "Évaluations des besoins",
        NeedsAssessment,
        rows=lambda person: person.assessments.select_related("establishment", "assessed_by").order_by(
            "date", "pk"
        ),
        children=(
            Part(
                "needs",
                "Besoins",
                Need,
                rows=lambda assessment: assessment.needs.select_related("concept__system").order_by(
                    "concept__sort_key"
                ),
            ),
        ),
    ),
    Part(
        "projets_personnalises",
        "Projets personnalisés",
        ProjetPersonnalise,
        rows=lambda person: person.projets.select_related("establishment", "author").order_by("date", "pk"),
        children=(
            Part(
                "goals",
                "Objectifs",
                Goal,
                rows=lambda projet: projet.goals.prefetch_related("needs__system").order_by("pk"),
                children=(_planned_services(),),
            ),
            Part(
                "planned_services",
                "Prestations prévues sans objectif",
                PlannedService,
                rows=lambda projet: (
                    projet.planned_services.filter(goal=None).select_related("concept__system").order_by("pk")
                ),
                exclude=frozenset({"goal"}),
            ),
            Part(
                "versions",
                "Versions proposées à la personne",
                ProjetVersion,
                rows=lambda projet: projet.versions.select_related("proposed_by__professional").order_by(
                    "number"
                ),
                children=(
                    Part(
                        "responses",
                        "Réponses (accord, demande de modification, commentaire)",
                        ProjetResponse,
                        rows=lambda version: version.responses.select_related(
                            "author__professional", "protection"
                        ).order_by("at", "pk"),
                    ),
                ),
            ),
        ),
    ),
    Part(
        "services_delivered",
        "Prestations réalisées",
        ServiceDelivery,
        rows=lambda person: person.services.select_related(
            "establishment", "concept__system", "professional"
        ).order_by("date", "pk"),
        table=True,
    ),
    Part(
        "admission_requests",
        "Demandes d'admission",
        AdmissionRequest,
        rows=lambda person: person.admission_requests.select_related(
            "establishment", "sent_from", "mdph_decision", "sent_by", "admission"
        ).order_by("sent_on", "pk"),
        children=(
            Part(
                "events",
                "Étapes",
                AdmissionRequestEvent,
                rows=lambda request: request.events.select_related("recorded_by").order_by(
                    "recorded_at", "pk"
                ),
            ),
        ),
    ),
    Part(
        "liaison_files",
        "Dossiers de liaison",
        LiaisonFile,
        rows=lambda person: person.liaison_files.select_related(
            "from_establishment",
            "to_establishment",
            "prepared_by",
            "imported_by",
            "consent",
            "request",
            "admission",
        ).order_by("prepared_at", "pk"),
    ),
    Part(
        "circle",
        "Cercle d'accompagnement",
        CircleMember,
        rows=lambda person: person.circle.select_related(
            "user", "relative", "establishment", "added_by"
        ).order_by("joined_at", "pk"),
    ),
    Part(
        "circle_tasks",
        "Tâches du cercle",
        CircleTask,
        rows=lambda person: (
            CircleTask.objects.filter(person=person)
            .select_related("owner", "created_by")
            .order_by("created_at", "pk")
        ),
    ),
    Part(
        "circle_agenda",
        "Agenda du cercle",
        CircleEvent,
        rows=lambda person: (
            CircleEvent.objects.filter(person=person).select_related("created_by").order_by("starts_at", "pk")
        ),
    ),
    Part(
        "circle_threads",
        "Conversations du cercle",
        CircleThread,
        rows=lambda person: (
            CircleThread.objects.filter(person=person)
            .select_related("started_by")
            .order_by("started_at", "pk")
        ),
        children=(
            Part(
                "messages",
                "Messages",
                CircleMessage,
                rows=lambda thread: thread.messages.select_related("author").order_by("sent_at", "pk"),
            ),
        ),
        heading=lambda thread: thread.subject,
    ),
    Part(
        "presences",
        "Présences",
        Presence,
        rows=lambda person: person.presences.select_related("establishment", "recorded_by").order_by(
            "date", "pk"
        ),
        table=True,
    ),
    Part(
        "agenda",
        "Activités et rendez-vous",
        AgendaEntry,
        rows=lambda person: person.agenda.select_related("establishment", "created_by").order_by(
            "starts_at", "pk"
        ),
    ),
    Part(
        "notes",
        "Transmissions",
        Note,
        rows=lambda person: person.notes.select_related("establishment", "author").order_by(
            "written_at", "pk"
        ),
    ),
    Part(
        "documents",
        "Documents",
        Document,
        rows=lambda person: person.documents.select_related("note", "uploaded_by").order_by(
            "uploaded_at", "pk"
        ),
    ),
    Part(
        "threads",
        "Messages avec l'équipe",
        Thread,
        rows=lambda person: (
            Thread.objects.filter(person=person)
            .select_related("establishment", "started_by__professional")
            .order_by("started_at", "pk")
        ),
        children=(
            Part(
                "messages",
                "Messages",
                Message,
                rows=lambda thread: thread.messages.select_related("author__professional").order_by(
                    "sent_at", "pk"
                ),
            ),
        ),
        heading=lambda thread: thread.subject,
    ),
    Part(
        "portal_accounts",
        "Accès à l'espace de la personne",
        PortalAccount,
        rows=lambda person: (
            PortalAccount.objects.filter(person=person)
            .select_related("user", "relative", "protection", "rights_changed_by", "revoked_by")
            .order_by("created_at", "pk")
        ),
        display={"rights": lambda account: ", ".join(account.right_labels)},
    ),
    Part(
        "invitations",
        "Invitations à l'espace de la personne",
        Invitation,
        rows=lambda person: (
            Invitation.objects.filter(person=person)
            .select_related("establishment", "relative", "protection", "created_by__professional", "account")
            .order_by("created_at", "pk")
        ),
        # The hashes of the link and of the code are secrets of the instance, not the person's data.
        exclude=frozenset({"token_hash", "code_hash"}),
        display={"rights": lambda invitation: ", ".join(invitation.right_labels)},
    ),
    Part(
        "evaluations",
        "Réponses aux questionnaires de satisfaction",
        EvaluationResponse,
        rows=lambda person: (
            EvaluationResponse.objects.filter(person=person)
            .select_related("questionnaire", "answered_by")
            .order_by("submitted_at", "pk")
        ),
        children=(
            Part(
                "answers",
                "Réponses",
                Answer,
                rows=lambda response: response.answers.select_related("question").order_by(
                    "question__position"
                ),
            ),
        ),
    ),
    Part(
        "consents",
        "Consentements au partage",
        Consent,
        rows=lambda person: (
            Consent.objects.filter(person=person)
            .select_related("establishment", "protection", "recorded_by__professional")
            .order_by("recorded_at", "pk")
        ),
        display={"categories": lambda consent: ", ".join(consent.category_labels)},
        heading=lambda consent: f"{consent.get_decision_display()} — {consent.establishment.name}",
    ),
    Part(
        "rectifications",
        "Rectifications de l'identité",
        Rectification,
        rows=lambda person: (
            Rectification.objects.filter(person=person)
            .select_related("changed_by__professional")
            .order_by("changed_at", "pk")
        ),
        display={
            "field_name": lambda rectification: rectification.field_label,
            "old_value": lambda rectification: rectification.old_display,
            "new_value": lambda rectification: rectification.new_display,
        },
    ),
    Part(
        "access_log",
        "Journal des accès au dossier",
        AccessLogEntry,
        rows=lambda person: (
            AccessLogEntry.objects.for_person(person)
            .select_related("actor__professional")
            .order_by("sequence")
        ),
        # The professionals' own addresses and the log's seals are not the person's data.
        exclude=frozenset({"ip_address", "details", "previous_hash", "entry_hash"}),
        pdf_hidden=frozenset({"uuid", "sequence", "object_type", "object_uuid", "channel"}),
        table=True,
    ),
)


# Values


def label_of(model_field: models.Field) -> str:
    label = str(model_field.verbose_name)
    if label == model_field.name.replace("_", " "):
        label = LABELS.get(model_field.name, label)
    return label[:1].upper() + label[1:]


def archive_path(file: models.fields.files.FieldFile) -> str:
    """Where a stored file goes in the archive: its own name (a UUID), under documents/."""
    return f"documents/{PurePosixPath(file.name).name}"


def describe_related(obj: models.Model) -> dict:
    """A link to another record: a coded value, an establishment, a person at work, or any record
    by its UUID and label."""
    if isinstance(obj, Concept):
        return {
            "code": obj.code,
            "label": obj.label,
            "system": obj.system.name,
            "system_url": obj.system.url,
        }
    if isinstance(obj, Establishment):
        return {"uuid": str(obj.uuid), "name": obj.name, "finess": obj.finess}
    if isinstance(obj, Professional):
        return {"uuid": str(obj.uuid), "name": str(obj), "profession": obj.get_profession_display()}
    professional = getattr(obj, "professional", None) if hasattr(obj, "get_username") else None
    if professional is not None:
        return describe_related(professional)
    if hasattr(obj, "get_username"):
        return {"uuid": str(obj.uuid), "name": obj.get_full_name() or obj.get_username()}
    described = {"label": str(obj)}
    if getattr(obj, "uuid", None) is not None:
        described = {"uuid": str(obj.uuid), **described}
    return described


def related_text(obj: models.Model) -> str:
    described = describe_related(obj)
    if isinstance(obj, Concept):
        return f"{obj.code} {obj.label} ({obj.system.name})"
    if "profession" in described:
        return f"{described['name']} ({described['profession']})"
    return described.get("name") or described["label"]


def json_value(obj: models.Model, model_field: models.Field):
    if model_field.many_to_many:
        return [describe_related(related) for related in getattr(obj, model_field.name).all()]
    if model_field.is_relation:
        related = getattr(obj, model_field.name)
        return None if related is None else describe_related(related)
    value = model_field.value_from_object(obj)
    if isinstance(model_field, models.FileField):
        return archive_path(value) if value else None
    if model_field.choices and value not in (None, ""):
        return {"code": value, "label": str(getattr(obj, f"get_{model_field.name}_display")())}
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def text_value(obj: models.Model, model_field: models.Field) -> str:
    """How a value reads in the PDF; '' when there is nothing to show."""
    if model_field.many_to_many:
        return ", ".join(related_text(related) for related in getattr(obj, model_field.name).all())
    if model_field.is_relation:
        related = getattr(obj, model_field.name)
        return "" if related is None else related_text(related)
    value = model_field.value_from_object(obj)
    if isinstance(model_field, models.FileField):
        return archive_path(value) if value else ""
    if value is None or value == "" or value == []:
        return ""
    if model_field.choices:
        return str(getattr(obj, f"get_{model_field.name}_display")())
    if isinstance(value, bool):
        return "Oui" if value else "Non"
    if isinstance(value, datetime.datetime):
        return f"{timezone.localtime(value):%d/%m/%Y à %H:%M}"
    if isinstance(value, datetime.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


# Collecting


@dataclass
class Item:
    """One record: its JSON object, its lines for the PDF, its nested records."""

    heading: str
    data: dict
    lines: list[tuple[str, str]]
    children: list["Group"]


@dataclass
class Group:
    part: Part
    items: list[Item]
    columns: list[str] = field(default_factory=list)

    @property
    def value(self):
        if self.part.single:
            return self.items[0].data if self.items else None
        return [item.data for item in self.items]


@dataclass
class ExportData:
    person: Person
    generated_at: datetime.datetime
    groups: list[Group]
    # (path in the archive, stored file) of each document
    files: list[tuple[str, models.fields.files.FieldFile]]
    about: dict

    def as_json(self) -> dict:
        return {
            "format_version": FORMAT_VERSION,
            "generated_at": timezone.localtime(self.generated_at).isoformat(),
            "export": self.about,
            **{group.part.key: group.value for group in self.groups},
        }


def _collect(part: Part, parent: models.Model, files: list) -> Group:
    fields = part.fields(type(parent))
    shown = [model_field for model_field in fields if model_field.name not in part.pdf_hidden]
    items = []
    for obj in part.rows(parent):
        data = {model_field.name: json_value(obj, model_field) for model_field in fields}
        lines = []
        for model_field in shown:
            override = part.display.get(model_field.name)
            text = override(obj) if override else text_value(obj, model_field)
            lines.append((label_of(model_field), text))
        children = [_collect(child, obj, files) for child in part.children]
        for child in children:
            data[child.part.key] = child.value
        for model_field in fields:
            if isinstance(model_field, models.FileField):
                stored = model_field.value_from_object(obj)
                if stored:
                    files.append((archive_path(stored), stored))
        items.append(Item(part.heading(obj), data, lines, children))
    columns = [label_of(model_field) for model_field in shown] if part.table else []
    return Group(part, items, columns)


def collect(person: Person, *, about: dict) -> ExportData:
    """Everything held on the person, read once. The caller has checked the export is allowed."""
    files: list = []
    groups = [_collect(part, person, files) for part in PARTS]
    return ExportData(person, timezone.now(), groups, files, about)


# Writing


def write_json(data: ExportData, archive: zipfile.ZipFile) -> None:
    text = json.dumps(data.as_json(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    archive.writestr(JSON_NAME, text)


def render_pdf(data: ExportData) -> bytes:
    # Imported here: WeasyPrint is slow to import and only the export task needs it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "privacy/pdf/export.html",
        {
            "person": data.person,
            "generated_at": data.generated_at,
            "groups": data.groups,
            "about": data.about,
            "requested_at": datetime.datetime.fromisoformat(data.about["requested_at"]),
            "format_version": FORMAT_VERSION,
        },
    )
    # Everything is in the page itself: nothing is fetched, not even a local file.
    no_fetch = URLFetcher(allowed_protocols=frozenset())
    stylesheet = CSS(string=PDF_STYLESHEET.read_text(encoding="utf-8"), url_fetcher=no_fetch)
    return HTML(string=html, url_fetcher=no_fetch).write_pdf(stylesheets=[stylesheet])


def write_pdf(data: ExportData, archive: zipfile.ZipFile) -> None:
    archive.writestr(PDF_NAME, render_pdf(data))


def write_documents(data: ExportData, archive: zipfile.ZipFile) -> None:
    for path, stored in data.files:
        try:
            handle = stored.open("rb")
        except FileNotFoundError:
            archive.writestr(f"{path}.absent.txt", "Ce fichier est introuvable dans le stockage.\n")
            continue
        with handle, archive.open(path, "w", force_zip64=True) as target:
            shutil.copyfileobj(handle, target)


# Each writer adds its part to the archive. The fhir app adds the record's TDDUI Bundle
# (fhir/Bundle.json) when it starts.
ARCHIVE_WRITERS: list[Callable[[ExportData, zipfile.ZipFile], None]] = [
    write_json,
    write_pdf,
    write_documents,
]


def write_archive(data: ExportData, target) -> None:
    """Write the ZIP archive of the export into the binary file object `target`."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for writer in ARCHIVE_WRITERS:
            writer(data, archive)
