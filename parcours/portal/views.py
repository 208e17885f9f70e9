"""The portal's home page, and the easy-read switch. Each section has its own module (views_*.py)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from parcours.access.portal import followed_persons, links_of
from parcours.portal.pages import EASY_READ_KEY, SECTIONS, easy_read, first_name


def first_section(link) -> str:
    return next(url for power, url, _, _ in SECTIONS if power in link.powers)


@require_GET
def home(request):
    """The persons this login follows: straight to the only one, or a choice between several."""
    links = links_of(request.user)
    if len(links) == 1:
        link = next(iter(links.values()))
        person = followed_persons(request.user).get()
        return redirect(first_section(link), person_uuid=person.uuid)
    persons = [
        {"person": person, "first_name": first_name(person), "url": first_section(links[person.pk])}
        for person in followed_persons(request.user).order_by("first_names")
    ]
    return render(
        request, "portal/home.html", {"persons": persons, "easy_read": easy_read(request), "powers": set()}
    )


@login_not_required
@require_POST
def easy_read_switch(request):
    """Turn the easy-read mode on or off for this session, and go back to the page. Open to visitors
    not signed in too: the invitation pages are read before the account exists."""
    request.session[EASY_READ_KEY] = request.POST.get("on") == "1"
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/portail/"
    return HttpResponseRedirect(target)
