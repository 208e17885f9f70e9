"""The command's guards, the reset, the generated identifiers and the benchmark floor view."""

import io
import random

import pytest
from django.core.management import CommandError, call_command
from django.http import Http404
from django.test import RequestFactory, override_settings
from stdnum import luhn
from stdnum.fr import nir as stdnum_nir

from parcours.access.journal import Actor, record
from parcours.access.models import AccessLogEntry
from parcours.accounts.models import User
from parcours.core.identifiers import validate_finess, validate_siren
from parcours.demo.identifiers import make_finess, make_nir, make_siren, uuid4_int
from parcours.demo.views import bench_floor
from parcours.organisations.models import Establishment
from parcours.people.models import Person


def test_generated_identifiers_pass_the_checks():
    rng = random.Random(0)
    for _ in range(500):
        finess = make_finess(rng, "35")
        validate_finess(finess)
        assert finess.startswith("35") and luhn.is_valid(finess)
        validate_siren(make_siren(rng))
        number = make_nir("F", 1987, 4, f"35{rng.randrange(1000):03d}", rng.randint(1, 999))
        assert stdnum_nir.is_valid(number) and number[0] == "2"
        assert int(number[-2:]) == 97 - int(number[:13]) % 97
    assert stdnum_nir.is_valid(make_nir("M", 1948, 12, "99350", 3))
    assert {__import__("uuid").UUID(int=uuid4_int(rng)).version for _ in range(20)} == {4}


@pytest.mark.django_db
@pytest.mark.sqlite
def test_department_scale_refuses_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("demo_data", "--scale", "department", stdout=io.StringIO())
    assert not Person.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_reset_replaces_the_data_and_the_access_log():
    call_command("demo_data", "--scale", "tiny", "--seed", "8", stdout=io.StringIO())
    first = set(Person.objects.values_list("birth_name", "first_names"))
    admin = User.objects.get(username="admin")
    record(
        Actor.system(admin),
        person=Person.objects.first(),
        action="read",
        category="identity",
        allowed=True,
        basis="team",
    )
    out = io.StringIO()
    call_command("demo_data", "--scale", "tiny", "--seed", "8", "--reset", stdout=out)
    assert set(Person.objects.values_list("birth_name", "first_names")) == first
    assert not AccessLogEntry.objects.exists()
    assert Establishment.objects.count() == 3
    assert "educatrice" in out.getvalue()


def test_bench_floor_view_answers_only_when_enabled():
    request = RequestFactory().get("/_bench/floor/")
    with override_settings(PARCOURS_BENCH_FLOOR=False), pytest.raises(Http404):
        bench_floor(request)


@pytest.mark.django_db
def test_bench_floor_view_runs_one_query(django_assert_num_queries):
    request = RequestFactory().get("/_bench/floor/")
    with override_settings(PARCOURS_BENCH_FLOOR=True), django_assert_num_queries(1):
        response = bench_floor(request)
    assert response.status_code == 200 and response.content == b"ok"
