"""The circle of carers around a person: who is in it, the tasks shared between its members and the
shared agenda (appointments, activities). The circle's conversations are in `circle_messages`.

Rules (business words, the access rules are in `parcours.access.circle`):
- Those who write the person's identity (the team and the direction of an establishment that
  supports the person) add and remove members; each change is logged under the identity.
- A professional joins through one establishment where they work (team or direction). When that
  establishment does not support the person today (no current admission there), it must be named by
  an active consent of the person (or of their legal representative) covering their identity;
  otherwise the addition is refused.
- A family carer is a relative of the person; when the relative holds a login to the person's space,
  the member is linked to it (family carers take part in the conversations "with the family" only).
- Tasks and the agenda are written by the members (`require_circle`, logged under the parcours); a
  task is given to a member of the circle, is done or cancelled once; a cancelled appointment stays,
  dated.
- Leaving is dated, never deleted: the member's tasks and appointments stay in the circle.
"""

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from parcours.access import circle as circle_rules
from parcours.access.api import Action, Actor, Category, atomic_service, require, require_circle
from parcours.access.models import Consent
from parcours.coordination.enums import CircleRole, NotificationKind, TaskStatus
from parcours.coordination.models import CircleEvent, CircleMember, CircleTask
from parcours.coordination.notifications import notify
from parcours.organisations.models import Establishment
from parcours.people.models import Person, Relative
from parcours.portal.models import PortalAccount
from parcours.staff.enums import Role
from parcours.staff.models import Membership

PROFESSIONAL_ROLES = (CircleRole.COORDINATOR, CircleRole.REFERENT, CircleRole.PROFESSIONAL, CircleRole.HEALTH)
FAMILY_ROLES = (CircleRole.CARER, CircleRole.REPRESENTATIVE)
# The memberships through which a professional joins: a team or an establishment's direction.
JOINING_ROLES = (Role.PROFESSIONAL, Role.ESTABLISHMENT_DIRECTOR)

NOT_SUPPORTED_NO_CONSENT = (
    "Cet établissement n'accompagne pas la personne et n'a pas son consentement en cours : un "
    "professionnel de cet établissement ne peut rejoindre le cercle qu'avec le consentement de la "
    "personne (ou de son représentant légal) à cet établissement."
)


def circle_url(person: Person) -> str:
    return reverse("coordination:circle", args=[person.uuid])


def supporting_establishment_ids(person: Person, on: datetime.date | None = None) -> set[int]:
    """The establishments where the person has a current admission."""
    return set(person.admissions.active(on).values_list("establishment_id", flat=True))


def consenting_establishment_ids(person: Person, on: datetime.date | None = None) -> set[int]:
    """The establishments named by an active consent of the person covering their identity."""
    return set(
        Consent.objects.active(on)
        .covering(Category.IDENTITY)
        .filter(person=person)
        .values_list("establishment_id", flat=True)
    )


def joinable_memberships(person: Person):
    """The current memberships (team or direction) through which a professional may join this
    person's circle: in an establishment that supports the person or that the person consented to."""
    establishments = supporting_establishment_ids(person) | consenting_establishment_ids(person)
    return (
        Membership.objects.active()
        .filter(
            establishment_id__in=establishments,
            role__in=JOINING_ROLES,
            professional__user__isnull=False,
            professional__user__is_active=True,
        )
        .select_related("professional", "establishment")
        .order_by("establishment__name", "professional__last_name", "professional__first_name", "pk")
    )


def _works_in(user, establishment: Establishment) -> bool:
    return (
        Membership.objects.active()
        .filter(professional__user=user, establishment=establishment, role__in=JOINING_ROLES)
        .exists()
    )


@atomic_service
def add_member(
    person: Person,
    *,
    actor: Actor,
    role: str,
    user=None,
    relative: Relative | None = None,
    role_detail: str = "",
    establishment: Establishment | None = None,
) -> CircleMember:
    """Add a professional (`user` and the `establishment` through which they join) or a family carer
    (`relative`) to the person's circle."""
    require(actor, person, Category.IDENTITY, Action.UPDATE)
    if (user is None) == (relative is None):
        raise ValidationError("Indiquez soit un professionnel, soit un proche.")
    if relative is not None:
        return _add_family_carer(person, actor, relative, role, role_detail)
    if role not in PROFESSIONAL_ROLES:
        raise ValidationError({"role": "Ce rôle est celui d'un proche, pas d'un professionnel."})
    if establishment is None:
        raise ValidationError({"establishment": "Indiquez la structure du professionnel."})
    if not user.is_active or not _works_in(user, establishment):
        raise ValidationError({"establishment": "Ce professionnel ne travaille pas dans cette structure."})
    if establishment.pk not in supporting_establishment_ids(person) | consenting_establishment_ids(person):
        raise ValidationError({"establishment": NOT_SUPPORTED_NO_CONSENT})
    if CircleMember.objects.active().filter(person=person, user=user).exists():
        raise ValidationError("Ce professionnel est déjà membre du cercle.")
    member = CircleMember(
        person=person,
        user=user,
        establishment=establishment,
        role=role,
        role_detail=role_detail,
        added_by=actor.user,
    )
    member.full_clean()
    member.save()
    circle_rules.forget_memberships(user)
    return member


def _add_family_carer(person, actor, relative, role, role_detail) -> CircleMember:
    if relative.person_id != person.pk:
        raise ValidationError({"relative": "Ce proche n'est pas un proche de la personne."})
    if role not in FAMILY_ROLES:
        raise ValidationError({"role": "Ce rôle est celui d'un professionnel, pas d'un proche."})
    if CircleMember.objects.active().filter(person=person, relative=relative).exists():
        raise ValidationError("Ce proche est déjà membre du cercle.")
    account = (
        PortalAccount.objects.active()
        .filter(person=person, relative=relative)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    login = account.user if account is not None else None
    if login is not None and CircleMember.objects.active().filter(person=person, user=login).exists():
        raise ValidationError("Ce proche est déjà membre du cercle.")
    member = CircleMember(
        person=person, user=login, relative=relative, role=role, role_detail=role_detail, added_by=actor.user
    )
    member.full_clean()
    member.save()
    if login is not None:
        circle_rules.forget_memberships(login)
    return member


@atomic_service
def leave(member: CircleMember, *, actor: Actor) -> CircleMember:
    """Take a member out of the circle, dated (decided by those who write the person's identity)."""
    require(actor, member.person, Category.IDENTITY, Action.UPDATE, obj=member)
    if member.left_at is not None:
        raise ValidationError("Ce membre a déjà quitté le cercle.")
    member.left_at = timezone.now()
    member.save(update_fields=["left_at"])
    if member.user_id:
        circle_rules.forget_memberships(member.user)
    return member


# Tasks


def _check_title(title: str, max_length: int) -> str:
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": "Indiquez l'intitulé."})
    if len(title) > max_length:
        raise ValidationError({"title": f"L'intitulé ne dépasse pas {max_length} caractères."})
    return title


@atomic_service
def add_task(
    person: Person, *, actor: Actor, title: str, owner: CircleMember, due_on: datetime.date | None = None
) -> CircleTask:
    """A task of the circle, given to one of its members. The owner, when it is someone else with a
    team login, is told (a notice naming nobody)."""
    require_circle(actor, person, Category.PARCOURS, Action.CREATE)
    title = _check_title(title, 300)
    if owner.person_id != person.pk or owner.left_at is not None:
        raise ValidationError({"owner": "La tâche se confie à un membre du cercle."})
    task = CircleTask.objects.create(
        person=person, title=title, owner=owner, due_on=due_on, created_by=actor.user
    )
    if owner.user_id and owner.relative_id is None and owner.user_id != actor.user.pk:
        notify([owner.user], NotificationKind.TASK_DUE, circle_url(person))
    return task


def _close_task(task: CircleTask, actor: Actor, status: str) -> CircleTask:
    require_circle(actor, task.person, Category.PARCOURS, Action.UPDATE, obj=task)
    if task.status != TaskStatus.OPEN:
        raise ValidationError(f"Cette tâche n'est plus à faire : elle est « {task.get_status_display()} ».")
    task.status = status
    task.done_at = timezone.now()
    task.save(update_fields=["status", "done_at"])
    return task


@atomic_service
def complete_task(task: CircleTask, *, actor: Actor) -> CircleTask:
    return _close_task(task, actor, TaskStatus.DONE)


@atomic_service
def cancel_task(task: CircleTask, *, actor: Actor) -> CircleTask:
    return _close_task(task, actor, TaskStatus.CANCELLED)


# Agenda


@atomic_service
def add_event(
    person: Person,
    *,
    actor: Actor,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime | None = None,
    place: str = "",
    with_whom: str = "",
) -> CircleEvent:
    """An appointment or activity in the circle's shared agenda."""
    require_circle(actor, person, Category.PARCOURS, Action.CREATE)
    title = _check_title(title, 200)
    if ends_at is not None and ends_at < starts_at:
        raise ValidationError({"ends_at": "La fin précède le début."})
    if len(place or "") > 200:
        raise ValidationError({"place": "Le lieu ne dépasse pas 200 caractères."})
    if len(with_whom or "") > 300:
        raise ValidationError({"with_whom": "Ce champ ne dépasse pas 300 caractères."})
    return CircleEvent.objects.create(
        person=person,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        place=(place or "").strip(),
        with_whom=(with_whom or "").strip(),
        created_by=actor.user,
    )


@atomic_service
def cancel_event(event: CircleEvent, *, actor: Actor) -> CircleEvent:
    """Cancel an appointment: it stays in the circle, dated."""
    require_circle(actor, event.person, Category.PARCOURS, Action.UPDATE, obj=event)
    if event.cancelled_at is not None:
        raise ValidationError("Ce rendez-vous est déjà annulé.")
    event.cancelled_at = timezone.now()
    event.save(update_fields=["cancelled_at"])
    return event


# Reading (for pages already decided by `parcours.access`)


def active_members(person: Person) -> list[CircleMember]:
    """The circle's current members, with their login, professional, relative and structure (one
    query)."""
    return list(
        CircleMember.objects.active()
        .filter(person=person)
        .select_related("user__professional", "relative", "establishment")
        .order_by("role", "joined_at", "pk")
    )


def due_soon_filter(user, until: datetime.date) -> Q:
    return Q(owner__user=user, owner__left_at__isnull=True, status=TaskStatus.OPEN, due_on__lte=until)
