"""The record pages: who may open them, what they write, and that a bad form saves nothing."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.people.models import Deficiency, LegalProtection, MdphDecision, Relative
from parcours.records.enums import ProjetStatus
from parcours.records.models import (
    Admission,
    Document,
    Need,
    NeedsAssessment,
    Note,
    PlannedService,
    ProjetPersonnalise,
    ServiceDelivery,
)
from tests.conftest import assert_page_ok
from tests.factories import NeedsAssessmentFactory, ProjetFactory, RelativeFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def days(n):
    return (TODAY() + datetime.timedelta(days=n)).isoformat()


def url(name, person, *extra):
    return reverse(f"records:{name}", args=[person.uuid, *extra])


FORM_PAGES = [
    "admission_create",
    "assessment_create",
    "projet_create",
    "service_create",
    "note_create",
    "document_create",
    "relative_create",
    "protection_create",
    "deficiencies_edit",
    "mdph_create",
]


@pytest.mark.parametrize("name", FORM_PAGES)
def test_form_pages_open_for_the_team(world, login, name):
    assert_page_ok(login(world.pro_a.user).get(url(name, world.person_a)))


@pytest.mark.parametrize("name", FORM_PAGES)
def test_form_pages_are_404_outside_the_policy_and_logged(world, login, name):
    response = login(world.pro_a.user).get(url(name, world.person_b))
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(
        person=world.person_b, actor=world.pro_a.user, allowed=False
    ).exists()


@pytest.mark.parametrize("name", FORM_PAGES)
def test_gestionnaire_director_cannot_write(world, login, name):
    client = login(world.gdir.user)
    assert client.get(url(name, world.person_a)).status_code == 403
    assert client.post(url(name, world.person_a), {}).status_code == 403
    assert AccessLogEntry.objects.filter(
        person=world.person_a, actor=world.gdir.user, allowed=False, action__in=[Action.CREATE, Action.UPDATE]
    ).exists()


def test_detail_pages_are_404_outside_the_policy(world, login):
    assessment = NeedsAssessmentFactory(person=world.person_b, establishment=world.b, needs=["1.2.1.1"])
    projet = ProjetFactory(person=world.person_b, establishment=world.b)
    admission = world.person_b.admissions.get()
    client = login(world.pro_a.user)
    for target in [
        url("assessment_detail", world.person_b, assessment.uuid),
        url("projet_detail", world.person_b, projet.uuid),
        url("admission_exit", world.person_b, admission.uuid),
        url("timeline", world.person_b),
    ]:
        assert client.get(target, headers={"HX-Request": "true"}).status_code == 404, target
    assert AccessLogEntry.objects.filter(person=world.person_b, allowed=False).count() == 4
    assert (
        client.post(url("projet_status", world.person_b, projet.uuid), {"status": "proposed"}).status_code
        == 404
    )


def test_an_object_of_another_person_is_a_404(world, login):
    projet = ProjetFactory(person=world.person_b, establishment=world.b)
    response = login(world.pro_a.user).get(url("projet_detail", world.person_a, projet.uuid))
    assert response.status_code == 404


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(url("note_create", world.person_a))
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]


# Writes


def test_admission_and_exit(world, login):
    client = login(world.director_a.user)
    person = world.person_a
    response = client.post(
        url("admission_create", person),
        {
            "establishment": world.a.pk,
            "mode": "internat",
            "start_date": days(-3),
            "unit": "",
            "comment": "",
        },
    )
    content = assert_page_ok(response)  # overlapping the current admission in A
    assert "déjà un accompagnement dans cet établissement" in content
    admission = person.admissions.get()
    exit_url = url("admission_exit", person, admission.uuid)
    content = assert_page_ok(client.post(exit_url, {"end_date": days(-1), "exit_reason": "", "comment": ""}))
    assert "Ce champ est obligatoire." in content
    response = client.post(exit_url, {"end_date": days(-1), "exit_reason": "158", "comment": ""}, follow=True)
    assert "La sortie est enregistrée." in assert_page_ok(response)
    assert Admission.objects.get(pk=admission.pk).exit_reason == "158"
    response = client.post(
        url("admission_create", person),
        {
            "establishment": world.a.pk,
            "mode": "internat",
            "start_date": days(0),
            "unit": "",
            "comment": "",
        },
    )
    assert response.status_code == 302
    assert person.admissions.count() == 2


def need_rows(*rows, prefix="besoins"):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "1",
        f"{prefix}-MAX_NUM_FORMS": "30",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_assessment_with_three_needs(world, login):
    data = {"establishment": world.a.pk, "date": days(-1), "comment": "Bilan annuel"}
    data.update(
        need_rows(
            {"concept": "1.2.1.1", "intensity": "3", "comment": ""},
            {"concept": "1.3.3.2", "intensity": "2", "comment": "ESAT"},
            {"concept": "1.3.4.1", "intensity": "1", "comment": ""},
            {"concept": "", "intensity": "", "comment": ""},
        )
    )
    response = login(world.pro_a.user).post(url("assessment_create", world.person_a), data)
    assert response.status_code == 302
    assessment = NeedsAssessment.objects.get()
    assert sorted(assessment.needs.values_list("concept__code", flat=True)) == [
        "1.2.1.1",
        "1.3.3.2",
        "1.3.4.1",
    ]
    content = assert_page_ok(
        login(world.pro_a.user).get(url("assessment_detail", world.person_a, assessment.uuid))
    )
    assert "Besoins en lien avec le travail et l&#x27;emploi" in content


@pytest.mark.parametrize(
    "bad",
    [
        {"concept": "2.3.1.1", "intensity": "2", "comment": ""},  # a service code, not a need
        {"concept": "1.2.1.1", "intensity": "2", "comment": ""},  # the same need twice
        {"concept": "1.3.3.2", "intensity": "", "comment": ""},  # no intensity
    ],
)
def test_one_bad_need_among_three_saves_nothing(world, login, bad):
    data = {"establishment": world.a.pk, "date": days(-1), "comment": ""}
    data.update(
        need_rows(
            {"concept": "1.2.1.1", "intensity": "3", "comment": ""},
            bad,
            {"concept": "1.3.4.1", "intensity": "1", "comment": ""},
        )
    )
    content = assert_page_ok(login(world.pro_a.user).post(url("assessment_create", world.person_a), data))
    assert "Rien n'a été enregistré" in content
    assert "Besoin n° 2" in content
    assert not NeedsAssessment.objects.exists() and not Need.objects.exists()


def test_assessment_needs_at_least_one_need(world, login):
    data = {"establishment": world.a.pk, "date": days(-1), "comment": ""}
    data.update(need_rows({"concept": "", "intensity": "", "comment": ""}))
    content = assert_page_ok(login(world.pro_a.user).post(url("assessment_create", world.person_a), data))
    assert "Veuillez soumettre au moins 1 formulaire." in content or "au moins 1" in content
    assert not NeedsAssessment.objects.exists()


def projet_data(world, **overrides):
    data = {
        "establishment": world.a.pk,
        "date": days(-1),
        "review_date": days(300),
        "person_words": "Vivre seule.",
    }
    data.update(
        need_rows(
            {"title": "Vivre en appartement", "description": "", "needs": ["1.3.2.1", "1.3.2.2"]},
            {"title": "", "description": ""},
            prefix="objectifs",
        )
    )
    data.update(
        need_rows(
            {
                "concept": "2.3.2.1",
                "frequency_count": "2",
                "frequency_period": "week",
                "goal": "0",
                "comment": "",
            },
            {"concept": "", "frequency_count": "", "frequency_period": "week", "goal": "", "comment": ""},
            prefix="prestations",
        )
    )
    data.update(overrides)
    return data


def test_projet_creation_and_status_buttons(world, login):
    client = login(world.pro_a.user)
    response = client.post(url("projet_create", world.person_a), projet_data(world))
    assert response.status_code == 302, response.content.decode()[:3000]
    projet = ProjetPersonnalise.objects.get()
    assert projet.goals.get().needs.count() == 2
    assert projet.planned_services.get().goal == projet.goals.get()
    content = assert_page_ok(client.get(response["Location"]))
    assert "Proposer à la personne" in content and "Valider avec la personne" not in content
    status_url = url("projet_status", world.person_a, projet.uuid)
    content = assert_page_ok(client.post(status_url, {"status": "agreed"}, follow=True))
    assert "Un projet « Brouillon » ne peut pas passer au statut « Validé avec la personne »." in content
    client.post(status_url, {"status": "proposed"})
    content = assert_page_ok(client.post(status_url, {"status": "agreed"}, follow=True))
    assert "Validé avec la personne" in content
    projet.refresh_from_db()
    assert projet.status == ProjetStatus.AGREED and projet.agreed_at


def test_projet_review_before_date_saves_nothing(world, login):
    content = assert_page_ok(
        login(world.pro_a.user).post(
            url("projet_create", world.person_a), projet_data(world, review_date=days(-30))
        )
    )
    assert "La date de révision doit suivre la date du projet." in content
    assert not ProjetPersonnalise.objects.exists() and not PlannedService.objects.exists()


def test_gestionnaire_sees_projet_without_status_buttons(world, login):
    projet = ProjetFactory(person=world.person_a, establishment=world.a)
    content = assert_page_ok(login(world.gdir.user).get(url("projet_detail", world.person_a, projet.uuid)))
    assert "Proposer à la personne" not in content
    response = login(world.gdir.user).post(
        url("projet_status", world.person_a, projet.uuid), {"status": "proposed"}
    )
    assert response.status_code == 403
    projet.refresh_from_db()
    assert projet.status == ProjetStatus.DRAFT
    assert AccessLogEntry.objects.filter(
        actor=world.gdir.user,
        person=world.person_a,
        category=Category.PROJET,
        action=Action.UPDATE,
        allowed=False,
    ).exists()


def test_service_and_note(world, login):
    client = login(world.pro_a.user)
    response = client.post(
        url("service_create", world.person_a),
        {
            "establishment": world.a.pk,
            "concept": "2.3.3.4",
            "date": days(0),
            "duration_minutes": "90",
        },
        follow=True,
    )
    assert "La prestation est enregistrée." in assert_page_ok(response)
    assert ServiceDelivery.objects.get().professional == world.pro_a
    content = assert_page_ok(
        client.post(
            url("service_create", world.person_a),
            {
                "establishment": world.a.pk,
                "concept": "1.2.1.1",
                "date": days(0),
                "duration_minutes": "90",
            },
        )
    )
    assert "Sélectionnez un choix valide" in content
    response = client.post(
        url("note_create", world.person_a),
        {
            "establishment": world.a.pk,
            "category": "daily_life",
            "text": "A bien dormi.",
            "shareable": "on",
        },
        follow=True,
    )
    assert "A bien dormi." in assert_page_ok(response)
    assert Note.objects.get().shareable


def test_document_upload_and_download(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.pro_a.user)
    response = client.post(
        url("document_create", world.person_a),
        {
            "title": "Bilan orthophonique",
            "file": SimpleUploadedFile("bilan.pdf", b"%PDF-1.4 contenu"),
        },
    )
    assert response.status_code == 302
    document = Document.objects.get()
    download = url("document_download", world.person_a, document.uuid)
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 contenu"
    assert response["Content-Type"] == "application/pdf"
    assert AccessLogEntry.objects.filter(
        object_uuid=document.uuid, action=Action.READ, category=Category.DOCUMENTS
    ).exists()
    # Nobody else: another team (404), the gestionnaire's direction (404: documents hidden).
    assert login(world.pro_b.user).get(download).status_code == 404
    assert login(world.gdir.user).get(download).status_code == 404
    assert AccessLogEntry.objects.filter(
        actor=world.gdir.user, category=Category.DOCUMENTS, allowed=False
    ).exists()
    # And never from /media/.
    assert client.get(f"/media/{document.file.name}").status_code == 404


def test_document_type_refused_in_the_form(world, login, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    content = assert_page_ok(
        login(world.pro_a.user).post(
            url("document_create", world.person_a),
            {
                "title": "Page",
                "file": SimpleUploadedFile("page.html", b"<script>"),
            },
        )
    )
    assert "Type de fichier non accepté" in content
    assert not Document.objects.exists()


# Identity-related parts


def test_relative_protection_deficiencies_mdph(world, login):
    client = login(world.pro_a.user)
    person = world.person_a
    assert (
        client.post(
            url("relative_create", person),
            {
                "last_name": "Lefèvre",
                "first_name": "Paul",
                "relationship": "parent",
                "is_natural_carer": "on",
            },
        ).status_code
        == 302
    )
    relative = Relative.objects.get()
    assert (
        client.post(
            url("relative_edit", person, relative.uuid),
            {
                "last_name": "Lefèvre",
                "first_name": "Paul",
                "relationship": "parent",
                "phone": "0600000000",
            },
        ).status_code
        == 302
    )
    relative.refresh_from_db()
    assert relative.phone == "0600000000" and not relative.is_natural_carer

    content = assert_page_ok(
        client.post(
            url("protection_create", person),
            {
                "measure": "curatelle_renforcee",
                "representative_kind": "family",
                "start_date": days(-100),
            },
        )
    )
    assert "Indiquez qui exerce la mesure" in content
    assert (
        client.post(
            url("protection_create", person),
            {
                "measure": "curatelle_renforcee",
                "representative_kind": "family",
                "representative_relative": relative.pk,
                "start_date": days(-100),
            },
        ).status_code
        == 302
    )
    assert LegalProtection.objects.get().representative_relative == relative

    content = assert_page_ok(
        client.post(url("deficiencies_edit", person), {"main": "02", "associated": ["02"]})
    )
    assert "ne peut pas être aussi une déficience associée" in content
    assert (
        client.post(url("deficiencies_edit", person), {"main": "02", "associated": ["03", "01"]}).status_code
        == 302
    )
    assert Deficiency.objects.filter(person=person).count() == 3
    assert Deficiency.objects.get(person=person, is_main=True).concept.code == "02"

    content = assert_page_ok(
        client.post(
            url("mdph_create", person),
            {
                "decision_type": "orientation_esms",
                "decision_date": days(-50),
                "start_date": days(-40),
            },
        )
    )
    assert "Une orientation précise la catégorie" in content
    assert (
        client.post(
            url("mdph_create", person),
            {
                "decision_type": "orientation_esms",
                "orientation_category": "246",
                "decision_date": days(-50),
                "start_date": days(-40),
                "end_date": days(-60),
            },
        ).status_code
        == 200
    )
    assert (
        client.post(
            url("mdph_create", person),
            {
                "decision_type": "orientation_esms",
                "orientation_category": "246",
                "decision_date": days(-50),
                "start_date": days(-40),
                "end_date": days(1000),
            },
        ).status_code
        == 302
    )
    content = assert_page_ok(client.get(reverse("people:detail", args=[person.uuid])))
    assert "Curatelle renforcée" in content and "Orientation vers un établissement" in content


def test_relative_of_another_person_is_a_404(world, login):
    other = RelativeFactory(person=world.person_b)
    assert login(world.pro_a.user).get(url("relative_edit", world.person_a, other.uuid)).status_code == 404


def test_mdph_decision_is_logged(world, login):
    login(world.pro_a.user).post(
        url("mdph_create", world.person_a),
        {
            "decision_type": "rqth",
            "decision_date": days(-50),
            "start_date": days(-40),
        },
    )
    decision = MdphDecision.objects.get()
    assert AccessLogEntry.objects.filter(object_uuid=decision.uuid, action=Action.CREATE).exists()
