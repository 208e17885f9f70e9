"""Today's view in the person's space: what a relative sees, never sees, and the live updates."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Basis, Category
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry
from parcours.portal.models import PortalAccount
from parcours.records import daily
from parcours.records.enums import AgendaKind, NoteCategory, PresenceStatus
from parcours.records.services import write_note
from tests.conftest import assert_page_ok

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def team(family) -> Actor:
    return Actor(user=family.educator.user, ip_address="127.0.0.1")


def at(hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def note(family, text, *, person=None, shareable=True):
    return write_note(
        person or family.lea,
        establishment=family.ime,
        category=NoteCategory.DAILY_LIFE,
        text=text,
        shareable=shareable,
        actor=team(family),
    )


def entry(family, title, *, person=None, **more):
    values = {"kind": AgendaKind.ACTIVITY, "starts_at": at(23, 30), "shareable": True} | more
    return daily.add_agenda_entry(
        person or family.lea, establishment=family.ime, title=title, actor=team(family), **values
    )


def day_url(person):
    return reverse("portal:day", args=[person.uuid])


def live_url(person):
    return reverse("portal:day_live", args=[person.uuid])


def version_of(content: str) -> str:
    return re.search(r'name="version" value="([0-9a-f]+)"', content).group(1)


def test_relative_sees_shared_note_never_the_private_one_nor_another_persons(family, portal_client):
    note(family, "Léa a bien mangé à la cantine.")
    note(family, "Point de vigilance pour l'équipe seulement.", shareable=False)
    note(family, "Hugo a fait du vélo.", person=family.other)
    content = assert_page_ok(portal_client(family.mother).get(day_url(family.lea)))
    assert "Léa a bien mangé à la cantine." in content
    assert "Inès" in content and "MARTIN" not in content  # the author's first name only
    assert "Point de vigilance" not in content
    assert "Hugo" not in content
    # Another person's space does not exist for her.
    assert portal_client(family.mother).get(day_url(family.other)).status_code == 404
    assert portal_client(family.mother).get(live_url(family.other), headers=HX).status_code == 404


def test_old_shared_notes_are_not_shown(family, portal_client):
    old = note(family, "Une nouvelle d'il y a dix jours.")
    type(old).objects.filter(pk=old.pk).update(written_at=timezone.now() - datetime.timedelta(days=10))
    content = assert_page_ok(portal_client(family.mother).get(day_url(family.lea)))
    assert "dix jours" not in content and "Pas de nouvelles pour l" in content


def test_presence_and_agenda_shown_cancelled_and_hidden_entries_not(family, portal_client):
    client = portal_client(family.mother)
    assert "Pas encore noté." in assert_page_ok(client.get(day_url(family.lea)))
    daily.record_presence(
        family.lea,
        establishment=family.ime,
        date=timezone.localdate(),
        status=PresenceStatus.PRESENT,
        arrived_at=datetime.time(9, 5),
        actor=team(family),
    )
    entry(family, "Atelier peinture")
    entry(family, "Réunion de synthèse", shareable=False)
    cancelled = entry(family, "Sortie au parc")
    daily.cancel_agenda_entry(cancelled, actor=team(family))
    entry(family, "Dentiste", kind=AgendaKind.APPOINTMENT, starts_at=at(10, days=5), place="Cabinet Pasteur")
    entry(family, "Trop loin", kind=AgendaKind.APPOINTMENT, starts_at=at(10, days=45))
    entry(family, "Rendez-vous de Hugo", person=family.other, kind=AgendaKind.APPOINTMENT)
    content = assert_page_ok(client.get(day_url(family.lea)))
    assert "Arrivé(e) à 9 h 05" in content
    assert "Atelier peinture" in content
    assert "Dentiste" in content and "Cabinet Pasteur" in content
    for hidden in ("Réunion de synthèse", "Sortie au parc", "Trop loin", "Hugo"):
        assert hidden not in content


def test_absence_with_its_reason(family, portal_client):
    daily.record_presence(
        family.lea,
        establishment=family.ime,
        date=timezone.localdate(),
        status=PresenceStatus.ABSENT,
        absence_reason="illness",
        actor=team(family),
    )
    assert "Absent(e)</span> : maladie" in assert_page_ok(
        portal_client(family.mother).get(day_url(family.lea))
    )


def test_the_reads_are_logged_with_the_relative_basis(family, portal_client):
    before = AccessLogEntry.objects.count()
    assert_page_ok(portal_client(family.mother).get(day_url(family.lea)))
    entries = AccessLogEntry.objects.order_by("sequence")[before:]
    assert {(e.category, e.basis, e.allowed) for e in entries} == {
        (Category.SERVICES, Basis.RELATIVE, True),
        (Category.NOTES, Basis.RELATIVE, True),
    }
    assert all(e.person_id == family.lea.pk and e.actor_id == family.mother.pk for e in entries)


def test_live_fragment_brings_a_note_written_after_the_page_and_204_otherwise(family, portal_client):
    client = portal_client(family.mother)
    version = version_of(assert_page_ok(client.get(day_url(family.lea))))
    logged = AccessLogEntry.objects.count()
    unchanged = client.get(live_url(family.lea), {"version": version}, headers=HX)
    assert unchanged.status_code == 204 and unchanged.content == b""
    assert AccessLogEntry.objects.count() == logged
    # A private note changes nothing in the family's view.
    note(family, "Pour l'équipe.", shareable=False)
    assert client.get(live_url(family.lea), {"version": version}, headers=HX).status_code == 204
    note(family, "Léa a chanté à la chorale.")
    logged = AccessLogEntry.objects.count()
    fresh = client.get(live_url(family.lea), {"version": version}, headers=HX)
    content = assert_page_ok(fresh)
    assert "Léa a chanté à la chorale." in content and "Pour l" not in content
    assert "<html" not in content and version_of(content) != version
    assert AccessLogEntry.objects.count() == logged + 2
    assert client.get(live_url(family.lea), {"version": version_of(content)}, headers=HX).status_code == 204


def test_live_fragment_follows_presence_and_cancellations(family, portal_client):
    client = portal_client(family.mother)
    planned = entry(family, "Atelier cuisine")
    version = version_of(assert_page_ok(client.get(day_url(family.lea))))
    daily.cancel_agenda_entry(planned, actor=team(family))
    content = assert_page_ok(client.get(live_url(family.lea), {"version": version}, headers=HX))
    assert "Atelier cuisine" not in content
    version = version_of(content)
    daily.record_presence(
        family.lea,
        establishment=family.ime,
        date=timezone.localdate(),
        status=PresenceStatus.PRESENT,
        arrived_at=datetime.time(8, 30),
        actor=team(family),
    )
    assert "8 h 30" in assert_page_ok(client.get(live_url(family.lea), {"version": version}, headers=HX))


def test_live_fragment_without_htmx_goes_to_the_page(family, portal_client):
    response = portal_client(family.mother).get(live_url(family.lea))
    assert response.status_code == 302 and response["Location"] == day_url(family.lea)


def test_page_polls_at_the_configured_pace(family, portal_client, settings):
    settings.PARCOURS_PORTAL_POLL_SECONDS = 2
    content = assert_page_ok(portal_client(family.mother).get(day_url(family.lea)))
    assert 'hx-trigger="every 2s"' in content and 'aria-live="polite"' in content


def test_relative_without_the_day_right_gets_a_404_and_the_refusal_is_logged(family, portal_client):
    PortalAccount.objects.filter(user=family.mother).update(rights=["projet", "messages"])
    client = portal_client(family.mother)
    assert client.get(day_url(family.lea)).status_code == 404
    assert client.get(live_url(family.lea), {"version": "x"}, headers=HX).status_code == 404
    assert AccessLogEntry.objects.filter(actor=family.mother, person=family.lea, allowed=False).count() == 2


def test_rights_removed_stop_the_polling_at_once(family, portal_client):
    client = portal_client(family.mother)
    version = version_of(assert_page_ok(client.get(day_url(family.lea))))
    PortalAccount.objects.filter(user=family.mother).update(rights=["messages"])
    assert client.get(live_url(family.lea), {"version": version}, headers=HX).status_code == 404


def test_person_and_guardian_see_their_day(family, portal_client):
    note(family, "Journée calme.")
    for user, basis in ((family.lea_user, Basis.PERSON), (family.guardian, Basis.REPRESENTATIVE)):
        assert "Journée calme." in assert_page_ok(portal_client(user).get(day_url(family.lea)))
        assert AccessLogEntry.objects.filter(actor=user, category=Category.NOTES, basis=basis).exists()


def test_easy_read_mode_has_pictograms_and_short_lines(family, portal_client):
    note(family, "Léa a joué au ballon.")
    entry(family, "Atelier musique", starts_at=at(23, 45))
    client = portal_client(family.mother)
    client.post(reverse("portal:easy_read"), {"on": "1", "next": day_url(family.lea)})
    content = assert_page_ok(client.get(day_url(family.lea)))
    assert 'class="portal-picto" aria-hidden="true">📝' in content
    assert 'class="portal-picto" aria-hidden="true">🎨' in content
    assert "La journée de Léa" in content and "Pas encore noté." in content


def test_team_login_has_no_day_in_a_persons_space(family, login):
    client = login(family.educator.user)
    assert client.get(day_url(family.lea)).status_code == 404
    assert client.get(live_url(family.lea), headers=HX).status_code == 404
