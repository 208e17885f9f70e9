import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from parcours.access.enums import Action, Basis, Category
from parcours.access.models import AccessLogEntry
from parcours.organisations.enums import SupportMode
from parcours.organisations.services import occupancies, occupancy
from parcours.staff.enums import Profession, Role
from parcours.staff.models import Membership
from tests.core.pages import page
from tests.factories import (
    AdmissionFactory,
    EstablishmentFactory,
    MembershipFactory,
    PersonFactory,
    ProfessionalFactory,
    UnitFactory,
    make_professional,
)

pytestmark = pytest.mark.django_db


def days(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


def detail_url(establishment) -> str:
    return reverse("organisations:detail", kwargs={"uuid": establishment.uuid})


@pytest.fixture
def foyer():
    """Authorised: 10 internat, 4 semi-internat, 2 accueil temporaire (hand-counted below).

    Present today: internat 7 ongoing + 1 leaving today + 1 arriving today = 9 (one who left
    yesterday and one arriving tomorrow do not count); semi-internat 5 (over capacity);
    externat 1 with no authorised place; accueil temporaire 0.
    """
    establishment = EstablishmentFactory(
        name="Foyer Les Glycines",
        capacities={
            SupportMode.INTERNAT: 10,
            SupportMode.SEMI_INTERNAT: 4,
            SupportMode.ACCUEIL_TEMPORAIRE: 2,
        },
    )
    internat = {"establishment": establishment, "mode": SupportMode.INTERNAT}
    AdmissionFactory.create_batch(7, **internat)
    AdmissionFactory(**internat, start_date=days(-400), end_date=days(0), exit_reason="89")
    AdmissionFactory(**internat, start_date=days(0))
    AdmissionFactory(**internat, start_date=days(-400), end_date=days(-1), exit_reason="89")
    AdmissionFactory(**internat, start_date=days(1))
    AdmissionFactory.create_batch(5, establishment=establishment, mode=SupportMode.SEMI_INTERNAT)
    AdmissionFactory(establishment=establishment, mode=SupportMode.EXTERNAT)
    # Another establishment's admissions never count here.
    AdmissionFactory.create_batch(3, mode=SupportMode.INTERNAT)
    return establishment


def test_occupancy_by_mode_and_overall(foyer):
    figures = occupancy(foyer)
    rows = {row.mode: (row.places, row.present, row.percent, row.level) for row in figures.rows}
    assert rows == {
        SupportMode.INTERNAT: (10, 9, 90, ""),
        SupportMode.SEMI_INTERNAT: (4, 5, 125, "over"),
        SupportMode.EXTERNAT: (0, 1, None, "over"),
        SupportMode.ACCUEIL_TEMPORAIRE: (2, 0, 0, "low"),
    }
    assert [row.mode for row in figures.rows] == [
        SupportMode.INTERNAT,
        SupportMode.SEMI_INTERNAT,
        SupportMode.EXTERNAT,
        SupportMode.ACCUEIL_TEMPORAIRE,
    ]
    total = figures.total
    assert (total.places, total.present, total.percent) == (16, 15, 94)  # 15 / 16 = 93.75 %


def test_occupancy_on_another_day(foyer):
    tomorrow = occupancy(foyer, on=days(1))
    internat = next(row for row in tomorrow.rows if row.mode == SupportMode.INTERNAT)
    assert (
        internat.present == 9
    )  # 7 ongoing + arrived today + arriving tomorrow; the one leaving today is gone


def test_occupancies_of_several_establishments_match_one_by_one(foyer):
    empty = EstablishmentFactory()
    empty.capacities.all().delete()
    figures = occupancies([foyer, empty])
    assert figures[foyer.pk].total.present == 15
    assert figures[empty.pk].rows == [] and figures[empty.pk].total.percent is None


def test_establishment_page_shows_identity_occupancy_persons_and_team(login, foyer):
    director = make_professional(
        foyer,
        role=Role.ESTABLISHMENT_DIRECTOR,
        profession=Profession.DIRECTEUR,
        last_name="Durand",
        first_name="Anne",
    )
    MembershipFactory(
        establishment=foyer,
        professional=ProfessionalFactory(
            last_name="Petit", first_name="Marc", profession=Profession.MONITEUR_EDUCATEUR
        ),
    )
    MembershipFactory(
        establishment=foyer,
        start_date=days(-900),
        end_date=days(-10),
        professional=ProfessionalFactory(last_name="Ancien"),
    )

    content = page(login(director.user).get(detail_url(foyer)))

    assert foyer.finess in content and escape(foyer.category.label) in content
    assert escape(foyer.gestionnaire.name) in content and "Département 69, région 84" in content
    assert "9 présents sur 10 places (90 %)" in content
    assert "5 présents sur 4 places (125 %)" in content
    assert "1 présent, aucune place autorisée" in content
    assert "15 présents sur 16 places (94 %)" in content
    assert 'class="progress progress--over"' in content and '<progress value="4" max="4"' in content
    assert "Anne DURAND" in content and "Direction de l&#x27;établissement" in content
    assert "Marc PETIT" in content and "Moniteur-éducateur" in content
    assert "ANCIEN" not in content


def test_persons_present_are_listed_paginated_and_logged(login, foyer):
    professional = make_professional(foyer)
    client = login(professional.user)
    content = page(client.get(detail_url(foyer)))
    assert content.count('scope="row"') >= 15
    listed = AccessLogEntry.objects.filter(actor=professional.user, action=Action.LIST)
    assert listed.count() == 15
    assert set(listed.values_list("category", "basis").distinct()) == {(Category.IDENTITY, Basis.VISIBLE)}
    assert set(listed.values_list("details__view", flat=True)) == {"organisations:detail"}


def test_persons_list_is_paginated_by_25(login):
    establishment = EstablishmentFactory()
    professional = make_professional(establishment)
    AdmissionFactory.create_batch(26, establishment=establishment)
    client = login(professional.user)
    assert "?page=2" in page(client.get(detail_url(establishment)))
    page(client.get(detail_url(establishment), {"page": 2}))
    assert AccessLogEntry.objects.filter(action=Action.LIST).count() == 26


def test_professional_of_another_establishment_gets_404(login, foyer):
    other = EstablishmentFactory(gestionnaire=foyer.gestionnaire)
    professional = make_professional(other)
    assert login(professional.user).get(detail_url(foyer)).status_code == 404
    assert not AccessLogEntry.objects.exists()


def test_director_of_another_gestionnaire_gets_404(login, foyer):
    director = make_professional(
        role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=EstablishmentFactory().gestionnaire
    )
    assert login(director.user).get(detail_url(foyer)).status_code == 404


def test_gestionnaire_direction_opens_every_establishment_of_the_gestionnaire(login, foyer):
    sibling = EstablishmentFactory(gestionnaire=foyer.gestionnaire)
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=foyer.gestionnaire)
    client = login(director.user)
    page(client.get(detail_url(foyer)))
    page(client.get(detail_url(sibling)))


def test_ended_membership_no_longer_opens_the_page(login, foyer):
    professional = ProfessionalFactory()
    Membership.objects.create(
        professional=professional, establishment=foyer, start_date=days(-300), end_date=days(-1)
    )
    assert login(professional.user).get(detail_url(foyer)).status_code == 404


def test_unknown_establishment_is_404(login, foyer):
    professional = make_professional(foyer)
    url = reverse("organisations:detail", kwargs={"uuid": "00000000-0000-0000-0000-000000000000"})
    assert login(professional.user).get(url).status_code == 404


def test_anonymous_is_sent_to_login(client, foyer):
    response = client.get(detail_url(foyer))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    response = client.get(reverse("organisations:list"))
    assert response.status_code == 302


def test_list_shows_only_the_users_establishments(login, foyer):
    other = EstablishmentFactory(name="Maison Étrangère")
    professional = make_professional(foyer)
    content = page(login(professional.user).get(reverse("organisations:list")))
    assert "Foyer Les Glycines" in content and detail_url(foyer) in content
    assert other.name not in content
    assert "15 présents sur 16 places (94 %)" in content


def test_list_explains_an_empty_scope(login):
    content = page(login(ProfessionalFactory().user).get(reverse("organisations:list")))
    assert "Aucun établissement" in content


def test_detail_query_count_does_not_grow_with_the_data(login, django_assert_max_num_queries):
    establishment = EstablishmentFactory(capacities={SupportMode.INTERNAT: 40, SupportMode.EXTERNAT: 20})
    director = make_professional(establishment, role=Role.ESTABLISHMENT_DIRECTOR)
    client = login(director.user)

    def grow():
        for _ in range(30):
            AdmissionFactory(
                establishment=establishment,
                unit=UnitFactory(establishment=establishment),
                person=PersonFactory(),
            )
            MembershipFactory(establishment=establishment)

    grow()
    # 15: with the read of the access log's chain head before the listing is logged, the persons
    # opened to the user by consent or break-glass (once per request), and the navigation's links and
    # unread notifications (one query).
    with django_assert_max_num_queries(15):
        page(client.get(detail_url(establishment)))
    grow()
    with django_assert_max_num_queries(14):
        page(client.get(detail_url(establishment)))


def test_list_query_count_is_bounded(login, django_assert_max_num_queries):
    first = EstablishmentFactory()
    for establishment in [first, *EstablishmentFactory.create_batch(9, gestionnaire=first.gestionnaire)]:
        AdmissionFactory.create_batch(3, establishment=establishment)
    director = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=first.gestionnaire)
    client = login(director.user)
    with django_assert_max_num_queries(9):
        content = page(client.get(reverse("organisations:list")))
    assert content.count('scope="row"') == 10
