"""Writing the access log. Called by the policy's entry points and by services, never by signals."""

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings

from parcours.access.models import AccessLogEntry


@dataclass(frozen=True)
class Actor:
    """Who acts, and from where: the user plus what the access log needs about the request."""

    user: object
    ip_address: str | None = None
    channel: str = "web"
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_request(cls, request) -> "Actor":
        return cls(user=request.user, ip_address=client_ip(request), channel="web")

    @classmethod
    def system(cls, user, channel: str = "command") -> "Actor":
        return cls(user=user, ip_address=None, channel=channel)


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the first X-Forwarded-For address behind a trusted proxy
    (PARCOURS_TRUST_X_FORWARDED_FOR). Used by the access log and by login throttling."""
    if request is None:
        return None
    if settings.PARCOURS_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(
    actor: Actor,
    *,
    person,
    action: str,
    category: str,
    allowed: bool,
    basis: str,
    obj=None,
    details: dict | None = None,
) -> AccessLogEntry:
    return AccessLogEntry.objects.create(
        actor=actor.user,
        person=person,
        action=action,
        category=category,
        allowed=allowed,
        basis=basis,
        object_type=type(obj).__name__ if obj is not None else "",
        object_uuid=getattr(obj, "uuid", None),
        ip_address=actor.ip_address,
        channel=actor.channel,
        details=details or {},
    )


def record_many(
    actor: Actor, persons: Iterable, *, action: str, category: str, basis: str, details: dict | None = None
) -> int:
    """One entry per person shown in a list or search result, in a single INSERT."""
    entries = [
        AccessLogEntry(
            actor=actor.user,
            person=person,
            action=action,
            category=category,
            allowed=True,
            basis=basis,
            ip_address=actor.ip_address,
            channel=actor.channel,
            details=details or {},
        )
        for person in persons
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


def record_bases(
    actor: Actor,
    bases: dict,
    *,
    action: str,
    category: str,
    object_type: str = "",
    details: dict | None = None,
) -> int:
    """One allowed entry per person of `bases` (person id -> the basis it was allowed on, as
    `policy.bases_for_many` decides a list at once), in a single INSERT."""
    entries = [
        AccessLogEntry(
            actor=actor.user,
            person_id=person_id,
            action=action,
            category=category,
            allowed=True,
            basis=basis,
            object_type=object_type,
            ip_address=actor.ip_address,
            channel=actor.channel,
            details=details or {},
        )
        for person_id, basis in bases.items()
    ]
    AccessLogEntry.objects.bulk_create(entries)
    return len(entries)
