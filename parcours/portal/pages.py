"""What every page of the person's space shares: the person followed, the link's powers, the
navigation, and the easy-read preference."""

from django.shortcuts import render

from parcours.access.enums import PortalPower
from parcours.access.portal import Link
from parcours.people.models import Person

EASY_READ_KEY = "parcours_easy_read"

# (power, URL name, label, easy-read label): the sections of the space, in the navigation's order.
SECTIONS = [
    (PortalPower.DAY, "portal:day", "Aujourd'hui", "Ma journée"),
    (PortalPower.PROJET, "portal:projet", "Projet personnalisé", "Mon projet"),
    (PortalPower.MESSAGES, "portal:threads", "Messages", "Mes messages"),
    (PortalPower.EVALUATE, "portal:evaluations", "Donner mon avis", "Mon avis"),
    (PortalPower.CONSENTS, "portal:sharing", "Partage et proches", "Qui voit mon dossier"),
    (PortalPower.PRIVACY, "portal:privacy", "Mes données", "Mes données"),
]


def easy_read(request) -> bool:
    return bool(request.session.get(EASY_READ_KEY))


def first_name(person: Person) -> str:
    """How the space names the person: their used first name, else their first first name."""
    return person.used_first_name or person.first_names.split(" ")[0]


def render_portal(request, template: str, person: Person, link: Link, section: str, context=None):
    """Render a page of the person's space. `section`: the power of the current navigation entry."""
    sections = [
        {"url": url, "label": easy if easy_read(request) else label, "current": power == section}
        for power, url, label, easy in SECTIONS
        if power in link.powers
    ]
    base = {
        "person": person,
        "person_first_name": first_name(person),
        "link": link,
        "powers": link.powers,
        "sections": sections,
        "section": section,
        "easy_read": easy_read(request),
        "acting_for": link.role != "person",
    }
    base.update(context or {})
    return render(request, template, base)
