"""The person (or a legal representative who decides the sharing) chooses what each relative may do
in the person's space; a relative or a curator may not."""

from django.urls import reverse

from parcours.access.enums import Action, Basis, Category, PortalPower
from parcours.access.models import AccessLogEntry
from parcours.accounts.models import User
from parcours.people.enums import ProtectionMeasure
from parcours.portal.models import PortalAccount
from tests.conftest import assert_page_ok
from tests.factories import PersonFactory, RelativeFactory
from tests.portal.factories import PortalAccountFactory


def page(person) -> str:
    return reverse("portal:relatives", args=[person.uuid])


def rights_url(person, account) -> str:
    return reverse("portal:relative_rights", args=[person.uuid, account.uuid])


def revoke_url(person, account) -> str:
    return reverse("portal:relative_revoke", args=[person.uuid, account.uuid])


def mother_account(family) -> PortalAccount:
    return PortalAccount.objects.get(user=family.mother, person=family.lea)


def post_rights(client, family, account, rights):
    return client.post(rights_url(family.lea, account), {f"a{account.pk}-rights": rights})


def test_the_person_changes_a_relatives_rights_and_it_takes_effect(family, portal_client):
    lea, mother = portal_client(family.lea_user), portal_client(family.mother)
    assert mother.get(reverse("portal:day", args=[family.lea.uuid])).status_code == 200
    content = assert_page_ok(lea.get(page(family.lea)))
    assert "Sophie Durand" in content
    account = mother_account(family)
    response = post_rights(lea, family, account, ["messages"])
    assert response["Location"] == page(family.lea)
    account.refresh_from_db()
    assert account.rights == ["messages"]
    assert account.rights_changed_by == family.lea_user
    # At the mother's next request.
    assert mother.get(reverse("portal:day", args=[family.lea.uuid])).status_code == 404
    assert mother.get(reverse("portal:threads", args=[family.lea.uuid])).status_code == 200
    entry = AccessLogEntry.objects.filter(actor=family.lea_user, object_uuid=account.uuid).latest("sequence")
    assert (entry.action, entry.category, entry.basis, entry.allowed) == (
        Action.UPDATE, Category.IDENTITY, Basis.PERSON, True,
    )  # fmt: skip


def test_a_guardian_changes_the_rights_for_the_person(family, portal_client):
    account = mother_account(family)
    response = post_rights(portal_client(family.guardian), family, account, ["day", "projet"])
    assert response.status_code == 302
    account.refresh_from_db()
    assert account.rights == ["day", "projet"] and account.rights_changed_by == family.guardian


def test_a_relative_or_a_curator_cannot_change_rights(family, portal_client):
    family.protection.measure = ProtectionMeasure.CURATELLE_RENFORCEE
    family.protection.save()
    account = mother_account(family)
    for user in (family.mother, family.guardian):
        client = portal_client(user)
        assert client.get(page(family.lea)).status_code == 404
        assert post_rights(client, family, account, ["day"]).status_code == 404
        assert client.post(revoke_url(family.lea, account)).status_code == 404
    account.refresh_from_db()
    assert account.rights == ["day", "projet", "messages"] and account.revoked_at is None
    refusals = AccessLogEntry.objects.filter(
        actor=family.guardian, allowed=False, details__espace=PortalPower.CONSENTS
    )
    assert refusals.exists()


def test_no_right_at_all_is_refused_and_changes_nothing(family, portal_client):
    account = mother_account(family)
    response = post_rights(portal_client(family.lea_user), family, account, [])
    assert "Cochez au moins un droit" in assert_page_ok(response)
    response = post_rights(portal_client(family.lea_user), family, account, ["everything"])
    assert "inconnu" in assert_page_ok(response)
    account.refresh_from_db()
    assert account.rights == ["day", "projet", "messages"]


def test_the_person_closes_a_relatives_link(family, portal_client):
    mother = portal_client(family.mother)
    account = mother_account(family)
    response = portal_client(family.lea_user).post(revoke_url(family.lea, account))
    assert response["Location"] == page(family.lea)
    account.refresh_from_db()
    assert account.revoked_at is not None and account.revoked_by == family.lea_user
    assert mother.get(reverse("portal:day", args=[family.lea.uuid])).status_code == 404
    assert "Sophie Durand" not in assert_page_ok(portal_client(family.lea_user).get(page(family.lea)))


def test_a_relatives_link_of_another_person_is_out_of_reach(family, portal_client):
    stranger = PersonFactory()
    other_link = PortalAccountFactory(
        person=stranger, relative=RelativeFactory(person=stranger), user=User.objects.create(username="x")
    )
    lea = portal_client(family.lea_user)
    assert post_rights(lea, family, other_link, ["day"]).status_code == 404
    assert lea.post(revoke_url(family.lea, other_link)).status_code == 404
    # Nor the guardian's own link, which is no relative's.
    guardian_link = PortalAccount.objects.get(user=family.guardian)
    assert lea.post(revoke_url(family.lea, guardian_link)).status_code == 404
    other_link.refresh_from_db()
    assert other_link.revoked_at is None


def test_the_easy_read_page_says_each_right_in_plain_words(family, portal_client):
    lea = portal_client(family.lea_user)
    lea.post(reverse("portal:easy_read"), {"on": "1", "next": page(family.lea)})
    content = assert_page_ok(lea.get(page(family.lea)))
    assert "Mes proches" in content
    assert "Voir ma journée" in content and "Lire mon projet" in content
    assert 'class="portal-picto" aria-hidden="true"' in content
    # Guardians are not relatives: their link is not listed here.
    assert "Marc" not in content.split('id="contenu"', 1)[1]
