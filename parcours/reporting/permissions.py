"""Who may see which dashboard, and whether its figures are masked.

Figures are aggregates, never persons, but small groups of persons can still be singled out from
small counts. The rule, for every scope (an establishment, a gestionnaire, a department, a region):

- **In full** to whoever directs every establishment the scope covers: the direction of the
  establishment, the direction of its gestionnaire (roles of `parcours.staff`). That is the only
  case where a count below the disclosure threshold is shown, and it never leaves the gestionnaire.
- **Masked** (`parcours.reporting.publication`) to an agent of an authority whose territory covers
  every establishment of the scope (an ARS its region; a conseil départemental or an MDPH its
  department), and to a director looking beyond their own establishments: the gestionnaire of the
  establishment they direct, the department and the region of their establishments (the scopes
  they compare themselves with).
- Not at all to anyone else (the page answers 404).

Professionals without a direction role have no dashboard: the figures of an establishment are the
direction's tool. Computed once per request and kept on the user object, like
`parcours.access.policy.scope_of`.
"""

from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from parcours.access.policy import scope_of
from parcours.organisations.models import AuthorityAgent, AuthorityKind, Establishment, Gestionnaire
from parcours.reporting.registry import Scope, ScopeKind

_CACHE_ATTRIBUTE = "_parcours_reporting_viewer"


@dataclass(frozen=True)
class Access:
    masked: bool


FULL = Access(masked=False)
MASKED = Access(masked=True)


@dataclass(frozen=True)
class Place:
    """What the rules need to know of one establishment."""

    pk: int
    gestionnaire_id: int
    department_code: str
    region_code: str


@dataclass(frozen=True)
class Viewer:
    own: frozenset[int]  # establishments the user directs, directly or through their gestionnaire
    own_places: tuple[Place, ...]
    regions: frozenset[str]  # territories of the user's authorities
    departments: frozenset[str]

    @property
    def is_authority(self) -> bool:
        return bool(self.regions or self.departments)

    @property
    def is_empty(self) -> bool:
        return not (self.own or self.is_authority)

    def covers(self, place: Place) -> bool:
        return place.region_code in self.regions or place.department_code in self.departments


PLACE_FIELDS = ("pk", "gestionnaire_id", "department_code", "region_code")


def places(queryset) -> list[Place]:
    return [Place(*row) for row in queryset.order_by().values_list(*PLACE_FIELDS)]


def viewer_of(user) -> Viewer:
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False):
        viewer = Viewer(frozenset(), (), frozenset(), frozenset())
    else:
        scope = scope_of(user)
        own = scope.directed | scope.gestionnaire_establishments
        regions, departments = set(), set()
        for kind, region, department in (
            AuthorityAgent.objects.active()
            .filter(user=user)
            .values_list("authority__kind", "authority__region_code", "authority__department_code")
        ):
            if kind == AuthorityKind.ARS:
                regions.add(region)
            else:
                departments.add(department)
        own_places = tuple(places(Establishment.objects.filter(pk__in=own))) if own else ()
        viewer = Viewer(frozenset(own), own_places, frozenset(regions), frozenset(departments))
    setattr(user, _CACHE_ATTRIBUTE, viewer)
    return viewer


def _department_region(department: str) -> str | None:
    return (
        Establishment.objects.filter(department_code=department)
        .order_by()
        .values_list("region_code", flat=True)
        .first()
    )


def decide(viewer: Viewer, scope: Scope, covered: list[Place]) -> Access | None:
    """The access to a scope whose establishments are `covered` (pure: no query)."""
    if viewer.is_empty:
        return None
    if covered and all(place.pk in viewer.own for place in covered):
        return FULL
    if covered and viewer.is_authority and all(viewer.covers(place) for place in covered):
        return MASKED
    mine = viewer.own_places
    if scope.kind == ScopeKind.GESTIONNAIRE:
        if any(place.gestionnaire_id == scope.identifier for place in mine):
            return MASKED
    elif scope.kind == ScopeKind.DEPARTMENT:
        if scope.identifier in viewer.departments or any(p.department_code == scope.identifier for p in mine):
            return MASKED
    elif scope.kind == ScopeKind.REGION:
        if scope.identifier in viewer.regions or any(p.region_code == scope.identifier for p in mine):
            return MASKED
        if any(place.department_code in viewer.departments for place in covered):  # their own region
            return MASKED
    return None


def access_to(user, scope: Scope) -> Access | None:
    """None when the user may not see the scope; otherwise whether its figures are masked."""
    viewer = viewer_of(user)
    if viewer.is_empty:
        return None
    return decide(viewer, scope, places(scope.establishments()))


PLACE_ATTRIBUTE = {
    ScopeKind.ESTABLISHMENT: "pk",
    ScopeKind.GESTIONNAIRE: "gestionnaire_id",
    ScopeKind.DEPARTMENT: "department_code",
    ScopeKind.REGION: "region_code",
}


def access_to_many(user, scopes) -> dict[Scope, Access | None]:
    """`access_to` for several scopes, their establishments read in one query per FINESS category."""
    viewer = viewer_of(user)
    scopes = list(scopes)
    if viewer.is_empty:
        return {scope: None for scope in scopes}
    result: dict[Scope, Access | None] = {}
    for category in {scope.category for scope in scopes}:
        group = [scope for scope in scopes if scope.category == category]
        condition = Q()
        for kind, attribute in PLACE_ATTRIBUTE.items():
            identifiers = [scope.identifier for scope in group if scope.kind == kind]
            if identifiers:
                condition |= Q(**{f"{attribute}__in": identifiers})
        establishments = Establishment.objects.filter(condition)
        if category:
            establishments = establishments.filter(category__code=category)
        found = places(establishments)
        for scope in group:
            attribute = PLACE_ATTRIBUTE[scope.kind]
            covered = [place for place in found if getattr(place, attribute) == scope.identifier]
            result[scope] = decide(viewer, scope, covered)
    return result


def dashboard_scopes(user) -> list[Scope]:
    """The scopes the user may open: their establishments, their gestionnaires, then the departments
    and the regions (their territories, or those of their establishments)."""
    viewer = viewer_of(user)
    if viewer.is_empty:
        return []
    scopes: list[Scope] = []
    establishments = (
        Establishment.objects.filter(pk__in=viewer.own).order_by("name").values_list("pk", flat=True)
    )
    scopes += [Scope.establishment(pk) for pk in establishments]
    gestionnaires = {place.gestionnaire_id for place in viewer.own_places}
    scopes += [
        Scope.gestionnaire(pk)
        for pk in Gestionnaire.objects.filter(pk__in=gestionnaires)
        .order_by("name")
        .values_list("pk", flat=True)
    ]
    departments = set(viewer.departments) | {place.department_code for place in viewer.own_places}
    if viewer.regions:
        departments |= set(
            Establishment.objects.filter(region_code__in=viewer.regions)
            .order_by()
            .values_list("department_code", flat=True)
            .distinct()
        )
    scopes += [Scope.department(code) for code in sorted(departments)]
    regions = set(viewer.regions) | {place.region_code for place in viewer.own_places}
    regions |= set(
        Establishment.objects.filter(department_code__in=viewer.departments)
        .order_by()
        .values_list("region_code", flat=True)
        .distinct()
    )
    scopes += [Scope.region(code) for code in sorted(regions)]
    return scopes


def children(user, scope: Scope) -> list[Scope]:
    """Where the user may drill down from a scope: a region's departments; a department's
    gestionnaires, and the establishments of the department whose gestionnaire the user may not open;
    a gestionnaire's establishments. Reads at most three queries, whatever the number of children."""
    viewer = viewer_of(user)
    if viewer.is_empty or scope.kind == ScopeKind.ESTABLISHMENT:
        return []
    covered = places(scope.establishments())
    if scope.kind == ScopeKind.REGION:
        by_department: dict[str, list[Place]] = {}
        for place in covered:
            by_department.setdefault(place.department_code, []).append(place)
        return [
            Scope.department(code)
            for code, members in sorted(by_department.items())
            if decide(viewer, Scope.department(code), members) is not None
        ]
    establishments = [Scope.establishment(place.pk) for place in covered]
    if scope.kind == ScopeKind.GESTIONNAIRE:
        allowed = [
            child
            for child, place in zip(establishments, covered, strict=True)
            if decide(viewer, child, [place])
        ]
        return _by_name(allowed)
    # A department: its gestionnaires (all their establishments, wherever they are, decide).
    gestionnaire_ids = {place.gestionnaire_id for place in covered}
    of_gestionnaire: dict[int, list[Place]] = {}
    for place in places(Establishment.objects.filter(gestionnaire_id__in=gestionnaire_ids)):
        of_gestionnaire.setdefault(place.gestionnaire_id, []).append(place)
    open_gestionnaires = {
        pk for pk, members in of_gestionnaire.items() if decide(viewer, Scope.gestionnaire(pk), members)
    }
    result = _by_name([Scope.gestionnaire(pk) for pk in open_gestionnaires])
    result += _by_name(
        [
            child
            for child, place in zip(establishments, covered, strict=True)
            if place.gestionnaire_id not in open_gestionnaires and decide(viewer, child, [place])
        ]
    )
    return result


def _by_name(scopes: list[Scope]) -> list[Scope]:
    if not scopes:
        return []
    model = Establishment if scopes[0].kind == ScopeKind.ESTABLISHMENT else Gestionnaire
    names = dict(model.objects.filter(pk__in=[s.identifier for s in scopes]).values_list("pk", "name"))
    return sorted(scopes, key=lambda s: (names.get(s.identifier, ""), s.identifier))


def parent(scope: Scope) -> Scope | None:
    """The scope above, for comparison: an establishment's department; the department where a
    gestionnaire has most establishments (the smallest code on a tie); a department's region."""
    if scope.kind == ScopeKind.ESTABLISHMENT:
        code = (
            Establishment.objects.filter(pk=scope.identifier)
            .values_list("department_code", flat=True)
            .first()
        )
        return Scope.department(code) if code else None
    if scope.kind == ScopeKind.GESTIONNAIRE:
        counts = Counter(
            Establishment.objects.filter(gestionnaire_id=scope.identifier).values_list(
                "department_code", flat=True
            )
        )
        if not counts:
            return None
        code = min(counts, key=lambda c: (-counts[c], c))
        return Scope.department(code)
    if scope.kind == ScopeKind.DEPARTMENT:
        region = _department_region(scope.identifier)
        return Scope.region(region) if region else None
    return None


def scope_label(scope: Scope) -> str:
    """The French name of a scope."""
    if scope.kind == ScopeKind.ESTABLISHMENT:
        return Establishment.objects.filter(pk=scope.identifier).values_list("name", flat=True).first() or ""
    if scope.kind == ScopeKind.GESTIONNAIRE:
        return Gestionnaire.objects.filter(pk=scope.identifier).values_list("name", flat=True).first() or ""
    if scope.kind == ScopeKind.DEPARTMENT:
        return f"Département {scope.identifier}"
    return f"Région {scope.identifier}"


def is_reporting_user(user) -> bool:
    return not viewer_of(user).is_empty
