"""Messages with the team: the person's side under /portail/<person uuid>/messages/, the team's side
under /portail/equipe/. The rules are in `parcours.portal.messaging`, which reads, writes and logs;
a thread the user may not read is a 404 (the refusal logged), a write refused to someone who reads
it a 403."""

from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from parcours.access.api import AccessDenied, Actor, Category, open_portal
from parcours.access.enums import PortalPower
from parcours.core.forms import save_with
from parcours.core.text import fold
from parcours.organisations.models import Establishment
from parcours.people.views import open_person
from parcours.portal import messaging
from parcours.portal.forms_messages import InboxFilterForm, ReplyForm, ThreadForm
from parcours.portal.models import Message, Thread
from parcours.portal.pages import easy_read, render_portal

SENT = "Votre message est envoyé."


def _write(request, form, write) -> bool:
    return save_with(request, form, write, success=SENT)


def _download(message: Message, handle) -> FileResponse:
    name = message.attachment_name or "piece-jointe"
    stem, _, _ = name.rpartition(".")
    extension = message.attachment.name.rsplit(".", 1)[-1]
    filename = f"{fold(stem or name).replace(' ', '-')[:80] or 'piece-jointe'}.{extension}"
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=filename,
        content_type=message.attachment_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# The person's side


def _open_space(request, person_uuid):
    actor = Actor.from_request(request)
    person, link = open_portal(actor, person_uuid, PortalPower.MESSAGES, Category.IDENTITY)
    return actor, person, link


@require_GET
def threads(request, person_uuid):
    actor, person, link = _open_space(request, person_uuid)
    conversations = messaging.family_threads(person, actor=actor)
    return render_portal(
        request,
        "portal/messages/threads.html",
        person,
        link,
        PortalPower.MESSAGES,
        {"threads": conversations, "unread_total": sum(thread.unread for thread in conversations)},
    )


@require_http_methods(["GET", "POST"])
def thread_create(request, person_uuid):
    actor, person, link = _open_space(request, person_uuid)
    establishments = messaging.supporting_establishments(person)
    form = ThreadForm(
        request.POST or None,
        request.FILES or None,
        establishments=establishments,
        easy_read=easy_read(request),
    )
    created = []
    if _write(
        request,
        form,
        lambda data: created.append(messaging.start_thread(person, actor=actor, **data)),
    ):
        return redirect("portal:thread", person_uuid=person.uuid, thread_uuid=created[0].uuid)
    return render_portal(
        request, "portal/messages/thread_form.html", person, link, PortalPower.MESSAGES, {"form": form}
    )


@require_http_methods(["GET", "POST"])
def thread(request, person_uuid, thread_uuid):
    actor, person, link = _open_space(request, person_uuid)
    conversation = get_object_or_404(
        Thread.objects.filter(person=person).select_related("establishment"), uuid=thread_uuid
    )
    form = ReplyForm(request.POST or None, request.FILES or None, easy_read=easy_read(request))
    if _write(request, form, lambda data: messaging.reply(conversation, actor=actor, **data)):
        return redirect("portal:thread", person_uuid=person.uuid, thread_uuid=conversation.uuid)
    page = messaging.read_thread(conversation, actor=actor)
    return render_portal(
        request,
        "portal/messages/thread.html",
        person,
        link,
        PortalPower.MESSAGES,
        {"thread": conversation, "entries": page.entries, "form": form},
    )


@require_GET
def attachment(request, person_uuid, thread_uuid, message_uuid):
    actor, person, _ = _open_space(request, person_uuid)
    message = get_object_or_404(
        Message.objects.filter(thread__person=person, thread__uuid=thread_uuid).select_related(
            "thread__person"
        ),
        uuid=message_uuid,
    )
    return _serve(message, actor, as_team=False)


def _serve(message: Message, actor: Actor, *, as_team: bool):
    try:
        handle = messaging.open_attachment(message, actor=actor, as_team=as_team)
    except (AccessDenied, ValidationError, FileNotFoundError) as exc:
        raise Http404("Pièce jointe introuvable.") from exc
    return _download(message, handle)


# The team's side


def _team_thread(request, thread_uuid) -> tuple[Actor, Thread]:
    """The thread, when the user may read it (404 otherwise, the refusal logged by the service)."""
    actor = Actor.from_request(request)
    conversation = Thread.objects.filter(uuid=thread_uuid).select_related("person", "establishment").first()
    if conversation is None:
        raise Http404("Conversation introuvable.")
    return actor, conversation


@require_GET
def staff_inbox(request):
    actor = Actor.from_request(request)
    establishments = list(
        Establishment.objects.filter(pk__in=messaging.team_establishments(request.user)).order_by("name")
    )
    form = InboxFilterForm(request.GET or None, establishments=establishments)
    chosen, unread_only = None, False
    if form.is_bound and form.is_valid():
        uuid = form.cleaned_data["etablissement"]
        chosen = next((e for e in establishments if str(e.uuid) == uuid), None)
        unread_only = form.cleaned_data["non_lus"]
    page = messaging.team_inbox(
        actor=actor, establishment=chosen, unread_only=unread_only, page=request.GET.get("page")
    )
    return render(
        request,
        "portal/staff/messages_inbox.html",
        {
            "page": page,
            "form": form,
            "establishments": establishments,
            "filtered": bool(chosen or unread_only),
        },
    )


@require_http_methods(["GET", "POST"])
def staff_thread(request, thread_uuid):
    actor, conversation = _team_thread(request, thread_uuid)
    form = ReplyForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and messaging.team_may_read(request.user, conversation):
        if _write(
            request, form, lambda data: messaging.reply(conversation, actor=actor, as_team=True, **data)
        ):
            return redirect("portal:staff_thread", thread_uuid=conversation.uuid)
    try:
        page = messaging.read_thread(conversation, actor=actor, as_team=True)
    except AccessDenied as exc:
        raise Http404("Conversation introuvable.") from exc
    return render(
        request,
        "portal/staff/messages_thread.html",
        {
            "thread": conversation,
            "person": conversation.person,
            "entries": page.entries,
            "form": form,
            "may_reply": messaging.team_may_write(request.user, conversation),
        },
    )


@require_GET
def staff_attachment(request, thread_uuid, message_uuid):
    actor, conversation = _team_thread(request, thread_uuid)
    message = get_object_or_404(Message.objects.filter(thread=conversation), uuid=message_uuid)
    message.thread = conversation
    return _serve(message, actor, as_team=True)


@require_http_methods(["GET", "POST"])
def staff_thread_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.NOTES)
    establishments = messaging.team_thread_establishments(request.user, person)
    form = ThreadForm(request.POST or None, request.FILES or None, establishments=establishments)
    created = []
    if _write(
        request,
        form,
        lambda data: created.append(messaging.start_thread(person, actor=actor, as_team=True, **data)),
    ):
        return redirect("portal:staff_thread", thread_uuid=created[0].uuid)
    return render(
        request,
        "portal/staff/messages_thread_form.html",
        {"person": person, "form": form, "title": "Écrire à la personne et à sa famille", "multipart": True},
    )
