"""The person's day for the team: presence and agenda (/dossiers/<person uuid>/journee/), and an
establishment's presence sheet (/dossiers/presences/<establishment uuid>/).

Pages read the "services" category of the record through the access policy (logged; 404 outside
it, 403 to a reader of the record who may not read this category); forms check the write permission
(403 otherwise, logged) and call `parcours.records.daily`.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from parcours.access import policy
from parcours.access.api import Action, Actor, Category, log_listing, open_person_page, require
from parcours.access.journal import record_many
from parcours.core.forms import add_validation_errors, save_with
from parcours.people.services import professional_of
from parcours.people.views import open_person
from parcours.records import daily
from parcours.records.enums import PresenceStatus
from parcours.records.forms_day import AgendaEntryForm, PresenceForm, PresenceSheetForm
from parcours.records.models import AgendaEntry, Presence
from parcours.records.views import establishments_for

AGENDA_DAYS = 30
SHEET_PER_PAGE = 30


def day_bounds(day: datetime.date, days: int = 1) -> tuple[datetime.datetime, datetime.datetime]:
    """The local start of `day` and of `days` days later, as aware datetimes."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = timezone.make_aware(
        datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time.min)
    )
    return start, end


def to_day(person) -> str:
    return reverse("records:day", args=[person.uuid])


def render_day(request, person, *, presence_form=None, status=200):
    """The day page: today's presence in each establishment, the agenda of the next 30 days, and the
    forms for those who write."""
    user = request.user
    today = timezone.localdate()
    may_write = bool(policy.decide(user, person, Category.SERVICES, Action.CREATE)) and hasattr(
        user, "professional"
    )
    establishments, current = establishments_for(request, person) if may_write else (None, None)
    if may_write and presence_form is None:
        presence_form = PresenceForm()
        presence_form.set_establishments(establishments, current)
        existing = Presence.objects.filter(person=person, establishment=current, date=today).first()
        if existing is not None:
            presence_form.initial.update(
                status=existing.status,
                arrived_at=existing.arrived_at,
                left_at=existing.left_at,
                absence_reason=existing.absence_reason,
            )
    start, end = day_bounds(today, AGENDA_DAYS)
    agenda = list(
        AgendaEntry.objects.filter(person=person, starts_at__gte=start, starts_at__lt=end)
        .select_related("establishment", "created_by")
        .order_by("starts_at", "pk")
    )
    writable = {e.pk for e in establishments} if may_write else set()
    for entry in agenda:
        entry.may_cancel = entry.cancelled_at is None and entry.establishment_id in writable
    presences = list(
        Presence.objects.filter(person=person, date=today)
        .select_related("establishment", "recorded_by")
        .order_by("establishment__name")
    )
    return render(
        request,
        "records/day/day.html",
        {
            "person": person,
            "today": today,
            "presences": presences,
            "agenda": agenda,
            "agenda_days": AGENDA_DAYS,
            "may_write": may_write,
            "presence_form": presence_form,
            "sheet_establishment": current,
        },
        status=status,
    )


def open_day(request, person_uuid):
    """The person and the read of the services category (one log insert); a 403 when the record is
    open to the user but this category is not (the refusal logged)."""
    actor = Actor.from_request(request)
    person, _, decisions = open_person_page(actor, person_uuid, [Category.SERVICES])
    if not decisions[Category.SERVICES]:
        require(actor, person, Category.SERVICES, Action.READ)  # logs the refusal, raises 403
    return actor, person


@require_http_methods(["GET"])
def day(request, person_uuid):
    _, person = open_day(request, person_uuid)
    return render_day(request, person)


@require_POST
def presence(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.SERVICES)
    establishments, current = establishments_for(request, person)
    form = PresenceForm(request.POST)
    form.set_establishments(establishments, current)
    if save_with(
        request,
        form,
        lambda data: daily.record_presence(person, actor=actor, **data),
        success="La présence est notée.",
    ):
        return redirect(to_day(person))
    return render_day(request, person, presence_form=form)


@require_http_methods(["GET", "POST"])
def agenda_create(request, person_uuid):
    actor, person = open_person(request, person_uuid, write_category=Category.SERVICES)
    establishments, current = establishments_for(request, person)
    form = AgendaEntryForm(request.POST or None)
    form.set_establishments(establishments, current)
    if save_with(
        request,
        form,
        lambda data: daily.add_agenda_entry(person, actor=actor, **data),
        success="L'activité ou le rendez-vous est ajouté à l'agenda.",
    ):
        return redirect(to_day(person))
    return render(
        request,
        "records/day/agenda_form.html",
        {"person": person, "title": "Ajouter à l'agenda", "form": form},
    )


@require_http_methods(["GET", "POST"])
def agenda_cancel(request, person_uuid, entry_uuid):
    """Confirm, then cancel an activity or an appointment (the row stays, dated)."""
    actor, person = open_person(request, person_uuid, write_category=Category.SERVICES)
    entry = get_object_or_404(
        AgendaEntry.objects.filter(person=person).select_related("establishment"), uuid=entry_uuid
    )
    error = None
    if request.method == "POST":
        try:
            daily.cancel_agenda_entry(entry, actor=actor)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, "L'activité ou le rendez-vous est annulé.")
            return redirect(to_day(person))
    return render(
        request,
        "records/day/agenda_cancel.html",
        {"person": person, "entry": entry, "error": error, "title": "Annuler à l'agenda"},
    )


# The presence sheet of an establishment


def log_sheet(actor, persons, bases) -> None:
    """The persons listed and the read of their presence, in one transaction (one insert per basis)."""
    with transaction.atomic():
        log_listing(actor, persons, details={"view": "records:presence_sheet"})
        by_basis: dict[str, list] = {}
        for person in persons:
            by_basis.setdefault(bases[person.pk], []).append(person)
        for basis, readers in by_basis.items():
            record_many(actor, readers, action=Action.READ, category=Category.SERVICES, basis=basis,
                        details={"view": "records:presence_sheet"})  # fmt: skip


def sheet_day(request) -> datetime.date:
    """The day asked for (?jour=YYYY-MM-DD), today when missing, malformed or to come."""
    today = timezone.localdate()
    try:
        asked = datetime.date.fromisoformat(request.GET.get("jour", ""))
    except ValueError:
        return today
    return min(asked, today)


def sheet_lines(form, presences, on) -> list[daily.PresenceInput]:
    """The lines noted on the sheet. A presence without an arrival time keeps the one already noted,
    or takes the time of recording when the sheet is today's; an absence has no times."""
    now = timezone.localtime().time().replace(second=0, microsecond=0)
    lines = []
    for person, status, arrived_at, reason in form.entries():
        if status == PresenceStatus.PRESENT:
            known = presences.get(person.pk)
            arrived_at = (
                arrived_at or (known and known.arrived_at) or (now if on == timezone.localdate() else None)
            )
            left_at = known.left_at if known else None
            lines.append(daily.PresenceInput(person, status, arrived_at=arrived_at, left_at=left_at))
        else:
            lines.append(daily.PresenceInput(person, status, absence_reason=reason))
    return lines


@require_http_methods(["GET", "POST"])
def presence_sheet(request, establishment_uuid):
    """The persons the establishment expects on a day, with their presence, for its team and
    direction to note at once. Other users get a 404."""
    actor = Actor.from_request(request)
    establishment = get_object_or_404(policy.writable_establishments(request.user), uuid=establishment_uuid)
    professional_of(actor)
    on = sheet_day(request)
    persons = daily.expected_persons(establishment, on).order_by("birth_name", "first_names", "pk")
    page = Paginator(persons, SHEET_PER_PAGE).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    bases = policy.bases_for_many(request.user, [p.pk for p in shown], Category.SERVICES)
    shown = [p for p in shown if bases.get(p.pk)]
    presences = {
        row.person_id: row
        for row in Presence.objects.filter(establishment=establishment, date=on, person__in=shown)
    }
    form = PresenceSheetForm(request.POST or None, persons=shown, presences=presences)
    here = reverse("records:presence_sheet", args=[establishment.uuid]) + f"?jour={on.isoformat()}"
    if page.number > 1:
        here += f"&page={page.number}"
    if request.method == "POST" and form.is_valid():
        lines = sheet_lines(form, presences, on)
        if not lines:
            form.add_error(None, "Choisissez « Présent » ou « Absent » pour au moins une personne.")
        else:
            try:
                daily.record_presences(establishment, date=on, lines=lines, actor=actor)
            except ValidationError as exc:
                add_validation_errors(form, exc)
            else:
                messages.success(request, "Les présences sont notées.")
                return redirect(here)
    if shown:
        log_sheet(actor, shown, bases)
    return render(
        request,
        "records/day/presence_sheet.html",
        {
            "establishment": establishment,
            "day": on,
            "today": timezone.localdate(),
            "previous_day": on - datetime.timedelta(days=1),
            "next_day": on + datetime.timedelta(days=1) if on < timezone.localdate() else None,
            "page": page,
            "form": form,
            "action": here,
        },
    )
