"""Temporary pages for the sections whose pages are being written (removed once they all exist)."""

from django.views.decorators.http import require_GET

from parcours.access.api import Actor, Category, open_portal
from parcours.portal.pages import render_portal


def section(power: str):
    @require_GET
    def view(request, person_uuid):
        person, link = open_portal(Actor.from_request(request), person_uuid, power, Category.IDENTITY)
        return render_portal(request, "portal/placeholder.html", person, link, power)

    return view
