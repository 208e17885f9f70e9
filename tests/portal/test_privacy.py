"""The person's say over their record from their space: consents given and withdrawn, the access log,
the download of their data."""

import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Basis, Category, ConsentGivenBy, ConsentHow, PortalRole
from parcours.access.models import AccessLogEntry, Consent
from parcours.people.enums import ProtectionMeasure
from parcours.privacy.enums import ExportStatus
from parcours.privacy.models import ExportRequest
from tests.conftest import assert_page_ok
from tests.factories import EstablishmentFactory, UserFactory, make_professional
from tests.portal.factories import LegalProtectionFactory, PortalAccountFactory

pytestmark = pytest.mark.django_db


def url(name, person, *args):
    return reverse(f"portal:{name}", args=[person.uuid, *args])


@pytest.fixture
def esat(db):
    esat = EstablishmentFactory(name="ESAT du Rhône", finess="690000123")
    return esat


def give(client, person, establishment, **data):
    return client.post(
        url("consent_create", person),
        {"establishment": str(establishment.uuid), "categories": ["parcours", "projet"], **data},
    )


def test_sharing_page_lists_teams_directions_and_consents(family, portal_client, esat):
    client = portal_client(family.lea_user)
    content = assert_page_ok(client.get(url("sharing", family.lea)))
    assert "IME Les Tilleuls" in content
    assert "Aucun autre établissement" in content
    assert AccessLogEntry.objects.filter(
        actor=family.lea_user, person=family.lea, category=Category.IDENTITY, basis=Basis.PERSON
    ).exists()


def test_search_finds_an_establishment_by_name_or_finess(family, portal_client, esat):
    client = portal_client(family.lea_user)
    for query in ("rhône", "690000"):
        content = assert_page_ok(client.get(url("consent_create", family.lea), {"q": query}))
        assert "ESAT du Rhône" in content
    content = assert_page_ok(client.get(url("consent_create", family.lea), {"choisi": str(esat.uuid)}))
    assert 'name="categories"' in content


def test_a_consent_given_in_the_space_opens_the_record_to_the_establishment_at_once(
    family, portal_client, login, esat
):
    professional_b = make_professional(esat)
    staff = login(professional_b.user)
    detail = reverse("people:detail", args=[family.lea.uuid])
    assert staff.get(detail).status_code == 404

    response = give(portal_client(family.lea_user), family.lea, esat)
    assert response.status_code == 302
    consent = Consent.objects.get(person=family.lea, establishment=esat)
    assert consent.how == ConsentHow.PORTAL
    assert consent.given_by == ConsentGivenBy.PERSON
    assert consent.recorded_by == family.lea_user
    assert consent.categories == [Category.IDENTITY, Category.PARCOURS, Category.PROJET]
    assert consent.valid_from == timezone.localdate()
    assert AccessLogEntry.objects.filter(
        actor=family.lea_user, action=Action.CREATE, object_type="Consent", allowed=True
    ).exists()
    assert staff.get(detail).status_code == 200

    client = portal_client(family.lea_user)
    assert "ESAT du Rhône" in assert_page_ok(client.get(url("sharing", family.lea)))
    assert_page_ok(client.get(url("consent_withdraw", family.lea, consent.uuid)))
    response = client.post(url("consent_withdraw", family.lea, consent.uuid))
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert staff.get(detail).status_code == 404


def test_a_representative_gives_a_consent_under_the_measure(family, portal_client, esat):
    give(portal_client(family.guardian), family.lea, esat, valid_until="2099-12-31")
    consent = Consent.objects.get(person=family.lea, establishment=esat)
    assert consent.given_by == ConsentGivenBy.REPRESENTATIVE
    assert consent.protection == family.protection
    assert consent.valid_until == datetime.date(2099, 12, 31)


def test_bad_input_records_nothing(family, portal_client, esat):
    client = portal_client(family.lea_user)
    past = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    response = give(client, family.lea, esat, valid_until=past)
    assert "déjà passée" in assert_page_ok(response)
    response = client.post(url("consent_create", family.lea), {"establishment": "pas-un-uuid"})
    assert "Choisissez un établissement" in assert_page_ok(response)
    assert not Consent.objects.filter(person=family.lea).exists()


@pytest.mark.parametrize("who", ["mother", "curator"])
def test_a_relative_or_a_curator_never_reaches_these_pages(family, portal_client, esat, who):
    if who == "mother":
        user = family.mother
    else:
        user = UserFactory()
        curatelle = LegalProtectionFactory(person=family.lea, measure=ProtectionMeasure.CURATELLE_RENFORCEE)
        PortalAccountFactory(
            user=user, person=family.lea, role=PortalRole.REPRESENTATIVE, relative=None, protection=curatelle
        )
    consent = Consent.objects.create(
        person=family.lea, establishment=esat, categories=["identity"], decision="granted",
        given_by="person", how="portal", recorded_by=family.lea_user, valid_from=timezone.localdate(),
    )  # fmt: skip
    export = ExportRequest.objects.create(person=family.lea, requested_by=family.lea_user)
    client = portal_client(user)
    for name, args in [
        ("sharing", []),
        ("consent_create", []),
        ("consent_withdraw", [consent.uuid]),
        ("privacy", []),
        ("privacy_export_download", [export.uuid]),
    ]:
        assert client.get(url(name, family.lea, *args)).status_code == 404, name
    assert give(client, family.lea, esat).status_code == 404
    assert client.post(url("consent_withdraw", family.lea, consent.uuid)).status_code == 404
    assert client.post(url("privacy_export", family.lea)).status_code == 404
    consent.refresh_from_db()
    assert consent.withdrawn_at is None
    assert Consent.objects.filter(person=family.lea).count() == 1
    assert ExportRequest.objects.count() == 1
    assert AccessLogEntry.objects.filter(actor=user, person=family.lea, allowed=False).count() >= 5


def test_nobody_reaches_another_persons_sharing(family, portal_client):
    client = portal_client(family.lea_user)
    assert client.get(url("sharing", family.other)).status_code == 404
    assert client.get(url("privacy", family.other)).status_code == 404


def test_access_log_page_lists_only_the_persons_entries_with_names(family, portal_client, login):
    staff = login(family.educator.user)
    staff.get(reverse("people:detail", args=[family.lea.uuid]))
    staff.get(reverse("people:detail", args=[family.other.uuid]))
    portal_client(family.mother).get(url("day", family.lea))

    client = portal_client(family.lea_user)
    response = client.get(url("privacy", family.lea))
    content = assert_page_ok(response)
    lines = response.context["lines"]
    assert lines and all(line.entry.person_id == family.lea.pk for line in lines)
    assert "Inès MARTIN" in content
    assert "IME Les Tilleuls" in content
    assert "Sophie (proche)" in content
    assert "Vous" in content
    entries = [line.entry for line in lines]
    assert entries == sorted(entries, key=lambda entry: (entry.at, entry.sequence), reverse=True)
    # Reading the page is itself logged.
    assert AccessLogEntry.objects.filter(
        actor=family.lea_user, person=family.lea, category=Category.IDENTITY, details__espace="privacy"
    ).exists()


def test_access_log_page_filters_by_period_and_paginates(family, portal_client):
    client = portal_client(family.lea_user)
    for _ in range(30):
        client.get(url("sharing", family.lea))
    response = client.get(url("privacy", family.lea))
    assert len(response.context["lines"]) == 25
    assert_page_ok(client.get(url("privacy", family.lea), {"page": "2"}))
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.get(url("privacy", family.lea), {"start": tomorrow})
    assert response.context["lines"] == []
    response = client.get(url("privacy", family.lea), {"start": "2024-02-30", "end": "nimporte"})
    assert_page_ok(response)


def test_the_person_downloads_their_data_and_only_they(
    family, portal_client, django_capture_on_commit_callbacks
):
    client = portal_client(family.lea_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("privacy_export", family.lea))
    assert response.status_code == 302
    export = ExportRequest.objects.get(person=family.lea)
    assert export.status == ExportStatus.READY
    assert export.requested_by == family.lea_user
    assert AccessLogEntry.objects.filter(
        actor=family.lea_user, action=Action.EXPORT, basis=Basis.PERSON, allowed=True
    ).count() >= len(Category.values)
    assert "Télécharger" in assert_page_ok(client.get(url("privacy", family.lea)))

    response = client.get(url("privacy_export_download", family.lea, export.uuid))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert archive.namelist()
    # The guardian follows Léa with the same power, but the archive is Léa's login's only.
    assert (
        portal_client(family.guardian)
        .get(url("privacy_export_download", family.lea, export.uuid))
        .status_code
        == 404
    )
    assert (
        portal_client(family.mother).get(url("privacy_export_download", family.lea, export.uuid)).status_code
        == 404
    )


def test_an_export_asked_for_by_a_link_closed_before_it_is_built_fails_and_holds_nothing(
    family, portal_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        portal_client(family.guardian).post(url("privacy_export", family.lea))
    family.protection.end_date = timezone.localdate() - datetime.timedelta(days=1)
    family.protection.save()
    for callback in callbacks:
        callback()
    export = ExportRequest.objects.get(person=family.lea)
    assert export.status == ExportStatus.FAILED and not export.file
