"""The user's notices: the list, opening one (marked read, an internal page only), marking all read, the
unread count of the navigation, and the notices of the circle's tasks that fall due."""

import datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from parcours.coordination import notices
from parcours.coordination.enums import CircleRole, NotificationKind, TaskStatus
from parcours.coordination.models import CircleMember, CircleTask, Notification
from parcours.coordination.notifications import notify
from parcours.coordination.tasks import notify_due_tasks
from tests.conftest import assert_page_ok


def notice(user, url="/coordination/notifications/", kind=NotificationKind.REQUEST_RECEIVED):
    return notify([user], kind, url)[0]


def test_the_list_shows_the_users_notices_unread_first(department, login):
    user = department.esat_pro.user
    old = notice(user, kind=NotificationKind.REQUEST_DECIDED)
    new = notice(user, kind=NotificationKind.LIAISON_RECEIVED)
    Notification.objects.filter(pk=new.pk).update(read_at=timezone.now())
    notice(department.foyer_pro.user, kind=NotificationKind.TASK_DUE)
    content = assert_page_ok(login(user).get(reverse("coordination:notifications")))
    assert content.index("Décision sur une demande d") < content.index("Dossier de liaison reçu")
    assert "Tâche à échéance" not in content
    assert "1 non lu" in content
    assert reverse("coordination:notification", args=[old.uuid]) in content


def test_the_list_is_paginated(department, login):
    user = department.esat_pro.user
    notify([user] * 1, NotificationKind.TASK_DUE, "/")
    for _ in range(notices.NOTICES_PER_PAGE):
        notice(user)
    client = login(user)
    first = assert_page_ok(client.get(reverse("coordination:notifications")))
    assert "Pages des avis" in first
    second = assert_page_ok(client.get(reverse("coordination:notifications"), {"page": 2}))
    assert second.count("coordination/notifications/") >= 1


def test_opening_a_notice_marks_it_read_and_leads_to_its_page(department, login):
    user = department.esat_pro.user
    target = f"/coordination/personnes/{department.tom.uuid}/cercle/conversations/"
    item = notice(user, url=target)
    client = login(user)
    response = client.get(reverse("coordination:notification", args=[item.uuid]))
    assert response.status_code == 302 and response["Location"] == target
    item.refresh_from_db()
    first = item.read_at
    assert first is not None
    client.get(reverse("coordination:notification", args=[item.uuid]))
    item.refresh_from_db()
    assert item.read_at == first


@pytest.mark.parametrize(
    "url", ["https://example.org/", "//example.org/x", "/\\example.org", "javascript:alert(1)", ""]
)
def test_a_notice_never_leads_outside(department, login, url):
    user = department.esat_pro.user
    item = Notification.objects.create(user=user, kind=NotificationKind.TASK_DUE, url=url)
    response = login(user).get(reverse("coordination:notification", args=[item.uuid]))
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:notifications")


def test_nobody_opens_anothers_notice(department, login):
    item = notice(department.esat_pro.user)
    response = login(department.esat_director.user).get(
        reverse("coordination:notification", args=[item.uuid])
    )
    assert response.status_code == 404
    item.refresh_from_db()
    assert item.read_at is None


def test_mark_all_read(department, login):
    user, other = department.esat_pro.user, department.foyer_pro.user
    for _ in range(3):
        notice(user)
    notice(other)
    client = login(user)
    assert client.get(reverse("coordination:notifications_read_all")).status_code == 405
    response = client.post(reverse("coordination:notifications_read_all"))
    assert response.status_code == 302
    assert notices.unread_count(user) == 0
    assert notices.unread_count(other) == 1


def test_the_unread_count_tag_in_one_query(department, django_assert_num_queries):
    user = department.esat_pro.user
    notice(user)
    notice(user)
    request = RequestFactory().get("/")
    request.user = user
    template = Template("{% load coordination %}{% unread_notifications as count %}{{ count }}")
    with django_assert_num_queries(1):
        assert template.render(Context({"request": request})) == "2"
        assert template.render(Context({"request": request})) == "2"


# Tasks due


@pytest.fixture
def tasks(department):
    d = department
    today = timezone.localdate()

    def member(user, establishment):
        return CircleMember.objects.create(
            person=d.tom, user=user, establishment=establishment, role=CircleRole.PROFESSIONAL,
            added_by=d.ime_pro.user,
        )  # fmt: skip

    ime, esat = member(d.ime_pro.user, d.ime), member(d.esat_pro.user, d.esat)
    family = CircleMember.objects.create(
        person=d.tom, relative=d.mother, role=CircleRole.CARER, added_by=d.ime_pro.user
    )
    gone = member(d.foyer_pro.user, d.foyer)
    gone.left_at = timezone.now()
    gone.save()

    def task(owner, days, status=TaskStatus.OPEN, title="Appeler l'ESAT"):
        return CircleTask.objects.create(
            person=d.tom, title=title, owner=owner, created_by=d.ime_pro.user, status=status,
            due_on=None if days is None else today + datetime.timedelta(days=days),
        )  # fmt: skip

    d.due_today, d.due_tomorrow = task(ime, 0), task(esat, 1)
    d.second_today = task(esat, 0)
    task(ime, 2)  # later
    task(ime, -1)  # overdue: the notice was given on the day before
    task(ime, None)
    task(ime, 0, status=TaskStatus.DONE)
    task(family, 0)  # no login
    task(gone, 0)  # left the circle
    d.ime_pro.user.email = "ines@example.org"
    d.ime_pro.user.save()
    return d


def test_owners_of_tasks_due_today_or_tomorrow_are_notified_once(tasks, django_capture_on_commit_callbacks):
    d = tasks
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_due_tasks.call() == {"notified": 3}
    due = Notification.objects.filter(kind=NotificationKind.TASK_DUE)
    assert sorted((n.user_id, n.url) for n in due) == sorted(
        (task.owner.user_id, notices.task_url(task)) for task in (d.due_today, d.due_tomorrow, d.second_today)
    )
    assert [m.to for m in mail.outbox] == [["ines@example.org"]]
    assert "Appeler" not in mail.outbox[0].body and "Tom" not in mail.outbox[0].body
    # Run again the same day: nothing new.
    assert notices.notify_due_tasks() == 0
    assert due.count() == 3
    # The next day, the task due "tomorrow" is due today: a new notice.
    assert notices.notify_due_tasks(today=timezone.localdate() + datetime.timedelta(days=1)) >= 1


def test_the_command(tasks, capsys):
    call_command("coordination_notify_due")
    assert "3 avis" in capsys.readouterr().out
    call_command("coordination_notify_due")
    assert "Aucune tâche" in capsys.readouterr().out
    assert Notification.objects.filter(kind=NotificationKind.TASK_DUE).count() == 3
