"""The family's side of the circle's conversations "with the family", in the person's space: a family
carer member of the circle, with their login, reads them and answers. Conversations between
professionals never appear here; anyone who is not a family carer of the circle gets a 404, the refusal
in the access log (`circle_messages.open_family_circle`)."""

from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_GET, require_http_methods

from parcours.access.api import Actor
from parcours.access.enums import PortalRole
from parcours.access.portal import Link, link_to
from parcours.coordination import circle_messages
from parcours.coordination.forms_circle_messages import CircleReplyForm
from parcours.core.forms import save_with
from parcours.portal.pages import easy_read, render_portal

SENT = "Votre message est envoyé."
# The circle is no section of the space's navigation: no entry is marked current.
NO_SECTION = ""


def _open(request, person_uuid):
    actor = Actor.from_request(request)
    person, _member = circle_messages.open_family_circle(actor, person_uuid)
    # A family carer without a link to the person's space still follows the circle's conversations:
    # the navigation then offers no section.
    link = link_to(request.user, person) or Link(0, person.pk, PortalRole.RELATIVE, frozenset())
    return actor, person, link


@require_GET
def circle_threads(request, person_uuid):
    _actor, person, link = _open(request, person_uuid)
    threads = circle_messages.circle_threads(person, family=True)
    return render_portal(
        request, "portal/circle/threads.html", person, link, NO_SECTION, {"threads": threads}
    )


@require_http_methods(["GET", "POST"])
def circle_thread(request, person_uuid, thread_uuid):
    actor, person, link = _open(request, person_uuid)
    thread = get_object_or_404(circle_messages.circle_threads(person, family=True), uuid=thread_uuid)
    form = CircleReplyForm(request.POST or None, easy_read=easy_read(request))
    if save_with(
        request, form, lambda data: circle_messages.reply_in_circle(thread, actor=actor, **data), success=SENT
    ):
        return redirect("portal:circle_thread", person_uuid=person.uuid, thread_uuid=thread.uuid)
    entries = circle_messages.read_circle_thread(thread, actor=actor, family=True)
    return render_portal(
        request,
        "portal/circle/thread.html",
        person,
        link,
        NO_SECTION,
        {"thread": thread, "entries": entries, "form": form},
    )
