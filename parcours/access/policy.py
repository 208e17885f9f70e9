"""The one access policy of Parcours: who may read or write which category of whose record, and why.

Rules (business words):
- A professional (team member) of an establishment reads and writes the record of every person
  with an admission there that is current, or ended less than PARCOURS_ACCESS_GRACE_DAYS ago.
- The team of the establishment that opened a record sees it as long as the person has no
  admission anywhere (pre-admission).
- An establishment's direction reads and writes the record of every person ever supported there.
- A gestionnaire's direction reads the records of every person ever supported in one of its
  establishments, except daily notes, documents and health information, and writes nothing.
- With the person's consent (or their legal representative's), the team and the direction of
  another establishment read the categories consented to, while the consent is granted, not
  withdrawn and within its dates; they write nothing. Without identity, a consent opens nothing.
- Break-glass: a professional (team member or director) without any of these rights who opened an
  emergency access to a record, after writing why, reads every category of it, and writes nothing,
  until the access expires (PARCOURS_BREAK_GLASS_HOURS).
- While processing of a record is restricted (RGPD art. 18), nobody writes in it and consents
  open it to nobody; those who support the person still read it.
- A category of the record in intermediate archive (retention, docs/retention.md) is closed to the
  gestionnaire's direction and to consents, and the establishment's direction only reads it; a
  record whose identity is archived leaves their lists. The team and break-glass are unaffected:
  a person is archived long after their support ended, and one supported again is in the active
  base again.
- Arrival: the team and the direction of an establishment asked to admit the person record the steps
  of the request while it is open (update in the parcours); once they accepted the person (a request
  "acceptée", or a liaison file sent to them with the person's consent and not yet imported) they may
  open the person's admission there (create in the parcours); nothing more. Once admitted, they are
  the person's team.
- Nobody else sees anything; superusers administer reference data, not records.
- A user's own access log (what they opened) is read by that user, by the direction of the
  establishments where they work, and by the data protection officer (permission access.view_audit).
Consents, emergency accesses and restrictions are read again at every request (nothing is cached
beyond the request's scope), so a withdrawal or an expiry takes effect at the next request. The
portal and authorities plug in here as new bases.
"""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.utils import timezone

from parcours.access.enums import WRITE_ACTIONS, Action, Basis, Category
from parcours.access.models import BreakGlass, Consent, Restriction
from parcours.organisations.models import Establishment
from parcours.people.models import Person
from parcours.records.models import Admission
from parcours.retention.api import archived_categories, out_of_active_base
from parcours.staff.enums import Role
from parcours.staff.models import Membership

GESTIONNAIRE_HIDDEN = {Category.NOTES, Category.DOCUMENTS, Category.HEALTH}
# Bases that no longer reach a category in intermediate archive.
ARCHIVE_CLOSED = {Basis.GESTIONNAIRE_DIRECTION, Basis.CONSENT}
# Held by the data protection officer (the "DPO" group): the audit view of the access log.
AUDIT_PERMISSION = "access.view_audit"


@dataclass(frozen=True)
class Scope:
    """The establishments a user works in, by role, on a given day."""

    team: frozenset[int]
    directed: frozenset[int]
    gestionnaires: frozenset[int]
    gestionnaire_establishments: frozenset[int]
    # The user, to read the persons below when first asked (a request deciding on one person only
    # asks about that person: `opened_for`).
    user: object = field(default=None, compare=False, repr=False)

    @cached_property
    def _opened(self) -> tuple[frozenset[int], frozenset[int]]:
        if self.user is None:
            return frozenset(), frozenset()
        return _opened_persons(self.user, set(self.team | self.directed))

    @property
    def break_glass(self) -> frozenset[int]:
        """Persons whose record the user opened by an emergency access still running."""
        return self._opened[0]

    @property
    def consented(self) -> frozenset[int]:
        """Persons whose identity an active consent opens to one of the user's establishments."""
        return self._opened[1]

    def opened_for(self, person_id) -> tuple[bool, bool]:
        """(break-glass, consent) for one person: from the sets when a list already read them, else
        one query about this person only."""
        if "_opened" in self.__dict__ or self.user is None:
            return person_id in self.break_glass, person_id in self.consented
        emergency, consented = _opened_persons(self.user, set(self.team | self.directed), person_id)
        return person_id in emergency, person_id in consented

    @property
    def all_establishments(self) -> frozenset[int]:
        return self.team | self.directed | self.gestionnaire_establishments

    @property
    def consent_recipients(self) -> frozenset[int]:
        """Establishments whose team or direction a consent can name."""
        return self.team | self.directed

    @property
    def is_empty(self) -> bool:
        return not self.all_establishments and not self.break_glass

    @property
    def may_break_glass(self) -> bool:
        """Team members and directors may open an emergency access; a gestionnaire's direction,
        which never reads health information, may not."""
        return bool(self.team | self.directed)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    basis: str

    def __bool__(self) -> bool:
        return self.allowed


EMPTY_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset())


def scope_of(user) -> Scope:
    """The user's scope today, computed once per user object (that is, once per request)."""
    if not getattr(user, "is_authenticated", False):
        return EMPTY_SCOPE
    cached = getattr(user, "_parcours_scope", None)
    if cached is not None:
        return cached
    user._parcours_bases = {}  # decisions per person, kept as long as the scope
    user._parcours_archived = {}
    team, directed, gestionnaires = set(), set(), set()
    rows = (
        Membership.objects.active()
        .filter(professional__user=user)
        .values_list("role", "establishment_id", "gestionnaire_id")
    )
    for role, establishment_id, gestionnaire_id in rows:
        if role == Role.PROFESSIONAL:
            team.add(establishment_id)
        elif role == Role.ESTABLISHMENT_DIRECTOR:
            directed.add(establishment_id)
        elif role == Role.GESTIONNAIRE_DIRECTOR:
            gestionnaires.add(gestionnaire_id)
    gestionnaire_establishments = (
        set(Establishment.objects.filter(gestionnaire_id__in=gestionnaires).values_list("pk", flat=True))
        if gestionnaires
        else set()
    )
    scope = Scope(
        frozenset(team),
        frozenset(directed),
        frozenset(gestionnaires),
        frozenset(gestionnaire_establishments),
        user=user,
    )
    user._parcours_scope = scope
    return scope


def _opened_persons(user, establishments: set[int], person_id=None) -> tuple[frozenset[int], frozenset[int]]:
    """The persons a team member or director reads beyond their establishments' own, in one query
    per request (lists then test membership instead of a subquery per row): those of the emergency
    accesses they opened and still running, and those whose identity an active consent opens to
    one of their establishments (unless processing is restricted)."""
    if not establishments:
        return frozenset(), frozenset()
    only = {"person_id": person_id} if person_id is not None else {}
    emergencies = (
        BreakGlass.objects.active()
        .filter(user=user, **only)
        .annotate(kind=Value("b"))
        .values_list("person_id", "kind")
    )
    consents = (
        Consent.objects.active()
        .covering(Category.IDENTITY)
        .filter(establishment_id__in=establishments, **only)
        .exclude(Exists(Restriction.objects.active().filter(person_id=OuterRef("person_id"))))
        .exclude(out_of_active_base(Category.IDENTITY, person_ref="person_id"))
        .annotate(kind=Value("c"))
        .values_list("person_id", "kind")
        .order_by()
    )
    rows = list(emergencies.order_by().union(consents, all=True))
    return (
        frozenset(person for person, kind in rows if kind == "b"),
        frozenset(person for person, kind in rows if kind == "c"),
    )


def grace_start():
    return timezone.localdate() - timedelta(days=settings.PARCOURS_ACCESS_GRACE_DAYS)


def _team_admissions(establishment_ids) -> Q:
    return Q(establishment_id__in=establishment_ids) & (
        Q(end_date__isnull=True) | Q(end_date__gte=grace_start())
    )


def _basis_conditions(scope: Scope) -> list[tuple[str, Q]]:
    """For each basis, the condition on Person that grants it (most specific first)."""
    conditions = []
    if scope.team:
        conditions.append(
            (
                Basis.TEAM,
                Q(Exists(Admission.objects.filter(_team_admissions(scope.team), person_id=OuterRef("pk")))),
            )
        )
        conditions.append(
            (
                Basis.REGISTRATION,
                Q(opened_by_id__in=scope.team)
                & ~Q(Exists(Admission.objects.filter(person_id=OuterRef("pk")))),
            )
        )
    if scope.directed:
        conditions.append(
            (
                Basis.ESTABLISHMENT_DIRECTION,
                Q(
                    Exists(
                        Admission.objects.filter(
                            establishment_id__in=scope.directed, person_id=OuterRef("pk")
                        )
                    )
                )
                | (
                    Q(opened_by_id__in=scope.directed)
                    & ~Q(Exists(Admission.objects.filter(person_id=OuterRef("pk"))))
                ),
            )
        )
    if scope.gestionnaire_establishments:
        conditions.append(
            (
                Basis.GESTIONNAIRE_DIRECTION,
                Q(
                    Exists(
                        Admission.objects.filter(
                            establishment_id__in=scope.gestionnaire_establishments, person_id=OuterRef("pk")
                        )
                    )
                )
                & ~out_of_active_base(Category.IDENTITY),
            )
        )
    if scope.consented:
        conditions.append((Basis.CONSENT, Q(pk__in=scope.consented)))
    if scope.break_glass:
        conditions.append((Basis.BREAK_GLASS, Q(pk__in=scope.break_glass)))
    return conditions


def _consent_condition(scope: Scope, category: str) -> Q:
    """Persons with an active consent to one of the user's establishments covering this category."""
    return Q(
        Exists(
            Consent.objects.active()
            .covering(category)
            .filter(establishment_id__in=scope.consent_recipients, person_id=OuterRef("pk"))
            .exclude(Exists(Restriction.objects.active().filter(person_id=OuterRef("person_id"))))
        )
    )


def consented_categories(user, person: Person) -> frozenset[str]:
    """The categories of this person's record that an active consent opens to one of the user's
    establishments (read only)."""
    scope = scope_of(user)
    if not scope.consent_recipients:
        return frozenset()
    rows = (
        Consent.objects.active()
        .filter(person=person, establishment_id__in=scope.consent_recipients)
        .values_list("categories", flat=True)
    )
    return frozenset(category for categories in rows for category in categories)


def visible_persons(user) -> QuerySet[Person]:
    """Every person whose identity the user may read. Lists and searches start here."""
    conditions = _basis_conditions(scope_of(user))
    if not conditions:
        return Person.objects.none()
    combined = Q()
    for _, condition in conditions:
        combined |= condition
    return Person.objects.filter(combined)


def bases_for(user, person: Person) -> list[str]:
    """The bases on which the user may access this person's record (empty when none), most specific
    first. The same rules as `_basis_conditions`, applied in Python to the person's admissions (one
    small query, once per person and request): opening one record must stay cheap. A test holds the
    two forms to the same answers (tests/access/test_policy_forms.py)."""
    scope = scope_of(user)
    if scope.is_empty:
        return []
    cache = user.__dict__.setdefault("_parcours_bases", {})
    if person.pk is not None and person.pk in cache:
        return cache[person.pk]
    admissions = list(
        Admission.objects.filter(person_id=person.pk).values_list("establishment_id", "end_date")
    )
    start = grace_start()
    opened_here = not admissions and person.opened_by_id
    bases = []
    if any(place in scope.team and (end is None or end >= start) for place, end in admissions):
        bases.append(Basis.TEAM)
    if opened_here and person.opened_by_id in scope.team:
        bases.append(Basis.REGISTRATION)
    if any(place in scope.directed for place, _ in admissions) or (
        opened_here and person.opened_by_id in scope.directed
    ):
        bases.append(Basis.ESTABLISHMENT_DIRECTION)
    if any(place in scope.gestionnaire_establishments for place, _ in admissions):
        bases.append(Basis.GESTIONNAIRE_DIRECTION)
    emergency, consented = scope.opened_for(person.pk)
    if consented:
        bases.append(Basis.CONSENT)
    if emergency:
        bases.append(Basis.BREAK_GLASS)
    if (
        Basis.GESTIONNAIRE_DIRECTION in bases or Basis.CONSENT in bases
    ) and Category.IDENTITY in archived_for(user, person):
        bases = [basis for basis in bases if basis not in ARCHIVE_CLOSED]
    if person.pk is not None:
        cache[person.pk] = bases
    return bases


def archived_for(user, person: Person) -> frozenset[str]:
    """The categories of this record in intermediate archive, read once per person and request."""
    if person.pk is None:
        return frozenset()
    cache = user.__dict__.setdefault("_parcours_archived", {})
    if person.pk not in cache:
        cache[person.pk] = archived_categories(person)
    return cache[person.pk]


def bases_for_many(user, person_ids, category: str, action: str = Action.READ) -> dict[int, str]:
    """For each of these persons the user may see, the basis on which they may do this action on this
    category ('' when they may not), in one query: lists use it instead of deciding person by person."""
    annotations = {}
    scope = scope_of(user)
    for index, (basis, condition) in enumerate(_basis_conditions(scope)):
        if basis == Basis.CONSENT:
            # A consent opens categories for reading only: never a write, never an export.
            if action not in WRITE_ACTIONS and action != Action.EXPORT:
                condition = _consent_condition(scope, category)
                annotations[f"basis_{index}"] = Case(When(condition, then=Value(basis)), default=Value(""))
        elif allows(basis, category, action):
            annotations[f"basis_{index}"] = Case(When(condition, then=Value(basis)), default=Value(""))
    rows = visible_persons(user).filter(pk__in=person_ids).annotate(**annotations).values("pk", *annotations)
    bases = {row["pk"]: next((row[key] for key in annotations if row[key]), "") for row in rows}
    if action in WRITE_ACTIONS and any(bases.values()):
        restricted = Restriction.objects.active().filter(person_id__in=[pk for pk, b in bases.items() if b])
        for pk in restricted.values_list("person_id", flat=True):
            bases[pk] = ""
    return bases


def allows(
    basis: str,
    category: str,
    action: str,
    consented: frozenset[str] = frozenset(),
    archived: frozenset[str] = frozenset(),
) -> bool:
    """Does this basis allow this action on this category? For the consent basis, `consented` holds
    the categories consented to (`consented_categories`): a consent opens them for reading only.
    Exporting a record (the person's right of access) is for those who support the person.
    `archived`: the record's categories in intermediate archive, read by the establishment's
    direction only. (A restriction of processing is applied by `decide`, on top of this.)"""
    if category in archived:
        if basis in ARCHIVE_CLOSED or (basis == Basis.ESTABLISHMENT_DIRECTION and action in WRITE_ACTIONS):
            return False
    if basis in {Basis.TEAM, Basis.REGISTRATION, Basis.ESTABLISHMENT_DIRECTION}:
        return True
    if action in WRITE_ACTIONS or action == Action.EXPORT:
        return False
    if basis == Basis.BREAK_GLASS:
        return True
    if basis == Basis.GESTIONNAIRE_DIRECTION:
        return category not in GESTIONNAIRE_HIDDEN
    if basis == Basis.CONSENT:
        return category in consented
    return False


def decide(user, person: Person, category: str, action: str = Action.READ) -> Decision:
    """May this user do this action on this category of this person's record?"""
    return decide_many(user, person, [category], action)[category]


def decide_many(user, person: Person, categories, action: str = Action.READ) -> dict[str, Decision]:
    """`decide` for several categories of one record, with one evaluation of the bases."""
    refused = Decision(False, Basis.NONE)
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return dict.fromkeys(categories, refused)
    bases = bases_for(user, person)
    if action in WRITE_ACTIONS and bases and is_restricted(person):
        return dict.fromkeys(categories, refused)
    consented = consented_categories(user, person) if Basis.CONSENT in bases else frozenset()
    archived = archived_for(user, person) if bases else frozenset()
    decisions = {}
    for category in categories:
        basis = next((b for b in bases if allows(b, category, action, consented, archived)), None)
        decisions[category] = Decision(True, basis) if basis else refused
    if (
        action in (Action.CREATE, Action.UPDATE)
        and Category.PARCOURS in decisions
        and not decisions[Category.PARCOURS]
        and arriving(user, person, action)
    ):
        decisions[Category.PARCOURS] = Decision(True, Basis.ARRIVAL)
    return decisions


def arriving(user, person: Person, action: str = Action.CREATE) -> bool:
    """For an update: is an admission request addressed to one of the user's establishments (team or
    direction) still open? For a creation: did one of them accept the person, by an admission request
    "acceptée" or a liaison file sent to it with a consent still in force and not yet imported? Never
    while processing of the record is restricted."""
    from parcours.coordination.enums import OPEN_STATUSES, LiaisonStatus, RequestStatus  # uses access
    from parcours.coordination.models import AdmissionRequest, LiaisonFile

    establishments = scope_of(user).consent_recipients
    if not establishments or person.pk is None or is_restricted(person):
        return False
    requests = AdmissionRequest.objects.filter(person=person, establishment_id__in=establishments)
    if action == Action.UPDATE:
        return requests.filter(status__in=OPEN_STATUSES).exists()
    return (
        requests.filter(status=RequestStatus.ADMISSIBLE).exists()
        or LiaisonFile.objects.filter(
            person=person,
            to_establishment_id__in=establishments,
            status=LiaisonStatus.SENT,
            consent__in=Consent.objects.active(),
        ).exists()
    )


def may_restrict(user, person: Person) -> bool:
    """Restricting processing of a record, and lifting the restriction, is for the direction of an
    establishment that supports or supported the person."""
    return Basis.ESTABLISHMENT_DIRECTION in bases_for(user, person)


def is_restricted(person: Person) -> bool:
    """Is processing of this record restricted (RGPD art. 18)? Then nobody writes in it."""
    return Restriction.objects.active().filter(person=person).exists()


def writable_establishments(user) -> QuerySet[Establishment]:
    """Establishments in whose name the user may write (admit, note, log a service)."""
    scope = scope_of(user)
    return Establishment.objects.filter(pk__in=scope.team | scope.directed)


def readable_establishments(user) -> QuerySet[Establishment]:
    """Establishments whose page (capacity, occupancy, team) the user may open."""
    return Establishment.objects.filter(pk__in=scope_of(user).all_establishments)


def may_audit(user) -> bool:
    """The data protection officer's view of unusual access (permission access.view_audit)."""
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(AUDIT_PERMISSION)
    )


def readable_user_logs(user) -> QuerySet:
    """The users whose own access log (what they opened) this user may read: themself; as an
    establishment's or a gestionnaire's direction, every current member of the teams of the
    establishments they direct; the data protection officer, everyone."""
    User = get_user_model()
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return User.objects.none()
    if may_audit(user):
        return User.objects.all()
    scope = scope_of(user)
    directed = scope.directed | scope.gestionnaire_establishments
    condition = Q(pk=user.pk)
    if directed:
        members = Membership.objects.active().filter(establishment_id__in=directed)
        condition |= Q(pk__in=members.values("professional__user_id"))
    return User.objects.filter(condition)


def break_glass_directors(access: BreakGlass) -> QuerySet:
    """The users told of an emergency access: the directors of the establishments where the
    professional works and of those that support or supported the person."""
    User = get_user_model()
    worked = (
        Membership.objects.active().filter(professional__user_id=access.user_id).values("establishment_id")
    )
    supported = Admission.objects.filter(person_id=access.person_id).values("establishment_id")
    directors = Membership.objects.active().filter(
        Q(establishment_id__in=worked) | Q(establishment_id__in=supported), role=Role.ESTABLISHMENT_DIRECTOR
    )
    return User.objects.filter(pk__in=directors.values("professional__user_id"), is_active=True)


def break_glass_reviewable_by(user) -> QuerySet:
    """The emergency accesses this user reviews: every one for the data protection officer; for a
    director, those of the professionals of the establishments they direct and those to the
    records of persons these establishments support or supported."""
    if may_audit(user):
        return BreakGlass.objects.all()
    directed = scope_of(user).directed
    if not directed:
        return BreakGlass.objects.none()
    members = Membership.objects.active().filter(establishment_id__in=directed)
    supported = Admission.objects.filter(establishment_id__in=directed)
    return BreakGlass.objects.filter(
        Q(user_id__in=members.values("professional__user_id"))
        | Q(person_id__in=supported.values("person_id"))
    )
