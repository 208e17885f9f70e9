"""The person's day for the team: presence, agenda, the presence sheet; who may write there."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.records import daily
from parcours.records.enums import AgendaKind, PresenceStatus
from parcours.records.models import AgendaEntry, Presence
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, PersonFactory

pytestmark = pytest.mark.django_db


def url(name, person, *extra):
    return reverse(f"records:{name}", args=[person.uuid, *extra])


def at(hour: int, minute: int = 0, days: int = 0) -> datetime.datetime:
    day = timezone.localdate() + datetime.timedelta(days=days)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def presence_data(world, **more):
    data = {
        "establishment": world.a.pk,
        "date": timezone.localdate().isoformat(),
        "status": "present",
        "arrived_at": "09:05",
    }
    return data | more


def entry_of(world, **more) -> AgendaEntry:
    values = {
        "establishment": world.a,
        "kind": AgendaKind.ACTIVITY,
        "starts_at": at(14),
        "title": "Atelier poterie",
    } | more
    return daily.add_agenda_entry(world.person_a, actor=world.actor(world.pro_a), **values)


def test_day_page_shows_presence_and_agenda_and_logs_the_read(world, login):
    daily.record_presence(
        world.person_a,
        establishment=world.a,
        date=timezone.localdate(),
        status=PresenceStatus.PRESENT,
        arrived_at=datetime.time(9, 5),
        actor=world.actor(world.pro_a),
    )
    entry_of(world, title="Piscine", shareable=False)
    cancelled = entry_of(world, title="Sortie au marché")
    daily.cancel_agenda_entry(cancelled, actor=world.actor(world.pro_a))
    content = assert_page_ok(login(world.pro_a.user).get(url("day", world.person_a)))
    assert "09h05" in content
    assert "Piscine" in content and "Non visible par la famille" in content
    assert "Sortie au marché" in content and "Annulé le" in content
    assert "Noter la présence" in content
    assert reverse("records:presence_sheet", args=[world.a.uuid]) in content
    assert AccessLogEntry.objects.filter(
        person=world.person_a, actor=world.pro_a.user, category=Category.SERVICES, action=Action.READ
    ).exists()


def test_recording_presence_twice_updates_the_day_row(world, login):
    client = login(world.pro_a.user)
    response = client.post(url("presence", world.person_a), presence_data(world))
    assert response.status_code == 302 and response["Location"] == url("day", world.person_a)
    response = client.post(
        url("presence", world.person_a),
        presence_data(world, status="absent", arrived_at="", absence_reason="illness"),
    )
    assert response.status_code == 302
    presence = Presence.objects.get(person=world.person_a)
    assert (presence.status, presence.absence_reason, presence.arrived_at) == ("absent", "illness", None)
    assert presence.recorded_by == world.pro_a
    assert AccessLogEntry.objects.filter(
        person=world.person_a, category=Category.SERVICES, action=Action.UPDATE, allowed=True
    ).exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"arrived_at": "16:00", "left_at": "09:00"},
            "L&#x27;heure de départ précède l&#x27;heure d&#x27;arrivée.",
        ),
        ({"arrived_at": "25:99"}, "Saisissez une heure valide."),
        ({"status": "absent"}, "Une personne absente n&#x27;a ni heure d&#x27;arrivée ni heure de départ."),
        ({"arrived_at": ""}, "Indiquez l&#x27;heure d&#x27;arrivée."),
        ({"date": (timezone.localdate() + datetime.timedelta(days=1)).isoformat()}, "jour à venir"),
    ],
)
def test_invalid_presence_is_refused_in_french_and_writes_nothing(world, login, data, message):
    response = login(world.pro_a.user).post(url("presence", world.person_a), presence_data(world, **data))
    content = assert_page_ok(response)
    assert message in content
    assert not Presence.objects.exists()


def test_presence_of_a_person_not_supported_there_is_refused(world):
    with pytest.raises(ValidationError) as error:
        daily.record_presence(
            world.person_a,
            establishment=world.a,
            date=timezone.localdate() - datetime.timedelta(days=500),
            status=PresenceStatus.ABSENT,
            actor=world.actor(world.pro_a),
        )
    assert "n'est pas accompagnée par cet établissement" in str(error.value)
    assert not Presence.objects.exists()


def test_gestionnaire_direction_and_other_team_cannot_write(world, login):
    gdir = login(world.gdir.user)
    assert gdir.get(url("day", world.person_a)).status_code == 200
    assert gdir.post(url("presence", world.person_a), presence_data(world)).status_code == 403
    assert gdir.post(url("agenda_create", world.person_a), {}).status_code == 403
    pro_b = login(world.pro_b.user)
    assert pro_b.get(url("day", world.person_a)).status_code == 404
    assert pro_b.post(url("presence", world.person_a), presence_data(world)).status_code == 404
    assert not Presence.objects.exists()
    assert AccessLogEntry.objects.filter(person=world.person_a, actor=world.gdir.user, allowed=False).exists()
    # B's team writing in A's name through the service: refused.
    with pytest.raises(PermissionDenied):
        daily.record_presence(
            world.person_a,
            establishment=world.a,
            date=timezone.localdate(),
            status=PresenceStatus.ABSENT,
            actor=world.actor(world.pro_b),
        )
    assert not Presence.objects.exists()


def test_gestionnaire_direction_sees_no_write_form(world, login):
    content = assert_page_ok(login(world.gdir.user).get(url("day", world.person_a)))
    assert "Noter la présence" not in content and "Ajouter à l'agenda" not in content


def test_add_agenda_entry_visible_by_default(world, login):
    client = login(world.pro_a.user)
    assert_page_ok(client.get(url("agenda_create", world.person_a)))
    response = client.post(
        url("agenda_create", world.person_a),
        {
            "establishment": world.a.pk,
            "kind": "appointment",
            "title": "Orthophoniste",
            "starts_at": at(10, 30, days=3).strftime("%Y-%m-%dT%H:%M"),
            "place": "Cabinet du centre",
            "shareable": "on",
        },
    )
    assert response.status_code == 302
    entry = AgendaEntry.objects.get()
    assert (entry.kind, entry.title, entry.shareable, entry.created_by) == (
        "appointment",
        "Orthophoniste",
        True,
        world.pro_a,
    )
    assert entry.starts_at == at(10, 30, days=3)


def test_agenda_end_before_start_is_refused(world, login):
    response = login(world.pro_a.user).post(
        url("agenda_create", world.person_a),
        {
            "establishment": world.a.pk,
            "kind": "activity",
            "title": "Atelier",
            "starts_at": at(14).strftime("%Y-%m-%dT%H:%M"),
            "ends_at": at(13).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert "La fin précède le début." in assert_page_ok(response)
    assert not AgendaEntry.objects.exists()


def test_cancelling_keeps_the_row_dated(world, login):
    entry = entry_of(world)
    client = login(world.pro_a.user)
    assert "Confirmer l'annulation" in assert_page_ok(
        client.get(url("agenda_cancel", world.person_a, entry.uuid))
    )
    response = client.post(url("agenda_cancel", world.person_a, entry.uuid))
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.cancelled_at is not None
    assert AgendaEntry.objects.count() == 1
    again = client.post(url("agenda_cancel", world.person_a, entry.uuid))
    assert "déjà annulée" in assert_page_ok(again)


def test_cancelling_is_refused_to_gestionnaire_and_other_team(world, login):
    entry = entry_of(world)
    assert login(world.gdir.user).post(url("agenda_cancel", world.person_a, entry.uuid)).status_code == 403
    assert login(world.pro_b.user).post(url("agenda_cancel", world.person_a, entry.uuid)).status_code == 404
    entry.refresh_from_db()
    assert entry.cancelled_at is None


def test_an_entry_of_another_person_is_a_404(world, login):
    AdmissionFactory(person=world.person_b, establishment=world.a)
    other = daily.add_agenda_entry(
        world.person_b,
        establishment=world.a,
        kind=AgendaKind.ACTIVITY,
        starts_at=at(15),
        title="Atelier",
        actor=world.actor(world.pro_a),
    )
    response = login(world.pro_a.user).post(url("agenda_cancel", world.person_a, other.uuid))
    assert response.status_code == 404


# The presence sheet


def sheet_url(world, **query):
    base = reverse("records:presence_sheet", args=[world.a.uuid])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_presence_sheet_records_a_group_at_once(world, login):
    second = PersonFactory(birth_name="Zola", first_names="Émile")
    AdmissionFactory(person=second, establishment=world.a)
    client = login(world.pro_a.user)
    content = assert_page_ok(client.get(sheet_url(world)))
    assert "LEFÈVRE Élodie" in content and "ZOLA Émile" in content
    assert "MARTIN" not in content  # supported by B only
    response = client.post(
        sheet_url(world),
        {
            f"status_{world.person_a.uuid.hex}": "present",
            f"arrived_{world.person_a.uuid.hex}": "08:45",
            f"status_{second.uuid.hex}": "absent",
            f"reason_{second.uuid.hex}": "family",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == sheet_url(world, jour=timezone.localdate().isoformat())
    rows = {p.person_id: p for p in Presence.objects.all()}
    assert rows[world.person_a.pk].arrived_at == datetime.time(8, 45)
    assert (rows[second.pk].status, rows[second.pk].absence_reason) == ("absent", "family")
    assert AccessLogEntry.objects.filter(
        actor=world.pro_a.user, category=Category.SERVICES, action=Action.READ, person=second
    ).exists()


def test_presence_sheet_present_without_time_takes_now_and_one_bad_line_saves_nothing(world, login):
    client = login(world.pro_a.user)
    client.post(sheet_url(world), {f"status_{world.person_a.uuid.hex}": "present"})
    assert Presence.objects.get().arrived_at is not None
    second = PersonFactory(birth_name="Zola", first_names="Émile")
    AdmissionFactory(person=second, establishment=world.a)
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = client.post(
        sheet_url(world, jour=yesterday),
        {
            f"status_{second.uuid.hex}": "absent",
            # A past day: the arrival time cannot be guessed.
            f"status_{world.person_a.uuid.hex}": "present",
        },
    )
    assert "Indiquez l&#x27;heure d&#x27;arrivée." in assert_page_ok(response)
    assert Presence.objects.count() == 1


def test_presence_sheet_is_a_404_outside_the_establishment(world, login):
    for professional in (world.pro_b, world.gdir):
        client = login(professional.user)
        assert client.get(sheet_url(world)).status_code == 404
        assert (
            client.post(sheet_url(world), {f"status_{world.person_a.uuid.hex}": "absent"}).status_code == 404
        )
    assert not Presence.objects.exists()
