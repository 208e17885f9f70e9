"""Break-glass: a professional without a right opens a record in an emergency, after writing why;
the access is read-only, limited in time, flagged in the log and notified to the directors
concerned and the data protection officer, who review it."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from parcours.access import policy
from parcours.access.enums import Basis, Category
from parcours.access.models import AccessLogEntry, BreakGlass
from parcours.staff.enums import Role
from tests.conftest import assert_page_ok
from tests.factories import NoteFactory, make_professional

pytestmark = pytest.mark.django_db

REASON = "Chute dans le hall, le SAMU demande ses traitements en cours."
OPEN_URL = reverse("access:break_glass_open")


def emergency_form(world, **overrides):
    data = {
        "birth_name": "LEFEVRE",  # accents and case aside
        "first_name": "marie",  # any of the first names
        "birth_date": "1998-03-12",
        "nir": "",
        "reason": REASON,
    }
    data.update(overrides)
    return data


def detail_url(world):
    return reverse("people:detail", args=[world.person_a.uuid])


def test_break_glass_opens_the_whole_record_for_reading_only_and_for_a_limited_time(world, login, settings):
    settings.PARCOURS_BREAK_GLASS_HOURS = 2
    NoteFactory(
        person=world.person_a, establishment=world.a, author=world.pro_a, text="Allergie à la pénicilline"
    )
    client = login(world.pro_c.user)
    assert client.get(detail_url(world)).status_code == 404

    response = client.post(OPEN_URL, emergency_form(world))
    assert response.status_code == 302
    assert response["Location"] == detail_url(world)
    access = BreakGlass.objects.get()
    assert (access.user, access.person, access.reason) == (world.pro_c.user, world.person_a, REASON)
    assert access.expires_at - access.opened_at == datetime.timedelta(hours=2)

    content = assert_page_ok(client.get(detail_url(world)))
    assert "Allergie à la pénicilline" in content  # notes and health: the whole record
    assert "Accès d'urgence" in content  # the sharing card says who sees it and why
    assert "Modifier l'identité" not in content
    user = world.pro_c.user
    assert policy.decide(user, world.person_a, Category.HEALTH).basis == Basis.BREAK_GLASS
    assert not policy.decide(user, world.person_a, Category.NOTES, "create")
    flagged = AccessLogEntry.objects.filter(actor=user, person=world.person_a, basis=Basis.BREAK_GLASS)
    assert flagged.filter(details__break_glass="opened").count() == 1
    assert flagged.filter(category=Category.NOTES).exists()

    # Over at the next request once the time is up.
    with freeze_time(access.expires_at + datetime.timedelta(seconds=1)):
        assert login(user).get(detail_url(world)).status_code == 404
        fresh = type(user).objects.get(pk=user.pk)  # the scope is computed once per request's user
        assert not policy.visible_persons(fresh).filter(pk=world.person_a.pk).exists()


def test_break_glass_is_notified_to_the_directors_and_the_dpo_without_personal_data(
    world, login, dpo, settings, django_capture_on_commit_callbacks
):
    settings.PARCOURS_DPO_EMAIL = "dpo@gestionnaire.example"
    director_c = make_professional(world.c, role=Role.ESTABLISHMENT_DIRECTOR)
    for user, address in (
        (world.director_a.user, "direction.a@example.org"),
        (director_c.user, "direction.c@example.org"),
        (dpo, "dominique.protection@example.org"),
        (world.pro_b.user, "pro.b@example.org"),
    ):
        user.email = address
        user.save()
    client = login(world.pro_c.user)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(OPEN_URL, emergency_form(world)).status_code == 302
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == [
        "direction.a@example.org",  # the person's establishment
        "direction.c@example.org",  # the professional's establishment
        "dominique.protection@example.org",  # the DPO (permission)
        "dpo@gestionnaire.example",  # PARCOURS_DPO_EMAIL
    ]
    access = BreakGlass.objects.get()
    assert reverse("access:break_glass_detail", args=[access.uuid]) in message.body
    for personal in ("Lefèvre", "LEFEVRE", "Élodie", "1998", "SAMU", world.pro_c.last_name):
        assert personal not in message.body and personal not in message.subject


def test_directors_and_the_dpo_review_the_access(world, login, dpo):
    login(world.pro_c.user).post(OPEN_URL, emergency_form(world))
    access = BreakGlass.objects.get()
    detail = reverse("access:break_glass_detail", args=[access.uuid])

    # The professional sees their own access, and may not review it.
    own = login(world.pro_c.user)
    assert "À examiner" in assert_page_ok(own.get(reverse("access:break_glass_list")))
    assert own.post(detail, {"review_note": "Moi-même"}).status_code == 403
    # Another team's professional does not even see it.
    assert login(world.pro_b.user).get(detail).status_code == 404

    director = login(world.director_a.user)
    content = assert_page_ok(director.get(detail))
    assert REASON in content
    assert "LEFÈVRE" in content  # the director supports the person: the record is named
    response = director.post(detail, {"review_note": "Urgence confirmée par l'infirmière de garde."})
    assert response.status_code == 302
    access.refresh_from_db()
    assert access.reviewed_by == world.director_a.user
    assert access.review_note == "Urgence confirmée par l'infirmière de garde."

    # The DPO sees it, without the person's name (not in their scope), and in the audit view.
    content = assert_page_ok(login(dpo).get(detail))
    assert "Dossier hors de votre périmètre" in content
    assert "Lefèvre" not in content
    audit = assert_page_ok(login(dpo).get(reverse("access:dpo")))
    assert "Accès d'urgence (bris de glace)" in audit
    assert world.pro_c.last_name.upper() in audit.upper()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"birth_date": "1998-03-13"}, "Aucun dossier ne correspond exactement"),
        ({"first_name": "Elo"}, "Aucun dossier ne correspond exactement"),
        ({"reason": "urgence"}, "20 caractères au moins"),
    ],
)
def test_an_inexact_identity_or_a_short_reason_opens_nothing(world, login, overrides, message):
    client = login(world.pro_c.user)
    response = client.post(OPEN_URL, emergency_form(world, **overrides))
    assert message in assert_page_ok(response)
    assert not BreakGlass.objects.exists()
    assert client.get(detail_url(world)).status_code == 404


def test_a_failed_search_is_logged_without_the_traits_typed(world, login):
    login(world.pro_c.user).post(OPEN_URL, emergency_form(world, birth_date="2001-01-01"))
    entry = AccessLogEntry.objects.get(actor=world.pro_c.user, allowed=False)
    assert entry.person is None
    assert entry.details == {"break_glass": "not_found"}


def test_who_has_a_right_is_sent_to_the_record_and_a_gestionnaire_direction_may_not_break_glass(world, login):
    response = login(world.pro_a.user).post(OPEN_URL, emergency_form(world))
    assert response.status_code == 302
    assert not BreakGlass.objects.exists()
    assert login(world.gdir.user).get(OPEN_URL).status_code == 403


def test_an_expired_access_is_listed_as_over(world, login):
    login(world.pro_c.user).post(OPEN_URL, emergency_form(world))
    access = BreakGlass.objects.get()
    with freeze_time(timezone.now() + datetime.timedelta(days=1)):
        content = assert_page_ok(login(world.director_a.user).get(reverse("access:break_glass_list")))
    assert "Terminé" in content
    assert str(access.uuid) in content
