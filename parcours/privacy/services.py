"""The only code that writes exports and rectifications.

Exporting a person's record reads every category of it: the policy must allow the export of each
(`require_export`), which in practice means the supporting team or the direction of an
establishment that supports or supported the person. The check is made, and written to the access
log, when the export is requested, when the task builds it and at each download.
"""

import datetime
import logging
import tempfile
from functools import partial

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require
from parcours.people.models import EDITABLE_FIELDS, Person
from parcours.privacy import export
from parcours.privacy.enums import EXPORT_TRANSITIONS, ExportStatus
from parcours.privacy.models import ExportRequest, Rectification

logger = logging.getLogger("parcours.privacy")

ALREADY_RUNNING = "Un export de ce dossier que vous avez demandé est déjà en préparation."
# An export still waiting or being built after this long was lost by its worker.
STALE_AFTER = datetime.timedelta(days=1)
# Archives are built in memory up to this size, then in a temporary file.
SPOOL_BYTES = 16 * 1024 * 1024


# Who may export


def refused_export_category(user, person: Person) -> str | None:
    """The first category of the record the user may not export, or None when they may export it
    all. Decides only: nothing is written to the access log."""
    for category in Category.values:
        if not policy.decide(user, person, category, Action.EXPORT):
            return category
    return None


def may_export(user, person: Person) -> bool:
    return refused_export_category(user, person) is None


def require_export(actor: Actor, person: Person, *, obj=None) -> None:
    """Allow the export of the whole record or raise AccessDenied. A refusal is logged for the first
    category refused; an export allowed is logged once per category (Action.EXPORT)."""
    refused = refused_export_category(actor.user, person)
    if refused is not None:
        require(actor, person, refused, Action.EXPORT, obj=obj)  # logs the refusal and raises
    for category in Category.values:
        require(actor, person, category, Action.EXPORT, obj=obj)


# Exports


def _move(export_request: ExportRequest, status: str, **changes) -> ExportRequest:
    if status not in EXPORT_TRANSITIONS[export_request.status]:
        raise ValidationError(
            f"Un export « {export_request.get_status_display()} » ne peut pas passer à "
            f"« {ExportStatus(status).label} »."
        )
    export_request.status = status
    for name, value in changes.items():
        setattr(export_request, name, value)
    export_request.full_clean()
    export_request.save(update_fields=["status", *changes])
    return export_request


@atomic_service
def request_export(person: Person, *, actor: Actor) -> ExportRequest:
    """Ask for the export of everything held on the person. The archive is built by a task
    (`privacy.tasks.build_export`), queued once this transaction is committed."""
    export_request = ExportRequest(person=person, requested_by=actor.user)
    require_export(actor, person, obj=export_request)
    if ExportRequest.objects.for_person(person).in_progress().filter(requested_by=actor.user).exists():
        raise ValidationError(ALREADY_RUNNING)
    export_request.full_clean()
    export_request.save()
    # Imported here: the task module imports this one.
    from parcours.privacy.tasks import build_export

    transaction.on_commit(partial(build_export.enqueue, str(export_request.uuid)))
    return export_request


@atomic_service
def _start(export_uuid) -> ExportRequest | None:
    export_request = ExportRequest.objects.select_for_update().filter(uuid=export_uuid).first()
    if export_request is None or export_request.status != ExportStatus.PENDING:
        return None  # already built, or being built by another worker
    return _move(export_request, ExportStatus.RUNNING)


@atomic_service
def _finish(export_request: ExportRequest, status: str, **changes) -> ExportRequest:
    export_request = ExportRequest.objects.select_for_update().get(pk=export_request.pk)
    changes.setdefault("finished_at", timezone.now())
    return _move(export_request, status, **changes)


def build_export(export_uuid, *, check=None) -> ExportRequest | None:
    """Build the archive of a pending export (run by the task): check again that its requester may
    export the record (`check(actor, person, obj=...)`, the team's `require_export` by default; the
    person's space passes its own), read it, write the archive to the default storage under
    exports/, and mark the export ready for PARCOURS_EXPORT_LIFETIME_DAYS days, or failed. Returns
    the export, or None when it was not pending."""
    export_request = _start(export_uuid)
    if export_request is None:
        return None
    person = export_request.person
    actor = Actor.system(export_request.requested_by, channel="task")
    try:
        (check or require_export)(actor, person, obj=export_request)
        data = export.collect(person, about=describe_request(export_request))
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            export.write_archive(data, spool)
            size = spool.tell()
            spool.seek(0)
            export_request.file.save("archive.zip", File(spool), save=False)
    except AccessDenied:
        return _finish(export_request, ExportStatus.FAILED)
    except Exception as exc:
        # The exception's text may quote the record: only its type goes to the server's log.
        logger.error("Export %s failed: %s", export_request.uuid, type(exc).__name__)
        if export_request.file:
            export_request.file.delete(save=False)
        return _finish(export_request, ExportStatus.FAILED, file="")
    finished = timezone.now()
    lifetime = datetime.timedelta(days=settings.PARCOURS_EXPORT_LIFETIME_DAYS)
    return _finish(
        export_request,
        ExportStatus.READY,
        file=export_request.file.name,
        size=size,
        finished_at=finished,
        expires_at=finished + lifetime,
    )


def describe_request(export_request: ExportRequest) -> dict:
    return {
        "uuid": str(export_request.uuid),
        "requested_at": timezone.localtime(export_request.requested_at).isoformat(),
        "requested_by": export.describe_related(export_request.requested_by),
    }


def open_download(export_request: ExportRequest, *, actor: Actor):
    """The archive of a ready export, opened for its requester: the export of the whole record is
    checked again and written to the access log. Raises FileNotFoundError when the file is gone."""
    if not export_request.downloadable_by(actor.user):
        raise ValidationError("Cette archive n'est pas disponible.")
    require_export(actor, export_request.person, obj=export_request)
    return export_request.file.open("rb")


def fail_stale_exports(now: datetime.datetime | None = None) -> int:
    """Mark failed the exports still waiting or being built a day after they were asked for (a
    worker stopped on the way): their requester may then ask again."""
    stale = ExportRequest.objects.in_progress().filter(
        requested_at__lte=(now or timezone.now()) - STALE_AFTER
    )
    failed = 0
    for export_uuid in stale.values_list("uuid", flat=True):
        with transaction.atomic():
            export_request = ExportRequest.objects.select_for_update().filter(uuid=export_uuid).first()
            if export_request is None or not export_request.in_progress:
                continue
            if export_request.file:
                export_request.file.delete(save=False)
            _move(export_request, ExportStatus.FAILED, file="", finished_at=timezone.now())
            failed += 1
    return failed


def purge_expired_exports(now: datetime.datetime | None = None) -> int:
    """Delete the archives whose lifetime is over; the requests stay, marked expired. Returns how
    many archives were deleted. Exports left unfinished for a day are marked failed on the way."""
    fail_stale_exports(now)
    purged = 0
    for export_uuid in ExportRequest.objects.expired(now).values_list("uuid", flat=True):
        with transaction.atomic():
            export_request = ExportRequest.objects.select_for_update().filter(uuid=export_uuid).first()
            if export_request is None or export_request.status != ExportStatus.READY:
                continue
            if export_request.file:
                export_request.file.delete(save=False)
            _move(export_request, ExportStatus.EXPIRED, file="")
            purged += 1
    return purged


# Rectifications


def stored_value(value) -> str:
    """How a value is kept in the history: '' for none, ISO 8601 for a date, the code of a choice."""
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def record_rectifications(
    before: Person, after: Person, *, actor: Actor, reason: str = ""
) -> list[Rectification]:
    """One history row per identity or contact trait that differs between the stored person
    (`before`) and the person about to be saved (`after`). Called by `people.services.update_person`
    inside its transaction, once the policy has allowed the update."""
    now = timezone.now()
    rows = [
        Rectification(
            person=after,
            field_name=name,
            old_value=stored_value(getattr(before, name)),
            new_value=stored_value(getattr(after, name)),
            changed_by=actor.user,
            changed_at=now,
            reason=reason.strip(),
        )
        for name in EDITABLE_FIELDS
        if stored_value(getattr(before, name)) != stored_value(getattr(after, name))
    ]
    for row in rows:
        row.full_clean(exclude=["person", "changed_by"])
    return Rectification.objects.bulk_create(rows)
