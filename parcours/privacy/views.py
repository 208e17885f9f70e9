"""Pages of the person's rights: the exports of their record (right of access and portability) and
the history of the rectifications of their identity.

Views are thin: they read through `parcours.access` (logged reads, 404 outside the policy) and write
through `parcours.privacy.services`.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from parcours.access.api import Actor, get_person_or_404
from parcours.access.audit import describe_users
from parcours.core.forms import add_validation_errors
from parcours.privacy import services
from parcours.privacy.forms import ExportRequestForm
from parcours.privacy.models import ExportRequest, Rectification


@require_http_methods(["GET", "POST"])
def person_exports(request, uuid):
    """The exports of a person's record, and the form to ask for a new one: for the users who may
    export the whole record; others who may read it get a 403, with the refusal in the access log."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, uuid, details={"view": "privacy:exports"})
    if not services.may_export(request.user, person):
        services.require_export(actor, person)  # logs the refusal and raises AccessDenied (403)
    form = ExportRequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_export(person, actor=actor)
        except ValidationError as exc:
            add_validation_errors(form, exc)
        else:
            messages.success(
                request, "L'export est demandé. L'archive sera prête dans quelques instants sur cette page."
            )
            return redirect("privacy:exports", uuid=person.uuid)
    exports = list(ExportRequest.objects.for_person(person).select_related("requested_by"))
    who = describe_users({export.requested_by_id for export in exports})
    rows = [{"export": export, "who": who[export.requested_by_id]} for export in exports]
    return render(
        request,
        "privacy/exports.html",
        {
            "person": person,
            "form": form,
            "rows": rows,
            "lifetime_days": settings.PARCOURS_EXPORT_LIFETIME_DAYS,
        },
    )


@require_GET
def export_status(request, uuid):
    """The row of one of the user's own exports, polled by the page while the archive is built. It
    shows the state of the request only: no data of the record."""
    export = get_object_or_404(ExportRequest.objects.filter(requested_by=request.user), uuid=uuid)
    who = describe_users({export.requested_by_id})
    return render(
        request, "privacy/includes/export_row.html", {"export": export, "who": who[export.requested_by_id]}
    )


@require_GET
def export_download(request, uuid):
    """The archive, for the user who asked for it, while it is available. Each download checks the
    export of the whole record again and is written to the access log."""
    export = get_object_or_404(ExportRequest.objects.filter(requested_by=request.user), uuid=uuid)
    if not export.downloadable_by(request.user):
        raise Http404("Cette archive n'est plus disponible.")
    try:
        handle = services.open_download(export, actor=Actor.from_request(request))
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    filename = f"export-{export.person.uuid}-{timezone.localtime(export.requested_at):%Y%m%d}.zip"
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def rectifications(request, uuid):
    """The history of the changes of the person's identity and contact details, with the values they
    replaced: for anyone who may read the person's identity (the read is logged)."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, uuid, details={"view": "privacy:rectifications"})
    history = list(Rectification.objects.filter(person=person).order_by("-changed_at", "-id"))
    who = describe_users({row.changed_by_id for row in history})
    rows = [(row, who[row.changed_by_id]) for row in history]
    return render(request, "privacy/rectifications.html", {"person": person, "rows": rows})
