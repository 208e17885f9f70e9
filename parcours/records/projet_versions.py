"""The versions of a projet personnalisé: what the person was shown when the team proposed it, frozen.

Business rules:
- Each time the team proposes a projet to the person, what the person reads is frozen in a new
  version (numbered 1, 2, 3... per projet): date, review date, the person's words, the goals with
  their description and their planned services, the services without a goal; each service with its
  SERAFIN-PH code and label and its frequency in words ("2 fois par semaine").
- An agreement, a request for changes or a comment answers one version. Only the latest version of
  a projet still proposed can be agreed: once the team changed the projet, an agreement given on
  the older text would not say what the person agreed to.
- Versions are never changed: a review proposes a new version, the older ones keep their answers.

The helpers here neither decide access nor log: their callers (records.services, the projet pages
of the team and of the person's space) have opened the record through `parcours.access` first.
"""

import datetime
import json
from dataclasses import dataclass, field

from parcours.records.enums import FrequencyPeriod, ProjetResponseKind, ProjetStatus, ResponseCapacity
from parcours.records.models import PlannedService, ProjetPersonnalise, ProjetResponse, ProjetVersion

# The statuses in which the person's space shows a projet: proposed to them, agreed with them, or
# reopened for review (they still read the version they agreed to while the team prepares the next).
SHOWN_STATUSES = (ProjetStatus.PROPOSED, ProjetStatus.AGREED, ProjetStatus.UNDER_REVIEW)

PERIOD_WORDS = {
    FrequencyPeriod.DAY: "par jour",
    FrequencyPeriod.WEEK: "par semaine",
    FrequencyPeriod.MONTH: "par mois",
    FrequencyPeriod.YEAR: "par an",
}


def frequency_words(count: int, period: str) -> str:
    """The frequency in words: "2 fois par semaine", "1 fois par mois"."""
    return f"{count} fois {PERIOD_WORDS.get(period, '')}".strip()


def _service(service: PlannedService) -> dict:
    return {
        "code": service.concept.code,
        "label": service.concept.label,
        "frequency": frequency_words(service.frequency_count, service.frequency_period),
    }


def snapshot(projet: ProjetPersonnalise) -> dict:
    """What the person is shown of this projet now, as plain data (JSON-ready)."""
    services = list(projet.planned_services.select_related("concept").order_by("pk"))
    goals = []
    for goal in projet.goals.order_by("pk"):
        goals.append(
            {
                "title": goal.title,
                "description": goal.description,
                "services": [_service(s) for s in services if s.goal_id == goal.pk],
            }
        )
    return {
        "date": projet.date.isoformat(),
        "review_date": projet.review_date.isoformat(),
        "person_words": projet.person_words,
        "goals": goals,
        "services": [_service(s) for s in services if s.goal_id is None],
    }


def latest_version(projet: ProjetPersonnalise) -> ProjetVersion | None:
    return projet.versions.order_by("-number").first()


def freeze_version(projet: ProjetPersonnalise, *, user) -> ProjetVersion:
    """A new version of the projet, numbered after the last one, holding what the person is shown.
    Called by records.services inside its transaction, the projet's row locked."""
    last = latest_version(projet)
    return ProjetVersion.objects.create(
        projet=projet,
        number=(last.number + 1) if last else 1,
        content=json.dumps(snapshot(projet), ensure_ascii=False),
        proposed_by=user,
    )


# Reading a version


@dataclass(frozen=True)
class ServiceLine:
    code: str
    label: str
    frequency: str


@dataclass(frozen=True)
class GoalText:
    title: str
    description: str
    services: list[ServiceLine] = field(default_factory=list)


@dataclass(frozen=True)
class VersionText:
    """A version's content, read back for a page."""

    date: datetime.date | None
    review_date: datetime.date | None
    person_words: str
    goals: list[GoalText]
    services: list[ServiceLine]

    @property
    def every_service(self) -> list[tuple[ServiceLine, str]]:
        """Every planned service with the title of its goal ("" without one), goals first."""
        return [(line, goal.title) for goal in self.goals for line in goal.services] + [
            (line, "") for line in self.services
        ]


def _date(value) -> datetime.date | None:
    try:
        return datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _lines(rows) -> list[ServiceLine]:
    return [
        ServiceLine(str(row.get("code", "")), str(row.get("label", "")), str(row.get("frequency", "")))
        for row in rows or []
        if isinstance(row, dict)
    ]


def read_version(version: ProjetVersion) -> VersionText:
    """The version's content. A content erased by the retention rules (an empty object) reads as an
    empty projet rather than failing."""
    try:
        data = json.loads(version.content or "{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    goals = [
        GoalText(str(goal.get("title", "")), str(goal.get("description", "")), _lines(goal.get("services")))
        for goal in data.get("goals") or []
        if isinstance(goal, dict)
    ]
    return VersionText(
        date=_date(data.get("date")),
        review_date=_date(data.get("review_date")),
        person_words=str(data.get("person_words", "")),
        goals=goals,
        services=_lines(data.get("services")),
    )


def agreement_of(version: ProjetVersion) -> ProjetResponse | None:
    """The agreement given to this version, if any (the first one: a version is agreed once)."""
    return version.responses.filter(kind=ProjetResponseKind.AGREE).order_by("at", "pk").first()


def capacity_label(response: ProjetResponse) -> str:
    """In what capacity, for the team: "Son représentant légal (Tutelle)"."""
    label = ResponseCapacity(response.capacity).label
    if response.capacity == ResponseCapacity.REPRESENTATIVE and response.protection_id:
        label = f"{label} ({response.protection.get_measure_display()})"
    return label
