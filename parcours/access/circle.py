"""The access policy of the circle of carers around a person (parcours.coordination).

Rules (business words):
- The circle's tasks, shared agenda and conversations are read and written by its members only: a
  professional or a family carer the circle counts, with a login, and who has not left it. Being in
  the team of an establishment that supports the person is not enough: the team's members join the
  circle like anyone else.
- The circle's conversations "with the family" are open to the family carers of the circle; those
  "between professionals" are not.
- Who is in the circle is decided by those who write the person's identity (the team and the
  direction of an establishment that supports the person, `policy.decide(..., IDENTITY, UPDATE)`); a
  professional of a structure that does not support the person joins only with the person's consent
  to that structure (checked when they are added).
- A member reads, on the circle's page, the person's name and what the circle holds; nothing else of
  the record comes with it (the record's other parts follow `policy`).
Memberships are read again at every request: leaving the circle takes effect at the next one.
"""

from parcours.access.enums import Basis
from parcours.people.models import Person


def membership(user, person: Person):
    """The user's active membership of this person's circle, or None (one query per person and
    request)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active or person.pk is None:
        return None
    cache = user.__dict__.setdefault("_parcours_circles", {})
    if person.pk not in cache:
        from parcours.coordination.models import CircleMember  # coordination depends on access

        cache[person.pk] = CircleMember.objects.active().filter(user=user, person=person).first()
    return cache[person.pk]


def forget_memberships(user) -> None:
    user.__dict__.pop("_parcours_circles", None)


def decide_circle(user, person: Person, *, with_family: bool = False):
    """May this user read and write the circle of this person? `with_family`: a conversation open to
    the family (family carers are members of those only)."""
    from parcours.access.policy import Decision

    member = membership(user, person)
    if member is None:
        return Decision(False, Basis.NONE)
    if member.relative_id and not with_family:
        return Decision(False, Basis.NONE)
    return Decision(True, Basis.CIRCLE)


def circles_of(user):
    """The persons whose circle this user is an active member of."""
    from parcours.coordination.models import CircleMember

    return Person.objects.filter(pk__in=CircleMember.objects.active().filter(user=user).values("person_id"))
