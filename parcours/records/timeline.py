"""The parcours timeline of one person across structures: admissions and exits, needs
assessments, projets personnalisés, notes and services, newest first.

Paginated by a keyset cursor, never by offset or count: for each kind, one query fetches at most
page_size + 1 rows older than the cursor through the (person, date) indexes; the rows are merged in
Python and the page ends on a cursor (date and time, event, UUID) that the next page starts
from. A record with years of daily services costs the same few queries per page as a new one.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils import timezone

from parcours.access.enums import Category
from parcours.records.enums import TimelineKind
from parcours.records.models import Admission, NeedsAssessment, Note, ProjetPersonnalise, ServiceDelivery

PAGE_SIZE = 20

# Category of the record each kind belongs to: a kind is shown only when the user may read it.
TIMELINE_CATEGORIES = {
    TimelineKind.ADMISSION: Category.PARCOURS,
    TimelineKind.ASSESSMENT: Category.ASSESSMENTS,
    TimelineKind.PROJET: Category.PROJET,
    TimelineKind.NOTE: Category.NOTES,
    TimelineKind.SERVICE: Category.SERVICES,
}

# Events of the same instant are ordered by this rank (higher first), then by UUID.
EVENT_LABELS = {
    "admission": "Admission",
    "exit": "Sortie",
    "assessment": "Évaluation des besoins",
    "projet": "Projet personnalisé",
    "service": "Prestation",
    "note": "Transmission",
}
EVENT_RANKS = {"admission": 0, "assessment": 1, "projet": 2, "service": 3, "note": 4, "exit": 5}


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in the timeline: the events strictly before it come next."""

    at: datetime.datetime
    rank: int
    uuid: uuid.UUID

    @property
    def event(self) -> str:
        return next(name for name, rank in EVENT_RANKS.items() if rank == self.rank)

    def as_params(self) -> dict[str, str]:
        return {"before": timezone.localtime(self.at).isoformat(), "before_id": f"{self.event}.{self.uuid}"}

    @classmethod
    def parse(cls, before: str | None, before_id: str | None) -> "Cursor | None":
        """The cursor from the query string; None when absent or malformed."""
        if not before:
            return None
        try:
            at = datetime.datetime.fromisoformat(before)
        except ValueError:
            return None
        if timezone.is_naive(at):
            at = timezone.make_aware(at)
        rank, key = max(EVENT_RANKS.values()) + 1, uuid.UUID(int=0)
        if before_id:
            event, _, text = before_id.partition(".")
            try:
                rank, key = EVENT_RANKS[event], uuid.UUID(text)
            except (KeyError, ValueError):
                return None
        return cls(at, rank, key)


@dataclass
class TimelineItem:
    kind: str
    event: str
    at: datetime.datetime
    uuid: uuid.UUID
    establishment: object
    obj: object
    has_time: bool = False

    @property
    def cursor(self) -> Cursor:
        return Cursor(self.at, EVENT_RANKS[self.event], self.uuid)

    @property
    def kind_label(self) -> str:
        return EVENT_LABELS[self.event]


@dataclass
class TimelinePage:
    items: list[TimelineItem] = field(default_factory=list)
    next_cursor: Cursor | None = None


@dataclass
class TimelineFilters:
    kinds: set[str]
    establishment_id: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None


def day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _date_before(field_name: str, event: str, cursor: Cursor | None) -> Q:
    """Rows of a date-stamped kind (placed at midnight) strictly before the cursor."""
    if cursor is None:
        return Q()
    local = timezone.localtime(cursor.at)
    day = local.date()
    if local.time() != datetime.time.min:
        return Q(**{f"{field_name}__lte": day})
    rank = EVENT_RANKS[event]
    if rank < cursor.rank:
        same_day = Q(**{field_name: day})
    elif rank == cursor.rank:
        same_day = Q(**{field_name: day}) & Q(uuid__lt=cursor.uuid)
    else:
        same_day = Q(pk__in=[])
    return Q(**{f"{field_name}__lt": day}) | same_day


def _datetime_before(field_name: str, event: str, cursor: Cursor | None) -> Q:
    if cursor is None:
        return Q()
    rank = EVENT_RANKS[event]
    same = Q(**{field_name: cursor.at})
    if rank == cursor.rank:
        same &= Q(uuid__lt=cursor.uuid)
    elif rank > cursor.rank:
        same = Q(pk__in=[])
    return Q(**{f"{field_name}__lt": cursor.at}) | same


def _date_range(field_name: str, filters: TimelineFilters) -> Q:
    condition = Q()
    if filters.date_from:
        condition &= Q(**{f"{field_name}__gte": filters.date_from})
    if filters.date_to:
        condition &= Q(**{f"{field_name}__lte": filters.date_to})
    return condition


def _scoped(queryset, filters: TimelineFilters):
    if filters.establishment_id:
        queryset = queryset.filter(establishment_id=filters.establishment_id)
    return queryset


def person_timeline(
    person,
    filters: TimelineFilters,
    *,
    before: Cursor | None = None,
    page_size: int = PAGE_SIZE,
    admissions: list[Admission] | None = None,
    with_documents: bool = False,
) -> TimelinePage:
    """One page of the timeline. `filters.kinds` must already be limited to what the user may read.
    `admissions` may pass the person's admissions when the caller already loaded them."""
    limit = page_size + 1
    items: list[TimelineItem] = []
    kinds = filters.kinds

    if TimelineKind.ADMISSION in kinds:
        if admissions is None:
            admissions = list(Admission.objects.filter(person=person).select_related("establishment", "unit"))
        for admission in admissions:
            if filters.establishment_id and admission.establishment_id != filters.establishment_id:
                continue
            events = [("admission", admission.start_date)]
            if admission.end_date:
                events.append(("exit", admission.end_date))
            for event, day in events:
                if filters.date_from and day < filters.date_from or filters.date_to and day > filters.date_to:
                    continue
                item = TimelineItem(
                    TimelineKind.ADMISSION,
                    event,
                    day_start(day),
                    admission.uuid,
                    admission.establishment,
                    admission,
                )
                if before is None or item.cursor < before:
                    items.append(item)

    if TimelineKind.ASSESSMENT in kinds:
        rows = (
            _scoped(NeedsAssessment.objects.filter(person=person), filters)
            .filter(_date_before("date", "assessment", before), _date_range("date", filters))
            .select_related("establishment", "assessed_by")
            .annotate(need_count=Count("needs"))
        )
        for row in rows.order_by("-date", "-uuid")[:limit]:
            items.append(
                TimelineItem(
                    TimelineKind.ASSESSMENT,
                    "assessment",
                    day_start(row.date),
                    row.uuid,
                    row.establishment,
                    row,
                )
            )

    if TimelineKind.PROJET in kinds:
        rows = (
            _scoped(ProjetPersonnalise.objects.filter(person=person), filters)
            .filter(_date_before("date", "projet", before), _date_range("date", filters))
            .select_related("establishment", "author")
        )
        for row in rows.order_by("-date", "-uuid")[:limit]:
            items.append(
                TimelineItem(
                    TimelineKind.PROJET, "projet", day_start(row.date), row.uuid, row.establishment, row
                )
            )

    if TimelineKind.SERVICE in kinds:
        rows = (
            _scoped(ServiceDelivery.objects.filter(person=person), filters)
            .filter(_date_before("date", "service", before), _date_range("date", filters))
            .select_related("establishment", "concept", "professional")
        )
        for row in rows.order_by("-date", "-uuid")[:limit]:
            items.append(
                TimelineItem(
                    TimelineKind.SERVICE, "service", day_start(row.date), row.uuid, row.establishment, row
                )
            )

    if TimelineKind.NOTE in kinds:
        rows = (
            _scoped(Note.objects.filter(person=person), filters)
            .filter(_datetime_before("written_at", "note", before))
            .select_related("establishment", "author")
        )
        if filters.date_from:
            rows = rows.filter(written_at__gte=day_start(filters.date_from))
        if filters.date_to:
            rows = rows.filter(written_at__lt=day_start(filters.date_to + datetime.timedelta(days=1)))
        if with_documents:
            rows = rows.prefetch_related("documents")
        for row in rows.order_by("-written_at", "-uuid")[:limit]:
            items.append(
                TimelineItem(
                    TimelineKind.NOTE, "note", row.written_at, row.uuid, row.establishment, row, has_time=True
                )
            )

    items.sort(key=lambda item: item.cursor, reverse=True)
    page = TimelinePage(items=items[:page_size])
    if len(items) > page_size:
        page.next_cursor = page.items[-1].cursor
    return page


def timeline_context(request, person, readable: set[str], admissions: list[Admission]) -> dict:
    """What the person page and the timeline fragment need: the filter form, one page of items
    and the link to the next one. `readable` holds the categories the user may read (already
    logged by the caller)."""
    from parcours.records.forms import TimelineFilterForm

    allowed_kinds = [kind for kind in TimelineKind if TIMELINE_CATEGORIES[kind] in readable]
    establishments = {a.establishment.uuid: a.establishment for a in admissions}
    form = TimelineFilterForm(
        request.GET or None,
        kinds=allowed_kinds,
        establishments=sorted(establishments.values(), key=lambda e: e.name),
    )
    filters = TimelineFilters(kinds=set(allowed_kinds))
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            filters.kinds = set(data["kind"]) & set(allowed_kinds)
        if data["establishment"]:
            filters.establishment_id = establishments[data["establishment"]].pk
        filters.date_from, filters.date_to = data["du"], data["au"]
    cursor = Cursor.parse(request.GET.get("before"), request.GET.get("before_id"))
    page = person_timeline(
        person, filters, before=cursor, admissions=admissions, with_documents=Category.DOCUMENTS in readable
    )
    return {
        "timeline": page,
        "timeline_form": form,
        "timeline_kinds": allowed_kinds,
        "timeline_next": page.next_cursor.as_params() if page.next_cursor else None,
        "timeline_continued": cursor is not None,
        "timeline_filtered": form.is_bound and form.has_changed(),
    }
