"""Pages of the liaison files: prepare and send one (the sending team), the person's files, an
establishment's files received, one file (its receiver imports it into an admission), its cancellation
by the sender."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from parcours.access import policy
from parcours.access.api import (
    Action,
    Actor,
    Category,
    get_person_or_404,
    log_listing,
    read_person_categories,
    require,
    visible_persons,
)
from parcours.access.enums import Basis, ConsentGivenBy, ConsentHow
from parcours.access.journal import record
from parcours.coordination import liaison as services
from parcours.coordination.enums import LiaisonPart, LiaisonStatus
from parcours.coordination.forms_liaison import ImportForm, LiaisonForm, matching_establishments
from parcours.coordination.models import LiaisonFile
from parcours.core.forms import add_validation_errors, save_with
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment


def _writer(request, person_uuid, view: str):
    """The person, for a write in their parcours: 404 outside the policy, 403 (logged) for whoever
    reads without writing."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, Category.IDENTITY, details={"view": view})
    if not policy.decide(request.user, person, Category.PARCOURS, Action.CREATE):
        require(actor, person, Category.PARCOURS, Action.CREATE)  # logs the refusal, raises 403
    return actor, person


@require_http_methods(["GET", "POST"])
def liaison_prepare(request, person_uuid):
    """Choose the receiving establishment, the parts and notes, check the preview, record the
    person's consent, send."""
    actor, person = _writer(request, person_uuid, "coordination:liaison_prepare")
    senders = services.sending_establishments(request.user, person)
    if not senders.exists():
        raise PermissionDenied(
            "Aucun des établissements où vous travaillez n'accompagne cette personne aujourd'hui."
        )
    query = request.GET.get("q", "")[:100]
    receivers = matching_establishments(query, exclude=[])
    form = LiaisonForm(
        request.POST or None,
        person=person,
        senders=senders,
        receivers=receivers if request.method == "GET" else matching_establishments("", exclude=[]),
        notes=services.offered_notes(person),
        initial={"given_by": ConsentGivenBy.PERSON, "how": ConsentHow.SIGNED_PAPER},
    )
    preview = None
    if request.method == "POST" and request.POST.get("action") == "preview":
        # The preview comes before the consent: it shows the person what they would agree to send.
        form.fields["consent_given"].required = False
        if form.is_valid():
            data = form.cleaned_data
            try:
                preview = services.preview(
                    person,
                    from_establishment=data["from_establishment"],
                    to_establishment=data["to_establishment"],
                    parts=data["parts"],
                    note_uuids=data["notes"],
                    actor=actor,
                )
            except ValidationError as exc:
                add_validation_errors(form, exc)
    else:
        sent = {}

        def write(data):
            sent["liaison"] = services.prepare_and_send(
                person,
                from_establishment=data["from_establishment"],
                to_establishment=data["to_establishment"],
                parts=data["parts"],
                note_uuids=data["notes"],
                actor=actor,
                consent=form.consent(),
            )

        if save_with(request, form, write, success="Le dossier de liaison est envoyé."):
            return redirect("coordination:liaison", uuid=sent["liaison"].uuid)
    return render(
        request,
        "coordination/liaison/prepare.html",
        {"person": person, "form": form, "preview": preview, "query": query, "parts": LiaisonPart},
    )


@require_GET
def liaisons(request, person_uuid):
    """The person's liaison files sent by, or to, the establishments the user works in."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(
        actor, person_uuid, Category.PARCOURS, details={"view": "coordination:liaisons"}
    )
    mine = policy.scope_of(request.user).all_establishments
    files = list(
        LiaisonFile.objects.filter(person=person)
        .filter(
            (Q(from_establishment_id__in=mine) & ~Q(status=LiaisonStatus.DRAFT))
            | Q(to_establishment_id__in=mine, status__in=[LiaisonStatus.SENT, LiaisonStatus.IMPORTED])
        )
        .order_by("-prepared_at", "-pk")
    )
    establishments = Establishment.objects.in_bulk(
        {f.from_establishment_id for f in files} | {f.to_establishment_id for f in files}
    )
    rows = [
        {
            "file": f,
            "sender": establishments[f.from_establishment_id],
            "receiver": establishments[f.to_establishment_id],
            "sent_by_us": f.from_establishment_id in mine,
        }
        for f in files
    ]
    may_send = bool(policy.decide(request.user, person, Category.PARCOURS, Action.CREATE)) and (
        services.sending_establishments(request.user, person).exists()
    )
    return render(
        request, "coordination/liaison/list.html", {"person": person, "rows": rows, "may_send": may_send}
    )


@require_GET
def liaison_inbox(request, establishment_uuid):
    """The files received by an establishment, not imported yet: for its team and direction."""
    scope = policy.scope_of(request.user)
    establishment = get_object_or_404(
        Establishment.objects.filter(pk__in=scope.team | scope.directed), uuid=establishment_uuid
    )
    files = list(
        LiaisonFile.objects.filter(to_establishment=establishment, status=LiaisonStatus.SENT)
        .select_related("person", "from_establishment")
        .order_by("-sent_at", "-pk")
    )
    visible = set(
        visible_persons(request.user).filter(pk__in={f.person_id for f in files}).values_list("pk", flat=True)
    )
    shown = list({f.person_id: f.person for f in files if f.person_id in visible}.values())
    if shown:
        log_listing(Actor.from_request(request), shown, details={"view": "coordination:liaison_inbox"})
    rows = [{"file": f, "person": f.person if f.person_id in visible else None} for f in files]
    return render(request, "coordination/liaison/inbox.html", {"establishment": establishment, "rows": rows})


def _open_liaison(request, uuid) -> tuple[Actor, LiaisonFile]:
    """The file, for its sender or its receiver; a 404 to anyone else (the refusal logged)."""
    actor = Actor.from_request(request)
    liaison = get_object_or_404(
        LiaisonFile.objects.select_related("person", "from_establishment", "to_establishment"), uuid=uuid
    )
    if not (services.is_sender(request.user, liaison) or services.is_receiver(request.user, liaison)):
        record(
            actor,
            person=liaison.person,
            action=Action.READ,
            category=Category.PARCOURS,
            allowed=False,
            basis=Basis.NONE,
            obj=liaison,
            details={"view": "coordination:liaison"},
        )
        raise Http404("Dossier de liaison introuvable.")
    get_person_or_404(actor, liaison.person.uuid, details={"view": "coordination:liaison"})
    return actor, liaison


@require_http_methods(["GET", "POST"])
def liaison(request, uuid):
    """One file: what it carries (each category read is logged; a part whose category the reader may
    no longer read is left out), and the import form for the receiver."""
    actor, liaison = _open_liaison(request, uuid)
    person = liaison.person
    receiver = services.is_receiver(request.user, liaison)
    may_import = (
        receiver
        and liaison.status == LiaisonStatus.SENT
        and policy.writable_establishments(request.user).filter(pk=liaison.to_establishment_id).exists()
    )
    form = ImportForm(
        request.POST if request.method == "POST" else None,
        establishment=liaison.to_establishment,
        initial={"start_date": timezone.localdate(), "mode": SupportMode.EXTERNAT},
    )
    if request.method == "POST":
        if not may_import and liaison.status == LiaisonStatus.SENT:
            raise PermissionDenied("Seul l'établissement qui accueille la personne importe ce dossier.")

        def write(data):
            services.import_liaison(
                liaison, actor=actor, start_date=data["start_date"], mode=data["mode"], unit=data.get("unit")
            )

        if save_with(request, form, write, success="Le dossier est importé : la personne est admise."):
            return redirect("coordination:liaison", uuid=liaison.uuid)
    categories = services.carried_categories(liaison.parts)
    decisions = read_person_categories(actor, person, [c for c in categories if c != Category.IDENTITY])
    readable = {Category.IDENTITY} | {category for category, decision in decisions.items() if decision}
    content = services.content_of(liaison)
    shown = {part: data for part, data in content.items() if services.PART_CATEGORY[part] in readable}
    return render(
        request,
        "coordination/liaison/detail.html",
        {
            "liaison": liaison,
            "person": person,
            "content": shown,
            "withheld": [LiaisonPart(part).label for part in content if part not in shown],
            "parts_labels": [LiaisonPart(part).label for part in liaison.parts],
            "sender": services.is_sender(request.user, liaison),
            "may_cancel": services.is_sender(request.user, liaison)
            and liaison.status in {LiaisonStatus.DRAFT, LiaisonStatus.SENT}
            and policy.writable_establishments(request.user)
            .filter(pk=liaison.from_establishment_id)
            .exists(),
            "may_import": may_import,
            "form": form,
        },
    )


@require_POST
def liaison_cancel(request, uuid):
    actor, liaison = _open_liaison(request, uuid)
    if not services.is_sender(request.user, liaison):
        raise PermissionDenied("Seul l'établissement qui envoie annule ce dossier.")
    try:
        services.cancel(liaison, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Le dossier de liaison est annulé : l'établissement destinataire ne le voit plus."
        )
    return redirect(reverse("coordination:liaison", args=[liaison.uuid]))
