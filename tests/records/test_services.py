"""The record services: model rules in French, access checks, all-or-nothing writes."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.records import services
from parcours.records.enums import ProjetStatus
from parcours.records.models import Document, Need, NeedsAssessment, Note, ProjetPersonnalise
from parcours.records.services import GoalInput, NeedInput, PlannedServiceInput
from tests.factories import MembershipFactory, ProjetFactory, UserFactory, concept

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def days(n):
    return TODAY() + datetime.timedelta(days=n)


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# Admissions


def test_admission_in_another_structure_may_overlap(world):
    # A professional working for both structures admits the person in the second one.
    MembershipFactory(professional=world.pro_a, establishment=world.b)
    admission = services.admit_person(
        world.person_a,
        establishment=world.b,
        mode="externat",
        start_date=days(-10),
        actor=world.actor(world.pro_a),
    )
    assert admission.pk
    assert AccessLogEntry.objects.filter(
        person=world.person_a, action=Action.CREATE, category=Category.PARCOURS, object_uuid=admission.uuid
    ).exists()


def test_overlapping_admission_in_the_same_structure_is_refused(world):
    with pytest.raises(ValidationError) as exc:
        services.admit_person(
            world.person_a,
            establishment=world.a,
            mode="internat",
            start_date=days(-10),
            actor=world.actor(world.pro_a),
        )
    assert "déjà un accompagnement dans cet établissement" in messages_of(exc.value)


def test_admission_needs_a_writable_establishment(world):
    with pytest.raises(PermissionDenied):
        services.admit_person(
            world.person_a,
            establishment=world.c,
            mode="externat",
            start_date=days(-1),
            actor=world.actor(world.pro_a),
        )


def test_exit_before_admission_is_refused(world):
    admission = world.person_a.admissions.get()
    with pytest.raises(ValidationError) as exc:
        services.end_admission(
            admission,
            end_date=admission.start_date - datetime.timedelta(days=1),
            exit_reason="89",
            actor=world.actor(world.pro_a),
        )
    assert "La date de sortie précède la date d'admission." in messages_of(exc.value)


def test_exit_reason_required_with_exit_date(world):
    admission = world.person_a.admissions.get()
    with pytest.raises(ValidationError) as exc:
        services.end_admission(admission, end_date=days(-1), exit_reason="", actor=world.actor(world.pro_a))
    assert "Indiquez le motif de sortie." in messages_of(exc.value)
    services.end_admission(admission, end_date=days(-1), exit_reason="147", actor=world.actor(world.pro_a))
    admission.refresh_from_db()
    assert admission.end_date == days(-1) and admission.exit_reason == "147"


def test_gestionnaire_director_cannot_write(world):
    actor = world.actor(world.gdir)
    with pytest.raises(PermissionDenied):
        services.log_service(
            world.person_a,
            establishment=world.a,
            concept=concept("serafin-ph-prestations", "2.3.1.1"),
            date=days(-1),
            duration_minutes=30,
            actor=actor,
        )


def test_user_without_professional_cannot_write(world):
    user = UserFactory()
    with pytest.raises(PermissionDenied, match="aucune fiche de professionnel"):
        services.write_note(
            world.person_a,
            establishment=world.a,
            category="daily_life",
            text="x",
            actor=world.actor(world.pro_a).__class__(user=user),
        )


# Needs assessments


def test_assessment_with_needs(world):
    assessment = services.create_needs_assessment(
        world.person_a,
        establishment=world.a,
        date=days(-1),
        actor=world.actor(world.pro_a),
        needs=[
            NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3),
            NeedInput(concept("serafin-ph-besoins", "1.3.4.1"), 1, "Sorties"),
        ],
    )
    assert assessment.assessed_by == world.pro_a
    assert assessment.needs.count() == 2


def test_a_service_code_as_a_need_is_refused_and_nothing_saved(world):
    with pytest.raises(ValidationError) as exc:
        services.create_needs_assessment(
            world.person_a,
            establishment=world.a,
            date=days(-1),
            actor=world.actor(world.pro_a),
            needs=[
                NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3),
                NeedInput(concept("serafin-ph-prestations", "2.3.1.1"), 2),
            ],
        )
    assert "Besoin n° 2" in messages_of(exc.value)
    assert "nomenclature attendue" in messages_of(exc.value)
    assert not NeedsAssessment.objects.exists() and not Need.objects.exists()


def test_a_code_without_label_is_refused(world):
    with pytest.raises(ValidationError, match="inactif ou sans libellé"):
        services.create_needs_assessment(
            world.person_a,
            establishment=world.a,
            date=days(-1),
            actor=world.actor(world.pro_a),
            needs=[NeedInput(concept("serafin-ph-besoins", "1.1.1"), 3)],
        )


def test_future_assessment_is_refused(world):
    with pytest.raises(ValidationError, match="dans le futur"):
        services.create_needs_assessment(
            world.person_a,
            establishment=world.a,
            date=days(2),
            actor=world.actor(world.pro_a),
            needs=[NeedInput(concept("serafin-ph-besoins", "1.2.1.1"), 3)],
        )


# Projets personnalisés


def make_projet(world, **overrides):
    data = dict(
        establishment=world.a,
        date=days(-1),
        review_date=days(360),
        actor=world.actor(world.pro_a),
        person_words="Je veux apprendre à cuisiner.",
        goals=[GoalInput("Cuisiner seule", needs=[concept("serafin-ph-besoins", "1.3.2.2")])],
        planned_services=[
            PlannedServiceInput(concept("serafin-ph-prestations", "2.3.2.2"), 2, "week", goal_index=0)
        ],
    )
    data.update(overrides)
    return services.create_projet(world.person_a, **data)


def test_projet_with_goals_and_planned_services(world):
    projet = make_projet(world)
    goal = projet.goals.get()
    assert list(goal.needs.values_list("code", flat=True)) == ["1.3.2.2"]
    assert projet.planned_services.get().goal == goal
    assert projet.status == ProjetStatus.DRAFT


def test_review_date_before_projet_date_is_refused(world):
    with pytest.raises(ValidationError, match="La date de révision doit suivre la date du projet."):
        make_projet(world, review_date=days(-5))
    assert not ProjetPersonnalise.objects.exists()


def test_a_need_as_a_planned_service_is_refused(world):
    with pytest.raises(ValidationError, match="Prestation n° 1"):
        make_projet(
            world, planned_services=[PlannedServiceInput(concept("serafin-ph-besoins", "1.2.1.1"), 1, "week")]
        )
    assert not ProjetPersonnalise.objects.exists()


def test_projet_status_transitions(world):
    projet = ProjetFactory(person=world.person_a, establishment=world.a, author=world.pro_a)
    actor = world.actor(world.pro_a)
    with pytest.raises(ValidationError) as exc:
        services.change_projet_status(projet, status=ProjetStatus.AGREED, actor=actor)
    assert "Un projet « Brouillon » ne peut pas passer au statut « Validé avec la personne »." in messages_of(
        exc.value
    )
    services.change_projet_status(projet, status=ProjetStatus.PROPOSED, actor=actor)
    services.change_projet_status(projet, status=ProjetStatus.AGREED, actor=actor)
    projet.refresh_from_db()
    assert projet.status == ProjetStatus.AGREED and projet.agreed_at is not None


# Service log and notes


def test_future_service_is_refused(world):
    with pytest.raises(ValidationError, match="dans le futur"):
        services.log_service(
            world.person_a,
            establishment=world.a,
            concept=concept("serafin-ph-prestations", "2.3.1.1"),
            date=days(1),
            duration_minutes=30,
            actor=world.actor(world.pro_a),
        )


def test_note_author_is_the_actor(world):
    note = services.write_note(
        world.person_a, establishment=world.a, category="health", text="RAS", actor=world.actor(world.pro_a)
    )
    assert note.author == world.pro_a
    assert AccessLogEntry.objects.filter(
        object_uuid=note.uuid, category=Category.NOTES, action=Action.CREATE
    ).exists()


# Documents


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }
    return tmp_path


def test_document_is_stored_under_its_uuid(world, media):
    upload = SimpleUploadedFile("Compte-rendu Lefèvre.pdf", b"%PDF-1.7\n...", content_type="application/pdf")
    document = services.attach_document(
        world.person_a, file=upload, title="Compte-rendu", actor=world.actor(world.pro_a)
    )
    assert document.file.name == f"documents/{document.uuid.hex[:2]}/{document.uuid}.pdf"
    assert "Lef" not in document.file.name
    assert document.content_type == "application/pdf"
    assert (media / document.file.name).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("script.html", b"<html>"),
        ("faux.pdf", b"MZ\x90\x00"),
        ("image.png", b"%PDF-1.4"),
        ("notes.txt", b"a\x00b"),
    ],
)
def test_document_type_is_checked(world, media, name, content):
    with pytest.raises(ValidationError, match="Type de fichier non accepté"):
        services.attach_document(
            world.person_a, file=SimpleUploadedFile(name, content), title="x", actor=world.actor(world.pro_a)
        )
    assert not Document.objects.exists()


def test_document_size_is_limited(world, media):
    big = SimpleUploadedFile("gros.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024))
    with pytest.raises(ValidationError, match="10 Mo"):
        services.attach_document(world.person_a, file=big, title="x", actor=world.actor(world.pro_a))


def test_note_with_bad_attachment_saves_nothing(world, media):
    with pytest.raises(ValidationError):
        services.write_note(
            world.person_a,
            establishment=world.a,
            category="health",
            text="RAS",
            actor=world.actor(world.pro_a),
            attachment=SimpleUploadedFile("x.exe", b"MZ"),
        )
    assert not Note.objects.exists()
    assert list(media.rglob("*.*")) == []
