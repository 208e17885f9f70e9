"""The parcours timeline: order across kinds, keyset pagination without loss or repeat, filters,
"Voir plus" with htmx, and a bounded number of queries whatever the size of the record."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.records.enums import TimelineKind
from parcours.records.models import Note, ServiceDelivery
from parcours.records.timeline import Cursor, TimelineFilters, person_timeline
from tests.conftest import assert_page_ok
from tests.factories import (
    AdmissionFactory,
    NeedsAssessmentFactory,
    NoteFactory,
    ProjetFactory,
    concept,
)

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate
ALL = {kind.value for kind in TimelineKind}


def day(n) -> datetime.date:
    return TODAY() - datetime.timedelta(days=n)


def big_record(world, person, *, services=60, notes=30, per_day=3):
    """Services several per day (same date: ties), notes at distinct times."""
    prestation = concept("serafin-ph-prestations", "2.3.3.4")
    ServiceDelivery.objects.bulk_create(
        [
            ServiceDelivery(
                person=person,
                establishment=world.a,
                concept=prestation,
                date=day(i // per_day),
                duration_minutes=60,
                professional=world.pro_a,
            )
            for i in range(services)
        ]
    )
    now = timezone.now()
    Note.objects.bulk_create(
        [
            Note(
                person=person,
                establishment=world.a,
                category="daily_life",
                text=f"Note {i}",
                author=world.pro_a,
                written_at=now - datetime.timedelta(hours=7 * i + 1),
            )
            for i in range(notes)
        ]
    )


def walk(person, filters, page_size=7):
    seen, cursor, pages = [], None, 0
    while True:
        page = person_timeline(person, filters, before=cursor, page_size=page_size)
        seen.extend(page.items)
        pages += 1
        if page.next_cursor is None:
            return seen, pages
        # The cursor survives the round trip through the query string.
        params = page.next_cursor.as_params()
        cursor = Cursor.parse(params["before"], params["before_id"])
        assert cursor == page.next_cursor


def test_walking_all_pages_returns_every_event_once_in_order(world):
    person = world.person_a
    big_record(world, person)
    NeedsAssessmentFactory(person=person, establishment=world.a, date=day(2), needs=["1.2.1.1"])
    ProjetFactory(person=person, establishment=world.a, date=day(2), review_date=day(-300))
    AdmissionFactory(
        person=person, establishment=world.b, start_date=day(20), end_date=day(2), exit_reason="89"
    )
    items, pages = walk(person, TimelineFilters(kinds=ALL))
    keys = [(item.event, item.uuid) for item in items]
    assert len(keys) == len(set(keys))
    # 60 services + 30 notes + assessment + projet + 2 admissions + 1 exit
    assert len(items) == 60 + 30 + 1 + 1 + 3
    assert [item.cursor for item in items] == sorted((item.cursor for item in items), reverse=True)
    assert pages == -(-len(items) // 7)


def test_filters_by_kind_establishment_and_dates(world):
    person = world.person_a
    big_record(world, person, services=12, notes=5, per_day=1)
    AdmissionFactory(person=person, establishment=world.b, start_date=day(3))
    items, _ = walk(person, TimelineFilters(kinds={TimelineKind.SERVICE}))
    assert {item.kind for item in items} == {TimelineKind.SERVICE} and len(items) == 12
    items, _ = walk(person, TimelineFilters(kinds=ALL, establishment_id=world.b.pk))
    assert [item.event for item in items] == ["admission"]
    items, _ = walk(person, TimelineFilters(kinds={TimelineKind.SERVICE}, date_from=day(5), date_to=day(2)))
    assert sorted(item.obj.date for item in items) == [day(5), day(4), day(3), day(2)]


def test_page_links_work_without_javascript(world, login):
    person = world.person_a
    big_record(world, person, services=30, notes=0, per_day=2)
    client = login(world.pro_a.user)
    url = reverse("people:detail", args=[person.uuid])
    content = assert_page_ok(client.get(url))
    assert content.count('class="timeline__item"') == 20
    next_link = re.search(r'rel="next"\s+href="([^"]+)"', content).group(1).replace("&amp;", "&")
    assert "before=" in next_link and "before_id=service." in next_link
    content = assert_page_ok(client.get(next_link))
    # 30 services + the admission = 31 events: 11 left on the second page.
    assert content.count('class="timeline__item"') == 11
    assert 'rel="next"' not in content


def test_voir_plus_appends_with_htmx(world, login):
    person = world.person_a
    big_record(world, person, services=30, notes=0, per_day=2)
    client = login(world.pro_a.user)
    content = assert_page_ok(client.get(reverse("people:detail", args=[person.uuid])))
    hx_url = (
        re.search(r'hx-get="([^"]+)"', content.split('id="timeline-suite"')[1]).group(1).replace("&amp;", "&")
    )
    fragment = assert_page_ok(client.get(hx_url, headers={"HX-Request": "true"}))
    assert "<html" not in fragment
    assert fragment.count('class="timeline__item"') == 11
    assert 'hx-swap-oob="true"' in fragment
    # Without htmx, the fragment URL sends back to the person page at the same place.
    response = client.get(hx_url)
    assert response.status_code == 302 and "before=" in response["Location"]


def test_filter_form_on_the_page(world, login):
    person = world.person_a
    big_record(world, person, services=3, notes=2, per_day=1)
    client = login(world.pro_a.user)
    url = reverse("people:detail", args=[person.uuid])
    content = assert_page_ok(client.get(url, {"kind": "note"}))
    assert content.count('class="timeline__item"') == 2
    content = assert_page_ok(client.get(url, {"du": day(1).isoformat(), "au": day(5).isoformat()}))
    assert "La fin de la période précède son début." in content
    # Malformed cursors are ignored, not errors.
    assert_page_ok(client.get(url, {"before": "n'importe quoi", "before_id": "x.y"}))
    assert_page_ok(client.get(url, {"before": "2024-01-01T00:00:00", "before_id": "service.nope"}))


def test_gestionnaire_timeline_has_no_notes(world, login):
    person = world.person_a
    NoteFactory(person=person, establishment=world.a, author=world.pro_a, text="Confidentiel")
    url = reverse("people:detail", args=[person.uuid])
    content = assert_page_ok(login(world.gdir.user).get(url, {"kind": "note"}))
    assert "Confidentiel" not in content
    assert 'value="note"' not in content


@pytest.mark.parametrize("user", ["pro_a", "director_a", "gdir"])
def test_person_page_query_count_is_bounded(world, login, django_assert_max_num_queries, user):
    person = world.person_a
    big_record(world, person, services=300, notes=100, per_day=2)
    for i in range(5):
        NeedsAssessmentFactory(person=person, establishment=world.a, date=day(30 * i + 1), needs=["1.2.1.1"])
        ProjetFactory(person=person, establishment=world.a, date=day(30 * i + 1), review_date=day(-200))
    client = login(getattr(world, user).user)
    url = reverse("people:detail", args=[person.uuid])
    client.get(url)
    # 27 at most: the record's parts, the access log, the navigation's links and unread notifications
    # (one query), whether the user is in the person's circle (one query).
    with django_assert_max_num_queries(27):
        assert_page_ok(client.get(url))
    with django_assert_max_num_queries(27):
        assert_page_ok(client.get(url, {"kind": ["note", "service"], "du": day(100).isoformat()}))
