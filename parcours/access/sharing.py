"""Who can see what of a person's record, and why, in plain words for the person page: the teams
supporting the person, the directions, the consents in force, the emergency accesses running and a
restriction of processing. Mirrors the rules of `policy`."""

from dataclasses import dataclass, field

from parcours.access.models import BreakGlass, Consent, Restriction
from parcours.access.policy import grace_start, may_restrict
from parcours.people.models import Person
from parcours.records.models import Admission
from parcours.staff.models import Membership


@dataclass
class Sharing:
    teams: list[str] = field(default_factory=list)
    directions: list[str] = field(default_factory=list)
    gestionnaires: list[str] = field(default_factory=list)
    consents: list[Consent] = field(default_factory=list)
    # (establishments of the professional, end of the access) of each emergency access running.
    break_glass: list[tuple[list[str], object]] = field(default_factory=list)
    restriction: Restriction | None = None
    # May the reader restrict processing, or lift the restriction (an establishment's direction)?
    may_restrict: bool = False


def sharing_of(person: Person, user=None) -> Sharing:
    """A handful of queries: the establishments that supported the person, the consents in force,
    the emergency accesses running and the restriction of processing."""
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
    accesses = list(BreakGlass.objects.active().filter(person=person).order_by("opened_at"))
    if accesses:
        places: dict[int, set[str]] = {access.user_id: set() for access in accesses}
        memberships = (
            Membership.objects.active()
            .filter(professional__user_id__in=places, establishment__isnull=False)
            .values_list("professional__user_id", "establishment__name")
        )
        for user_id, name in memberships:
            places[user_id].add(name)
        sharing.break_glass = [(sorted(places[access.user_id]), access.expires_at) for access in accesses]
    sharing.restriction = Restriction.objects.active().filter(person=person).first()
    if user is not None:
        sharing.may_restrict = may_restrict(user, person)
    return sharing
