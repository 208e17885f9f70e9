"""What views, services, commands and APIs call to reach a person's data.

Every function here both decides (through `policy`) and leaves a trace (through `journal`).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from parcours.access import policy
from parcours.access.enums import Action, Basis, Category
from parcours.access.journal import Actor, record, record_many
from parcours.access.models import AccessLogEntry
from parcours.people.models import Person

__all__ = ["AccessDenied", "Actor", "Action", "Category", "require", "read_person", "get_person_or_404",
           "log_listing", "visible_persons", "read_person_categories"]

visible_persons = policy.visible_persons


class AccessDenied(PermissionDenied):
    """Raised when the policy refuses; the refusal is already in the access log."""


def require(actor: Actor, person: Person, category: str, action: str, obj=None) -> policy.Decision:
    """Decide, log the decision, and raise AccessDenied when refused."""
    decision = policy.decide(actor.user, person, category, action)
    record(actor, person=person, action=action, category=category, allowed=decision.allowed,
           basis=decision.basis, obj=obj)
    if not decision:
        raise AccessDenied("Vous n'avez pas accès à ces informations.")
    return decision


def get_person_or_404(actor: Actor, person_uuid, category: str = Category.IDENTITY,
                      action: str = Action.READ) -> tuple[Person, policy.Decision]:
    """The person, when the user may access this category; otherwise a 404 that hides whether the
    record exists, with the refusal in the access log."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Dossier introuvable.")
    decision = policy.decide(actor.user, person, category, action)
    record(actor, person=person, action=action, category=category, allowed=decision.allowed,
           basis=decision.basis, obj=person)
    if not decision:
        raise Http404("Dossier introuvable.")
    return person, decision


def read_person(actor: Actor, person: Person, category: str, obj=None) -> policy.Decision:
    """Log (and check) a read of one more category of a person already opened."""
    return require(actor, person, category, Action.READ, obj=obj)


def log_listing(actor: Actor, persons, *, action: str = Action.LIST, details: dict | None = None) -> int:
    """Trace that these persons' identities were shown in a list or a search result."""
    return record_many(actor, persons, action=action, category=Category.IDENTITY, basis=Basis.VISIBLE,
                       details=details)


def read_person_categories(actor: Actor, person: Person, categories) -> dict[str, policy.Decision]:
    """Decide the read of several categories of a record already opened, with one policy evaluation,
    and log one entry per category actually read (a single INSERT). Categories the user may not
    read are left out of the page, so nothing is read and nothing is logged for them."""
    user = actor.user
    bases = policy.bases_for(user, person) if getattr(user, "is_active", False) else []
    decisions = {}
    for category in categories:
        basis = next((b for b in bases if policy.allows(b, category, Action.READ)), None)
        decisions[category] = policy.Decision(basis is not None, basis or Basis.NONE)
    AccessLogEntry.objects.bulk_create([
        AccessLogEntry(actor=user, person=person, action=Action.READ, category=category, allowed=True,
                       basis=decision.basis, object_type="Person", object_uuid=person.uuid,
                       ip_address=actor.ip_address, channel=actor.channel)
        for category, decision in decisions.items() if decision
    ])
    return decisions
