"""Who can see what of a person's record, and why, in plain words for the person page: the teams
supporting the person, the directions, and the consents in force. Mirrors the rules of `policy`."""

from dataclasses import dataclass, field

from parcours.access.models import Consent
from parcours.access.policy import grace_start
from parcours.people.models import Person
from parcours.records.models import Admission


@dataclass
class Sharing:
    teams: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    gestionnaires: list[str] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)


def sharing_of(person: Person) -> Sharing:
    """Two queries: the establishments that supported the person, and the consents in force."""
    sharing = Sharing()
    rows = (
        Admission.objects.filter(person=person)
        .values_list("establishment__name", "establishment__gestionnaire__name", "end_date")
        .order_by("establishment__name")
    )
    start = grace_start()
    for name, gestionnaire, end_date in rows:
        if (end_date is None or end_date >= start) and name not in sharing.teams:
            sharing.teams.append(name)
        if name not in sharing.directions:
            sharing.directions.append(name)
        if gestionnaire not in sharing.gestionnaires:
            sharing.gestionnaires.append(gestionnaire)
    sharing.consents = list(
        Consent.objects.active()
        .filter(person=person)
        .select_related("establishment")
        .order_by("establishment__name", "valid_from", "pk")
    )
    return sharing
