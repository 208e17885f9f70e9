"""The rollups of the service log: what they hold, how they follow the log, and that the indicators read
from them give what an aggregate over the log gives, for any period and any scope.

Hand-built log (establishment, day, code, minutes); A and B belong to gestionnaire G, C to H:
    L1  A 05/03/2025 2.1.1.1  45        L4  A 31/03/2025 2.1.1.1  15
    L2  A 05/03/2025 2.1.1.1  30        L5  A 01/04/2025 2.1.1.1  60
    L3  A 05/03/2025 2.3.1.1  90        L6  B 05/03/2025 2.1.1.1  20
"""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Count, Sum
from django_tasks import TaskResultStatus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours.nomenclature.models import SystemSlug
from parcours.records import services
from parcours.records.models import ServiceDelivery
from parcours.reporting import registry, rollups
from parcours.reporting.indicators.activity import by_block
from parcours.reporting.models import RollupState, ServiceDayRollup, ServiceMonthRollup
from parcours.reporting.registry import Period, Scope
from parcours.reporting.tasks import rebuild_service_rollups, refresh_service_rollups
from parcours.retention import disposal
from tests.factories import EstablishmentFactory, GestionnaireFactory, PersonFactory, concept
from tests.people.scenario import world  # noqa: F401

pytestmark = pytest.mark.django_db

D = datetime.date
PRESTATIONS = "serafin-ph-prestations"
SERVICES_BY_BLOCK = "prestations-realisees-par-bloc"
HOURS_BY_BLOCK = "heures-prestations-par-bloc"


def day_rows() -> dict:
    return {
        (row.establishment_id, row.day, row.concept.code): (row.deliveries, row.minutes)
        for row in ServiceDayRollup.objects.select_related("concept")
    }


def month_rows() -> dict:
    return {
        (row.establishment_id, row.month, row.concept.code): (row.deliveries, row.minutes)
        for row in ServiceMonthRollup.objects.select_related("concept")
    }


def log(person, establishment, day, code, minutes) -> ServiceDelivery:
    """A line written straight into the log, as a bulk load does: nothing refreshes the rollups."""
    return ServiceDelivery.objects.create(
        person=person,
        establishment=establishment,
        date=day,
        concept=concept(PRESTATIONS, code),
        duration_minutes=minutes,
    )


@pytest.fixture
def log_lines():
    g = GestionnaireFactory()
    a, b = EstablishmentFactory(gestionnaire=g), EstablishmentFactory(gestionnaire=g)
    c = EstablishmentFactory()
    person = PersonFactory()
    lines = [
        log(person, a, D(2025, 3, 5), "2.1.1.1", 45),
        log(person, a, D(2025, 3, 5), "2.1.1.1", 30),
        log(person, a, D(2025, 3, 5), "2.3.1.1", 90),
        log(person, a, D(2025, 3, 31), "2.1.1.1", 15),
        log(person, a, D(2025, 4, 1), "2.1.1.1", 60),
        log(person, b, D(2025, 3, 5), "2.1.1.1", 20),
    ]
    return {"A": a, "B": b, "C": c, "G": g, "person": person, "lines": lines}


def test_refresh_all_writes_the_daily_and_monthly_totals(log_lines):
    a, b = log_lines["A"].pk, log_lines["B"].pk
    result = rollups.refresh_all()
    assert day_rows() == {
        (a, D(2025, 3, 5), "2.1.1.1"): (2, 75),  # L1 + L2
        (a, D(2025, 3, 5), "2.3.1.1"): (1, 90),  # L3
        (a, D(2025, 3, 31), "2.1.1.1"): (1, 15),  # L4
        (a, D(2025, 4, 1), "2.1.1.1"): (1, 60),  # L5
        (b, D(2025, 3, 5), "2.1.1.1"): (1, 20),  # L6
    }
    assert month_rows() == {
        (a, D(2025, 3, 1), "2.1.1.1"): (3, 90),  # L1, L2, L4
        (a, D(2025, 3, 1), "2.3.1.1"): (1, 90),
        (a, D(2025, 4, 1), "2.1.1.1"): (1, 60),
        (b, D(2025, 3, 1), "2.1.1.1"): (1, 20),
    }
    assert (result.months, result.rows) == (2, 5)  # March and April
    state = rollups.freshness()
    assert state.rebuilt_at is not None and state.refreshed_at >= state.rebuilt_at


def test_a_second_rebuild_gives_the_same_rows(log_lines):
    rollups.refresh_all()
    first = (day_rows(), month_rows())
    rollups.refresh_all()
    assert (day_rows(), month_rows()) == first


def test_service_totals_for_any_period(log_lines):
    rollups.refresh_all()
    a, g = (
        Scope.establishment(log_lines["A"]).establishments(),
        Scope.gestionnaire(log_lines["G"]).establishments(),
    )

    def totals(scope, start, end):
        return rollups.service_totals(scope, start, end)

    # The whole of March (the monthly rows only).
    assert totals(a, D(2025, 3, 1), D(2025, 3, 31)) == {"2.1.1.1": (3, 90), "2.3.1.1": (1, 90)}
    # One day, in G: L1, L2, L3 and L6.
    assert totals(g, D(2025, 3, 5), D(2025, 3, 5)) == {"2.1.1.1": (3, 95), "2.3.1.1": (1, 90)}
    # Across the end of March, no whole month: L4 and L5.
    assert totals(a, D(2025, 3, 6), D(2025, 4, 1)) == {"2.1.1.1": (2, 75)}
    # February to April 1st: the whole months of February and March, plus April 1st (L1 to L5).
    assert totals(a, D(2025, 2, 1), D(2025, 4, 1)) == {"2.1.1.1": (4, 150), "2.3.1.1": (1, 90)}
    # From March 6th to the end of April: the days of March after the 5th (L4), the whole of April (L5).
    assert totals(a, D(2025, 3, 6), D(2025, 4, 30)) == {"2.1.1.1": (2, 75)}
    # Nothing logged in C, nor in 2024.
    assert totals(Scope.establishment(log_lines["C"]).establishments(), D(2025, 1, 1), D(2025, 12, 31)) == {}
    assert totals(g, D(2024, 1, 1), D(2024, 12, 31)) == {}


def test_indicators_read_the_rollups_not_the_log(log_lines):
    rollups.refresh_all()
    scope, march = Scope.establishment(log_lines["A"]), Period(D(2025, 3, 1), D(2025, 3, 31))
    before = registry.get(SERVICES_BY_BLOCK).evaluate(scope, march)
    line = log(log_lines["person"], log_lines["A"], D(2025, 3, 20), "2.3.1.1", 10)
    assert registry.get(SERVICES_BY_BLOCK).evaluate(scope, march) == before
    rollups.refresh([line.establishment_id], [line.date])
    after = dict(registry.get(SERVICES_BY_BLOCK).evaluate(scope, march))
    assert after[next(label for label in after if label.startswith("2.3 "))] == 2  # L3 and the new line


def test_refresh_recomputes_only_the_days_given(log_lines):
    rollups.refresh_all()
    a, b, person = log_lines["A"], log_lines["B"], log_lines["person"]
    ServiceDelivery.objects.filter(pk=log_lines["lines"][0].pk).delete()  # L1, A 05/03
    log(person, a, D(2025, 3, 31), "2.2.1.1", 25)
    log(person, b, D(2025, 3, 31), "2.2.1.1", 35)
    written = rollups.refresh([a.pk], [D(2025, 3, 5)])
    assert written == 2  # A 05/03: 2.1.1.1 (L2 alone now) and 2.3.1.1
    rows = day_rows()
    assert rows[(a.pk, D(2025, 3, 5), "2.1.1.1")] == (1, 30)
    # The line of A on 31/03 waits for its own refresh; B was not asked for.
    assert (a.pk, D(2025, 3, 31), "2.2.1.1") not in rows and (b.pk, D(2025, 3, 31), "2.2.1.1") not in rows
    assert month_rows()[(a.pk, D(2025, 3, 1), "2.1.1.1")] == (2, 45)  # L2, L4
    # Every establishment given on every day given.
    rollups.refresh([a.pk, b.pk], [D(2025, 3, 31)])
    rows = day_rows()
    assert rows[(a.pk, D(2025, 3, 31), "2.2.1.1")] == (1, 25)
    assert rows[(b.pk, D(2025, 3, 31), "2.2.1.1")] == (1, 35)
    assert month_rows()[(b.pk, D(2025, 3, 1), "2.2.1.1")] == (1, 35)


def test_a_day_emptied_has_no_row_left(log_lines):
    rollups.refresh_all()
    a = log_lines["A"]
    ServiceDelivery.objects.filter(establishment=a, date=D(2025, 4, 1)).delete()  # L5
    rollups.refresh([a.pk], [D(2025, 4, 1)])
    assert not [key for key in day_rows() if key[1] == D(2025, 4, 1)]
    assert not [key for key in month_rows() if key[1] == D(2025, 4, 1)]


def test_refresh_all_repairs_what_no_refresh_followed(log_lines):
    rollups.refresh_all()
    a = log_lines["A"]
    # Lines deleted without a refresh (as when a person is anonymised), the last day of the log among them.
    ServiceDelivery.objects.filter(establishment=a, date__gte=D(2025, 3, 31)).delete()  # L4, L5
    rollups.refresh_all()
    assert {key[1] for key in day_rows()} == {D(2025, 3, 5)}
    assert month_rows()[(a.pk, D(2025, 3, 1), "2.1.1.1")] == (2, 75)
    assert (a.pk, D(2025, 4, 1), "2.1.1.1") not in month_rows()


def test_refresh_since_a_day(log_lines):
    rollups.refresh_all()
    rebuilt_at = rollups.freshness().rebuilt_at
    a, person = log_lines["A"], log_lines["person"]
    log(person, a, D(2025, 3, 4), "2.2.1.1", 10)  # before the day given: left as it was
    log(person, a, D(2025, 3, 6), "2.2.1.1", 20)
    log(person, a, D(2025, 5, 2), "2.2.1.1", 30)  # a month the rollups did not have yet
    result = rollups.refresh_all(since=D(2025, 3, 5))
    assert result.months == 3  # March (from the 5th), April, May
    rows = day_rows()
    assert (a.pk, D(2025, 3, 4), "2.2.1.1") not in rows
    assert rows[(a.pk, D(2025, 3, 6), "2.2.1.1")] == (1, 20)
    assert rows[(a.pk, D(2025, 5, 2), "2.2.1.1")] == (1, 30)
    # The month is summed from the daily rows: March has the 6th, not the 4th.
    assert month_rows()[(a.pk, D(2025, 3, 1), "2.2.1.1")] == (1, 20)
    # Not a full rebuild: the consolidation date stays.
    assert rollups.freshness().rebuilt_at == rebuilt_at


def test_logging_and_correcting_a_service_refresh_its_days(world, django_capture_on_commit_callbacks):  # noqa: F811
    actor = world.actor(world.pro_a)
    logged_on = world.person_a.admissions.get().start_date + datetime.timedelta(days=40)
    month = logged_on.replace(day=1)
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.log_service(
            world.person_a,
            establishment=world.a,
            concept=concept(PRESTATIONS, "2.3.1.1"),
            date=logged_on,
            duration_minutes=40,
            actor=actor,
        )
        assert day_rows() == {}  # nothing before the commit
    assert day_rows() == {(world.a.pk, logged_on, "2.3.1.1"): (1, 40)}
    assert month_rows() == {(world.a.pk, month, "2.3.1.1"): (1, 40)}

    # Moved to the day before the month's first day, with another code: both days are recomputed.
    moved_to = month - datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.update_service_delivery(
            delivery, concept=concept(PRESTATIONS, "2.1.1.1"), date=moved_to, duration_minutes=50, actor=actor
        )
    assert day_rows() == {(world.a.pk, moved_to, "2.1.1.1"): (1, 50)}
    assert month_rows() == {(world.a.pk, moved_to.replace(day=1), "2.1.1.1"): (1, 50)}


def test_erasing_a_persons_services_at_the_end_of_retention_refreshes_their_days(
    log_lines, django_capture_on_commit_callbacks
):
    other = PersonFactory()
    log(other, log_lines["A"], D(2025, 3, 5), "2.1.1.1", 10)
    rollups.refresh_all()
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            disposal.erase_services(log_lines["person"])
        assert len(day_rows()) == 5  # nothing before the commit
    # Only the other person's line is left, on A's 5 March.
    assert day_rows() == {(log_lines["A"].pk, D(2025, 3, 5), "2.1.1.1"): (1, 10)}
    assert month_rows() == {(log_lines["A"].pk, D(2025, 3, 1), "2.1.1.1"): (1, 10)}


def test_the_tasks(log_lines):
    a = log_lines["A"]
    result = refresh_service_rollups.enqueue([a.pk], ["2025-03-05", "2025-03-31"])
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value == {"rows": 3}  # A 05/03: two codes; A 31/03: one
    result = rebuild_service_rollups.enqueue()
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert (result.return_value["months"], result.return_value["rows"]) == (2, 5)
    assert RollupState.objects.get().rebuilt_at is not None


def test_the_command(log_lines):
    RollupState.objects.all().delete()  # never built (a module of the demo's tests commits a rebuild)
    out = io.StringIO()
    call_command("rollups", "status", stdout=out)
    assert "Données consolidées le : jamais" in out.getvalue()
    call_command("rollups", "refresh", "--all", stdout=out)
    assert "03/2025 (1/2, 50 %)" in out.getvalue() and "04/2025 (2/2, 100 %)" in out.getvalue()
    assert "2 mois, 5 cumuls journaliers écrits" in out.getvalue()
    out = io.StringIO()
    call_command("rollups", "refresh", "--since", "2025-04-01", stdout=out)
    assert "Cumuls à partir du 01/04/2025" in out.getvalue() and "1 mois, 1 cumuls" in out.getvalue()
    out = io.StringIO()
    call_command("rollups", "status", stdout=out)
    assert "jamais" not in out.getvalue()
    with pytest.raises(CommandError, match="Date invalide"):
        call_command("rollups", "refresh", "--since", "2025-13-01")
    with pytest.raises(CommandError):
        call_command("rollups", "refresh")  # --all or --since


# Property: on any log, after any changes followed by refreshes, the rollups equal the log.

START = D(2025, 1, 25)  # the days drawn run from late January to late May
SPAN = 120
CODES = ["2.1.1.1", "2.1.1.2", "2.2.1.1", "2.3.1.1", "2"]

line = st.tuples(
    st.integers(0, 2),  # establishment A, B or C
    st.integers(0, SPAN),  # day
    st.sampled_from(CODES),
    st.integers(1, 24 * 60),  # minutes
)
change = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 1000)),
    st.tuples(st.just("move"), st.integers(0, 1000), st.integers(0, SPAN)),
    st.tuples(st.just("add"), line),
)
period = st.tuples(st.integers(-10, SPAN + 10), st.integers(0, SPAN + 20))

PROPERTY_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def raw_indicators(scope: Scope, period: Period) -> tuple[list, list]:
    """The two indicators, computed straight from the log: the reference."""
    rows = (
        ServiceDelivery.objects.filter(
            establishment__in=scope.establishments(), date__gte=period.start, date__lte=period.end
        )
        .values("concept__code")
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    )
    counts = by_block(SystemSlug.SERAFIN_PRESTATIONS, {row["concept__code"]: row["n"] for row in rows})
    minutes = by_block(SystemSlug.SERAFIN_PRESTATIONS, {row["concept__code"]: row["minutes"] for row in rows})
    return counts, [(label, round(total / 60, 1)) for label, total in minutes]


def raw_day_rows() -> dict:
    return {
        (row["establishment_id"], row["date"], row["concept__code"]): (row["n"], row["minutes"])
        for row in ServiceDelivery.objects.values("establishment_id", "date", "concept__code")
        .annotate(n=Count("pk"), minutes=Sum("duration_minutes"))
        .order_by()
    }


@pytest.fixture
def places():
    g = GestionnaireFactory()
    establishments = [
        EstablishmentFactory(gestionnaire=g),
        EstablishmentFactory(gestionnaire=g),
        EstablishmentFactory(),
    ]
    concepts = {code: concept(PRESTATIONS, code) for code in CODES}
    return establishments, g, PersonFactory(), concepts


@PROPERTY_SETTINGS
@given(
    lines=st.lists(line, max_size=40),
    changes=st.lists(change, max_size=10),
    periods=st.lists(period, min_size=1, max_size=4),
)
def test_rollups_equal_the_log(places, lines, changes, periods):
    establishments, g, person, concepts = places

    def delivery(where, offset, code, minutes):
        return ServiceDelivery(
            person=person,
            establishment=establishments[where],
            date=START + datetime.timedelta(days=offset),
            concept=concepts[code],
            duration_minutes=minutes,
        )

    with transaction.atomic():
        written = ServiceDelivery.objects.bulk_create([delivery(*values) for values in lines])
        rollups.refresh_all()
        # Changes followed by a refresh of the days they touched, as the services and bulk loads do.
        touched = set()
        for kind, *args in changes:
            if kind == "add":
                new = delivery(*args[0])
                new.save()
                written.append(new)
                touched.add((new.establishment_id, new.date))
            elif written:
                target = written[args[0] % len(written)]
                touched.add((target.establishment_id, target.date))
                if kind == "delete":
                    target.delete()
                    written.remove(target)
                else:
                    target.date = START + datetime.timedelta(days=args[1])
                    target.save()
                    touched.add((target.establishment_id, target.date))
        for establishment_id, day in touched:
            rollups.refresh([establishment_id], [day])

        assert day_rows() == raw_day_rows()
        scopes = [Scope.establishment(establishments[0]), Scope.gestionnaire(g), Scope.region("84")]
        for start, length in periods:
            when = Period(
                START + datetime.timedelta(days=start), START + datetime.timedelta(days=start + length)
            )
            for scope in scopes:
                expected_counts, expected_hours = raw_indicators(scope, when)
                assert registry.get(SERVICES_BY_BLOCK).evaluate(scope, when) == expected_counts
                assert registry.get(HOURS_BY_BLOCK).evaluate(scope, when) == expected_hours
        transaction.set_rollback(True)
