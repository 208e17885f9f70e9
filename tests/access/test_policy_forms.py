"""The policy is written twice: as SQL conditions for lists and searches (`_basis_conditions`) and in
Python for opening one record (`bases_for`). Both must give the same bases for every user and
person of a world that covers every rule."""

import datetime

import pytest
from django.db.models import Case, Value, When
from django.utils import timezone

from parcours.access import policy, services
from parcours.access.enums import Category
from parcours.access.models import BreakGlass
from parcours.people.models import Person
from parcours.staff.enums import Role
from tests.factories import AdmissionFactory, PersonFactory, make_professional

pytestmark = pytest.mark.django_db


def sql_bases(user, person) -> list[str]:
    conditions = policy._basis_conditions(policy.scope_of(user))
    if not conditions:
        return []
    annotations = {
        f"basis_{index}": Case(When(condition, then=Value(basis)), default=Value(""))
        for index, (basis, condition) in enumerate(conditions)
    }
    row = Person.objects.filter(pk=person.pk).annotate(**annotations).values(*annotations).first()
    return [row[key] for key in annotations if row[key]]


def fresh(user):
    return type(user).objects.get(pk=user.pk)


def test_the_python_and_sql_forms_of_the_policy_agree(world):
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=settings_grace() + 40)
    recently = today - datetime.timedelta(days=max(settings_grace() - 5, 0))
    persons = [world.person_a, world.person_b]
    ended_long_ago = PersonFactory()
    AdmissionFactory(
        person=ended_long_ago, establishment=world.a, start_date=long_ago - datetime.timedelta(days=300),
        end_date=long_ago,
    )  # fmt: skip
    ended_recently = PersonFactory()
    AdmissionFactory(
        person=ended_recently, establishment=world.b, start_date=recently - datetime.timedelta(days=300),
        end_date=recently,
    )  # fmt: skip
    registered_in_a = PersonFactory(opened_by=world.a)
    registered_in_c = PersonFactory(opened_by=world.c)
    in_c = PersonFactory()
    AdmissionFactory(person=in_c, establishment=world.c, start_date=long_ago)
    persons += [ended_long_ago, ended_recently, registered_in_a, registered_in_c, in_c]
    # A consent from person_a to C; break-glass of pro_b on the person supported in C.
    services.record_consent(
        world.person_a, actor=world.actor(world.pro_a), establishment=world.c, categories=[Category.IDENTITY]
    )
    now = timezone.now()
    BreakGlass.objects.create(
        user=world.pro_b.user,
        person=in_c,
        reason="x" * 30,
        opened_at=now,
        expires_at=now + datetime.timedelta(hours=1),
    )
    director_c = make_professional(world.c, role=Role.ESTABLISHMENT_DIRECTOR)
    users = [world.pro_a, world.pro_b, world.pro_c, world.director_a, world.gdir, director_c]

    seen = set()
    for professional in users:
        for person in persons:
            user = fresh(professional.user)
            python = policy.bases_for(user, person)
            assert python == sql_bases(fresh(professional.user), person), (professional, person)
            assert bool(python) == policy.visible_persons(user).filter(pk=person.pk).exists()
            seen.update(python)
    # The world exercised every basis.
    assert seen == {"team", "registration", "establishment_direction", "gestionnaire_direction", "consent",
                    "break_glass"}  # fmt: skip


def settings_grace() -> int:
    from django.conf import settings

    return settings.PARCOURS_ACCESS_GRACE_DAYS


def test_an_archived_record_leaves_the_gestionnaire_and_consents_and_the_direction_only_reads_it(world, dpo):
    from parcours.retention.models import PersonRetention, RetentionRun

    run = RetentionRun.objects.create(requested_by=dpo)
    today = timezone.localdate()
    services.record_consent(
        world.person_a, actor=world.actor(world.pro_a), establishment=world.c, categories=[Category.IDENTITY]
    )
    for category in (Category.IDENTITY, Category.NOTES):
        PersonRetention.objects.create(
            person=world.person_a,
            category=category,
            last_support_end=today,
            archived_on=today,
            archived_by=run,
        )
    director = fresh(world.director_a.user)
    assert policy.decide(director, world.person_a, Category.NOTES)
    assert not policy.decide(director, world.person_a, Category.NOTES, "create")
    assert policy.decide(director, world.person_a, Category.PARCOURS, "create")  # not archived
    assert policy.decide(fresh(world.pro_a.user), world.person_a, Category.NOTES)  # supported again
    for professional in (world.gdir, world.pro_c):
        user = fresh(professional.user)
        assert not policy.decide(user, world.person_a, Category.IDENTITY), professional
        assert not policy.visible_persons(fresh(professional.user)).filter(pk=world.person_a.pk).exists()
