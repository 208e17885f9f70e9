"""Waiting lists of the establishments and services: who waits, since when, with which priority, and
the decisions that take a person off the list.

The list of an establishment is for its team and its direction (`policy.scope_of(user).team` and
`.directed`); anyone else is refused (a 404 on the pages, the refusal in the access log). Each person
shown on a list, and each entry changed, leaves an entry in the access log under Category.PARCOURS.

Entries follow admission requests too: the service of the requests (`requests.py`) registers the
person when a request goes "en étude" and takes the entry off the list at admission, refusal or
cancellation. An entry linked to a request still open is therefore decided on the request, not here.
Here: direct registrations (a residence for elderly persons admits without MDPH orientation), the
priority, and the decisions on the other entries.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from parcours.access import policy
from parcours.access.api import AccessDenied, Action, Actor, Category, atomic_service, require
from parcours.access.enums import Basis
from parcours.access.journal import record, record_many
from parcours.coordination.enums import (
    OPEN_STATUSES,
    REQUEST_STEP,
    WaitingListOutcome,
    WaitingListPriority,
)
from parcours.coordination.models import WaitingListEntry
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Establishment
from parcours.people.enums import MdphDecisionType
from parcours.people.models import MdphDecision, Person

RECENT_DECISIONS = 25
DECISIONS_SINCE_DAYS = 365


def list_establishments(user) -> QuerySet[Establishment]:
    """The establishments whose waiting list the user keeps: those of their team and those they
    direct (not a gestionnaire's direction, which reads figures, not lists)."""
    scope = policy.scope_of(user)
    return Establishment.objects.filter(pk__in=scope.team | scope.directed)


def _basis(user, establishment_id: int) -> str:
    scope = policy.scope_of(user)
    if establishment_id in scope.team:
        return Basis.TEAM
    if establishment_id in scope.directed:
        return Basis.ESTABLISHMENT_DIRECTION
    return ""


def _check_list(actor: Actor, establishment_id: int, person: Person, action: str, obj=None) -> str:
    """The basis on which the actor keeps this establishment's list, the write logged; otherwise
    AccessDenied, the refusal logged (once the service's transaction is rolled back)."""
    basis = _basis(actor.user, establishment_id)
    details = {"liste": "attente"}
    if not basis or not getattr(actor.user, "is_active", False):
        raise AccessDenied(
            "Vous ne tenez pas la liste d'attente de cet établissement.",
            pending_refusal=lambda: record(actor, person=person, action=action, category=Category.PARCOURS,
                                           allowed=False, basis=Basis.NONE, obj=obj, details=details),
        )  # fmt: skip
    if obj is not None:
        record(actor, person=person, action=action, category=Category.PARCOURS, allowed=True, basis=basis,
               obj=obj, details=details)  # fmt: skip
    return basis


def _as_date(value) -> datetime.date | None:
    return value if isinstance(value, datetime.date) else None


@atomic_service
def register(
    person: Person,
    establishment: Establishment,
    *,
    actor: Actor,
    mode: str,
    registered_on: datetime.date,
    priority: int = WaitingListPriority.NORMAL,
    mdph_decision: MdphDecision | None = None,
) -> WaitingListEntry:
    """Register a person directly on the establishment's list (without an admission request: an
    EHPAD admits without MDPH orientation). The person must be visible to the user (identity read,
    logged) and the user must keep the establishment's list. A person waits once per establishment
    and mode; the registration date is not in the future; the MDPH decision, if any, is an
    orientation of this person."""
    require(actor, person, Category.IDENTITY, Action.READ)
    _check_list(actor, establishment.pk, person, Action.CREATE)
    errors: dict[str, str] = {}
    today = timezone.localdate()
    if mode not in SupportMode.values:
        errors["mode"] = "Choisissez un mode d'accompagnement."
    registered_on = _as_date(registered_on)
    if registered_on is None:
        errors["registered_on"] = "Indiquez la date de la demande."
    elif registered_on > today:
        errors["registered_on"] = "La date de la demande ne peut pas être dans le futur."
    if priority not in WaitingListPriority.values:
        errors["priority"] = "Choisissez une priorité."
    if mdph_decision is not None and (
        mdph_decision.person_id != person.pk
        or mdph_decision.decision_type != MdphDecisionType.ORIENTATION_ESMS
    ):
        errors["mdph_decision"] = "Choisissez une décision d'orientation de cette personne."
    if not errors and (
        WaitingListEntry.objects.filter(person=person, establishment=establishment, mode=mode)
        .waiting(today)
        .exists()
    ):
        errors["mode"] = "Cette personne attend déjà une place dans ce mode d'accompagnement."
    if errors:
        raise ValidationError(errors)
    entry = WaitingListEntry(
        person=person,
        establishment=establishment,
        mode=mode,
        registered_on=registered_on,
        priority=priority,
        mdph_decision=mdph_decision,
    )
    entry.full_clean()
    entry.save()
    _check_list(actor, establishment.pk, person, Action.CREATE, obj=entry)
    return entry


def _waiting_entry(entry: WaitingListEntry) -> WaitingListEntry:
    """The entry read again under lock: two decisions at once cannot both apply."""
    return (
        WaitingListEntry.objects.select_for_update(of=("self",))
        .select_related("person", "request")
        .get(pk=entry.pk)
    )


@atomic_service
def set_priority(entry: WaitingListEntry, *, actor: Actor, priority: int) -> WaitingListEntry:
    """Change the establishment's priority of a person still waiting."""
    entry = _waiting_entry(entry)
    _check_list(actor, entry.establishment_id, entry.person, Action.UPDATE)
    if entry.left_on is not None:
        raise ValidationError("Cette personne n'est plus sur la liste d'attente.")
    try:
        priority = int(priority)
    except (TypeError, ValueError):
        priority = None
    if priority not in WaitingListPriority.values:
        raise ValidationError({"priority": "Choisissez une priorité."})
    entry.priority = priority
    entry.save(update_fields=["priority"])
    _check_list(actor, entry.establishment_id, entry.person, Action.UPDATE, obj=entry)
    return entry


@atomic_service
def decide(
    entry: WaitingListEntry,
    *,
    actor: Actor,
    outcome: str,
    left_on: datetime.date,
    decision_note: str = "",
) -> WaitingListEntry:
    """Take a person off the list, with the outcome (why they leave) and its date, between the
    registration and today; a note says the reasons, required for « Autre motif ». An entry linked
    to a request still open is decided on the request."""
    entry = _waiting_entry(entry)
    _check_list(actor, entry.establishment_id, entry.person, Action.UPDATE)
    if entry.left_on is not None:
        raise ValidationError("Cette personne a déjà quitté la liste d'attente.")
    if entry.request_id and entry.request.status in OPEN_STATUSES:
        raise ValidationError(
            "Cette inscription suit une demande d'admission en cours : la décision se prend sur la demande."
        )
    errors: dict[str, str] = {}
    if outcome not in WaitingListOutcome.values:
        errors["outcome"] = "Indiquez l'issue : pourquoi la personne quitte la liste."
    left_on = _as_date(left_on)
    if left_on is None:
        errors["left_on"] = "Indiquez la date de la décision."
    elif left_on < entry.registered_on:
        errors["left_on"] = (
            f"La décision ne peut pas précéder l'inscription du {entry.registered_on:%d/%m/%Y}."
        )
    elif left_on > timezone.localdate():
        errors["left_on"] = "La date de la décision ne peut pas être dans le futur."
    decision_note = (decision_note or "").strip()
    if outcome == WaitingListOutcome.OTHER and not decision_note:
        errors["decision_note"] = "Précisez le motif de la décision."
    if errors:
        raise ValidationError(errors)
    entry.outcome = outcome
    entry.left_on = left_on
    entry.decision_note = decision_note
    entry.full_clean()
    entry.save(update_fields=["outcome", "left_on", "decision_note"])
    _check_list(actor, entry.establishment_id, entry.person, Action.UPDATE, obj=entry)
    return entry


# Reading the list


def open_entry(actor: Actor, entry_uuid, *, waiting_only: bool = True) -> WaitingListEntry:
    """An entry of a list the user keeps (still waiting, unless `waiting_only` is false), its read
    logged under Category.PARCOURS; otherwise a 404 that hides whether it exists."""
    entries = WaitingListEntry.objects.filter(establishment__in=list_establishments(actor.user))
    if waiting_only:
        entries = entries.filter(left_on__isnull=True)
    entry = (
        entries.select_related("person", "establishment", "mdph_decision__orientation_category", "request")
        .filter(uuid=entry_uuid)
        .first()
    )
    if entry is None:
        raise Http404("Inscription introuvable.")
    basis = _basis(actor.user, entry.establishment_id)
    record(actor, person=entry.person, action=Action.READ, category=Category.PARCOURS, allowed=True,
           basis=basis, obj=entry, details={"liste": "attente"})  # fmt: skip
    return entry


def months_between(start: datetime.date, end: datetime.date) -> int:
    """Whole calendar months from `start` to `end` (15/01 to 14/03: 1 month; to 15/03: 2)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


@dataclass
class Line:
    """One candidate as the page shows them."""

    entry: WaitingListEntry
    days: int
    months: int
    step: str
    decided_on_request: bool
    readable: bool


@dataclass
class WaitingList:
    establishment: Establishment
    today: datetime.date
    page: object
    lines: list[Line]
    by_mode: list[tuple[str, int]]
    total: int
    decisions: list[WaitingListEntry]


def entries_of(establishment: Establishment) -> QuerySet[WaitingListEntry]:
    return WaitingListEntry.objects.filter(establishment=establishment)


def waiting_entries(establishment: Establishment, on: datetime.date, *, mode: str = "", priority=None):
    """The candidates waiting on that day, by priority then date of request: the rows the page shows,
    their person, MDPH orientation and request read in the same query; the encrypted notes left out."""
    entries = entries_of(establishment).waiting(on)
    if mode:
        entries = entries.filter(mode=mode)
    if priority:
        entries = entries.filter(priority=priority)
    return (
        entries.select_related("person", "mdph_decision__orientation_category", "request")
        .defer("decision_note", "request__comment")
        .order_by("priority", "registered_on", "pk")
    )


def recent_decisions(establishment: Establishment, on: datetime.date) -> list[WaitingListEntry]:
    """The last entries that left the list (in the year before `on`), latest first."""
    since = on - datetime.timedelta(days=DECISIONS_SINCE_DAYS)
    return list(
        entries_of(establishment)
        .filter(left_on__gte=since, left_on__lte=on)
        .select_related("person")
        .order_by("-left_on", "-pk")[:RECENT_DECISIONS]
    )


def read_waiting_list(
    establishment: Establishment,
    *,
    actor: Actor,
    page_number=None,
    mode: str = "",
    priority=None,
    per_page=25,
) -> WaitingList:
    """What the establishment's list page shows, with the persons shown written to the access log
    (Category.PARCOURS, one INSERT). The caller has checked the establishment is the user's."""
    basis = _basis(actor.user, establishment.pk)
    if not basis:
        raise AccessDenied("Vous ne tenez pas la liste d'attente de cet établissement.")
    today = timezone.localdate()
    counts = dict(
        entries_of(establishment)
        .waiting(today)
        .values_list("mode")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("mode", "n")
    )
    by_mode = [(label, counts[value]) for value, label in SupportMode.choices if counts.get(value)]
    total = sum(counts.values())
    entries = waiting_entries(establishment, today, mode=mode, priority=priority)
    if not mode and not priority:
        paginator = Paginator(entries, per_page)
        paginator.count = total  # already counted above, one query less
    else:
        paginator = Paginator(entries, per_page)
    page = paginator.get_page(page_number)
    shown = list(page.object_list)
    decisions = recent_decisions(establishment, today)
    persons = {entry.person_id: entry.person for entry in shown + decisions}
    readable = policy.bases_for_many(actor.user, list(persons), Category.IDENTITY) if persons else {}
    lines = []
    for entry in shown:
        request = entry.request
        lines.append(
            Line(
                entry=entry,
                days=(today - entry.registered_on).days,
                months=months_between(entry.registered_on, today),
                step=REQUEST_STEP.get(request.status, "") if request else "",
                decided_on_request=bool(request and request.status in OPEN_STATUSES),
                readable=bool(readable.get(entry.person_id)),
            )
        )
    for entry in decisions:
        entry.readable = bool(readable.get(entry.person_id))
    record_many(actor, persons.values(), action=Action.LIST, category=Category.PARCOURS, basis=basis,
                details={"liste": "attente"})  # fmt: skip
    return WaitingList(establishment, today, page, lines, by_mode, total, decisions)
