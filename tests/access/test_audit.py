"""The data protection officer's detections on a log built by hand; every expected value was worked
out by hand from the entries below (local time, Europe/Paris, UTC+1 in early March 2026).

Thresholds: more than 3 different persons within 60 minutes; night from 22:00 to 06:00.
Period: 2 and 3 March 2026.
- pro_a reads p1..p4 at 10:00, 10:15, 10:30, 10:45 (and p1 again at 10:50; a list of p5 at 10:20,
  which is not an opening): 4 persons in 45 minutes -> burst of 4, 10:00 to 10:45.
- pro_b reads p1..p4 at 10:00, 10:20, 10:40, 11:00: a 60-minute window holds at most 3 of them
  (11:00 - 10:00 is not *within* 60 minutes) -> no burst; with a 90-minute window, 4 from 10:00 to 11:00.
- director_a reads p1..p4 at 10:50, 10:55, 11:05, 11:10, across a clock hour -> burst of 4.
- pro_c is refused p1 at 14:00, p2 at 14:05, p1 at 15:00 (refused reads are no openings) -> 3
  refusals, 2 persons, 14:00 to 15:00; and one on 1 March at 23:59, outside the period.
- gdir reads p1 at 23:30 on the 2nd, p2 at 05:59 and p3 at 06:00 on the 3rd, p4 at 21:59 on the 3rd,
  and searches (no person) at 23:00 -> night: 2 entries, 2 persons, 23:30 to 05:59.
- pro_a reads p5 at 00:30 on 4 March: night, but outside the period.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings
from django.urls import reverse

from parcours.access.audit import ActorSummary, Burst, Period, bursts, night_access, refusals
from parcours.access.models import AccessLogEntry
from parcours.access.verify import verify_chain
from tests.factories import PersonFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("log"),
]

PARIS = ZoneInfo("Europe/Paris")
PERIOD = Period(datetime.date(2026, 3, 2), datetime.date(2026, 3, 3))
THRESHOLDS = {
    "PARCOURS_AUDIT_BURST_PERSONS": 3,
    "PARCOURS_AUDIT_BURST_MINUTES": 60,
    "PARCOURS_AUDIT_NIGHT_START": 22,
    "PARCOURS_AUDIT_NIGHT_END": 6,
}


def at(day: int, hour: int, minute: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=PARIS)


@pytest.fixture
def persons():
    return [PersonFactory() for _ in range(5)]


@pytest.fixture
def log(world, persons):
    p1, p2, p3, p4, p5 = persons

    def entry(professional, when, person, *, action="read", allowed=True):
        AccessLogEntry.objects.create(
            at=when,
            actor=professional.user,
            person=person,
            action=action,
            category="identity",
            allowed=allowed,
            basis="team" if allowed else "none",
        )

    for person, minute in ((p1, 0), (p2, 15), (p3, 30), (p4, 45), (p1, 50)):
        entry(world.pro_a, at(2, 10, minute), person)
    entry(world.pro_a, at(2, 10, 20), p5, action="list")
    for person, (hour, minute) in zip(persons, ((10, 0), (10, 20), (10, 40), (11, 0)), strict=False):
        entry(world.pro_b, at(2, hour, minute), person)
    for person, (hour, minute) in zip(persons, ((10, 50), (10, 55), (11, 5), (11, 10)), strict=False):
        entry(world.director_a, at(2, hour, minute), person)
    for person, (hour, minute) in ((p1, (14, 0)), (p2, (14, 5)), (p1, (15, 0))):
        entry(world.pro_c, at(2, hour, minute), person, allowed=False)
    entry(world.pro_c, at(1, 23, 59), p2, allowed=False)
    entry(world.gdir, at(2, 23, 30), p1)
    entry(world.gdir, at(3, 5, 59), p2)
    entry(world.gdir, at(3, 6, 0), p3)
    entry(world.gdir, at(3, 21, 59), p4)
    entry(world.gdir, at(2, 23, 0), None, action="search")
    entry(world.pro_a, at(4, 0, 30), p5)


@override_settings(**THRESHOLDS)
def test_many_records_opened_in_a_short_time(world):
    assert bursts(PERIOD) == [
        Burst(world.pro_a.user.pk, 4, at(2, 10, 0), at(2, 10, 45)),
        Burst(world.director_a.user.pk, 4, at(2, 10, 50), at(2, 11, 10)),
    ]


@override_settings(**THRESHOLDS)
def test_a_longer_window_and_a_lower_threshold(world):
    # 90 minutes: pro_b's four reads (10:00 to 11:00) now fall within one window.
    found = {burst.actor_id: burst for burst in bursts(PERIOD, minutes=90)}
    assert found[world.pro_b.user.pk] == Burst(world.pro_b.user.pk, 4, at(2, 10, 0), at(2, 11, 0))
    assert set(found) == {world.pro_a.user.pk, world.pro_b.user.pk, world.director_a.user.pk}
    # More than 2 persons in 60 minutes: pro_b's 3 reads from 10:20 to 11:00 count.
    found = {burst.actor_id: burst for burst in bursts(PERIOD, persons=2)}
    assert found[world.pro_b.user.pk] == Burst(world.pro_b.user.pk, 3, at(2, 10, 0), at(2, 10, 40))
    # gdir: 2 persons at most within any hour, never more than 2.
    assert world.gdir.user.pk not in found


@override_settings(**THRESHOLDS)
def test_a_window_longer_than_a_day_checks_the_whole_period(world):
    found = {burst.actor_id: burst.persons for burst in bursts(PERIOD, persons=3, minutes=3 * 24 * 60)}
    # gdir read 4 different persons over the two days; pro_a still 4 (p5 was read on the 4th).
    assert found == {
        world.pro_a.user.pk: 4,
        world.pro_b.user.pk: 4,
        world.director_a.user.pk: 4,
        world.gdir.user.pk: 4,
    }


@override_settings(**THRESHOLDS)
def test_refusals_per_user(world):
    assert refusals(PERIOD) == [ActorSummary(world.pro_c.user.pk, 3, 2, at(2, 14, 0), at(2, 15, 0))]


@override_settings(**THRESHOLDS)
def test_night_access_per_user_in_local_time(world):
    assert night_access(PERIOD) == [ActorSummary(world.gdir.user.pk, 2, 2, at(2, 23, 30), at(3, 5, 59))]
    # A range that does not wrap past midnight: from 14:00 to 15:00, pro_c's refusals at 14:00 and 14:05.
    assert night_access(PERIOD, start=14, end=15) == [
        ActorSummary(world.pro_c.user.pk, 2, 2, at(2, 14, 0), at(2, 14, 5))
    ]


def test_a_log_built_out_of_date_order_still_verifies():
    assert verify_chain().intact


@override_settings(**THRESHOLDS)
def test_the_audit_view_shows_the_detections_of_the_period(world, login, dpo):
    client = login(dpo)
    response = client.get(reverse("access:dpo"), {"start": "2026-03-02", "end": "2026-03-03"})
    content = response.content.decode()
    assert "Du 2 mars 2026 au 3 mars 2026 inclus" in content
    assert "Plus de 3 dossiers différents ouverts par un même utilisateur en 60 minutes" in content
    assert [(burst.actor_id, burst.persons) for burst, _ in response.context["bursts"]] == [
        (world.pro_a.user.pk, 4),
        (world.director_a.user.pk, 4),
    ]
    assert [(row.actor_id, row.entries) for row, _ in response.context["refusals"]] == [
        (world.pro_c.user.pk, 3)
    ]
    assert [(row.actor_id, row.entries) for row, _ in response.context["night"]] == [(world.gdir.user.pk, 2)]
    assert str(world.pro_c) in content and "IME Les Tilleuls" in content
    assert reverse("access:user_log", args=[world.gdir.user.uuid]) in content
    assert "entre 22 h et 6 h" in content


@override_settings(**THRESHOLDS)
def test_the_audit_view_refuses_a_bad_period_and_shows_the_last_seven_days(world, login, dpo):
    response = login(dpo).get(reverse("access:dpo"), {"start": "2026-03-03", "end": "2026-03-02"})
    content = response.content.decode()
    assert "La fin de la période précède son début." in content
    assert response.context["period"] == Period.last_days(7)
    assert response.context["bursts"] == [] and response.context["refusals"] == []
