"""The circle's conversations: between professionals only, or with the family, read and written by
the circle's members only, each message announced to the others who may read it."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from parcours.access.api import AccessDenied, Actor
from parcours.access.enums import Basis, Category
from parcours.access.models import AccessLogEntry
from parcours.coordination import circle_messages
from parcours.coordination.enums import CircleRole, NotificationKind, ThreadAudience
from parcours.coordination.models import CircleMember, CircleMessage, CircleThread, Notification
from tests.conftest import assert_page_ok
from tests.factories import UserFactory
from tests.portal.factories import PortalAccountFactory


def actor(user) -> Actor:
    return Actor(user=type(user).objects.get(pk=user.pk), ip_address="127.0.0.1")


@pytest.fixture
def circle(department):
    """Tom's circle: the IME's educator (who added the others), the ESAT's professional, and Tom's
    mother with her login to his space. The IME's director is not a member."""
    d = department
    d.mother_user = UserFactory(username="claire", first_name="Claire", email="claire@example.org")
    PortalAccountFactory(user=d.mother_user, person=d.tom, relative=d.mother)
    added_by = d.ime_pro.user
    for user, establishment, role in (
        (d.ime_pro.user, d.ime, CircleRole.COORDINATOR),
        (d.esat_pro.user, d.esat, CircleRole.PROFESSIONAL),
    ):
        CircleMember.objects.create(
            person=d.tom, user=user, establishment=establishment, role=role, added_by=added_by
        )
    d.mother_member = CircleMember.objects.create(
        person=d.tom, user=d.mother_user, relative=d.mother, role=CircleRole.CARER, added_by=added_by
    )
    d.ime_pro.user.email = "ines@example.org"
    d.ime_pro.user.save()
    d.esat_pro.user.email = "karim@example.org"
    d.esat_pro.user.save()
    return d


def start(d, audience, user=None, subject="Rendez-vous", body="Premier message."):
    return circle_messages.start_circle_thread(
        d.tom, actor=actor(user or d.ime_pro.user), audience=audience, subject=subject, body=body
    )


def portal(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_team_thread_is_read_by_the_professionals_and_never_by_the_family(circle, login):
    d = circle
    thread = start(d, ThreadAudience.TEAM, subject="Point équipe", body="Entre nous : bilan du stage.")
    content = assert_page_ok(login(d.esat_pro.user).get(staff_url(thread)))
    assert "Entre nous : bilan du stage." in content

    mother = portal(d.mother_user)
    assert mother.get(reverse("portal:circle_thread", args=[d.tom.uuid, thread.uuid])).status_code == 404
    listing = assert_page_ok(mother.get(reverse("portal:circle_threads", args=[d.tom.uuid])))
    assert "Point équipe" not in listing
    with pytest.raises(AccessDenied):
        circle_messages.read_circle_thread(thread, actor=actor(d.mother_user))
    with pytest.raises(AccessDenied):
        circle_messages.reply_in_circle(thread, actor=actor(d.mother_user), body="Et moi ?")
    assert thread.messages.count() == 1


def staff_url(thread):
    return reverse("coordination:circle_thread", args=[thread.person.uuid, thread.uuid])


def test_a_family_thread_is_read_and_answered_in_the_persons_space(circle):
    d = circle
    thread = start(d, ThreadAudience.FAMILY, subject="Visite du foyer", body="Pouvez-vous venir mardi ?")
    mother = portal(d.mother_user)
    listing = assert_page_ok(mother.get(reverse("portal:circle_threads", args=[d.tom.uuid])))
    assert "Visite du foyer" in listing
    url = reverse("portal:circle_thread", args=[d.tom.uuid, thread.uuid])
    page = assert_page_ok(mother.get(url))
    assert "Pouvez-vous venir mardi ?" in page
    assert "Inès (IME Les Tilleuls)" in page  # first names only in the family's space

    response = mother.post(url, {"body": "Oui, mardi à 14 h."})
    assert response.status_code == 302 and response["Location"] == url
    assert [m.body for m in thread.messages.order_by("sent_at", "pk")] == [
        "Pouvez-vous venir mardi ?",
        "Oui, mardi à 14 h.",
    ]
    # Opening it is logged under the notes, on the basis of the circle.
    assert AccessLogEntry.objects.filter(
        actor=d.mother_user, person=d.tom, category=Category.NOTES, basis=Basis.CIRCLE, allowed=True
    ).exists()


def test_the_family_page_in_easy_read(circle):
    d = circle
    thread = start(d, ThreadAudience.FAMILY)
    mother = portal(d.mother_user)
    session = mother.session
    session["parcours_easy_read"] = True
    session.save()
    assert "Je parle avec les professionnels" in assert_page_ok(
        mother.get(reverse("portal:circle_threads", args=[d.tom.uuid]))
    )
    assert "J&#x27;écris mon message" in assert_page_ok(
        mother.get(reverse("portal:circle_thread", args=[d.tom.uuid, thread.uuid]))
    )


def test_messages_both_ways_on_the_teams_side(circle, login):
    d = circle
    client = login(d.ime_pro.user)
    response = client.post(
        reverse("coordination:circle_thread_create", args=[d.tom.uuid]),
        {"audience": ThreadAudience.FAMILY, "subject": "Rentrée", "body": "Le planning de septembre."},
    )
    thread = CircleThread.objects.get(person=d.tom)
    assert response.status_code == 302 and response["Location"] == staff_url(thread)
    assert thread.audience == ThreadAudience.FAMILY
    circle_messages.reply_in_circle(thread, actor=actor(d.mother_user), body="Merci, c'est noté.")
    esat = login(d.esat_pro.user)
    response = esat.post(staff_url(thread), {"body": "Je confirme pour l'ESAT."})
    assert response.status_code == 302
    page = assert_page_ok(esat.get(staff_url(thread)))
    assert "Claire (aidant familial)" in page and "Merci, c&#x27;est noté." in page
    assert "Inès MARTIN, IME Les Tilleuls" in page
    listing = assert_page_ok(esat.get(reverse("coordination:circle_threads", args=[d.tom.uuid])))
    assert "Rentrée" in listing and "Avec la famille" in listing


def test_non_members_get_a_404_even_in_the_supporting_team(circle, login):
    d = circle
    thread = start(d, ThreadAudience.FAMILY)
    pages = [
        reverse("coordination:circle_threads", args=[d.tom.uuid]),
        reverse("coordination:circle_thread_create", args=[d.tom.uuid]),
        staff_url(thread),
    ]
    for user in (d.ime_director.user, d.foyer_pro.user, d.savs_pro.user):
        client = login(user)
        for url in pages:
            assert client.get(url).status_code == 404, url
        assert client.post(staff_url(thread), {"body": "Intrus"}).status_code == 404
    # A professional who is a member reads the team's pages, not the family's ones.
    member = login(d.esat_pro.user)
    assert member.get(reverse("portal:circle_threads", args=[d.tom.uuid])).status_code == 404
    # A family carer does not open the team's pages.
    assert portal(d.mother_user).get(pages[0]).status_code == 404
    # Another relative of Tom with a login to his space, not in the circle.
    other = UserFactory()
    PortalAccountFactory(user=other, person=d.tom)
    assert portal(other).get(reverse("portal:circle_threads", args=[d.tom.uuid])).status_code == 404
    assert thread.messages.count() == 1
    assert AccessLogEntry.objects.filter(person=d.tom, allowed=False, actor=d.ime_director.user).exists()


def test_a_member_who_left_reads_nothing(circle, login):
    d = circle
    thread = start(d, ThreadAudience.TEAM)
    CircleMember.objects.filter(user=d.esat_pro.user).update(left_at=thread.started_at)
    assert login(d.esat_pro.user).get(staff_url(thread)).status_code == 404


def test_a_new_message_notifies_the_others_who_may_read_it(circle, django_capture_on_commit_callbacks):
    d = circle
    with django_capture_on_commit_callbacks(execute=True):
        team = start(d, ThreadAudience.TEAM, subject="Secret d'équipe", body="Tom Moreau va mieux.")
    notices = list(Notification.objects.filter(kind=NotificationKind.CIRCLE_MESSAGE))
    assert [(n.user, n.url) for n in notices] == [(d.esat_pro.user, staff_url(team))]
    assert [m.to for m in mail.outbox] == [["karim@example.org"]]

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        family = start(d, ThreadAudience.FAMILY, user=d.esat_pro.user, subject="Visite", body="Mardi ?")
    fresh = Notification.objects.filter(kind=NotificationKind.CIRCLE_MESSAGE).exclude(
        pk__in=[n.pk for n in notices]
    )
    assert {(n.user, n.url) for n in fresh} == {
        (d.ime_pro.user, staff_url(family)),
        (d.mother_user, reverse("portal:circle_thread", args=[d.tom.uuid, family.uuid])),
    }
    assert sorted(m.to[0] for m in mail.outbox) == ["claire@example.org", "ines@example.org"]
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in ("Moreau", "Tom", "Visite", "Mardi", "ESAT", "Tilleuls", "Claire", "Karim"):
            assert secret not in text


def test_bad_input_changes_nothing(circle, login):
    d = circle
    client = login(d.ime_pro.user)
    url = reverse("coordination:circle_thread_create", args=[d.tom.uuid])
    response = client.post(url, {"audience": "everyone", "subject": "", "body": "  "})
    content = assert_page_ok(response)
    assert "field--error" in content
    with pytest.raises(ValidationError) as error:
        start(d, ThreadAudience.TEAM, body="   ")
    assert error.value.message_dict == {"body": ["Écrivez votre message."]}
    with pytest.raises(ValidationError):
        start(d, "all")
    assert not CircleThread.objects.exists() and not CircleMessage.objects.exists()


def test_the_pages_queries_do_not_grow_with_the_messages(circle, login):
    d = circle
    thread = start(d, ThreadAudience.FAMILY)
    client, mother = login(d.esat_pro.user), portal(d.mother_user)
    urls = [
        (client, staff_url(thread)),
        (client, reverse("coordination:circle_threads", args=[d.tom.uuid])),
        (mother, reverse("portal:circle_thread", args=[d.tom.uuid, thread.uuid])),
    ]

    def counts():
        result = []
        for who, url in urls:
            with CaptureQueriesContext(connection) as queries:
                assert_page_ok(who.get(url))
            result.append(len(queries))
        return result

    counts()  # warm the session and the caches
    before = counts()
    for n in range(5):
        circle_messages.reply_in_circle(thread, actor=actor(d.ime_pro.user), body=f"Message {n}")
        start(d, ThreadAudience.TEAM, subject=f"Sujet {n}")
    assert counts() == before
