"""Restriction of processing (RGPD art. 18): the establishment's direction freezes the record; nobody
writes in it and consents are suspended until the restriction is lifted."""

import pytest
from django.urls import reverse

from parcours.access import policy, services
from parcours.access.api import AccessDenied
from parcours.access.enums import Category, RestrictionGround
from parcours.access.models import AccessLogEntry, Restriction
from tests.conftest import assert_page_ok

pytestmark = pytest.mark.django_db


def fresh(user):
    """The same login as a new request sees it (the scope is computed once per request)."""
    return type(user).objects.get(pk=user.pk)


def restrict(world, **kwargs):
    return services.restrict_processing(
        world.person_a, actor=world.actor(world.director_a), ground=RestrictionGround.ACCURACY, **kwargs
    )


def test_restriction_stops_every_write_keeps_reading_and_suspends_consents(world, login):
    services.record_consent(
        world.person_a, actor=world.actor(world.pro_a), establishment=world.c, categories=[Category.IDENTITY]
    )
    assert policy.decide(fresh(world.pro_c.user), world.person_a, Category.IDENTITY)
    restrict(world, note="Adresse contestée par la personne le 3 novembre.")

    pro_a = fresh(world.pro_a.user)
    assert policy.decide(pro_a, world.person_a, Category.NOTES)  # still read by the team
    assert not policy.decide(pro_a, world.person_a, Category.NOTES, "create")
    assert not policy.decide(fresh(world.director_a.user), world.person_a, Category.IDENTITY, "update")
    assert not policy.decide(fresh(world.pro_c.user), world.person_a, Category.IDENTITY)  # consent suspended
    assert not policy.visible_persons(fresh(world.pro_c.user)).filter(pk=world.person_a.pk).exists()

    page = assert_page_ok(login(world.pro_a.user).get(reverse("people:detail", args=[world.person_a.uuid])))
    assert "Traitement limité" in page
    assert "Modifier l'identité" not in page
    response = login(world.pro_a.user).post(
        reverse("records:note_create", args=[world.person_a.uuid]), {"text": "Une transmission"}
    )
    assert response.status_code == 403


def test_only_the_direction_restricts_and_lifts(world, login):
    with pytest.raises(AccessDenied):
        services.restrict_processing(
            world.person_a, actor=world.actor(world.pro_a), ground=RestrictionGround.OBJECTION
        )
    assert not Restriction.objects.exists()
    refusal = AccessLogEntry.objects.get(actor=world.pro_a.user, allowed=False)
    assert refusal.details == {"restriction": "start"}
    assert (
        login(world.pro_a.user)
        .get(reverse("access:restriction_create", args=[world.person_a.uuid]))
        .status_code
        == 403
    )
    # The page's refusal is logged too.
    assert AccessLogEntry.objects.filter(actor=world.pro_a.user, allowed=False).count() == 2

    director = login(world.director_a.user)
    create_url = reverse("access:restriction_create", args=[world.person_a.uuid])
    assert_page_ok(director.get(create_url))
    response = director.post(create_url, {"ground": RestrictionGround.CLAIMS, "note": ""})
    assert response.status_code == 302
    restriction = Restriction.objects.get()
    page = assert_page_ok(director.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert "Lever la limitation" in page

    lift_url = reverse("access:restriction_lift", args=[world.person_a.uuid, restriction.uuid])
    assert login(world.pro_a.user).post(lift_url).status_code == 403
    assert director.post(lift_url).status_code == 302
    restriction.refresh_from_db()
    assert restriction.lifted_by == world.director_a.user
    assert policy.decide(fresh(world.pro_a.user), world.person_a, Category.NOTES, "create")


def test_a_second_restriction_is_refused_and_changes_nothing(world, login):
    restrict(world)
    response = login(world.director_a.user).post(
        reverse("access:restriction_create", args=[world.person_a.uuid]),
        {"ground": RestrictionGround.UNLAWFUL},
    )
    assert "déjà limité" in assert_page_ok(response)
    assert Restriction.objects.count() == 1
