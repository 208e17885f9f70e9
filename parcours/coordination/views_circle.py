"""Pages of the circle of carers around a person, under /coordination/personnes/<uuid>/cercle/, and
the user's circles (/coordination/cercles/).

The circle's page (members, tasks, agenda) opens to its members only (`open_circle_page`): anyone
else, the person's own team included, gets a 404 written to the access log. The members' page is for
those who write the person's identity, members or not (`check_write`: a 403 to those who only read
it). Writes go through `parcours.coordination.circle`.
"""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from parcours.access import policy
from parcours.access.api import Action, Actor, Category, get_person_or_404, open_circle_page
from parcours.access.circle import circles_of
from parcours.access.enums import Basis
from parcours.access.journal import record_many
from parcours.coordination import circle as services
from parcours.coordination.enums import TaskStatus
from parcours.coordination.forms_circle import (
    EventForm,
    FamilyMemberForm,
    ProfessionalMemberForm,
    TaskForm,
    member_name,
)
from parcours.coordination.models import CircleEvent, CircleMember, CircleTask
from parcours.core.forms import add_validation_errors, save_with
from parcours.people.views import check_write

AGENDA_DAYS = 60
DONE_SHOWN = 20
DUE_SOON_DAYS = 14


def _named(members):
    for member in members:
        member.name = member_name(member)
    return members


# The circle's page


def circle_context(request, person, *, task_form=None, event_form=None) -> dict:
    """Members, open and done tasks, the agenda of the next 60 days: four queries whatever the size of
    the circle."""
    today = timezone.localdate()
    members = _named(services.active_members(person))
    by_pk = {member.pk: member for member in members}
    tasks = (
        CircleTask.objects.filter(person=person)
        .select_related("owner__user__professional", "owner__relative")
        .order_by("due_on", "created_at", "pk")
    )
    open_tasks = list(tasks.filter(status=TaskStatus.OPEN))
    done_tasks = list(tasks.exclude(status=TaskStatus.OPEN).order_by("-done_at", "-pk")[:DONE_SHOWN])
    for task in open_tasks + done_tasks:
        task.owner.name = by_pk[task.owner_id].name if task.owner_id in by_pk else member_name(task.owner)
        task.owner_left = task.owner_id not in by_pk
        task.overdue = task.status == TaskStatus.OPEN and task.due_on is not None and task.due_on < today
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    events = list(
        CircleEvent.objects.filter(
            person=person,
            cancelled_at__isnull=True,
            starts_at__gte=start,
            starts_at__lt=start + datetime.timedelta(days=AGENDA_DAYS + 1),
        ).order_by("starts_at", "pk")
    )
    return {
        "person": person,
        "title": "Cercle d'accompagnement",
        "members": members,
        "open_tasks": open_tasks,
        "done_tasks": done_tasks,
        "events": events,
        "agenda_days": AGENDA_DAYS,
        "today": today,
        "task_form": task_form or TaskForm(members=members),
        "event_form": event_form or EventForm(),
        "may_manage": bool(policy.decide(request.user, person, Category.IDENTITY, Action.UPDATE)),
    }


def render_circle(request, person, **forms):
    return render(request, "coordination/circle/circle.html", circle_context(request, person, **forms))


@require_GET
def circle(request, person_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.PARCOURS)
    return render(request, "coordination/circle/circle.html", circle_context(request, person))


def back_to_circle(person):
    return redirect("coordination:circle", person_uuid=person.uuid)


@require_POST
def task_add(request, person_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.PARCOURS)
    form = TaskForm(request.POST, members=_named(services.active_members(person)))
    if save_with(
        request,
        form,
        lambda data: services.add_task(person, actor=actor, **data),
        success="La tâche est ajoutée.",
    ):
        return back_to_circle(person)
    return render_circle(request, person, task_form=form)


def _close(request, person_uuid, task_uuid, write, success):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.PARCOURS)
    task = get_object_or_404(CircleTask.objects.filter(person=person), uuid=task_uuid)
    try:
        write(task, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return back_to_circle(person)


@require_POST
def task_complete(request, person_uuid, task_uuid):
    return _close(request, person_uuid, task_uuid, services.complete_task, "La tâche est notée comme faite.")


@require_POST
def task_cancel(request, person_uuid, task_uuid):
    return _close(request, person_uuid, task_uuid, services.cancel_task, "La tâche est annulée.")


@require_POST
def event_add(request, person_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.PARCOURS)
    form = EventForm(request.POST)
    if save_with(
        request,
        form,
        lambda data: services.add_event(person, actor=actor, **data),
        success="Le rendez-vous est ajouté à l'agenda du cercle.",
    ):
        return back_to_circle(person)
    return render_circle(request, person, event_form=form)


@require_POST
def event_cancel(request, person_uuid, event_uuid):
    actor = Actor.from_request(request)
    person = open_circle_page(actor, person_uuid, Category.PARCOURS)
    event = get_object_or_404(CircleEvent.objects.filter(person=person), uuid=event_uuid)
    try:
        services.cancel_event(event, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Le rendez-vous est annulé.")
    return back_to_circle(person)


# Members


def open_members_page(request, person_uuid):
    """The person, for those who write their identity (404 to those who do not read it, 403 to those
    who only read it; both logged)."""
    actor = Actor.from_request(request)
    person, _ = get_person_or_404(actor, person_uuid, details={"page": "cercle_membres"})
    check_write(actor, person, Category.IDENTITY, Action.UPDATE)
    return actor, person


def members_forms(person, members, data=None, *, bound=None):
    member_users = {member.user_id for member in members if member.user_id}
    member_relatives = {member.relative_id for member in members if member.relative_id}
    memberships = [
        m for m in services.joinable_memberships(person) if m.professional.user_id not in member_users
    ]
    relatives = [
        r for r in person.relatives.order_by("last_name", "first_name") if r.pk not in member_relatives
    ]
    return {
        "pro_form": ProfessionalMemberForm(data if bound == "pro" else None, memberships=memberships),
        "family_form": FamilyMemberForm(data if bound == "family" else None, relatives=relatives),
    }


def render_members(request, person, data=None, *, bound=None):
    members = _named(services.active_members(person))
    past = _named(
        list(
            CircleMember.objects.filter(person=person, left_at__isnull=False)
            .select_related("user__professional", "relative", "establishment")
            .order_by("-left_at", "-pk")[:DONE_SHOWN]
        )
    )
    context = {
        "person": person,
        "title": "Membres du cercle",
        "members": members,
        "past_members": past,
        "is_member": any(member.user_id == request.user.pk for member in members),
    }
    context.update(members_forms(person, members, data, bound=bound))
    return render(request, "coordination/circle/members.html", context)


@require_GET
def members(request, person_uuid):
    _, person = open_members_page(request, person_uuid)
    return render_members(request, person)


def back_to_members(person):
    return redirect("coordination:circle_members", person_uuid=person.uuid)


def _add(request, person, actor, form, write):
    if form.is_valid():
        try:
            write(form.cleaned_data)
        except ValidationError as exc:
            add_validation_errors(form, exc)
            return False
        messages.success(request, "Le membre est ajouté au cercle.")
        return True
    return False


@require_POST
def member_add(request, person_uuid):
    actor, person = open_members_page(request, person_uuid)
    forms = members_forms(person, services.active_members(person), request.POST, bound="pro")
    form = forms["pro_form"]

    def write(data):
        membership = data["membership"]
        services.add_member(
            person,
            actor=actor,
            user=membership.professional.user,
            establishment=membership.establishment,
            role=data["role"],
            role_detail=data["role_detail"],
        )

    if _add(request, person, actor, form, write):
        return back_to_members(person)
    return render_members(request, person, request.POST, bound="pro")


@require_POST
def carer_add(request, person_uuid):
    actor, person = open_members_page(request, person_uuid)
    forms = members_forms(person, services.active_members(person), request.POST, bound="family")
    form = forms["family_form"]

    def write(data):
        services.add_member(
            person, actor=actor, relative=data["relative"], role=data["role"], role_detail=data["role_detail"]
        )

    if _add(request, person, actor, form, write):
        return back_to_members(person)
    return render_members(request, person, request.POST, bound="family")


@require_POST
def member_leave(request, person_uuid, member_uuid):
    actor, person = open_members_page(request, person_uuid)
    member = get_object_or_404(CircleMember.objects.filter(person=person), uuid=member_uuid)
    try:
        services.leave(member, actor=actor)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Le membre a quitté le cercle.")
    return back_to_members(person)


# The user's circles


@require_GET
def my_circles(request):
    """The persons whose circle the user is in (as a professional), with their open tasks, and the
    user's own tasks due within two weeks or overdue."""
    actor = Actor.from_request(request)
    today = timezone.localdate()
    family_of = CircleMember.objects.active().filter(user=request.user, relative__isnull=False)
    open_count = (
        CircleTask.objects.filter(person=OuterRef("pk"), status=TaskStatus.OPEN)
        .order_by()
        .values("person")
        .annotate(n=Count("pk"))
        .values("n")
    )
    persons = list(
        circles_of(request.user)
        .exclude(pk__in=family_of.values("person_id"))
        .annotate(open_tasks=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)))
        .order_by("birth_name", "first_names", "pk")
    )
    shown = {person.pk for person in persons}
    my_tasks = [
        task
        for task in CircleTask.objects.filter(
            services.due_soon_filter(request.user, today + datetime.timedelta(days=DUE_SOON_DAYS)),
            owner__relative__isnull=True,
        )
        .select_related("person")
        .order_by("due_on", "pk")
        if task.person_id in shown
    ]
    for task in my_tasks:
        task.overdue = task.due_on < today
    details = {"page": "mes_cercles"}
    record_many(
        actor, persons, action=Action.LIST, category=Category.IDENTITY, basis=Basis.CIRCLE, details=details
    )
    record_many(
        actor, persons, action=Action.LIST, category=Category.PARCOURS, basis=Basis.CIRCLE, details=details
    )
    return render(
        request,
        "coordination/circle/my_circles.html",
        {"persons": persons, "my_tasks": my_tasks, "due_soon_days": DUE_SOON_DAYS, "today": today},
    )
