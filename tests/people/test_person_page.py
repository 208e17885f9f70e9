import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Category
from parcours.access.models import AccessLogEntry
from parcours.records.enums import ProjetStatus
from parcours.staff.enums import Role
from tests.conftest import assert_page_ok
from tests.factories import (
    AdmissionFactory,
    NeedsAssessmentFactory,
    NoteFactory,
    PersonFactory,
    ProjetFactory,
    RelativeFactory,
    ServiceDeliveryFactory,
    make_professional,
)

pytestmark = pytest.mark.django_db


def detail_url(person, **params):
    url = reverse("people:detail", kwargs={"uuid": person.uuid})
    if params:
        from urllib.parse import urlencode

        url += "?" + urlencode(params, doseq=True)
    return url


def fill_record(world, person, establishment):
    """A record with one of everything, written by pro_a."""
    RelativeFactory(person=person, last_name="Lefèvre", first_name="Anne", is_natural_carer=True)
    NeedsAssessmentFactory(
        person=person, establishment=establishment, assessed_by=world.pro_a, needs=["1.2.1.1", "1.3.4.1"]
    )
    ProjetFactory(person=person, establishment=establishment, author=world.pro_a, status=ProjetStatus.AGREED)
    NoteFactory(
        person=person, establishment=establishment, author=world.pro_a, text="Journée calme à l'atelier."
    )
    ServiceDeliveryFactory(person=person, establishment=establishment, professional=world.pro_a)


def test_team_member_sees_the_whole_record(world, login):
    fill_record(world, world.person_a, world.a)
    content = assert_page_ok(login(world.pro_a.user).get(detail_url(world.person_a)))
    assert "LEFÈVRE Élodie" in content
    assert "Journée calme à l&#x27;atelier." in content
    assert "Évaluation des besoins" in content
    assert "Accompagnements à l&#x27;expression du projet personnalisé" in content  # service 2.3.1.1
    assert "IME Les Tilleuls" in content
    assert "Aidant" in content
    assert "Nouvelle transmission" in content
    assert "ne sont pas affichées" not in content


def test_each_category_read_is_logged(world, login):
    fill_record(world, world.person_a, world.a)
    login(world.pro_a.user).get(detail_url(world.person_a))
    entries = AccessLogEntry.objects.filter(person=world.person_a, actor=world.pro_a.user, action=Action.READ)
    assert set(entries.values_list("category", flat=True)) == {
        Category.IDENTITY,
        Category.PARCOURS,
        Category.ASSESSMENTS,
        Category.PROJET,
        Category.SERVICES,
        Category.NOTES,
        Category.DOCUMENTS,
    }
    assert all(entries.values_list("allowed", flat=True))


def test_gestionnaire_director_does_not_see_notes(world, login):
    fill_record(world, world.person_a, world.a)
    content = assert_page_ok(login(world.gdir.user).get(detail_url(world.person_a)))
    assert "LEFÈVRE Élodie" in content
    assert "Journée calme" not in content
    assert "Évaluation des besoins" in content
    assert "ne sont pas affichées : Transmissions, Documents" in content
    assert "Nouvelle transmission" not in content
    assert "Modifier l&#x27;identité" not in content
    logged = set(
        AccessLogEntry.objects.filter(person=world.person_a, actor=world.gdir.user).values_list(
            "category", flat=True
        )
    )
    assert Category.NOTES not in logged and Category.DOCUMENTS not in logged


def test_establishment_director_sees_persons_of_the_establishment(world, login):
    content = assert_page_ok(login(world.director_a.user).get(detail_url(world.person_a)))
    assert "LEFÈVRE Élodie" in content
    assert login(world.director_a.user).get(detail_url(world.person_b)).status_code == 404


def test_outsider_gets_404_and_the_refusal_is_logged(world, login):
    response = login(world.pro_a.user).get(detail_url(world.person_b))
    assert response.status_code == 404
    assert AccessLogEntry.objects.filter(
        person=world.person_b, actor=world.pro_a.user, allowed=False
    ).exists()


def test_unknown_uuid_is_a_404(world, login):
    import uuid

    assert login(world.pro_a.user).get(reverse("people:detail", args=[uuid.uuid4()])).status_code == 404


def test_anonymous_is_sent_to_login(world, client):
    response = client.get(detail_url(world.person_a))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(("days_ago", "visible"), [(5, True), (29, True), (31, False), (100, False)])
def test_team_access_ends_after_the_grace_period(world, login, settings, days_ago, visible):
    settings.PARCOURS_ACCESS_GRACE_DAYS = 30
    person = PersonFactory()
    today = timezone.localdate()
    AdmissionFactory(
        person=person,
        establishment=world.a,
        start_date=today - datetime.timedelta(days=300),
        end_date=today - datetime.timedelta(days=days_ago),
        exit_reason="89",
    )
    status = login(world.pro_a.user).get(detail_url(person)).status_code
    assert status == (200 if visible else 404)
    # The direction keeps seeing every person ever supported in its establishment.
    assert login(world.director_a.user).get(detail_url(person)).status_code == 200


def test_person_admitted_in_two_structures_is_seen_by_both_teams(world, login):
    AdmissionFactory(person=world.person_a, establishment=world.b)
    for pro in (world.pro_a, world.pro_b):
        content = assert_page_ok(login(pro.user).get(detail_url(world.person_a)))
        assert "ESAT du Rhône" in content and "IME Les Tilleuls" in content
    assert login(world.pro_c.user).get(detail_url(world.person_a)).status_code == 404


def test_identity_sections(world, login):
    person = PersonFactory(qualified=True, birth_name="Dubois", first_names="Jeanne")
    AdmissionFactory(person=person, establishment=world.a)
    content = assert_page_ok(login(world.pro_a.user).get(detail_url(person)))
    assert "Identité qualifiée" in content
    assert person.nir[:1] + " " + person.nir[1:3] in content


def test_user_without_professional_sees_nothing(world, login):
    from tests.factories import UserFactory

    user = UserFactory()
    assert login(user).get(detail_url(world.person_a)).status_code == 404


def test_second_membership_role_does_not_hide_notes(world, login):
    # A professional of A who also directs gestionnaire G reads A's notes through the team basis.
    pro = make_professional(world.a)
    from parcours.staff.models import Membership

    Membership.objects.create(
        professional=pro,
        role=Role.GESTIONNAIRE_DIRECTOR,
        gestionnaire=world.g,
        start_date=datetime.date(2020, 1, 1),
    )
    NoteFactory(person=world.person_a, establishment=world.a, author=world.pro_a, text="Note visible.")
    assert "Note visible." in assert_page_ok(login(pro.user).get(detail_url(world.person_a)))
