"""The circle of carers around Tom: who may join it, who sees its tasks and agenda, the tasks' life,
bad input, and the cost of the circle's page."""

import datetime
import html

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parcours.access import services as access_services
from parcours.access.api import AccessDenied, Action, Actor, Category
from parcours.access.enums import Basis, PortalRole
from parcours.access.models import AccessLogEntry
from parcours.coordination import circle as services
from parcours.coordination.enums import CircleRole, NotificationKind, TaskStatus
from parcours.coordination.models import CircleEvent, CircleMember, CircleTask, Notification
from parcours.portal.models import PortalAccount
from parcours.staff.models import Membership
from tests.conftest import assert_page_ok
from tests.factories import PersonFactory, RelativeFactory, UserFactory


def actor(professional_or_user) -> Actor:
    user = getattr(professional_or_user, "user", professional_or_user)
    return Actor(user=type(user).objects.get(pk=user.pk), ip_address="127.0.0.1")


def at(days: int, hour: int = 10) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour)))


def add_pro(d, professional, establishment, role=CircleRole.PROFESSIONAL, by=None):
    return services.add_member(
        d.tom,
        actor=actor(by or d.ime_director),
        user=professional.user,
        establishment=establishment,
        role=role,
    )


@pytest.fixture
def circle(department):
    """Tom's circle: the IME's educator (coordinator), the ESAT's educator (Tom consented to the
    ESAT), his mother; one task and one appointment."""
    d = department
    access_services.record_consent(
        d.tom, actor=actor(d.ime_pro), establishment=d.esat, categories=[Category.IDENTITY, Category.PARCOURS]
    )
    d.coordinator = add_pro(d, d.ime_pro, d.ime, CircleRole.COORDINATOR)
    d.esat_member = add_pro(d, d.esat_pro, d.esat)
    d.mother_member = services.add_member(
        d.tom, actor=actor(d.ime_pro), relative=d.mother, role=CircleRole.CARER, role_detail="mère"
    )
    d.task = services.add_task(
        d.tom, actor=actor(d.ime_pro), title="Préparer le stage à l'ESAT", owner=d.esat_member, due_on=ago(-7)
    )
    d.event = services.add_event(
        d.tom, actor=actor(d.esat_pro), title="Visite de l'ESAT", starts_at=at(5), place="Atelier bois",
        with_whom="Karim Benali, moniteur",
    )  # fmt: skip
    return d


def page(response) -> str:
    """The page's text as read, entities decoded."""
    return html.unescape(assert_page_ok(response))


def ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def circle_page(d):
    return reverse("coordination:circle", args=[d.tom.uuid])


def members_page(d):
    return reverse("coordination:circle_members", args=[d.tom.uuid])


# Who sees the circle


def test_members_see_tasks_and_agenda(circle, login):
    for member in (circle.ime_pro, circle.esat_pro):
        content = page(login(member.user).get(circle_page(circle)))
        assert "Préparer le stage à l'ESAT" in content
        assert (
            "Visite de l'ESAT" in content
            and "Atelier bois" in content
            and "Karim Benali, moniteur" in content
        )
        assert "Claire MOREAU" in content and "ESAT du Rhône" in content


def test_the_persons_team_outside_the_circle_gets_a_404_logged(circle, login):
    for outsider in (circle.ime_director, circle.foyer_pro, circle.savs_pro):
        response = login(outsider.user).get(circle_page(circle))
        assert response.status_code == 404
        assert "Préparer le stage" not in response.content.decode()
    refusal = AccessLogEntry.objects.filter(actor=circle.ime_director.user, person=circle.tom).latest("pk")
    assert (refusal.allowed, refusal.category) == (False, Category.PARCOURS)
    reads = AccessLogEntry.objects.filter(actor=circle.esat_pro.user, person=circle.tom, action=Action.READ)
    assert not reads.exists()
    login(circle.esat_pro.user).get(circle_page(circle))
    assert reads.filter(basis=Basis.CIRCLE, allowed=True, category=Category.PARCOURS).exists()


def test_a_member_who_left_no_longer_sees_the_circle(circle, login):
    client = login(circle.esat_pro.user)
    assert client.get(circle_page(circle)).status_code == 200
    services.leave(circle.esat_member, actor=actor(circle.ime_director))
    assert client.get(circle_page(circle)).status_code == 404
    with pytest.raises(AccessDenied):
        services.add_task(circle.tom, actor=actor(circle.esat_pro), title="Encore", owner=circle.coordinator)
    circle.esat_member.refresh_from_db()
    assert circle.esat_member.left_at is not None
    assert CircleTask.objects.filter(pk=circle.task.pk).exists()  # the task stays in the circle


def test_a_family_carer_is_a_relative_linked_to_their_login_and_does_not_open_the_team_pages(
    department, login
):
    d = department
    mother_login = UserFactory()
    PortalAccount.objects.create(
        user=mother_login, person=d.tom, role=PortalRole.RELATIVE, relative=d.mother, rights=["day"],
        rights_changed_by=d.ime_pro.user,
    )  # fmt: skip
    member = services.add_member(d.tom, actor=actor(d.ime_pro), relative=d.mother, role=CircleRole.CARER)
    assert (member.user, member.relative, member.establishment) == (mother_login, d.mother, None)
    assert login(mother_login).get(circle_page(d)).status_code == 404
    with pytest.raises(ValidationError, match="déjà membre"):
        services.add_member(d.tom, actor=actor(d.ime_pro), relative=d.mother, role=CircleRole.CARER)
    stranger = RelativeFactory(person=PersonFactory())
    with pytest.raises(ValidationError, match="n'est pas un proche de la personne"):
        services.add_member(d.tom, actor=actor(d.ime_pro), relative=stranger, role=CircleRole.CARER)
    with pytest.raises(ValidationError, match="rôle est celui d'un professionnel"):
        services.add_member(d.tom, actor=actor(d.ime_pro), relative=d.mother, role=CircleRole.HEALTH)


# Who joins


def test_a_professional_of_a_structure_without_consent_is_refused(department):
    d = department
    with pytest.raises(ValidationError) as refused:
        add_pro(d, d.foyer_pro, d.foyer)
    assert "qu'avec le consentement de la personne" in " ".join(refused.value.messages)
    assert not CircleMember.objects.filter(person=d.tom).exists()


def test_a_consent_to_the_structure_lets_its_professional_join(department):
    d = department
    consent = access_services.record_consent(
        d.tom, actor=actor(d.ime_pro), establishment=d.foyer, categories=[Category.IDENTITY]
    )
    member = add_pro(d, d.foyer_director, d.foyer, CircleRole.REFERENT)
    assert (member.user, member.establishment, member.role) == (d.foyer_director.user, d.foyer, "referent")
    access_services.withdraw_consent(consent, actor=actor(d.ime_pro), reason="Retrait")
    with pytest.raises(ValidationError):
        add_pro(d, d.foyer_pro, d.foyer)


def test_a_professional_joins_only_through_a_structure_they_work_in(department):
    d = department
    with pytest.raises(ValidationError, match="ne travaille pas dans cette structure"):
        add_pro(d, d.esat_pro, d.ime)
    add_pro(d, d.ime_pro, d.ime)
    with pytest.raises(ValidationError, match="déjà membre"):
        add_pro(d, d.ime_pro, d.ime, CircleRole.COORDINATOR)


def test_only_those_who_write_the_identity_manage_members(circle, login):
    with pytest.raises(AccessDenied):
        add_pro(circle, circle.esat_director, circle.esat, by=circle.esat_pro)
    with pytest.raises(AccessDenied):
        services.leave(circle.coordinator, actor=actor(circle.esat_pro))
    assert login(circle.esat_pro.user).get(members_page(circle)).status_code == 403
    assert login(circle.foyer_pro.user).get(members_page(circle)).status_code == 404
    # The IME's director is not in the circle and manages its members.
    content = page(login(circle.ime_director.user).get(members_page(circle)))
    assert "Karim" in content and "Claire MOREAU" in content
    assert "Préparer le stage" not in content


def test_members_are_added_and_removed_from_the_members_page(circle, login):
    client = login(circle.ime_director.user)
    director_membership = Membership.objects.get(professional=circle.esat_director)
    response = client.post(
        reverse("coordination:circle_member_add", args=[circle.tom.uuid]),
        {"pro-membership": director_membership.pk, "pro-role": "referent", "pro-role_detail": "directeur"},
    )
    assert response.status_code == 302
    member = CircleMember.objects.active().get(person=circle.tom, user=circle.esat_director.user)
    assert (member.establishment, member.role_detail) == (circle.esat, "directeur")
    # The Foyer has no consent: its professionals are not offered, and a forged choice is refused.
    foyer_membership = Membership.objects.get(professional=circle.foyer_pro)
    assert str(circle.foyer_pro) not in page(client.get(members_page(circle)))
    before = CircleMember.objects.count()
    response = client.post(
        reverse("coordination:circle_member_add", args=[circle.tom.uuid]),
        {"pro-membership": foyer_membership.pk, "pro-role": "professional"},
    )
    assert response.status_code == 200 and CircleMember.objects.count() == before
    response = client.post(reverse("coordination:circle_member_leave", args=[circle.tom.uuid, member.uuid]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.left_at is not None


# Tasks


def test_task_lifecycle(circle, login, django_capture_on_commit_callbacks):
    owner_notices = Notification.objects.filter(user=circle.esat_pro.user, kind=NotificationKind.TASK_DUE)
    assert owner_notices.count() == 1  # the fixture's task, given by the IME to the ESAT
    client = login(circle.esat_pro.user)
    add = reverse("coordination:circle_task_add", args=[circle.tom.uuid])
    response = client.post(
        add,
        {"tache-title": "Appeler la MDPH", "tache-owner": str(circle.coordinator.uuid), "tache-due_on": ""},
    )
    assert response.status_code == 302
    task = CircleTask.objects.latest("pk")
    assert (task.title, task.owner, task.status, task.due_on) == (
        "Appeler la MDPH",
        circle.coordinator,
        "open",
        None,
    )
    assert Notification.objects.filter(user=circle.ime_pro.user, kind=NotificationKind.TASK_DUE).count() == 1

    done = reverse("coordination:circle_task_complete", args=[circle.tom.uuid, task.uuid])
    assert client.post(done).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_at is not None
    assert "Cette tâche n'est plus à faire : elle est « Fait »." in page(client.post(done, follow=True))
    with pytest.raises(ValidationError, match="n'est plus à faire"):
        services.cancel_task(task, actor=actor(circle.esat_pro))
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE

    cancel = reverse("coordination:circle_task_cancel", args=[circle.tom.uuid, circle.task.uuid])
    assert client.post(cancel).status_code == 302
    circle.task.refresh_from_db()
    assert circle.task.status == TaskStatus.CANCELLED
    content = page(client.get(circle_page(circle)))
    assert "Aucune tâche à faire." in content and "Tâches faites ou annulées (2)" in content


def test_overdue_tasks_are_highlighted(circle, login):
    services.add_task(circle.tom, actor=actor(circle.ime_pro), title="Dossier CAF", owner=circle.coordinator,
                      due_on=ago(3))  # fmt: skip
    content = page(login(circle.ime_pro.user).get(circle_page(circle)))
    assert content.count("En retard") == 1


def test_a_non_member_writes_no_task_and_the_refusal_is_logged(circle, login):
    before = CircleTask.objects.count()
    response = login(circle.ime_director.user).post(
        reverse("coordination:circle_task_add", args=[circle.tom.uuid]),
        {"tache-title": "Intrus", "tache-owner": str(circle.coordinator.uuid)},
    )
    assert response.status_code == 404 and CircleTask.objects.count() == before
    with pytest.raises(AccessDenied):
        services.complete_task(circle.task, actor=actor(circle.ime_director))
    assert AccessLogEntry.objects.filter(
        actor=circle.ime_director.user, allowed=False, category=Category.PARCOURS
    ).exists()


@pytest.mark.parametrize(
    "data, field_error",
    [
        ({"tache-title": "", "tache-owner": "owner"}, "Ce champ est obligatoire."),
        ({"tache-title": "Sans responsable", "tache-owner": ""}, "Ce champ est obligatoire."),
        ({"tache-title": "Hors du cercle", "tache-owner": "stranger"}, "Sélectionnez un choix valide."),
        (
            {"tache-title": "x", "tache-owner": "owner", "tache-due_on": "2024-02-30"},
            "Saisissez une date valide.",
        ),
        ({"tache-title": "x" * 301, "tache-owner": "owner"}, "300 caractères"),
    ],
)
def test_bad_task_input_writes_nothing(circle, login, data, field_error):
    data = {
        key: {"owner": str(circle.coordinator.uuid), "stranger": str(circle.task.uuid)}.get(value, value)
        for key, value in data.items()
    }
    before = (CircleTask.objects.count(), Notification.objects.count())
    response = login(circle.ime_pro.user).post(
        reverse("coordination:circle_task_add", args=[circle.tom.uuid]), data
    )
    content = page(response)
    assert field_error in content and "Le formulaire n'a pas été enregistré" in content
    assert (CircleTask.objects.count(), Notification.objects.count()) == before


def test_a_task_goes_to_a_member_of_this_circle_only(circle, department):
    ines_member = CircleMember.objects.create(
        person=department.ines, user=department.esat_director.user, establishment=department.esat,
        role=CircleRole.PROFESSIONAL, added_by=department.esat_director.user,
    )  # fmt: skip
    with pytest.raises(ValidationError, match="membre du cercle"):
        services.add_task(circle.tom, actor=actor(circle.ime_pro), title="Mauvais cercle", owner=ines_member)
    services.leave(circle.esat_member, actor=actor(circle.ime_pro))
    with pytest.raises(ValidationError, match="membre du cercle"):
        services.add_task(circle.tom, actor=actor(circle.ime_pro), title="Parti", owner=circle.esat_member)


# Agenda


def test_agenda_shows_the_next_60_days_and_cancelling_keeps_the_appointment(circle, login):
    services.add_event(circle.tom, actor=actor(circle.ime_pro), title="Bilan à 3 mois", starts_at=at(90))
    services.add_event(circle.tom, actor=actor(circle.ime_pro), title="Consultation passée", starts_at=at(-3))
    client = login(circle.ime_pro.user)
    content = page(client.get(circle_page(circle)))
    assert "Visite de l'ESAT" in content
    assert "Bilan à 3 mois" not in content and "Consultation passée" not in content
    cancel = reverse("coordination:circle_event_cancel", args=[circle.tom.uuid, circle.event.uuid])
    assert client.post(cancel).status_code == 302
    circle.event.refresh_from_db()
    assert circle.event.cancelled_at is not None
    assert "Visite de l'ESAT" not in page(client.get(circle_page(circle)))
    assert "déjà annulé" in page(client.post(cancel, follow=True))


@pytest.mark.parametrize(
    "data, error",
    [
        ({"rdv-title": "", "rdv-starts_at": "start"}, "Ce champ est obligatoire."),
        ({"rdv-title": "Sans date", "rdv-starts_at": ""}, "Ce champ est obligatoire."),
        (
            {"rdv-title": "Date impossible", "rdv-starts_at": "2026-02-30T10:00"},
            "Saisissez une date et une heure valides",
        ),
        (
            {"rdv-title": "À l'envers", "rdv-starts_at": "start", "rdv-ends_at": "before"},
            "La fin précède le début.",
        ),
    ],
)
def test_bad_event_input_writes_nothing(circle, login, data, error):
    values = {"start": at(3).strftime("%Y-%m-%dT%H:%M"), "before": at(2).strftime("%Y-%m-%dT%H:%M")}
    data = {key: values.get(value, value) for key, value in data.items()}
    before = CircleEvent.objects.count()
    response = login(circle.ime_pro.user).post(
        reverse("coordination:circle_event_add", args=[circle.tom.uuid]), data
    )
    assert error in page(response)
    assert CircleEvent.objects.count() == before
    with pytest.raises(ValidationError, match="La fin précède le début"):
        services.add_event(circle.tom, actor=actor(circle.ime_pro), title="x", starts_at=at(3), ends_at=at(2))
    assert CircleEvent.objects.count() == before


def test_an_event_is_added_from_the_page(circle, login):
    response = login(circle.esat_pro.user).post(
        reverse("coordination:circle_event_add", args=[circle.tom.uuid]),
        {"rdv-title": "Rendez-vous CMP", "rdv-starts_at": at(10, 14).strftime("%Y-%m-%dT%H:%M"),
         "rdv-place": "CMP Villeurbanne", "rdv-with_whom": "Dr Martin"},
    )  # fmt: skip
    assert response.status_code == 302
    event = CircleEvent.objects.latest("pk")
    assert (event.title, event.starts_at, event.place, event.with_whom) == (
        "Rendez-vous CMP",
        at(10, 14),
        "CMP Villeurbanne",
        "Dr Martin",
    )


# My circles


def test_my_circles_lists_my_persons_and_my_tasks_due_soon(circle, login):
    by = actor(circle.ime_pro)
    services.add_task(
        circle.tom, actor=by, title="Tâche lointaine", owner=circle.esat_member, due_on=ago(-60)
    )
    content = page(login(circle.esat_pro.user).get(reverse("coordination:my_circles")))
    assert "MOREAU Tom" in content and "2 tâches à faire" in content
    assert "Préparer le stage à l'ESAT" in content and "Tâche lointaine" not in content
    assert "ROUX" not in content
    entries = AccessLogEntry.objects.filter(actor=circle.esat_pro.user, person=circle.tom, basis=Basis.CIRCLE)
    assert {entry.category for entry in entries} == {Category.IDENTITY, Category.PARCOURS}
    outsider = page(login(circle.foyer_pro.user).get(reverse("coordination:my_circles")))
    assert "MOREAU" not in outsider and "Vous n'êtes membre d'aucun cercle." in outsider


# Cost


def test_the_circle_page_costs_the_same_whatever_the_circle_holds(
    circle, login, django_assert_max_num_queries
):
    client = login(circle.ime_pro.user)
    client.get(circle_page(circle))  # sessions, second factor and scope warmed up

    def grow(n):
        for i in range(n):
            services.add_task(circle.tom, actor=actor(circle.ime_pro), title=f"Tâche {i}",
                              owner=circle.esat_member, due_on=ago(-i))  # fmt: skip
            services.add_event(
                circle.tom, actor=actor(circle.ime_pro), title=f"Rendez-vous {i}", starts_at=at(i + 1)
            )
        if n > 5:
            add_pro(circle, circle.esat_director, circle.esat)

    grow(3)
    with django_assert_max_num_queries(16) as small:
        page(client.get(circle_page(circle)))
    grow(30)
    with django_assert_max_num_queries(16) as large:
        page(client.get(circle_page(circle)))
    assert len(large.captured_queries) == len(small.captured_queries), len(small.captured_queries)
