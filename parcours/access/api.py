"""What views, services, commands and APIs call to reach a person's data.

Every function here both decides (through `policy`) and leaves a trace (through `journal`).
"""

import contextlib
import contextvars
import functools

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404

from parcours.access import circle, policy, portal
from parcours.access.enums import Action, Basis, Category
from parcours.access.journal import Actor, record, record_many
from parcours.access.models import AccessLogEntry
from parcours.people.models import Person

__all__ = [
    "AccessDenied",
    "Actor",
    "Action",
    "Category",
    "atomic_service",
    "require",
    "read_person",
    "get_person_or_404",
    "log_listing",
    "visible_persons",
    "read_person_categories",
    "open_person_page",
    "open_portal",
    "decide_portal_page",
    "log_portal_reads",
    "require_portal",
    "require_circle",
    "open_circle_page",
    "may_import",
    "require_write",
]

visible_persons = policy.visible_persons


class AccessDenied(PermissionDenied):
    """Raised when the policy refuses. The refusal is in the access log; when it happened inside a
    service, `atomic_service` writes it once the service's transaction has been rolled back."""

    def __init__(self, message: str, pending_refusal=None):
        super().__init__(message)
        self.pending_refusal = pending_refusal


# How many service functions (atomic_service) are running in this thread or task.
_service_depth: contextvars.ContextVar[int] = contextvars.ContextVar("parcours_service_depth", default=0)


def require(actor: Actor, person: Person, category: str, action: str, obj=None) -> policy.Decision:
    """Decide, log the decision, and raise AccessDenied when refused."""
    decision = policy.decide(actor.user, person, category, action)
    return _enforce(actor, person, decision, category, action, obj)


def _enforce(actor: Actor, person: Person, decision, category: str, action: str, obj=None, details=None):
    """Log the decision; when refused, raise AccessDenied (inside a service, the refusal is written by
    the outermost service once its transaction is rolled back, which would otherwise erase it)."""

    def log() -> None:
        record(
            actor,
            person=person,
            action=action,
            category=category,
            allowed=decision.allowed,
            basis=decision.basis,
            obj=obj,
            details=details,
        )

    if decision:
        log()
        return decision
    if _service_depth.get():
        raise AccessDenied("Vous n'avez pas accès à ces informations.", pending_refusal=log)
    log()
    raise AccessDenied("Vous n'avez pas accès à ces informations.")


def atomic_service(func):
    """`transaction.atomic` for a service function: everything or nothing is written, except that a
    refusal of the access policy stays in the access log once the transaction is rolled back."""
    atomic_func = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        token = _service_depth.set(_service_depth.get() + 1)
        try:
            return atomic_func(*args, **kwargs)
        except AccessDenied as denied:
            if token.old_value in (0, contextvars.Token.MISSING) and denied.pending_refusal is not None:
                denied.pending_refusal()
                denied.pending_refusal = None
            raise
        finally:
            _service_depth.reset(token)

    return wrapper


def get_person_or_404(
    actor: Actor,
    person_uuid,
    category: str = Category.IDENTITY,
    action: str = Action.READ,
    *,
    details: dict | None = None,
) -> tuple[Person, policy.Decision]:
    """The person, when the user may access this category; otherwise a 404 that hides whether the
    record exists, with the refusal in the access log (`details`: codes saying which page read it)."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Dossier introuvable.")
    decision = policy.decide(actor.user, person, category, action)
    record(
        actor,
        person=person,
        action=action,
        category=category,
        allowed=decision.allowed,
        basis=decision.basis,
        obj=person,
        details=details,
    )
    if not decision:
        raise Http404("Dossier introuvable.")
    return person, decision


def read_person(actor: Actor, person: Person, category: str, obj=None) -> policy.Decision:
    """Log (and check) a read of one more category of a person already opened."""
    return require(actor, person, category, Action.READ, obj=obj)


def log_listing(actor: Actor, persons, *, action: str = Action.LIST, details: dict | None = None) -> int:
    """Trace that these persons' identities were shown in a list or a search result."""
    return record_many(
        actor, persons, action=action, category=Category.IDENTITY, basis=Basis.VISIBLE, details=details
    )


def _read_entry(actor: Actor, person: Person, category: str, decision, details=None) -> AccessLogEntry:
    return AccessLogEntry(
        actor=actor.user,
        person=person,
        action=Action.READ,
        category=category,
        allowed=decision.allowed,
        basis=decision.basis,
        object_type="Person",
        object_uuid=person.uuid,
        ip_address=actor.ip_address,
        channel=actor.channel,
        details=details or {},
    )


def read_person_categories(actor: Actor, person: Person, categories) -> dict[str, policy.Decision]:
    """Decide the read of several categories of a record already opened, with one policy evaluation,
    and log one entry per category actually read (a single INSERT). Categories the user may not
    read are left out of the page, so nothing is read and nothing is logged for them."""
    decisions = policy.decide_many(actor.user, person, categories)
    AccessLogEntry.objects.bulk_create(
        [
            _read_entry(actor, person, category, decision)
            for category, decision in decisions.items()
            if decision
        ]
    )
    return decisions


def open_person_page(
    actor: Actor, person_uuid, categories, *, details: dict | None = None
) -> tuple[Person, policy.Decision, dict[str, policy.Decision]]:
    """`get_person_or_404` and `read_person_categories` at once, for a page that shows the identity
    and several categories: one policy evaluation and one INSERT into the log (one transaction on
    the chain instead of two)."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Dossier introuvable.")
    decisions = policy.decide_many(actor.user, person, [Category.IDENTITY, *categories])
    identity = decisions.pop(Category.IDENTITY)
    if not identity:
        record(actor, person=person, action=Action.READ, category=Category.IDENTITY, allowed=False,
               basis=Basis.NONE, obj=person, details=details)  # fmt: skip
        raise Http404("Dossier introuvable.")
    AccessLogEntry.objects.bulk_create(
        [_read_entry(actor, person, Category.IDENTITY, identity, details)]
        + [
            _read_entry(actor, person, category, decision)
            for category, decision in decisions.items()
            if decision
        ]
    )
    return person, identity, decisions


def require_portal(
    actor: Actor, person: Person, power: str, category: str, action: str = Action.READ, obj=None
) -> policy.Decision:
    """`require` for the person's space: may this login use this power in this person's space? The
    decision is logged under the category of the record it reads or writes (`portal.decide_portal`)."""
    decision = portal.decide_portal(actor.user, person, power)
    return _enforce(actor, person, decision, category, action, obj, details={"espace": power})


def decide_portal_page(
    actor: Actor, person_uuid, power: str, category: str = Category.IDENTITY
) -> tuple[Person, portal.Link]:
    """The person whose space a page shows, when this login may use this power there; otherwise a 404
    that hides whether the person exists, with the refusal (under `category`) in the access log. The
    reads the page then makes are logged by the caller (`log_portal_reads`): a page polled for news
    logs only when it reads something."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Espace introuvable.")
    decision = portal.decide_portal(actor.user, person, power)
    if not decision:
        record(actor, person=person, action=Action.READ, category=category, allowed=False,
               basis=Basis.NONE, obj=person, details={"espace": power})  # fmt: skip
        raise Http404("Espace introuvable.")
    return person, portal.link_to(actor.user, person)


def log_portal_reads(actor: Actor, person: Person, link: portal.Link, power: str, categories) -> None:
    """The reads of a page of the person's space, one entry per category, in a single INSERT."""
    AccessLogEntry.objects.bulk_create(
        [
            AccessLogEntry(
                actor=actor.user,
                person=person,
                action=Action.READ,
                category=category,
                allowed=True,
                basis=link.basis,
                object_type="Person",
                object_uuid=person.uuid,
                ip_address=actor.ip_address,
                channel=actor.channel,
                details={"espace": power},
            )
            for category in categories
        ]
    )


def open_portal(
    actor: Actor, person_uuid, power: str, category: str = Category.IDENTITY, action: str = Action.READ
) -> tuple[Person, portal.Link]:
    """`decide_portal_page` and the log of what the page reads (`category`, `action`), at once."""
    person, link = decide_portal_page(actor, person_uuid, power, category)
    record(
        actor,
        person=person,
        action=action,
        category=category,
        allowed=True,
        basis=link.basis,
        obj=person,
        details={"espace": power},
    )
    return person, link


def require_circle(
    actor: Actor, person: Person, category: str, action: str = Action.READ, obj=None, *, with_family=False
) -> policy.Decision:
    """`require` for the circle of carers (`circle.decide_circle`): logged under the record's category
    it reads or writes, with the basis "circle"."""
    decision = circle.decide_circle(actor.user, person, with_family=with_family)
    return _enforce(actor, person, decision, category, action, obj, details={"cercle": 1})


def open_circle_page(actor: Actor, person_uuid, category: str = Category.IDENTITY) -> Person:
    """The person whose circle a page shows, when the user is a member; otherwise a 404 that hides
    whether the person exists, the refusal in the access log. The read is logged under `category`."""
    person = Person.objects.filter(uuid=person_uuid).first()
    if person is None:
        raise Http404("Cercle introuvable.")
    decision = circle.decide_circle(actor.user, person)
    record(actor, person=person, action=Action.READ, category=category, allowed=decision.allowed,
           basis=decision.basis, obj=person, details={"cercle": 1})  # fmt: skip
    if not decision:
        raise Http404("Cercle introuvable.")
    return person


IMPORT_PERMISSION = "fhir.import_records"


def may_import(user) -> bool:
    """May this login import records (FHIR bundles, NDJSON) into this instance, creating persons,
    establishments and professionals? The instance's administrators only (the permission
    `fhir.import_records`, which a superuser holds): it serves to restore or migrate records."""
    return bool(getattr(user, "is_active", False)) and user.has_perm(IMPORT_PERMISSION)


def require_write(actor: Actor, person: Person, category: str, action: str, obj=None) -> policy.Decision:
    """A write through the FHIR API: decided by the policy like any other write; when the policy
    refuses and the login may import records (`may_import`), allowed on the import basis. Logged
    either way; refused, raises AccessDenied."""
    decision = policy.decide(actor.user, person, category, action)
    if not decision and may_import(actor.user) and not policy.is_restricted(person):
        decision = policy.Decision(True, Basis.IMPORT)
    return _enforce(actor, person, decision, category, action, obj)


@contextlib.contextmanager
def deferred_refusals():
    """Within this block, a refusal is not written at once but carried by the AccessDenied raised
    (`pending_refusal`), for the caller to write once its transaction has been rolled back (the FHIR
    API's writes and bundles, which are not a single service function)."""
    token = _service_depth.set(_service_depth.get() + 1)
    try:
        yield
    finally:
        _service_depth.reset(token)
