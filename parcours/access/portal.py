"""The access policy of the person's own space (parcours.portal): who may do what there, and why.

Rules (business words):
- The person has all the powers of their space: follow the day, read and comment on their projet
  personnalisé and agree to it, message the team, decide what is shared with whom (consents and the
  rights of their relatives), see who opened their record and download their data, answer the
  satisfaction questionnaires.
- A legal representative acts for the person within the scope of the measure, while it is in force
  (from its start date to its end date, both included):
  - a measure of representation (tutelle, habilitation familiale, mandat de protection future,
    autorité parentale, délégation d'autorité parentale or tutelle of a minor) gives every power of
    the person;
  - a measure of assistance (curatelle simple or renforcée, sauvegarde de justice) lets the
    representative follow the day, read and comment on the projet, agree to it beside the person and
    message the team; deciding what is shared, the person's data and their questionnaires stay with
    the person.
- A relative holds only the rights the person (or their legal representative) gave them, among:
  follow the day, read and comment on the projet, message the team. A relative never agrees to the
  projet, never changes what is shared, never reads the access log nor downloads the data.
- In the person's space, notes, activities and appointments are shown only when the team marked them
  as shareable; a note never shared is never shown, whoever asks.
- Nobody reaches another person's space: a link names one person, and a login follows only the
  persons it has a link to. A revoked link, a deactivated login, or a measure that ended opens nothing.
Links are read again at every request, so a change of rights takes effect at the next request.
"""

from dataclasses import dataclass

from django.utils import timezone

from parcours.access.enums import Basis, PortalPower, PortalRight, PortalRole
from parcours.people.enums import ProtectionMeasure
from parcours.people.models import Person

REPRESENTATION = frozenset(
    {
        ProtectionMeasure.TUTELLE,
        ProtectionMeasure.HABILITATION_FAMILIALE,
        ProtectionMeasure.MANDAT_PROTECTION_FUTURE,
        ProtectionMeasure.AUTORITE_PARENTALE,
        ProtectionMeasure.DELEGATION_AUTORITE,
    }
)
ASSISTANCE = frozenset(
    {ProtectionMeasure.CURATELLE_SIMPLE, ProtectionMeasure.CURATELLE_RENFORCEE, ProtectionMeasure.SAUVEGARDE}
)
PERSON_POWERS = frozenset(PortalPower.values)
ASSISTANCE_POWERS = frozenset({PortalPower.DAY, PortalPower.PROJET, PortalPower.MESSAGES, PortalPower.AGREE})
# A relative's rights are powers of the same name.
RELATIVE_POWERS = frozenset(PortalRight.values)

BASIS_OF_ROLE = {
    PortalRole.PERSON: Basis.PERSON,
    PortalRole.REPRESENTATIVE: Basis.REPRESENTATIVE,
    PortalRole.RELATIVE: Basis.RELATIVE,
}


@dataclass(frozen=True)
class Link:
    """One person a login follows, in what capacity, with which powers today."""

    account_id: int
    person_id: int
    role: str
    powers: frozenset[str]
    protection_id: int | None = None

    @property
    def basis(self) -> str:
        return BASIS_OF_ROLE[self.role]


def measure_powers(measure: str, start, end, today) -> frozenset[str]:
    """The powers a legal representative holds today under this measure."""
    if start > today or (end is not None and end < today):
        return frozenset()
    if measure in REPRESENTATION:
        return PERSON_POWERS
    if measure in ASSISTANCE:
        return ASSISTANCE_POWERS
    return frozenset()


def links_of(user) -> dict[int, Link]:
    """The persons this login follows today, by person id: one query per request."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    cached = getattr(user, "_parcours_portal_links", None)
    if cached is not None:
        return cached
    from parcours.portal.models import PortalAccount  # the portal app depends on access, not the reverse

    today = timezone.localdate()
    links = {}
    rows = PortalAccount.objects.active().filter(user=user).values_list(
        "pk", "person_id", "role", "rights", "protection_id",
        "protection__measure", "protection__start_date", "protection__end_date",
    )  # fmt: skip
    for pk, person_id, role, rights, protection_id, measure, start, end in rows:
        if role == PortalRole.PERSON:
            powers = PERSON_POWERS
        elif role == PortalRole.REPRESENTATIVE:
            powers = measure_powers(measure, start, end, today) if protection_id else frozenset()
        else:
            powers = frozenset(rights or ()) & RELATIVE_POWERS
        if not powers:
            continue
        link = Link(pk, person_id, role, frozenset(powers), protection_id)
        current = links.get(person_id)
        # The same login linked twice to a person (relative, then representative): the wider link wins.
        if current is None or len(link.powers) > len(current.powers):
            links[person_id] = link
    user._parcours_portal_links = links
    return links


def forget_links(user) -> None:
    """After a change of links or rights within the same request."""
    user.__dict__.pop("_parcours_portal_links", None)


def link_to(user, person: Person) -> Link | None:
    return links_of(user).get(person.pk)


def followed_persons(user):
    """The persons whose space this login may open (for the portal's home page)."""
    return Person.objects.filter(pk__in=list(links_of(user)))


def is_portal_user(user) -> bool:
    return bool(links_of(user))


def decide_portal(user, person: Person, power: str):
    """May this login use this power in this person's space? A `policy.Decision`."""
    from parcours.access.policy import Decision

    link = link_to(user, person)
    if link is None or power not in link.powers:
        return Decision(False, Basis.NONE)
    return Decision(True, link.basis)
