"""The demonstration statements: plausible, coherent (every statement passes the model's checks,
the balance check included), reproducible, written in one query."""

import random
from datetime import date

import pytest
from django.db import connection

from parcours.demo.finance import build_statements, plan_finance, write_statements
from parcours.demo.generator import SCALES, DemoGenerator, Nomenclature
from parcours.demo.services import Progress
from parcours.demo.writers import OrmWriter
from parcours.finance.models import FinancialStatement
from parcours.organisations.models import Establishment, Gestionnaire
from tests.factories import EstablishmentFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 3, 1)


def test_written_statements_pass_every_check(django_assert_num_queries):
    internat = EstablishmentFactory(capacities={"internat": 40})
    day_service = EstablishmentFactory(capacities={"externat": 25, "semi_internat": 10})
    sessad = EstablishmentFactory(capacities={"milieu_ordinaire": 60})
    capacities = {
        internat.pk: {"internat": 40},
        day_service.pk: {"externat": 25, "semi_internat": 10},
        sessad.pk: {"milieu_ordinaire": 60},
    }
    with django_assert_num_queries(1):
        assert write_statements(capacities, random.Random(7), today=TODAY) == 9
    statements = list(FinancialStatement.objects.all())
    for statement in statements:
        statement.full_clean()
        assert statement.frng - statement.bfr == statement.treasury
    assert {(s.establishment_id, s.year) for s in statements} == {
        (pk, year) for pk in capacities for year in (2023, 2024, 2025)
    }
    places = {s.establishment_id: s.funded_places for s in statements}
    assert places == {internat.pk: 40, day_service.pk: 35, sessad.pk: 60}
    days = {s.establishment_id: s.days_realised for s in statements}
    # 40 places open 365 days, at most fully occupied; a SESSAD counts no days.
    assert 0 < days[internat.pk] <= 40 * 365
    assert days[sessad.pk] == 0


def test_the_same_seed_gives_the_same_statements():
    capacities = {1: {"internat": 30}, 2: {"externat": 12}}

    def figures(seed):
        return [
            (s.establishment_id, s.year, s.total_revenue, s.cash, s.days_realised)
            for s in build_statements(capacities, random.Random(seed), today=TODAY)
        ]

    assert figures(3) == figures(3)
    assert figures(3) != figures(4)


def test_three_hundred_establishments_are_coherent():
    capacities = {pk: {"internat": 10 + pk % 70, "externat": pk % 20} for pk in range(1, 301)}
    statements = build_statements(capacities, random.Random(11), today=TODAY)
    assert len(statements) == 900
    for statement in statements:
        statement.full_clean(exclude=["establishment"], validate_unique=False, validate_constraints=False)


def test_plan_finance_adds_a_table_the_demo_writer_writes():
    generator = DemoGenerator(SCALES["tiny"], 3, Nomenclature.load(), today=TODAY)
    generator.plan_organisations()
    count = plan_finance(generator)
    assert count == 3 * len(generator.establishments)
    writer = OrmWriter(connection)
    for model in (Gestionnaire, Establishment, FinancialStatement):
        writer.write_table(generator.tables[model], Progress())
    assert FinancialStatement.objects.count() == count
    for statement in FinancialStatement.objects.all():
        statement.full_clean()
