"""The correction services: the model rules checked again, all or nothing, the access policy asked
before writing and the refusals kept in the access log."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from parcours.access.api import AccessDenied
from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.records import services
from parcours.records.enums import ProjetStatus
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
from tests.factories import AdmissionFactory, concept

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def day(n) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def need(code, intensity=2, comment=""):
    return NeedInput(concept("serafin-ph-besoins", code), intensity, comment)


def prestation(code, goal_index=None, count=1):
    return PlannedServiceInput(concept("serafin-ph-prestations", code), count, "week", goal_index=goal_index)


@pytest.fixture
def assessment(world):
    return services.create_needs_assessment(
        world.person_a,
        establishment=world.a,
        date=day(-10),
        needs=[need("1.2.1.1", 3), need("1.3.3.2")],
        actor=world.actor(world.pro_a),
    )


@pytest.fixture
def projet(world):
    return services.create_projet(
        world.person_a,
        establishment=world.a,
        date=day(-5),
        review_date=day(300),
        actor=world.actor(world.pro_a),
        goals=[GoalInput("Cuisiner seule", needs=[concept("serafin-ph-besoins", "1.3.2.2")])],
        planned_services=[prestation("2.3.2.2", goal_index=0)],
    )


def admission_fields(admission):
    return {
        "unit": admission.unit,
        "mode": admission.mode,
        "start_date": admission.start_date,
        "comment": admission.comment,
    }


# Admissions


def test_an_exit_is_not_recorded_by_a_correction(world):
    admission = world.person_a.admissions.get()
    with pytest.raises(ValidationError, match="Enregistrer la sortie"):
        services.update_admission(
            admission,
            **admission_fields(admission),
            end_date=day(-1),
            exit_reason="89",
            actor=world.actor(world.pro_a),
        )
    admission.refresh_from_db()
    assert admission.end_date is None


def test_an_ended_admission_keeps_an_exit_reason(world):
    admission = AdmissionFactory(
        person=world.person_a,
        establishment=world.a,
        start_date=day(-900),
        end_date=day(-500),
        exit_reason="89",
    )
    director = world.actor(world.director_a)
    with pytest.raises(ValidationError, match="Indiquez le motif de sortie."):
        services.update_admission(admission, **admission_fields(admission), exit_reason="", actor=director)
    admission.refresh_from_db()
    services.update_admission(
        admission, **admission_fields(admission) | {"comment": "Réorientée"}, actor=director
    )
    admission.refresh_from_db()
    assert (admission.exit_reason, admission.comment) == ("89", "Réorientée")


def test_a_refused_correction_is_logged_after_the_rollback(world):
    admission = world.person_a.admissions.get()
    with pytest.raises(AccessDenied):
        services.update_admission(
            admission, **admission_fields(admission) | {"mode": "internat"}, actor=world.actor(world.gdir)
        )
    admission.refresh_from_db()
    assert admission.mode == "externat"
    assert AccessLogEntry.objects.filter(
        actor=world.gdir.user,
        person=world.person_a,
        category=Category.PARCOURS,
        action=Action.UPDATE,
        allowed=False,
        object_uuid=admission.uuid,
    ).exists()


# Needs assessments


def test_a_bad_need_leaves_the_assessment_as_it_was(world, assessment):
    with pytest.raises(ValidationError, match="Besoin n° 2 : Ce code n'appartient pas"):
        services.update_needs_assessment(
            assessment,
            establishment=world.a,
            date=day(-2),
            comment="Changé",
            needs=[need("1.3.4.1"), NeedInput(concept("serafin-ph-prestations", "2.3.1.1"), 2)],
            actor=world.actor(world.pro_a),
        )
    assessment.refresh_from_db()
    assert (assessment.date, assessment.comment) == (day(-10), "")
    assert sorted(assessment.needs.values_list("concept__code", flat=True)) == ["1.2.1.1", "1.3.3.2"]


def test_an_assessment_keeps_one_need_at_least(world, assessment):
    with pytest.raises(ValidationError, match="Indiquez au moins un besoin."):
        services.update_needs_assessment(
            assessment, establishment=world.a, date=day(-2), needs=[], actor=world.actor(world.pro_a)
        )
    assert assessment.needs.count() == 2


def test_an_assessment_moves_only_to_an_establishment_the_actor_writes_for(world, assessment):
    with pytest.raises(PermissionDenied, match="au nom de cet établissement"):
        services.update_needs_assessment(
            assessment,
            establishment=world.c,
            date=day(-2),
            needs=[need("1.2.1.1")],
            actor=world.actor(world.pro_a),
        )
    assessment.refresh_from_db()
    assert assessment.establishment == world.a


def test_needs_are_replaced_by_the_new_list(world, assessment):
    services.update_needs_assessment(
        assessment,
        establishment=world.a,
        date=day(-2),
        needs=[need("1.3.3.2", 4, "Atelier"), need("1.3.4.1", 1)],
        actor=world.actor(world.director_a),
    )
    assert sorted(assessment.needs.values_list("concept__code", "intensity", "comment")) == [
        ("1.3.3.2", 4, "Atelier"),
        ("1.3.4.1", 1, ""),
    ]
    assert assessment.assessed_by == world.pro_a
    assert AccessLogEntry.objects.filter(
        actor=world.director_a.user, object_uuid=assessment.uuid, action=Action.UPDATE, allowed=True
    ).exists()


# Projets personnalisés


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ([ProjetStatus.PROPOSED], "Repassez-le en brouillon pour le modifier."),
        ([ProjetStatus.PROPOSED, ProjetStatus.AGREED], "Ouvrez sa révision pour le faire évoluer."),
    ],
)
def test_a_proposed_or_agreed_projet_is_refused(world, projet, path, message):
    actor = world.actor(world.pro_a)
    for status in path:
        services.change_projet_status(projet, status=status, actor=actor)
    with pytest.raises(ValidationError, match=message):
        services.update_projet(
            projet,
            establishment=world.a,
            date=day(-5),
            review_date=day(200),
            goals=[GoalInput("Autre objectif")],
            actor=actor,
        )
    projet.refresh_from_db()
    assert projet.review_date == day(300)
    assert list(projet.goals.values_list("title", flat=True)) == ["Cuisiner seule"]
    assert projet.planned_services.count() == 1


def test_projet_goals_and_services_are_replaced_all_or_nothing(world, projet):
    actor = world.actor(world.pro_a)
    with pytest.raises(ValidationError, match="Prestation n° 2 : l'objectif choisi n'existe pas."):
        services.update_projet(
            projet,
            establishment=world.a,
            date=day(-5),
            review_date=day(300),
            goals=[GoalInput("Vivre en appartement")],
            planned_services=[prestation("2.3.2.1", 0), prestation("2.3.2.2", 3)],
            actor=actor,
        )
    assert list(projet.goals.values_list("title", flat=True)) == ["Cuisiner seule"]
    services.update_projet(
        projet,
        establishment=world.a,
        date=day(-5),
        review_date=day(300),
        person_words="Apprendre à cuisiner.",
        goals=[GoalInput("Vivre en appartement"), GoalInput("Cuisiner seule")],
        planned_services=[prestation("2.3.2.1", 0, count=2), prestation("2.3.2.2", 1)],
        actor=actor,
    )
    projet.refresh_from_db()
    assert projet.person_words == "Apprendre à cuisiner." and projet.status == ProjetStatus.DRAFT
    assert sorted(projet.planned_services.values_list("concept__code", "frequency_count", "goal__title")) == [
        ("2.3.2.1", 2, "Vivre en appartement"),
        ("2.3.2.2", 1, "Cuisiner seule"),
    ]


# Services delivered


def test_service_correction_keeps_who_delivered_it(world):
    delivery = services.log_service(
        world.person_a,
        establishment=world.a,
        concept=concept("serafin-ph-prestations", "2.3.3.4"),
        date=day(-2),
        duration_minutes=60,
        actor=world.actor(world.pro_a),
    )
    with pytest.raises(ValidationError, match="dans le futur"):
        services.update_service_delivery(
            delivery,
            concept=delivery.concept,
            date=day(1),
            duration_minutes=60,
            actor=world.actor(world.director_a),
        )
    services.update_service_delivery(
        delivery,
        concept=concept("serafin-ph-prestations", "2.3.1.1"),
        date=day(-3),
        duration_minutes=30,
        is_group=True,
        actor=world.actor(world.director_a),
    )
    delivery.refresh_from_db()
    assert (delivery.date, delivery.duration_minutes, delivery.is_group) == (day(-3), 30, True)
    assert delivery.professional == world.pro_a
    assert AccessLogEntry.objects.filter(
        actor=world.director_a.user,
        category=Category.SERVICES,
        action=Action.UPDATE,
        object_uuid=delivery.uuid,
    ).exists()
