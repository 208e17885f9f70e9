"""Today's view of the person's space (power "day"): presence, today's activities, the team's notes
marked as shareable, upcoming appointments, kept up to date without reloading.

What is shown, and only that:
- presence today, in each establishment that noted it;
- today's activities and appointments that the team left visible to the family, not cancelled;
- the notes the team marked as shareable, of the last 7 days, newest first; a note never marked as
  shareable is never shown, whoever asks;
- appointments of the next 30 days, visible to the family, not cancelled.
Every page read is logged: presence and agenda under "services", notes under "notes", in one insert.

Live updates: the page polls `portal:day_live` every PARCOURS_PORTAL_POLL_SECONDS seconds (15 by
default) with the version of what it shows, computed from ids, counts and timestamps only. When
nothing changed the answer is 204 (the page stays as it is): no content is read and nothing is
logged. When something changed, the fresh region is sent and the reads are logged.
"""

import datetime
import hashlib

from django.conf import settings
from django.db.models import Count, Max
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.views.decorators.http import require_GET

from parcours.access.api import Actor, Category, decide_portal_page, log_portal_reads
from parcours.access.enums import PortalPower
from parcours.people.models import Person
from parcours.portal.pages import render_portal
from parcours.records.enums import AgendaKind
from parcours.records.models import AgendaEntry, Note, Presence

NOTE_DAYS = 7
APPOINTMENT_DAYS = 30
MAX_NOTES = 50
DAY_CATEGORIES = (Category.SERVICES, Category.NOTES)


def poll_seconds() -> int:
    return getattr(settings, "PARCOURS_PORTAL_POLL_SECONDS", 15)


def local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def shared_notes(person: Person, today: datetime.date):
    return Note.objects.filter(
        person=person,
        shareable=True,
        written_at__gte=local_midnight(today - datetime.timedelta(days=NOTE_DAYS - 1)),
    )


def visible_agenda(person: Person, today: datetime.date):
    """Entries the family may see, from today to the end of the appointments' window."""
    return AgendaEntry.objects.filter(
        person=person,
        shareable=True,
        cancelled_at__isnull=True,
        starts_at__gte=local_midnight(today),
        starts_at__lt=local_midnight(today + datetime.timedelta(days=APPOINTMENT_DAYS + 1)),
    )


def day_version(person: Person) -> str:
    """A fingerprint of what the page shows, from ids, counts and timestamps only (no content is
    decrypted): it changes when a shareable note is written, presence is noted, or an entry of the
    agenda is added or cancelled."""
    today = timezone.localdate()
    notes = shared_notes(person, today).aggregate(n=Count("id"), last=Max("id"), at=Max("written_at"))
    presence = Presence.objects.filter(person=person, date=today).aggregate(
        n=Count("id"), at=Max("recorded_at")
    )
    # Cancelled entries count too: a cancellation changes what is shown.
    agenda = AgendaEntry.objects.filter(person=person, starts_at__gte=local_midnight(today)).aggregate(
        n=Count("id"), at=Max("created_at"), cancelled=Max("cancelled_at"), last=Max("id")
    )
    parts = [today, *notes.values(), *presence.values(), *agenda.values()]
    return hashlib.sha256("|".join(str(part) for part in parts).encode()).hexdigest()[:20]


def presence_rows(presences) -> list[dict]:
    return [
        {
            "establishment": row.establishment.name,
            "present": row.status == "present",
            "arrived_at": row.arrived_at,
            "left_at": row.left_at,
            "reason": row.get_absence_reason_display() if row.absence_reason else "",
        }
        for row in presences
    ]


def day_context(person: Person) -> dict:
    """Everything the day shows, read from the records (the caller has decided and logs)."""
    today = timezone.localdate()
    tomorrow = local_midnight(today + datetime.timedelta(days=1))
    presences = list(
        Presence.objects.filter(person=person, date=today)
        .select_related("establishment")
        .order_by("establishment__name")
    )
    entries = list(visible_agenda(person, today).order_by("starts_at", "pk"))
    notes = list(
        shared_notes(person, today).select_related("author").order_by("-written_at", "-pk")[:MAX_NOTES]
    )
    return {
        "today": today,
        "version": day_version(person),
        "presences": presence_rows(presences),
        "several_places": len(presences) > 1,
        "activities": [entry for entry in entries if entry.starts_at < tomorrow],
        "appointments": [
            entry for entry in entries if entry.starts_at >= tomorrow and entry.kind == AgendaKind.APPOINTMENT
        ],
        "notes": [
            {
                "written_at": note.written_at,
                "text": note.text,
                "author": note.author.first_name,
                "profession": note.author.get_profession_display(),
            }
            for note in notes
        ],
        "note_days": NOTE_DAYS,
        "appointment_days": APPOINTMENT_DAYS,
        "poll_seconds": poll_seconds(),
    }


@require_GET
def day(request, person_uuid):
    actor = Actor.from_request(request)
    person, link = decide_portal_page(actor, person_uuid, PortalPower.DAY, Category.SERVICES)
    context = day_context(person)
    log_portal_reads(actor, person, link, PortalPower.DAY, DAY_CATEGORIES)
    return render_portal(request, "portal/day/day.html", person, link, PortalPower.DAY, context)


@require_GET
def day_live(request, person_uuid):
    """The live region of the day, polled by htmx: 204 when nothing changed since `version`."""
    if not request.headers.get("HX-Request"):
        return redirect("portal:day", person_uuid=person_uuid)
    actor = Actor.from_request(request)
    person, link = decide_portal_page(actor, person_uuid, PortalPower.DAY, Category.SERVICES)
    if request.GET.get("version") == day_version(person):
        return HttpResponse(status=204)
    context = day_context(person)
    log_portal_reads(actor, person, link, PortalPower.DAY, DAY_CATEGORIES)
    return render_portal(request, "portal/day/live.html", person, link, PortalPower.DAY, context)
