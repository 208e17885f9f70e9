import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Basis, Category
from parcours.access.models import AccessLogEntry
from parcours.organisations.enums import SupportMode
from parcours.records.enums import NoteCategory
from parcours.staff.enums import Role
from tests.core.pages import page
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    NoteFactory,
    PersonFactory,
    ProfessionalFactory,
    UnitFactory,
    make_professional,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def person_url(person) -> str:
    """The URL of the person page, by the contract `people:detail` with kwarg `uuid`."""
    return reverse("people:detail", kwargs={"uuid": person.uuid})


def days(n: int) -> datetime.date:
    return TODAY() + datetime.timedelta(days=n)


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_user_without_establishment_gets_an_explanation(login):
    professional = ProfessionalFactory()
    content = page(login(professional.user).get(reverse("core:home")))
    assert "rattaché à aucun établissement" in content
    assert AccessLogEntry.objects.count() == 0


def test_home_lists_only_persons_supported_today_in_the_users_establishments(login):
    mine, other = EstablishmentFactory(name="IME Les Tilleuls"), EstablishmentFactory(name="ESAT Ailleurs")
    professional = make_professional(mine)
    unit = UnitFactory(establishment=mine, name="Groupe des Grands")
    present = AdmissionFactory(
        establishment=mine,
        mode=SupportMode.INTERNAT,
        unit=unit,
        person=PersonFactory(birth_name="Martin", first_names="Léa"),
    )
    # Supported elsewhere too: only the admission in my establishment is shown.
    AdmissionFactory(person=present.person, establishment=other, mode=SupportMode.EXTERNAT)
    left = AdmissionFactory(
        establishment=mine,
        start_date=days(-300),
        end_date=days(-1),
        exit_reason="89",
        person=PersonFactory(birth_name="Parti"),
    )
    future = AdmissionFactory(
        establishment=mine, start_date=days(3), person=PersonFactory(birth_name="Futur")
    )
    elsewhere = AdmissionFactory(establishment=other, person=PersonFactory(birth_name="Inconnu"))

    content = page(login(professional.user).get(reverse("core:home")))

    assert "MARTIN Léa" in content
    assert "IME Les Tilleuls" in content and "Internat" in content and "Groupe des Grands" in content
    assert "ESAT Ailleurs" not in content
    for hidden in (left, future, elsewhere):
        assert hidden.person.display_name not in content
    assert f"{present.person.age} ans" in content


def test_home_links_each_person_to_their_record(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    admission = AdmissionFactory(establishment=establishment)
    content = page(login(professional.user).get(reverse("core:home")))
    assert f'href="{person_url(admission.person)}"' in content


def test_every_person_shown_is_in_the_access_log(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    admissions = AdmissionFactory.create_batch(3, establishment=establishment)
    AdmissionFactory()  # someone else's person

    page(login(professional.user).get(reverse("core:home"), REMOTE_ADDR="10.1.2.3"))

    entries = AccessLogEntry.objects.filter(actor=professional.user)
    assert {entry.person_id for entry in entries} == {admission.person_id for admission in admissions}
    assert {(e.action, e.category, e.basis, e.allowed, e.ip_address) for e in entries} == {
        (Action.LIST, Category.IDENTITY, Basis.VISIBLE, True, "10.1.2.3")
    }


def test_home_is_paginated_by_25(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    AdmissionFactory.create_batch(27, establishment=establishment)
    client = login(professional.user)

    first = page(client.get(reverse("core:home")))
    assert "27 personnes" in first and "?page=2" in first
    second = page(client.get(reverse("core:home"), {"page": 2}))
    assert second.count('scope="row"') == 2
    assert AccessLogEntry.objects.filter(action=Action.LIST).count() == 25 + 2


def test_recent_notes_show_the_first_line_to_the_team_and_log_the_read(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    admission = AdmissionFactory(establishment=establishment)
    NoteFactory(
        person=admission.person,
        establishment=establishment,
        author=professional,
        category=NoteCategory.HEALTH,
        text="Première ligne de la transmission.\nSuite détaillée.",
    )
    NoteFactory(
        person=admission.person,
        establishment=establishment,
        author=professional,
        written_at=timezone.now() - datetime.timedelta(days=45),
        text="Trop ancienne.",
    )
    other = EstablishmentFactory()
    NoteFactory(
        person=AdmissionFactory(establishment=other).person, establishment=other, text="Pas chez moi."
    )

    content = page(login(professional.user).get(reverse("core:home")))

    assert "Transmissions récentes" in content
    assert "Première ligne de la transmission." in content
    assert "Suite détaillée." not in content
    assert "Santé" in content and str(professional) in content
    assert "Trop ancienne." not in content and "Pas chez moi." not in content
    read = AccessLogEntry.objects.get(action=Action.READ, category=Category.NOTES)
    assert (read.person_id, read.basis, read.actor_id) == (
        admission.person_id,
        Basis.TEAM,
        professional.user_id,
    )


def test_gestionnaire_direction_sees_who_wrote_but_not_the_text(login):
    establishment = EstablishmentFactory()
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=establishment.gestionnaire)
    admission = AdmissionFactory(establishment=establishment)
    NoteFactory(person=admission.person, establishment=establishment, text="Texte confidentiel de l'équipe.")

    content = page(login(director.user).get(reverse("core:home")))

    assert admission.person.display_name in content
    assert "Texte confidentiel" not in content
    assert "réservé aux équipes qui accompagnent" in content
    assert not AccessLogEntry.objects.filter(category=Category.NOTES).exists()


def test_home_search_box_targets_the_person_search(login):
    professional = make_professional(EstablishmentFactory())
    content = page(login(professional.user).get(reverse("core:home")))
    assert 'name="q"' in content and 'role="search"' in content
    assert f'action="{reverse("people:search")}"' in content


def _populate(establishment, professional, persons: int, notes: int):
    for _ in range(persons):
        admission = AdmissionFactory(
            establishment=establishment, unit=UnitFactory(establishment=establishment)
        )
        for _ in range(notes):
            NoteFactory(person=admission.person, establishment=establishment, author=professional)


@pytest.mark.parametrize("role", [Role.PROFESSIONAL, Role.ESTABLISHMENT_DIRECTOR])
def test_home_query_count_does_not_grow_with_the_data(login, django_assert_max_num_queries, role):
    # 17 = the page's own queries + django-otp's check, on every request, that the session's
    # second-factor device still exists + the read of the access log's chain head (one per
    # transaction that writes to the log) + the persons opened to the user by consent or
    # break-glass (one per request) + whether a user who directs nothing acts for an authority
    # (the navigation's link to the dashboards).
    establishment = EstablishmentFactory()
    professional = make_professional(establishment, role=role)
    _populate(establishment, professional, persons=30, notes=2)
    client = login(professional.user)
    with django_assert_max_num_queries(17):
        page(client.get(reverse("core:home")))
    _populate(establishment, professional, persons=30, notes=2)
    with django_assert_max_num_queries(17):
        page(client.get(reverse("core:home")))


def test_gestionnaire_home_query_count_is_bounded(login, django_assert_max_num_queries):
    first = EstablishmentFactory()
    establishments = [first, *EstablishmentFactory.create_batch(4, gestionnaire=first.gestionnaire)]
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=first.gestionnaire)
    for establishment in establishments:
        _populate(establishment, ProfessionalFactory(), persons=6, notes=1)
    client = login(director.user)
    with django_assert_max_num_queries(16):
        content = page(client.get(reverse("core:home")))
    assert "30 personnes" in content


def test_persons_are_sorted_by_the_name_shown(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    for birth_name, used_name in [("Zola", "Aubry"), ("Martin", ""), ("Bernard", "Vidal")]:
        AdmissionFactory(
            establishment=establishment, person=PersonFactory(birth_name=birth_name, used_name=used_name)
        )
    content = page(login(professional.user).get(reverse("core:home")))
    positions = [content.index(name) for name in ("AUBRY", "MARTIN", "VIDAL")]
    assert positions == sorted(positions)
