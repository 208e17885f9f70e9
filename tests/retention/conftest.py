"""A world where some persons' support ended long ago, a data protection officer, and helpers to
set the rules through the real service."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from parcours.access.journal import Actor
from parcours.organisations.enums import SupportMode
from parcours.records import services as records
from parcours.records.enums import ExitReason
from parcours.retention import services
from tests.factories import NeedsAssessmentFactory, PersonFactory, ProjetFactory, RelativeFactory
from tests.people.scenario import world  # noqa: F401 - the shared scenario

TODAY = timezone.localdate()


@pytest.fixture
def dpo(db):
    """A data protection officer: a login in the "DPO" group (permission access.view_audit)."""
    from django.contrib.auth.models import Group, Permission

    from tests.factories import UserFactory

    group, _ = Group.objects.get_or_create(name="DPO")
    group.permissions.add(Permission.objects.get(content_type__app_label="access", codename="view_audit"))
    user = UserFactory(first_name="Dominique", last_name="Protection")
    user.groups.add(group)
    return user


@pytest.fixture
def dpo_actor(dpo) -> Actor:
    return Actor(user=dpo, ip_address="127.0.0.1")


def years_ago(years: int) -> datetime.date:
    return TODAY.replace(year=TODAY.year - years)


def configure(actor: Actor, category: str, active: int | None, archive: int | None = None, action: str = ""):
    return services.update_rule(
        category,
        actor=actor,
        active_months=active,
        archive_months=archive,
        final_action=action,
        justification="Décision du responsable de traitement (essai).",
    )


def person_with_record(scenario, *, ended_on: datetime.date | None, name: str = "Durand"):
    """A person admitted in establishment A by its team, with a note, a document, a relative, an
    assessment, a projet and a service delivered; the support ended on `ended_on` (None: current)."""
    actor = scenario.actor(scenario.pro_a)
    person = PersonFactory(
        birth_name=name,
        first_names="Camille",
        birth_date=datetime.date(1990, 6, 15),
        phone="0601020304",
        email="camille@example.org",
        street="3 rue des Lilas",
        postal_code="69003",
        city="Lyon",
        qualified=True,
        opened_by=scenario.a,
    )
    RelativeFactory(person=person, last_name="Durand", first_name="Paul")
    start = (ended_on or TODAY) - datetime.timedelta(days=400)
    admission = records.admit_person(
        person,
        establishment=scenario.a,
        mode=SupportMode.EXTERNAT,
        start_date=start,
        actor=actor,
        comment="Arrivée accompagnée de sa sœur.",
    )
    records.write_note(
        person,
        establishment=scenario.a,
        category="health",
        text="Rendez-vous chez le dentiste mardi.",
        actor=actor,
        attachment=SimpleUploadedFile(
            "ordonnance.pdf", b"%PDF-1.4 ordonnance", content_type="application/pdf"
        ),
        attachment_title="Ordonnance",
    )
    records.attach_document(
        person,
        file=SimpleUploadedFile("bilan.pdf", b"%PDF-1.4 bilan", content_type="application/pdf"),
        title="Bilan orthophonique",
        actor=actor,
    )
    NeedsAssessmentFactory(
        person=person, establishment=scenario.a, comment="Grande fatigue.", needs=["1.2.1.1"]
    )
    ProjetFactory(person=person, establishment=scenario.a, person_words="Je veux apprendre à cuisiner.")
    if ended_on is not None:
        records.end_admission(admission, end_date=ended_on, exit_reason=ExitReason.MOVE, actor=actor)
    return person
