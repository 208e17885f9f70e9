"""Sharing by consent: another establishment reads the categories the person consented to, for as long
as the consent is in force, and writes nothing."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from parcours.access import policy, services
from parcours.access.api import AccessDenied
from parcours.access.enums import Basis, Category, ConsentHow
from parcours.access.models import AccessLogEntry, Consent
from tests.conftest import assert_page_ok
from tests.factories import NoteFactory

pytestmark = pytest.mark.django_db


def consent_to_c(world, **kwargs):
    kwargs.setdefault("categories", [Category.IDENTITY, Category.PARCOURS])
    return services.record_consent(
        world.person_a, actor=world.actor(world.pro_a), establishment=world.c, **kwargs
    )


def detail_url(world):
    return reverse("people:detail", args=[world.person_a.uuid])


def test_without_consent_another_establishment_gets_404(world, login):
    client = login(world.pro_c.user)
    assert client.get(detail_url(world)).status_code == 404
    assert not policy.visible_persons(world.pro_c.user).filter(pk=world.person_a.pk).exists()


def test_consent_opens_the_consented_categories_only_for_reading(world, login):
    NoteFactory(person=world.person_a, establishment=world.a, author=world.pro_a, text="Très confidentiel")
    consent = consent_to_c(world)
    assert consent.categories == ["identity", "parcours"]
    client = login(world.pro_c.user)
    content = assert_page_ok(client.get(detail_url(world)))
    assert "Lefèvre".upper() in content
    assert "IME Les Tilleuls" in content  # the admission (parcours)
    assert "Très confidentiel" not in content
    assert "Modifier l'identité" not in content
    assert "Retirer" not in content
    assert policy.visible_persons(world.pro_c.user).filter(pk=world.person_a.pk).exists()
    user = world.pro_c.user
    assert policy.decide(user, world.person_a, Category.PARCOURS).basis == Basis.CONSENT
    assert not policy.decide(user, world.person_a, Category.NOTES)
    assert not policy.decide(user, world.person_a, Category.IDENTITY, "update")
    assert not policy.decide(user, world.person_a, Category.PARCOURS, "create")
    logged = set(
        AccessLogEntry.objects.filter(actor=user, person=world.person_a, allowed=True).values_list(
            "category", "basis"
        )
    )
    assert (Category.PARCOURS, Basis.CONSENT) in logged
    assert not any(category == Category.NOTES for category, _ in logged)
    # Writing stays with the supporting team.
    response = client.get(reverse("people:edit", args=[world.person_a.uuid]))
    assert response.status_code == 403
    response = client.post(reverse("records:note_create", args=[world.person_a.uuid]), {"text": "x"})
    assert response.status_code in (403, 404)
    assert AccessLogEntry.objects.filter(actor=user, allowed=False).exists()


def test_a_withdrawal_takes_effect_at_the_next_request(world, login):
    consent = consent_to_c(world)
    client = login(world.pro_c.user)
    assert_page_ok(client.get(detail_url(world)))
    team = login(world.pro_a.user)
    content = assert_page_ok(team.get(detail_url(world)))
    assert "Partage et consentements" in content
    assert "Foyer des Monts" in content
    assert "data-parcours-confirm" in content
    response = team.post(
        reverse("access:consent_withdraw", args=[world.person_a.uuid, consent.uuid]), {"reason": "Demande"}
    )
    assert response.status_code == 302
    consent.refresh_from_db()
    assert consent.withdrawn_at is not None
    assert consent.withdrawal_reason == "Demande"
    before = AccessLogEntry.objects.filter(actor=world.pro_c.user, allowed=False).count()
    assert client.get(detail_url(world)).status_code == 404
    assert AccessLogEntry.objects.filter(actor=world.pro_c.user, allowed=False).count() == before + 1
    refusal = AccessLogEntry.objects.filter(actor=world.pro_c.user, allowed=False).first()
    assert refusal.person == world.person_a
    assert refusal.basis == Basis.NONE


def test_a_consent_outside_its_dates_opens_nothing(world, login):
    today = timezone.localdate()
    consent_to_c(world, valid_from=today + datetime.timedelta(days=1))
    consent_to_c(
        world,
        valid_from=today - datetime.timedelta(days=30),
        valid_until=today - datetime.timedelta(days=1),
    )
    client = login(world.pro_c.user)
    assert client.get(detail_url(world)).status_code == 404
    assert not Consent.objects.active().exists()
    assert Consent.objects.active(on=today + datetime.timedelta(days=1)).count() == 1


def test_a_refusal_or_a_consent_without_identity_opens_nothing(world, login):
    consent_to_c(world, decision="refused")
    consent_to_c(world, categories=[Category.PARCOURS])
    assert login(world.pro_c.user).get(detail_url(world)).status_code == 404


def test_a_professional_outside_the_support_may_not_record_a_consent(world, login):
    url = reverse("access:consent_create", args=[world.person_a.uuid])
    data = {
        "establishment": world.c.pk,
        "categories": ["identity"],
        "decision": "granted",
        "given_by": "person",
        "how": "signed_paper",
        "valid_from": timezone.localdate().isoformat(),
    }
    assert login(world.pro_b.user).post(url, data).status_code == 404
    assert AccessLogEntry.objects.filter(actor=world.pro_b.user, allowed=False).exists()
    # Even with a consent opening the record, its recipient may not record one.
    consent_to_c(world)
    assert login(world.pro_c.user).post(url, data).status_code == 403
    assert AccessLogEntry.objects.filter(
        actor=world.pro_c.user, allowed=False, category=Category.IDENTITY, action="create"
    ).exists()
    with pytest.raises(AccessDenied):
        services.record_consent(
            world.person_a, actor=world.actor(world.pro_b), establishment=world.b, categories=["identity"]
        )
    assert Consent.objects.count() == 1


def test_the_team_records_a_consent_through_the_form(world, login):
    client = login(world.pro_a.user)
    url = reverse("access:consent_create", args=[world.person_a.uuid])
    assert_page_ok(client.get(url))
    data = {
        "establishment": world.c.pk,
        "categories": ["parcours", "identity"],
        "decision": "granted",
        "given_by": "person",
        "how": "oral",
        "witness_name": "",
        "valid_from": timezone.localdate().isoformat(),
    }
    content = assert_page_ok(client.post(url, data))
    assert "Indiquez le nom du témoin" in content
    assert not Consent.objects.exists()
    data["witness_name"] = "Mme Durand, éducatrice"
    response = client.post(url, data)
    assert response.status_code == 302
    consent = Consent.objects.get()
    assert consent.categories == ["identity", "parcours"]
    assert consent.how == ConsentHow.ORAL
    assert consent.recorded_by == world.pro_a.user
    assert_page_ok(login(world.pro_c.user).get(detail_url(world)))


def test_the_service_refuses_an_oral_consent_without_witness(world):
    with pytest.raises(ValidationError) as raised:
        consent_to_c(world, how=ConsentHow.ORAL)
    assert "témoin" in str(raised.value.message_dict["witness_name"])
    with pytest.raises(ValidationError):
        consent_to_c(world, categories=["identity", "nothing"])
    with pytest.raises(ValidationError):
        consent_to_c(world, categories=[])
    assert not Consent.objects.exists()


def test_a_consent_is_withdrawn_once(world):
    consent = consent_to_c(world)
    services.withdraw_consent(consent, actor=world.actor(world.pro_a))
    with pytest.raises(ValidationError):
        services.withdraw_consent(consent, actor=world.actor(world.pro_a))
    with pytest.raises(AccessDenied):
        services.withdraw_consent(consent, actor=world.actor(world.pro_c))


def test_lists_use_the_consented_categories(world):
    consent_to_c(world)
    user = world.pro_c.user
    ids = [world.person_a.pk, world.person_b.pk]
    assert policy.bases_for_many(user, ids, Category.PARCOURS) == {world.person_a.pk: Basis.CONSENT}
    assert policy.bases_for_many(user, ids, Category.NOTES) == {world.person_a.pk: ""}
