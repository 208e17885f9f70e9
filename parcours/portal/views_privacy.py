"""Pages of the person's say over their record: what is shared with whom, who opened the record, and
the download of their data. Thin views: decisions and writes in `parcours.portal.privacy`."""

import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.access.api import Actor, Category, open_portal
from parcours.access.enums import PortalPower
from parcours.access.models import Consent
from parcours.access.sharing import sharing_of
from parcours.core.forms import add_validation_errors
from parcours.organisations.models import Establishment
from parcours.portal import privacy
from parcours.portal.forms_privacy import ConsentForm, LogPeriodForm, RecipientSearchForm
from parcours.portal.pages import easy_read, render_portal
from parcours.privacy.models import ExportRequest


def relatives_url(person) -> str:
    """The page of the relatives' rights, once it exists."""
    try:
        return reverse("portal:relatives", args=[person.uuid])
    except NoReverseMatch:
        return ""


def establishment_by_uuid(value) -> Establishment | None:
    try:
        return Establishment.objects.filter(uuid=uuid.UUID(str(value))).first() if value else None
    except ValueError:
        return None


@require_GET
def sharing(request, person_uuid):
    """Who sees the record and why: the teams, the directions, the consents in force."""
    person, link = open_portal(Actor.from_request(request), person_uuid, PortalPower.CONSENTS)
    return render_portal(
        request,
        "portal/privacy/sharing.html",
        person,
        link,
        PortalPower.CONSENTS,
        {"sharing": sharing_of(person), "relatives_url": relatives_url(person)},
    )


@require_http_methods(["GET", "POST"])
def consent_create(request, person_uuid):
    """Share the record with another establishment: find it by name or FINESS, choose the parts of
    the record and an optional end date."""
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.CONSENTS)
    search = RecipientSearchForm(request.GET or None)
    results, cut = [], False
    if search.is_valid():
        results = list(privacy.search_recipients(search.cleaned_data["q"]))
        cut = len(results) > privacy.SEARCH_LIMIT
        results = results[: privacy.SEARCH_LIMIT]
    chosen = None
    if request.method == "POST":
        form = ConsentForm(request.POST, easy_read=easy_read(request))
        if form.is_valid():
            chosen = form.cleaned_data["establishment"]
            try:
                privacy.give_consent(
                    person,
                    actor=actor,
                    link=link,
                    establishment=chosen,
                    categories=form.cleaned_data["categories"],
                    valid_until=form.cleaned_data["valid_until"],
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, f"C'est fait : {chosen.name} peut maintenant lire votre dossier.")
                return redirect("portal:sharing", person_uuid=person.uuid)
        else:
            chosen = establishment_by_uuid(request.POST.get("establishment"))
    else:
        chosen = establishment_by_uuid(request.GET.get("choisi"))
        form = ConsentForm(
            initial={"establishment": chosen.uuid} if chosen else None, easy_read=easy_read(request)
        )
    return render_portal(
        request,
        "portal/privacy/consent_form.html",
        person,
        link,
        PortalPower.CONSENTS,
        {"search": search, "results": results, "cut": cut, "chosen": chosen, "form": form,
         "searched": search.is_bound},
    )  # fmt: skip


@require_http_methods(["GET", "POST"])
def consent_withdraw(request, person_uuid, consent_uuid):
    """Stop a sharing, after a confirmation."""
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.CONSENTS)
    consent = get_object_or_404(
        Consent.objects.active().filter(person=person).select_related("establishment"), uuid=consent_uuid
    )
    if request.method == "POST":
        try:
            privacy.withdraw_consent(consent, actor=actor)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, f"C'est fait : {consent.establishment.name} ne peut plus lire votre dossier."
            )
        return redirect("portal:sharing", person_uuid=person.uuid)
    return render_portal(
        request, "portal/privacy/consent_withdraw.html", person, link, PortalPower.CONSENTS,
        {"consent": consent},
    )  # fmt: skip


@require_GET
def privacy_page(request, person_uuid):
    """ "Qui a ouvert mon dossier" (the person's access-log entries, newest first, refusals too) and
    "Télécharger mes données". Opening the page is itself logged."""
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.PRIVACY, Category.IDENTITY)
    period = LogPeriodForm(request.GET or None)
    start, end = period.period()
    page = Paginator(
        privacy.log_entries(person, start=start, end=end), privacy.LOG_ENTRIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    lines = privacy.describe_entries(list(page.object_list), person=person, reader=request.user)
    exports = list(ExportRequest.objects.for_person(person).filter(requested_by=request.user)[:5])
    return render_portal(
        request,
        "portal/privacy/privacy.html",
        person,
        link,
        PortalPower.PRIVACY,
        {
            "period": period,
            "page": page,
            "lines": lines,
            "exports": exports,
            "lifetime_days": settings.PARCOURS_EXPORT_LIFETIME_DAYS,
        },
    )


@require_POST
def privacy_export(request, person_uuid):
    """Ask for the archive of the person's data, for this login."""
    actor = Actor.from_request(request)
    person, _ = open_portal(actor, person_uuid, PortalPower.PRIVACY, Category.IDENTITY)
    try:
        privacy.request_export(person, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Votre demande est prise en compte. Le fichier sera prêt dans quelques instants."
        )
    return redirect(reverse("portal:privacy", args=[person.uuid]) + "#telecharger")


@require_GET
def privacy_export_download(request, person_uuid, export_uuid):
    """The archive, for the login that asked for it, while it is available (logged)."""
    actor = Actor.from_request(request)
    person, _ = open_portal(actor, person_uuid, PortalPower.PRIVACY, Category.IDENTITY)
    export_request = get_object_or_404(
        ExportRequest.objects.for_person(person).filter(requested_by=request.user), uuid=export_uuid
    )
    if not export_request.downloadable_by(request.user):
        raise Http404("Ce fichier n'est plus disponible.")
    try:
        handle = privacy.open_download(export_request, actor=actor)
    except FileNotFoundError as exc:
        raise Http404("Fichier introuvable.") from exc
    filename = f"mes-donnees-{timezone.localtime(export_request.requested_at):%Y%m%d}.zip"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type="application/zip")
