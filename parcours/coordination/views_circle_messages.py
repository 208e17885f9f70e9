"""The team's pages of the circle's conversations: the list, a new conversation, a conversation (read
and answer). Only the circle's professionals open them (`open_circle_page`): anyone else gets a 404,
the refusal in the access log."""

from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from parcours.access.api import Actor, Category, open_circle_page
from parcours.coordination import circle_messages
from parcours.coordination.forms_circle_messages import CircleReplyForm, CircleThreadForm
from parcours.coordination.models import CircleThread
from parcours.core.forms import save_with

SENT = "Votre message est envoyé."


@require_GET
def circle_threads(request, person_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.NOTES)
    return render(
        request,
        "coordination/messages/threads.html",
        {"person": person, "threads": circle_messages.circle_threads(person)},
    )


@require_http_methods(["GET", "POST"])
def circle_thread_create(request, person_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid)
    form = CircleThreadForm(request.POST or None)
    created = []
    if save_with(
        request,
        form,
        lambda data: created.append(circle_messages.start_circle_thread(person, actor=actor, **data)),
        success=SENT,
    ):
        return redirect("coordination:circle_thread", person_uuid=person.uuid, thread_uuid=created[0].uuid)
    return render(request, "coordination/messages/thread_form.html", {"person": person, "form": form})


@require_http_methods(["GET", "POST"])
def circle_thread(request, person_uuid, thread_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid)
    thread = get_object_or_404(CircleThread.objects.filter(person=person), uuid=thread_uuid)
    form = CircleReplyForm(request.POST or None)
    if save_with(
        request, form, lambda data: circle_messages.reply_in_circle(thread, actor=actor, **data), success=SENT
    ):
        return redirect("coordination:circle_thread", person_uuid=person.uuid, thread_uuid=thread.uuid)
    entries = circle_messages.read_circle_thread(thread, actor=actor)
    return render(
        request,
        "coordination/messages/thread.html",
        {"person": person, "thread": thread, "entries": entries, "form": form},
    )
