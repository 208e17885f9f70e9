"""DocumentReference: a document of the person's record (TDDUIDocumentReference, an IHE MHD
"SimplifiedPublish" DocumentReference: the file itself travels in `content.attachment.data`).

Business rules:
- One DocumentReference per `records.Document`: masterIdentifier `urn:uuid:<id>` (system
  urn:ietf:rfc:3986, the MHD unique id), status `current`, subject the Patient, author the
  professional who added it, date and attachment.creation the moment it was added, attachment with
  the content type, size, title and the decrypted file in base64 (documents are at most 10 MB).
  When the note it is attached to is served by the API (a mapping of `records.Note`), `context.related`
  references it.
- Parcours does not code a document's type (the XDS typeCode the guide suggests, "preferred"): `type`
  is left out, and a search by type matches none of these documents; `contenttype` searches by file
  type, `identifier` by masterIdentifier.
- Documents are never changed once added: an update is refused. A new one is added through
  `records.services.attach_document` when the caller writes in the person's record (its rules: the
  file type decided from the name and the first bytes, PDF, PNG, JPEG, ODT, DOCX or TXT, 10 MB at most),
  else on the import basis (administrator) with the same checks of the file.
- Helper mappings of DocumentReference exist (the orientation decisions of the SDO guide): a resource
  declaring an SDO profile is never this mapping's.
"""

from __future__ import annotations

import base64
import binascii
import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from parcours.access import policy
from parcours.access.enums import Action, Category
from parcours.fhir import registry, search
from parcours.fhir.context import URN
from parcours.fhir.outcome import FhirError, Issue, invalid
from parcours.fhir.registry import Mapping, register, tddui_profile
from parcours.people.models import Person
from parcours.records.models import Document, Note
from parcours.records.services import (
    ALLOWED_DOCUMENT_TYPES,
    ALLOWED_TYPES_LABEL,
    MAX_DOCUMENT_SIZE,
    attach_document,
    detect_document_type,
)
from parcours.staff.models import Professional

PROFILE = tddui_profile("tddui-document-reference")
SDO_PROFILES = "https://interop.esante.gouv.fr/ig/fhir/sdo/StructureDefinition/"
URI_SYSTEM = "urn:ietf:rfc:3986"
# Content type (without parameters) -> the extension `detect_document_type` checks the bytes against.
EXTENSIONS = {}
for _extension, (_content_type, _) in ALLOWED_DOCUMENT_TYPES.items():
    EXTENSIONS.setdefault(_content_type.split(";")[0].strip(), _extension)


def _note_type() -> str | None:
    """The resource type the API serves notes as, if any."""
    for mapping in registry.mappings():
        if getattr(mapping, "model", None) is Note:
            return mapping.resource_type
    return None


def _content_type(queryset, values, ctx, name="contenttype"):
    for alternatives in search._alternatives(values):
        condition = Q(pk__in=[])
        for item in alternatives:
            condition |= Q(content_type__startswith=item.rpartition("|")[2])
        queryset = queryset.filter(condition)
    return queryset


def _no_type(queryset, values, ctx, name="type"):
    """Parcours does not code the type of a record's document: a type criterion matches none."""
    return queryset.none()


def _identifier(queryset, values, ctx, name="identifier"):
    """The masterIdentifier (`urn:ietf:rfc:3986|urn:uuid:<id>`)."""
    for alternatives in search._alternatives(values):
        ids = []
        for item in alternatives:
            system, bar, value = item.rpartition("|")
            if bar and system != URI_SYSTEM:
                continue
            try:
                ids.append(uuid.UUID(value.removeprefix("urn:uuid:")))
            except ValueError:
                continue
        queryset = queryset.filter(uuid__in=ids)
    return queryset


def _patient(queryset, values, ctx, name="patient"):
    return search.reference_filter("person", "Patient")(queryset, values, ctx, name)


def _professional(ctx, reference, expression: str) -> Professional:
    value = reference.get("reference") if isinstance(reference, dict) else None
    if registry.parts("Practitioner") or (value and value in ctx.written):
        return ctx.resolve(reference, ["Practitioner"], expression, model=Professional)
    try:
        key = uuid.UUID((value or "").rsplit("/", 1)[-1])
    except ValueError:
        key = None
    found = Professional.objects.filter(uuid=key).first() if key else None
    if found is None:
        raise invalid("Le professionnel référencé n'existe pas.", expression, code="not-found")
    return found


@register
class DocumentReferenceMapping(Mapping):
    """TDDUIDocumentReference, from `records.Document`."""

    resource_type = "DocumentReference"
    profiles = (PROFILE,)
    model = Document
    category = Category.DOCUMENTS
    order = 71
    search_params = {
        "patient": _patient,
        "subject": _patient,
        "date": search.datetime_date_filter("uploaded_at"),
        "contenttype": _content_type,
        "identifier": _identifier,
        "type": _no_type,
    }
    sort_params = {"date": "uploaded_at", "_lastUpdated": "uploaded_at"}
    includes = {"DocumentReference:subject": "person", "DocumentReference:patient": "person"}

    def base_queryset(self):
        return Document.objects.select_related("person", "uploaded_by", "note")

    def last_updated(self, obj):
        return obj.uploaded_at

    def accepts(self, data: dict) -> bool:
        profiles = (data.get("meta") or {}).get("profile") or []
        return not any(str(profile).startswith(SDO_PROFILES) for profile in profiles)

    def to_fhir(self, obj, ctx) -> dict:
        with obj.file.open("rb") as handle:
            content = handle.read()
        created = obj.uploaded_at.isoformat(timespec="seconds")
        resource = {
            "resourceType": "DocumentReference",
            "id": str(obj.uuid),
            "meta": self.meta(obj),
            "masterIdentifier": {"system": URI_SYSTEM, "value": f"urn:uuid:{obj.uuid}"},
            "status": "current",
            "subject": ctx.reference("Patient", obj.person),
            "date": created,
            "author": [ctx.reference("Practitioner", obj.uploaded_by)],
            "content": [
                {
                    "attachment": {
                        "contentType": obj.content_type,
                        "data": base64.b64encode(content).decode("ascii"),
                        "size": obj.size,
                        "title": obj.title,
                        "creation": created,
                    }
                }
            ],
        }
        note_type = _note_type() if obj.note_id else None
        if note_type:
            resource["context"] = {"related": [ctx.reference(note_type, obj.note)]}
        return resource

    def check(self, data: dict) -> list[Issue]:
        issues = []
        master = data.get("masterIdentifier") or {}
        if not master.get("value"):
            issues.append(Issue("required", "masterIdentifier obligatoire (identifiant unique du document).",
                                "DocumentReference.masterIdentifier"))  # fmt: skip
        if data.get("status") != "current":
            issues.append(Issue("value", "Le statut d'un document publié est « current ».",
                                "DocumentReference.status"))  # fmt: skip
        if not (data.get("subject") or {}).get("reference"):
            issues.append(Issue("required", "La personne concernée (subject) est obligatoire.",
                                "DocumentReference.subject"))  # fmt: skip
        if not data.get("author"):
            issues.append(Issue("required", "L'auteur du document (author) est obligatoire.",
                                "DocumentReference.author"))  # fmt: skip
        contents = data.get("content") or []
        if len(contents) != 1:
            issues.append(Issue("required", "Un document porte exactement un contenu (content).",
                                "DocumentReference.content"))  # fmt: skip
            return issues
        attachment = contents[0].get("attachment") or {}
        where = "DocumentReference.content[0].attachment"
        for name, label in (("contentType", "le type du fichier"), ("data", "le fichier en base64"),
                            ("title", "le titre")):  # fmt: skip
            if not attachment.get(name):
                issues.append(Issue("required", f"La pièce jointe doit porter {label} ({name}).",
                                    f"{where}.{name}"))  # fmt: skip
        if attachment.get("url"):
            issues.append(Issue("value", "Le fichier est dans data, pas à une adresse (url interdit).",
                                f"{where}.url"))  # fmt: skip
        return issues

    def write(self, data: dict, ctx, existing=None):
        if existing is not None:
            raise FhirError(422, "Un document versé au dossier ne se modifie pas : versez-en un nouveau.",
                            code="business-rule", expression="DocumentReference")  # fmt: skip
        where = "DocumentReference.content[0].attachment"
        attachment = data["content"][0]["attachment"]
        person = ctx.resolve(data["subject"], ["Patient"], "DocumentReference.subject", model=Person)
        content_type = attachment["contentType"].split(";")[0].strip().lower()
        extension = EXTENSIONS.get(content_type)
        if extension is None:
            raise invalid(f"Type de fichier non accepté : envoyez un document {ALLOWED_TYPES_LABEL}.",
                          f"{where}.contentType", code="value")  # fmt: skip
        encoded = attachment["data"]
        if len(encoded) > (MAX_DOCUMENT_SIZE + 2) // 3 * 4:
            raise invalid("Le fichier dépasse 10 Mo.", f"{where}.data", code="too-long")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            raise invalid("Le fichier n'est pas encodé en base64.", f"{where}.data") from None
        note, note_type = None, _note_type()
        for related in (data.get("context") or {}).get("related") or []:
            reference = related.get("reference") or ""
            if isinstance(ctx.written.get(reference), Note) or (note_type and f"{note_type}/" in reference):
                note = ctx.resolve(
                    related, [note_type or ""], "DocumentReference.context.related", model=Note
                )
        if note is not None and note.person_id != person.pk:
            raise invalid("La note liée concerne une autre personne.", "DocumentReference.context.related")
        upload = SimpleUploadedFile(f"document.{extension}", raw, content_type=content_type)
        title = attachment["title"][:200]
        if policy.decide(ctx.user, person, Category.DOCUMENTS, Action.CREATE):
            document = attach_document(person, file=upload, title=title, actor=ctx.actor, note=note)
            if URN.match(ctx.current_full_url or ""):
                document.uuid = ctx.new_uuid(Document)
                document.save(update_fields=["uuid"])
            return document
        # The import basis: an administrator restoring a record (same checks of the file).
        author = _professional(ctx, data["author"][0], "DocumentReference.author[0]")
        document = Document(uuid=ctx.new_uuid(Document), person=person, note=note, title=title,
                            uploaded_by=author)  # fmt: skip
        ctx.authorize(person, Category.DOCUMENTS, Action.CREATE, document)
        if not raw:
            raise invalid("Le fichier est vide.", f"{where}.data")
        extension, document.content_type = detect_document_type(upload)
        document.size = len(raw)
        document.file.save(f"document.{extension}", upload, save=False)
        try:
            document.full_clean()
            document.save()
        except Exception:
            document.file.delete(save=False)
            raise
        added = parse_datetime(attachment.get("creation") or data.get("date") or "")
        if added is not None and timezone.is_aware(added):
            Document.objects.filter(pk=document.pk).update(uploaded_at=added)
            document.uploaded_at = added
        return document
