"""Correcting the record from its pages: admissions, needs assessments, projets personnalisés (in
draft or under review) and services delivered. Who may, the model rules in French, formsets that
save all or nothing, and the links shown only to those who may write."""

import datetime

import pytest
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.records import services
from parcours.records.enums import ProjetStatus
from parcours.records.models import Admission, Goal, Need, NeedsAssessment, PlannedService, ServiceDelivery
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
from tests.conftest import assert_page_ok
from tests.factories import AdmissionFactory, NoteFactory, UnitFactory, concept

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def day(n) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def url(name, person, *extra):
    return reverse(f"records:{name}", args=[person.uuid, *extra])


def rows(prefix, *rows, initial=0, min_num=0):
    """The POST data of a formset: its management form and its rows."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": str(min_num),
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{index}-{key}"] = value
    return data


def write_assessment(world, person=None, establishment=None, professional=None):
    return services.create_needs_assessment(
        person or world.person_a,
        establishment=establishment or world.a,
        date=day(-10),
        comment="Bilan d'entrée",
        actor=world.actor(professional or world.pro_a),
        needs=[
            NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3),
            NeedInput(concept("serafin-ph-besoins", "1.3.3.2"), 2, "ESAT"),
        ],
    )


def write_projet(world, status=ProjetStatus.DRAFT):
    actor = world.actor(world.pro_a)
    projet = services.create_projet(
        world.person_a,
        establishment=world.a,
        date=day(-5),
        review_date=day(300),
        person_words="Vivre seule.",
        actor=actor,
        goals=[
            GoalInput("Vivre en appartement", needs=[concept("serafin-ph-besoins", "1.3.2.1")]),
            GoalInput("Cuisiner seule"),
        ],
        planned_services=[
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.2.1"), 2, "week", goal_index=0),
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.2.2"), 1, "week", goal_index=1),
        ],
    )
    path = {
        ProjetStatus.DRAFT: [],
        ProjetStatus.PROPOSED: [ProjetStatus.PROPOSED],
        ProjetStatus.AGREED: [ProjetStatus.PROPOSED, ProjetStatus.AGREED],
        ProjetStatus.UNDER_REVIEW: [ProjetStatus.PROPOSED, ProjetStatus.AGREED, ProjetStatus.UNDER_REVIEW],
    }[status]
    for step in path:
        services.change_projet_status(projet, status=step, actor=actor)
    return projet


def log_service(world, person=None, establishment=None, professional=None):
    return services.log_service(
        person or world.person_a,
        establishment=establishment or world.a,
        concept=concept("serafin-ph-prestations", "2.3.3.4"),
        date=day(-2),
        duration_minutes=60,
        actor=world.actor(professional or world.pro_a),
    )


def edit_urls(world):
    """The four correction pages on objects of person_a written by A, with valid POST data."""
    admission = world.person_a.admissions.get(establishment=world.a)
    assessment = write_assessment(world)
    projet = write_projet(world)
    delivery = log_service(world)
    return [
        (
            url("admission_edit", world.person_a, admission.uuid),
            {"mode": "internat", "start_date": day(-300).isoformat(), "unit": "", "comment": "x"},
        ),
        (
            url("assessment_edit", world.person_a, assessment.uuid),
            {"establishment": world.a.pk, "date": day(-1).isoformat(), "comment": ""}
            | rows("besoins", {"concept": "1.2.1.1", "intensity": "1", "comment": ""}, min_num=1),
        ),
        (
            url("projet_edit", world.person_a, projet.uuid),
            {
                "establishment": world.a.pk,
                "date": day(-1).isoformat(),
                "review_date": day(100).isoformat(),
                "person_words": "",
            }
            | rows("objectifs")
            | rows("prestations"),
        ),
        (
            url("service_edit", world.person_a, delivery.uuid),
            {"concept": "2.3.1.1", "date": day(-1).isoformat(), "duration_minutes": "30"},
        ),
    ]


def snapshot(world):
    """What the correction pages could change, to check that a refused one changed nothing."""
    return (
        list(Admission.objects.values_list("mode", "start_date", "comment").order_by("pk")),
        list(NeedsAssessment.objects.values_list("date", "comment").order_by("pk")),
        list(Need.objects.values_list("concept__code", "intensity").order_by("pk")),
        list(Goal.objects.values_list("title", flat=True).order_by("pk")),
        list(PlannedService.objects.values_list("concept__code", "goal__title").order_by("pk")),
        list(ServiceDelivery.objects.values_list("concept__code", "date", "duration_minutes").order_by("pk")),
    )


# Who may correct


def test_every_correction_page_opens_and_saves_for_the_team(world, login):
    client = login(world.pro_a.user)
    for target, data in edit_urls(world):
        assert_page_ok(client.get(target))
        response = client.post(target, data)
        assert response.status_code == 302, (target, response.content.decode()[:2000])
    updates = AccessLogEntry.objects.filter(
        actor=world.pro_a.user, person=world.person_a, action=Action.UPDATE, allowed=True
    )
    assert set(updates.values_list("category", flat=True)) == {
        Category.PARCOURS,
        Category.ASSESSMENTS,
        Category.PROJET,
        Category.SERVICES,
    }


def test_the_establishment_direction_corrects_too(world, login):
    client = login(world.director_a.user)
    for target, data in edit_urls(world):
        assert_page_ok(client.get(target))
        assert client.post(target, data).status_code == 302, target


def test_correction_pages_are_404_outside_the_policy_and_logged(world, login):
    pages = edit_urls(world)
    before = snapshot(world)
    client = login(world.pro_b.user)  # ESAT du Rhône: person_a is not supported there
    for target, data in pages:
        assert client.get(target).status_code == 404, target
        assert client.post(target, data).status_code == 404, target
    assert snapshot(world) == before
    assert AccessLogEntry.objects.filter(
        person=world.person_a, actor=world.pro_b.user, allowed=False
    ).count() == 2 * len(pages)


def test_gestionnaire_director_cannot_correct(world, login):
    pages = edit_urls(world)
    before = snapshot(world)
    client = login(world.gdir.user)
    for target, data in pages:
        assert client.get(target).status_code == 403, target
        assert client.post(target, data).status_code == 403, target
    assert snapshot(world) == before
    refused = AccessLogEntry.objects.filter(
        person=world.person_a, actor=world.gdir.user, action=Action.UPDATE, allowed=False
    )
    assert set(refused.values_list("category", flat=True)) == {
        Category.PARCOURS,
        Category.ASSESSMENTS,
        Category.PROJET,
        Category.SERVICES,
    }


def test_another_team_supporting_the_person_does_not_correct_what_a_wrote(world, login):
    # person_a is also supported by B: B's team reads and writes the record, in B's name only.
    AdmissionFactory(person=world.person_a, establishment=world.b)
    pages = edit_urls(world)
    before = snapshot(world)
    client = login(world.pro_b.user)
    for target, data in pages:
        assert client.get(target).status_code == 403, target
        assert client.post(target, data).status_code == 403, target
    assert snapshot(world) == before


def test_an_object_of_another_person_is_a_404(world, login):
    delivery = log_service(world, person=world.person_b, establishment=world.b, professional=world.pro_b)
    AdmissionFactory(person=world.person_b, establishment=world.a)
    response = login(world.pro_a.user).get(url("service_edit", world.person_a, delivery.uuid))
    assert response.status_code == 404


# Admissions


def test_admission_correction(world, login):
    admission = world.person_a.admissions.get()
    unit = UnitFactory(establishment=world.a, name="Groupe des Cèdres")
    UnitFactory(establishment=world.b, name="Atelier bois")
    client = login(world.pro_a.user)
    target = url("admission_edit", world.person_a, admission.uuid)
    content = assert_page_ok(client.get(target))
    assert "Groupe des Cèdres" in content and "Atelier bois" not in content
    assert 'name="end_date"' not in content  # an exit has its own page
    response = client.post(
        target,
        {"unit": unit.pk, "mode": "internat", "start_date": day(-390).isoformat(), "comment": "Accueil"},
        follow=True,
    )
    assert "L&#x27;admission est corrigée." in assert_page_ok(response)
    admission.refresh_from_db()
    assert (admission.unit, admission.mode, admission.start_date, admission.comment) == (
        unit,
        "internat",
        day(-390),
        "Accueil",
    )
    assert AccessLogEntry.objects.filter(
        object_uuid=admission.uuid, action=Action.UPDATE, category=Category.PARCOURS, allowed=True
    ).exists()


def test_admission_correction_checks_the_overlap_again(world, login):
    current = world.person_a.admissions.get()
    earlier = AdmissionFactory(
        person=world.person_a,
        establishment=world.a,
        start_date=day(-900),
        end_date=day(-500),
        exit_reason="89",
    )
    client = login(world.pro_a.user)
    content = assert_page_ok(
        client.post(
            url("admission_edit", world.person_a, current.uuid),
            {"mode": "externat", "start_date": day(-600).isoformat(), "unit": "", "comment": ""},
        )
    )
    assert "Cette personne a déjà un accompagnement dans cet établissement sur cette période." in content
    # The ended one: its exit date and reason are corrected here, and may not overlap either.
    target = url("admission_edit", world.person_a, earlier.uuid)
    content = assert_page_ok(client.get(target))
    assert 'name="end_date"' in content and 'name="exit_reason"' in content
    data = {"mode": "externat", "start_date": day(-900).isoformat(), "unit": "", "comment": ""}
    content = assert_page_ok(
        client.post(target, data | {"end_date": day(-300).isoformat(), "exit_reason": "89"})
    )
    assert "Cette personne a déjà un accompagnement dans cet établissement sur cette période." in content
    content = assert_page_ok(
        client.post(target, data | {"end_date": day(-950).isoformat(), "exit_reason": "89"})
    )
    assert "La date de sortie précède la date d&#x27;admission." in content
    assert (
        client.post(target, data | {"end_date": day(-450).isoformat(), "exit_reason": "158"}).status_code
        == 302
    )
    current.refresh_from_db()
    earlier.refresh_from_db()
    assert current.start_date == day(-400)
    assert (earlier.end_date, earlier.exit_reason) == (day(-450), "158")


def test_admission_cannot_start_before_birth(world, login):
    admission = world.person_a.admissions.get()
    content = assert_page_ok(
        login(world.pro_a.user).post(
            url("admission_edit", world.person_a, admission.uuid),
            {"mode": "externat", "start_date": "1990-01-01", "unit": "", "comment": ""},
        )
    )
    assert "L&#x27;admission ne peut précéder la naissance de la personne." in content
    admission.refresh_from_db()
    assert admission.start_date == day(-400)


def test_a_unit_of_another_establishment_is_refused(world, login):
    admission = world.person_a.admissions.get()
    other = UnitFactory(establishment=world.b)
    content = assert_page_ok(
        login(world.pro_a.user).post(
            url("admission_edit", world.person_a, admission.uuid),
            {"mode": "externat", "start_date": day(-400).isoformat(), "unit": other.pk, "comment": ""},
        )
    )
    assert "Sélectionnez un choix valide" in content
    admission.refresh_from_db()
    assert admission.unit is None


# Needs assessments


def test_assessment_correction_adds_changes_and_removes_needs(world, login):
    assessment = write_assessment(world)
    kept = assessment.needs.get(concept__code="1.2.1.1")
    client = login(world.pro_a.user)
    target = url("assessment_edit", world.person_a, assessment.uuid)
    content = assert_page_ok(client.get(target))
    assert "Supprimer ce besoin" in content and "Bilan d&#x27;entrée" in content
    data = {"establishment": world.a.pk, "date": day(-3).isoformat(), "comment": "Bilan revu"}
    data |= rows(
        "besoins",
        {"concept": "1.2.1.1", "intensity": "4", "comment": "Revu"},
        {"concept": "1.3.3.2", "intensity": "2", "comment": "ESAT", "DELETE": "on"},
        {"concept": "1.3.4.1", "intensity": "1", "comment": ""},
        {"concept": "", "intensity": "", "comment": ""},
        initial=2,
        min_num=1,
    )
    response = client.post(target, data, follow=True)
    content = assert_page_ok(response)
    assert "L&#x27;évaluation des besoins est corrigée." in content
    assert "Bilan revu" in content
    assessment.refresh_from_db()
    assert (assessment.date, assessment.comment, assessment.assessed_by) == (
        day(-3),
        "Bilan revu",
        world.pro_a,
    )
    assert sorted(assessment.needs.values_list("concept__code", "intensity", "comment")) == [
        ("1.2.1.1", 4, "Revu"),
        ("1.3.4.1", 1, ""),
    ]
    assert assessment.needs.get(concept__code="1.2.1.1").pk == kept.pk


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"concept": "2.3.1.1", "intensity": "2", "comment": ""}, "Sélectionnez un choix valide"),
        ({"concept": "1.2.1.1", "intensity": "2", "comment": ""}, "Ce besoin est déjà saisi plus haut."),
        ({"concept": "1.3.4.1", "intensity": "", "comment": ""}, "Ce champ est obligatoire."),
    ],
)
def test_one_bad_need_row_saves_nothing(world, login, bad, message):
    assessment = write_assessment(world)
    before = snapshot(world)
    data = {"establishment": world.a.pk, "date": day(-3).isoformat(), "comment": "Changé"}
    data |= rows(
        "besoins",
        {"concept": "1.2.1.1", "intensity": "4", "comment": ""},
        {"concept": "1.3.3.2", "intensity": "1", "comment": "", "DELETE": "on"},
        bad,
        initial=2,
        min_num=1,
    )
    content = assert_page_ok(
        login(world.pro_a.user).post(url("assessment_edit", world.person_a, assessment.uuid), data)
    )
    assert "Rien n'a été enregistré" in content and "Besoin n° 3" in content and message in content
    assert snapshot(world) == before


def test_assessment_keeps_at_least_one_need_and_no_future_date(world, login):
    assessment = write_assessment(world)
    before = snapshot(world)
    client = login(world.pro_a.user)
    target = url("assessment_edit", world.person_a, assessment.uuid)
    data = {"establishment": world.a.pk, "date": day(-3).isoformat(), "comment": ""}
    every_row_deleted = rows(
        "besoins",
        {"concept": "1.2.1.1", "intensity": "3", "comment": "", "DELETE": "on"},
        {"concept": "1.3.3.2", "intensity": "2", "comment": "ESAT", "DELETE": "on"},
        initial=2,
        min_num=1,
    )
    content = assert_page_ok(client.post(target, data | every_row_deleted))
    assert "Veuillez soumettre au moins 1 formulaire." in content
    one_row = rows("besoins", {"concept": "1.2.1.1", "intensity": "3", "comment": ""}, initial=2, min_num=1)
    content = assert_page_ok(client.post(target, data | one_row | {"date": day(3).isoformat()}))
    assert "Une évaluation ne peut pas être datée dans le futur." in content
    assert snapshot(world) == before


def test_assessment_moves_only_to_an_establishment_the_user_writes_for(world, login):
    assessment = write_assessment(world)
    data = {"establishment": world.b.pk, "date": day(-3).isoformat(), "comment": ""}
    data |= rows("besoins", {"concept": "1.2.1.1", "intensity": "3", "comment": ""}, initial=2, min_num=1)
    content = assert_page_ok(
        login(world.pro_a.user).post(url("assessment_edit", world.person_a, assessment.uuid), data)
    )
    assert "Sélectionnez un choix valide" in content
    assessment.refresh_from_db()
    assert assessment.establishment == world.a


# Projets personnalisés


def projet_post(world, goals, planned, *, goal_initial=2, planned_initial=2, **overrides):
    data = {
        "establishment": world.a.pk,
        "date": day(-5).isoformat(),
        "review_date": day(300).isoformat(),
        "person_words": "Vivre seule, près de ma sœur.",
    }
    data |= rows("objectifs", *goals, initial=goal_initial)
    data |= rows("prestations", *planned, initial=planned_initial)
    return data | overrides


def service_row(code, goal="", **extra):
    return {
        "concept": code,
        "frequency_count": "1",
        "frequency_period": "week",
        "goal": goal,
        "comment": "",
    } | extra


@pytest.mark.parametrize("status", [ProjetStatus.DRAFT, ProjetStatus.UNDER_REVIEW])
def test_projet_correction_in_draft_or_under_review(world, login, status):
    projet = write_projet(world, status)
    client = login(world.pro_a.user)
    target = url("projet_edit", world.person_a, projet.uuid)
    content = assert_page_ok(client.get(target))
    assert "Vivre en appartement" in content and "Supprimer cet objectif" in content
    data = projet_post(
        world,
        goals=[
            {"title": "Vivre en appartement", "description": "Avec le SAVS", "needs": ["1.3.2.1"]},
            {"title": "Cuisiner seule", "description": "", "DELETE": "on"},
            {"title": "Trouver un emploi", "description": "", "needs": ["1.3.3.2"]},
        ],
        planned=[
            service_row("2.3.2.1", "0", frequency_count="3"),
            service_row("2.3.2.2", "1", DELETE="on"),
            service_row("2.3.3.4", "2"),
            service_row("", frequency_count=""),
        ],
    )
    response = client.post(target, data, follow=True)
    content = assert_page_ok(response)
    assert "Le projet personnalisé est modifié." in content
    projet.refresh_from_db()
    assert projet.status == status and projet.person_words == "Vivre seule, près de ma sœur."
    assert list(projet.goals.values_list("title", flat=True)) == ["Vivre en appartement", "Trouver un emploi"]
    assert sorted(projet.planned_services.values_list("concept__code", "frequency_count", "goal__title")) == [
        ("2.3.2.1", 3, "Vivre en appartement"),
        ("2.3.3.4", 1, "Trouver un emploi"),
    ]
    # Goal titles are encrypted at rest: found in Python, not by a query.
    job = next(goal for goal in projet.goals.all() if goal.title == "Trouver un emploi")
    assert list(job.needs.values_list("code", flat=True)) == ["1.3.3.2"]


def test_a_bad_planned_service_row_saves_nothing(world, login):
    projet = write_projet(world)
    before = snapshot(world)
    data = projet_post(
        world,
        goals=[
            {"title": "Vivre en appartement changé", "description": ""},
            {"title": "Cuisiner seule", "description": ""},
        ],
        planned=[service_row("2.3.2.1", "0"), service_row("2.3.2.2", "1"), service_row("1.2.1.1")],
    )
    content = assert_page_ok(
        login(world.pro_a.user).post(url("projet_edit", world.person_a, projet.uuid), data)
    )
    assert "Rien n'a été enregistré" in content and "Prestation n° 3" in content
    assert snapshot(world) == before


def test_a_planned_service_may_not_point_at_a_deleted_goal(world, login):
    projet = write_projet(world)
    before = snapshot(world)
    data = projet_post(
        world,
        goals=[
            {"title": "Vivre en appartement", "description": ""},
            {"title": "Cuisiner seule", "description": "", "DELETE": "on"},
        ],
        planned=[service_row("2.3.2.1", "0"), service_row("2.3.2.2", "1")],
    )
    content = assert_page_ok(
        login(world.pro_a.user).post(url("projet_edit", world.person_a, projet.uuid), data)
    )
    assert "Cet objectif est supprimé." in content
    assert snapshot(world) == before


def test_projet_review_date_is_checked_again(world, login):
    projet = write_projet(world)
    data = projet_post(
        world,
        goals=[
            {"title": "Vivre en appartement", "description": ""},
            {"title": "Cuisiner seule", "description": ""},
        ],
        planned=[service_row("2.3.2.1", "0"), service_row("2.3.2.2", "1")],
        review_date=day(-30).isoformat(),
    )
    content = assert_page_ok(
        login(world.pro_a.user).post(url("projet_edit", world.person_a, projet.uuid), data)
    )
    assert "La date de révision doit suivre la date du projet." in content
    projet.refresh_from_db()
    assert projet.review_date == day(300)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (ProjetStatus.AGREED, "Ouvrez sa révision pour le faire évoluer."),
        (ProjetStatus.PROPOSED, "Repassez-le en brouillon pour le modifier."),
    ],
)
def test_a_proposed_or_agreed_projet_is_not_edited_in_place(world, login, status, message):
    projet = write_projet(world, status)
    before = snapshot(world)
    client = login(world.pro_a.user)
    detail = url("projet_detail", world.person_a, projet.uuid)
    target = url("projet_edit", world.person_a, projet.uuid)
    content = assert_page_ok(client.get(detail))
    assert target not in content and "Modifier le projet" not in content
    assert message in content
    response = client.get(target)
    assert response.status_code == 302 and response["Location"] == detail
    data = projet_post(
        world,
        goals=[{"title": "Autre chose", "description": ""}, {"title": "Cuisiner seule", "description": ""}],
        planned=[service_row("2.3.2.1", "0"), service_row("2.3.2.2", "1")],
    )
    content = assert_page_ok(client.post(target, data, follow=True))
    flash = content.split('class="messages"')[1].split("</ul>")[0]
    assert "alert--error" in flash and message in flash
    projet.refresh_from_db()
    assert projet.status == status
    assert snapshot(world) == before
    # The person page offers no edit link for it either.
    assert target not in assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))


def test_reopened_projet_can_be_edited_from_its_page(world, login):
    projet = write_projet(world, ProjetStatus.UNDER_REVIEW)
    content = assert_page_ok(login(world.pro_a.user).get(url("projet_detail", world.person_a, projet.uuid)))
    assert url("projet_edit", world.person_a, projet.uuid) in content
    assert "Ouvrez sa révision" not in content


# Services delivered


def test_service_correction(world, login):
    delivery = log_service(world)
    client = login(world.director_a.user)
    target = url("service_edit", world.person_a, delivery.uuid)
    content = assert_page_ok(client.get(target))
    assert "IME Les Tilleuls" in content and 'value="60"' in content
    response = client.post(
        target,
        {"concept": "2.3.1.1", "date": day(-4).isoformat(), "duration_minutes": "45", "is_group": "on"},
        follow=True,
    )
    assert "La prestation est corrigée." in assert_page_ok(response)
    delivery.refresh_from_db()
    assert (delivery.concept.code, delivery.date, delivery.duration_minutes, delivery.is_group) == (
        "2.3.1.1",
        day(-4),
        45,
        True,
    )
    assert delivery.professional == world.pro_a  # who delivered it stays
    assert delivery.establishment == world.a


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"date": day(2).isoformat()}, "Une prestation réalisée ne peut pas être datée dans le futur."),
        ({"duration_minutes": "0"}, "Assurez-vous que cette valeur est supérieure ou égale à 1."),
        ({"duration_minutes": "1441"}, "Assurez-vous que cette valeur est inférieure ou égale à 1440."),
        ({"concept": "1.2.1.1"}, "Sélectionnez un choix valide"),
    ],
)
def test_service_correction_checks_the_rules(world, login, changes, message):
    delivery = log_service(world)
    before = snapshot(world)
    data = {"concept": "2.3.1.1", "date": day(-1).isoformat(), "duration_minutes": "30"} | changes
    content = assert_page_ok(
        login(world.pro_a.user).post(url("service_edit", world.person_a, delivery.uuid), data)
    )
    assert message in content
    assert snapshot(world) == before


# Links


def test_links_for_the_team(world, login):
    admission = world.person_a.admissions.get()
    assessment = write_assessment(world)
    projet = write_projet(world)
    delivery = log_service(world)
    NoteFactory(person=world.person_a, establishment=world.a, author=world.pro_a, text="Journée calme.")
    client = login(world.pro_a.user)
    content = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    for target in [
        url("admission_edit", world.person_a, admission.uuid),
        url("assessment_edit", world.person_a, assessment.uuid),
        url("projet_edit", world.person_a, projet.uuid),
        url("service_edit", world.person_a, delivery.uuid),
    ]:
        assert target in content, target
    assert "Journée calme." in content
    detail = assert_page_ok(client.get(url("assessment_detail", world.person_a, assessment.uuid)))
    assert url("assessment_edit", world.person_a, assessment.uuid) in detail
    detail = assert_page_ok(client.get(url("projet_detail", world.person_a, projet.uuid)))
    assert url("projet_edit", world.person_a, projet.uuid) in detail


def test_no_links_for_the_gestionnaire_direction(world, login):
    assessment = write_assessment(world)
    projet = write_projet(world)
    log_service(world)
    client = login(world.gdir.user)
    content = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert "/modifier/" not in content and "/corriger/" not in content
    detail = assert_page_ok(client.get(url("assessment_detail", world.person_a, assessment.uuid)))
    assert "Modifier l&#x27;évaluation" not in detail
    detail = assert_page_ok(client.get(url("projet_detail", world.person_a, projet.uuid)))
    assert "Modifier le projet" not in detail


def test_a_second_team_sees_links_only_for_what_it_wrote(world, login):
    AdmissionFactory(person=world.person_a, establishment=world.b, start_date=day(-30))
    own = log_service(world, establishment=world.b, professional=world.pro_b)
    theirs = log_service(world)
    assessment = write_assessment(world)
    client = login(world.pro_b.user)
    content = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert url("service_edit", world.person_a, own.uuid) in content
    assert url("service_edit", world.person_a, theirs.uuid) not in content
    a_admission, b_admission = (world.person_a.admissions.get(establishment=e) for e in (world.a, world.b))
    assert url("admission_edit", world.person_a, b_admission.uuid) in content
    assert url("admission_edit", world.person_a, a_admission.uuid) not in content
    assert url("admission_exit", world.person_a, a_admission.uuid) not in content
    detail = assert_page_ok(client.get(url("assessment_detail", world.person_a, assessment.uuid)))
    assert "Modifier l&#x27;évaluation" not in detail


def test_timeline_fragment_carries_the_links(world, login):
    for _ in range(25):
        log_service(world)
    client = login(world.pro_a.user)
    content = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    assert content.count("/corriger/") == 20
    next_page = (
        content.split('id="timeline-suite"')[1].split('hx-get="')[1].split('"')[0].replace("&amp;", "&")
    )
    fragment = assert_page_ok(client.get(next_page, headers={"HX-Request": "true"}))
    # 25 services and the admission: 6 more events, 5 services to correct and the admission.
    assert fragment.count("/corriger/") == 5
    assert fragment.count("/modifier/") == 1
    fragment = assert_page_ok(login(world.gdir.user).get(next_page, headers={"HX-Request": "true"}))
    assert "/corriger/" not in fragment and "/modifier/" not in fragment


# Notes stay as written


def test_notes_are_never_edited(world, login):
    NoteFactory(person=world.person_a, establishment=world.a, author=world.pro_a, text="Journée calme.")
    with pytest.raises(NoReverseMatch):
        reverse("records:note_edit", args=[world.person_a.uuid, world.person_a.uuid])
    client = login(world.pro_a.user)
    timeline = assert_page_ok(client.get(reverse("people:detail", args=[world.person_a.uuid])))
    note_item = next(item for item in timeline.split('class="timeline__item"') if "Journée calme." in item)
    assert "Modifier" not in note_item and "Corriger" not in note_item
    form = assert_page_ok(client.get(url("note_create", world.person_a)))
    assert "Une transmission ne se modifie plus une fois enregistrée" in form


def test_a_huge_row_count_is_refused_without_building_the_rows(world, login):
    """A posted TOTAL_FORMS far above the limit costs nothing: at most 30 rows are built."""
    assessment = write_assessment(world)
    before = snapshot(world)
    client = login(world.pro_a.user)
    data = {"establishment": world.a.pk, "date": day(-3).isoformat(), "comment": ""}
    data |= rows("besoins", {"concept": "1.2.1.1", "intensity": "3", "comment": ""}, initial=1, min_num=1)
    data["besoins-TOTAL_FORMS"] = "100000"
    content = assert_page_ok(client.post(url("assessment_edit", world.person_a, assessment.uuid), data))
    assert "30" in content and "formulaire" in content
    assert content.count('name="besoins-') < 40 * 5
    assert snapshot(world) == before
