"""Invitations to the person's space: the team invites (by e-mail or printed code), the invited person
chooses a login, and the link opens exactly the rights given; links and codes work once, expire,
can be revoked, and codes cannot be guessed."""

import datetime
import re
from urllib.parse import urlparse

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from parcours.access.enums import Action, Basis, Category, PortalPower, PortalRole
from parcours.access.journal import Actor
from parcours.access.models import AccessLogEntry
from parcours.access.portal import links_of
from parcours.accounts.models import User
from parcours.accounts.policy import second_factor_required
from parcours.people.enums import ProtectionMeasure
from parcours.portal import invitations
from parcours.portal.models import Invitation, PortalAccount
from parcours.staff.enums import Role
from tests.conftest import assert_page_ok
from tests.factories import PASSWORD, EstablishmentFactory, RelativeFactory, make_professional
from tests.portal.factories import LegalProtectionFactory

NEW_PASSWORD = "Une-phrase-de-passe-2026!"
CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")


def invite_url(person) -> str:
    return reverse("portal:staff_invite", args=[person.uuid])


def accounts_url(person) -> str:
    return reverse("portal:staff_accounts", args=[person.uuid])


def account_data(username="sophie.d") -> dict:
    return {"username": username, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}


def fresh(user):
    return User.objects.get(pk=user.pk)


def new_relative(family, **kwargs):
    return RelativeFactory(person=family.lea, first_name="Nadia", last_name="Durand", **kwargs)


def invite_by_email(family, client, django_capture_on_commit_callbacks, **data):
    relative = data.pop("relative", None) or new_relative(family, email="nadia@example.org")
    payload = {
        "role": "relative",
        "relative": relative.pk,
        "rights": ["day"],
        "decided_by": "person",
        "delivery": "email",
        "email": "",
        **data,
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(invite_url(family.lea), payload)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == accounts_url(family.lea)
    return relative


def link_in(message) -> str:
    url = re.search(r"https?://\S+", message.body).group(0)
    return urlparse(url).path


def issue(family, **kwargs):
    defaults = {"role": PortalRole.RELATIVE, "relative": new_relative(family), "rights": ["day"]}
    return invitations.invite(family.lea, actor=Actor(user=family.educator.user), **(defaults | kwargs))


def test_a_relative_invited_by_email_opens_exactly_the_rights_given(
    family, login, django_capture_on_commit_callbacks
):
    team = login(family.educator.user)
    relative = invite_by_email(family, team, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia@example.org"]
    path = link_in(message)

    visitor = Client()
    page = assert_page_ok(visitor.get(path))
    assert "Créer mon compte" in page
    response = visitor.post(path, account_data("nadia.d"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")

    user = User.objects.get(username="nadia.d")
    account = PortalAccount.objects.get(user=user)
    assert (account.person, account.role, account.relative, account.rights) == (
        family.lea, PortalRole.RELATIVE, relative, ["day"],
    )  # fmt: skip
    assert account.rights_changed_by == family.educator.user
    assert not second_factor_required(user)
    assert links_of(fresh(user))[family.lea.pk].powers == {PortalPower.DAY}
    # Logged in, straight to the space: the day is open, nothing else.
    assert visitor.get(reverse("portal:home"))["Location"] == reverse("portal:day", args=[family.lea.uuid])
    assert visitor.get(reverse("portal:day", args=[family.lea.uuid])).status_code == 200
    for name in ("portal:projet", "portal:threads", "portal:privacy", "portal:relatives"):
        assert visitor.get(reverse(name, args=[family.lea.uuid])).status_code == 404, name
    assert visitor.get(reverse("portal:day", args=[family.other.uuid])).status_code == 404
    # The creation of the link is in the access log, by the new login.
    entry = AccessLogEntry.objects.get(actor=user, object_uuid=account.uuid)
    assert (entry.person, entry.action, entry.category, entry.allowed, entry.basis) == (
        family.lea, Action.CREATE, Category.IDENTITY, True, Basis.RELATIVE,
    )  # fmt: skip


def test_the_email_names_nobody_and_no_establishment(family, login, django_capture_on_commit_callbacks):
    invite_by_email(family, login(family.educator.user), django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}".casefold()
    for word in ("Léa", "Marie", "Durand", "Nadia", "Tilleuls", "IME", "Martin", "Inès", "2008"):
        assert word.casefold() not in text, word
    assert "invitation" in text and "/portail/invitation/" in text


def test_only_hashes_are_stored(family):
    issued = issue(family)
    invitation = Invitation.objects.get(pk=issued.invitation.pk)
    assert issued.token not in (invitation.token_hash, invitation.code_hash)
    assert issued.code not in (invitation.token_hash, invitation.code_hash)
    assert invitation.token_hash == invitations.token_hash(issued.token)
    assert invitation.expires_at - invitation.created_at == datetime.timedelta(days=14)
    assert invitation.establishment == family.ime


def test_a_link_works_once(family):
    issued = issue(family)
    path = reverse("portal:invitation", args=[issued.token])
    assert Client().post(path, account_data("premier")).status_code == 302
    again = Client()
    assert "n'est pas valable" in assert_page_ok(again.get(path))
    response = again.post(path, account_data("second"))
    assert "n'est pas valable" in assert_page_ok(response)
    assert not User.objects.filter(username="second").exists()
    assert PortalAccount.objects.filter(person=family.lea, user__username="premier").count() == 1


def test_an_expired_or_revoked_or_unknown_invitation_opens_nothing(family, login):
    expired, revoked = issue(family), issue(family)
    Invitation.objects.filter(pk=expired.invitation.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    team = login(family.educator.user)
    response = team.post(
        reverse("portal:staff_invitation_revoke", args=[family.lea.uuid, revoked.invitation.uuid])
    )
    assert response["Location"] == accounts_url(family.lea)
    assert Invitation.objects.get(pk=revoked.invitation.pk).revoked_at is not None
    users = User.objects.count()
    for token in (expired.token, revoked.token, "jeton-inconnu"):
        path = reverse("portal:invitation", args=[token])
        visitor = Client()
        assert "n'est pas valable" in assert_page_ok(visitor.get(path))
        assert "n'est pas valable" in assert_page_ok(visitor.post(path, account_data(f"u{len(token)}")))
    for issued in (expired, revoked):
        response = Client().post(reverse("portal:activate"), {"code": issued.code})
        assert "ne correspond à aucune invitation" in assert_page_ok(response)
    assert User.objects.count() == users


def test_a_printed_code_is_shown_once_and_opens_the_space(family, login):
    team = login(family.educator.user)
    response = team.post(
        invite_url(family.lea),
        {"role": "representative", "protection": family.protection.pk, "delivery": "printed"},
    )
    sheet = assert_page_ok(response)
    code = CODE.search(sheet).group(0)
    assert reverse("portal:activate") in sheet
    assert "Léa" not in sheet.split("<main", 1)[1]
    invitation = Invitation.objects.get(person=family.lea, role=PortalRole.REPRESENTATIVE)
    assert (invitation.email, invitation.relative, invitation.protection) == (
        "", family.guardian_relative, family.protection,
    )  # fmt: skip
    assert code not in assert_page_ok(team.get(accounts_url(family.lea)))
    assert mail.outbox == []

    visitor = Client()
    assert_page_ok(visitor.get(reverse("portal:activate")))
    # Any case, without the dashes.
    response = visitor.post(reverse("portal:activate"), {"code": f" {code.replace('-', '').lower()} "})
    assert response["Location"] == reverse("portal:activate_account")
    page = assert_page_ok(visitor.get(reverse("portal:activate_account")))
    assert "représentant légal" in page
    response = visitor.post(reverse("portal:activate_account"), account_data("tuteur"))
    assert response["Location"] == reverse("portal:home")
    user = User.objects.get(username="tuteur")
    assert links_of(user)[family.lea.pk].powers == set(PortalPower.values)
    # Used: the code opens nothing any more.
    response = Client().post(reverse("portal:activate"), {"code": code})
    assert "ne correspond à aucune invitation" in assert_page_ok(response)


def test_the_account_page_without_a_code_goes_back_to_the_code(family):
    response = Client().get(reverse("portal:activate_account"))
    assert response["Location"] == reverse("portal:activate")


def test_the_password_rules_apply_and_a_taken_username_is_refused(family):
    issued = issue(family)
    path = reverse("portal:invitation", args=[issued.token])
    weak = Client().post(path, {"username": "nouveau", "password1": "azerty", "password2": "azerty"})
    assert "trop faible" in assert_page_ok(weak) or "trop court" in weak.content.decode()
    differ = Client().post(path, {**account_data("nouveau"), "password2": "Autre-chose-2026-!!"})
    assert "ne sont pas identiques" in assert_page_ok(differ)
    taken = Client().post(path, account_data("sophie"))
    assert "déjà pris" in assert_page_ok(taken)
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None


def test_guessing_codes_is_throttled(family, settings):
    settings.PARCOURS_LOGIN_FAILURE_LIMIT = 3
    issued = issue(family)
    visitor = Client()
    for attempt in range(2):
        response = visitor.post(reverse("portal:activate"), {"code": f"AAAA-BBBB-CCC{attempt + 2}"})
        assert "ne correspond à aucune invitation" in assert_page_ok(response)
    response = visitor.post(reverse("portal:activate"), {"code": "AAAA-BBBB-CCCC"})
    assert "Trop de tentatives" in assert_page_ok(response)
    # Locked: even the right code is refused from this address for now.
    response = visitor.post(reverse("portal:activate"), {"code": issued.code})
    assert "Trop de tentatives" in assert_page_ok(response)
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None
    # Another address is not locked.
    other = Client(REMOTE_ADDR="10.0.0.9")
    response = other.post(reverse("portal:activate"), {"code": issued.code})
    assert response["Location"] == reverse("portal:activate_account")


def test_a_login_already_open_takes_a_second_persons_invitation(family, portal_client):
    """A parent of two children: one login, two links."""
    sibling_relative = RelativeFactory(person=family.other, first_name="Sophie", last_name="Durand")
    issued = invitations.invite(
        family.other,
        actor=Actor(user=family.educator.user),
        role=PortalRole.RELATIVE,
        relative=sibling_relative,
        rights=["day", "messages"],
    )
    mother = portal_client(family.mother)
    path = reverse("portal:invitation", args=[issued.token])
    page = assert_page_ok(mother.get(path))
    assert "Ajouter cet espace à mon compte" in page
    wrong = mother.post(path, {"password": "pas le bon"})
    assert "Mot de passe incorrect" in assert_page_ok(wrong)
    response = mother.post(path, {"password": PASSWORD})
    assert response["Location"] == reverse("portal:home")
    links = links_of(fresh(family.mother))
    assert set(links) == {family.lea.pk, family.other.pk}
    assert links[family.other.pk].powers == {PortalPower.DAY, PortalPower.MESSAGES}
    assert "Espace de" in assert_page_ok(mother.get(reverse("portal:home")))


def test_a_login_already_linked_to_the_person_is_not_linked_twice(family, portal_client):
    issued = issue(family, relative=family.mother_relative)
    mother = portal_client(family.mother)
    response = mother.post(reverse("portal:invitation", args=[issued.token]), {"password": PASSWORD})
    assert "déjà relié" in assert_page_ok(response)
    assert PortalAccount.objects.filter(user=family.mother, revoked_at__isnull=True).count() == 1
    assert Invitation.objects.get(pk=issued.invitation.pk).accepted_at is None


@pytest.mark.parametrize(
    ("measure", "powers"),
    [
        (ProtectionMeasure.TUTELLE, set(PortalPower.values)),
        (
            ProtectionMeasure.CURATELLE_RENFORCEE,
            {PortalPower.DAY, PortalPower.PROJET, PortalPower.MESSAGES, PortalPower.AGREE},
        ),
    ],
)
def test_a_representative_holds_the_measures_powers_not_rights(family, measure, powers):
    curator = RelativeFactory(person=family.lea, first_name="Rémi")
    protection = LegalProtectionFactory(person=family.lea, measure=measure, representative_relative=curator)
    issued = issue(family, role=PortalRole.REPRESENTATIVE, relative=None, protection=protection, rights=[])
    assert issued.invitation.relative == curator
    Client().post(reverse("portal:invitation", args=[issued.token]), account_data("remi"))
    user = User.objects.get(username="remi")
    assert links_of(user)[family.lea.pk].powers == powers
    # The measure ends: the link opens nothing any more.
    protection.end_date = timezone.localdate() - datetime.timedelta(days=1)
    protection.save()
    assert links_of(fresh(user)) == {}


def test_a_relative_holds_rights_never_the_representatives_powers(family):
    issued = issue(family, rights=["projet", "messages"])
    Client().post(reverse("portal:invitation", args=[issued.token]), account_data("proche"))
    powers = links_of(User.objects.get(username="proche"))[family.lea.pk].powers
    assert powers == {PortalPower.PROJET, PortalPower.MESSAGES}


def test_an_ended_measure_cannot_be_chosen(family, login):
    family.protection.end_date = timezone.localdate() - datetime.timedelta(days=1)
    family.protection.save()
    team = login(family.educator.user)
    response = team.post(
        invite_url(family.lea),
        {"role": "representative", "protection": family.protection.pk, "delivery": "printed"},
    )
    assert "mesure en cours" in assert_page_ok(response)
    assert not Invitation.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"role": "relative", "rights": ["day"], "delivery": "printed"}, "Choisissez le proche"),
        ({"role": "relative", "relative": "mother", "delivery": "printed"}, "au moins un droit"),
        ({"role": "representative", "delivery": "printed"}, "mesure de protection"),
        (
            {
                "role": "representative",
                "protection": "protection",
                "relative": "mother",
                "delivery": "printed",
            },
            "invitez ce proche",
        ),
        ({"role": "person", "delivery": "email"}, "Aucune adresse"),
        (
            {"role": "relative", "relative": "mother", "rights": ["day"], "delivery": "email", "email": "x"},
            "adresse électronique valide",
        ),
        (
            {"role": "relative", "relative": "mother", "rights": ["everything"], "delivery": "printed"},
            "inconnu",
        ),
    ],
)
def test_a_wrong_invitation_changes_nothing(family, login, data, message):
    objects = {"mother": family.mother_relative.pk, "protection": family.protection.pk}
    data = {
        key: objects.get(value, value) if isinstance(value, str) else value for key, value in data.items()
    }
    response = login(family.educator.user).post(invite_url(family.lea), data)
    assert message in assert_page_ok(response)
    assert not Invitation.objects.exists()


def test_the_person_is_invited_at_their_own_address(family, login, django_capture_on_commit_callbacks):
    family.lea.email = "lea@example.org"
    family.lea.save()
    team = login(family.director.user)
    with django_capture_on_commit_callbacks(execute=True):
        response = team.post(invite_url(family.lea), {"role": "person", "delivery": "email"})
    assert response.status_code == 302
    assert mail.outbox[0].to == ["lea@example.org"]
    path = link_in(mail.outbox[0])
    Client().post(path, account_data("lea.durand"))
    assert links_of(User.objects.get(username="lea.durand"))[family.lea.pk].role == PortalRole.PERSON


def test_the_team_of_another_establishment_cannot_invite(family, login):
    stranger = make_professional(EstablishmentFactory(name="ESAT du Rhône"))
    client = login(stranger.user)
    data = {"role": "person", "delivery": "printed"}
    assert client.get(accounts_url(family.lea)).status_code == 404
    assert client.post(invite_url(family.lea), data).status_code == 404
    assert not Invitation.objects.exists()
    refusal = AccessLogEntry.objects.filter(actor=stranger.user, person=family.lea, allowed=False)
    assert refusal.exists()


def test_a_reader_who_may_not_write_cannot_invite(family, login):
    direction = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=family.ime.gestionnaire)
    client = login(direction.user)
    page = assert_page_ok(client.get(accounts_url(family.lea)))
    assert 'name="role"' not in page
    assert client.post(invite_url(family.lea), {"role": "person", "delivery": "printed"}).status_code == 403
    assert not Invitation.objects.exists()


def test_the_team_sees_links_and_pending_invitations_and_closes_a_link(family, login):
    issue(family, relative=new_relative(family))
    team = login(family.educator.user)
    page = assert_page_ok(team.get(accounts_url(family.lea)))
    assert "Sophie DURAND" in page and "Marc DURAND" in page and "Nadia DURAND" in page
    assert "Suivre la journée" in page
    account = family.mother.portal_accounts.get()
    response = team.post(reverse("portal:staff_account_revoke", args=[family.lea.uuid, account.uuid]))
    assert response["Location"] == accounts_url(family.lea)
    account.refresh_from_db()
    assert account.revoked_at is not None and account.revoked_by == family.educator.user
    assert links_of(fresh(family.mother)) == {}
    # Closed, never deleted.
    assert PortalAccount.objects.filter(pk=account.pk).exists()


def test_a_portal_user_logging_in_lands_in_their_space(family):
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": "sophie", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("portal:day", args=[family.lea.uuid])
