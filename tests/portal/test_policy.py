"""The portal's access rules (parcours.access.portal): the person, a legal representative within the
measure's scope and while it is in force, a relative with the rights given."""

import datetime

from django.utils import timezone

from parcours.access.enums import Basis, PortalPower
from parcours.access.policy import visible_persons
from parcours.access.portal import decide_portal, links_of
from parcours.people.enums import ProtectionMeasure


def fresh(user):
    user.__dict__.pop("_parcours_portal_links", None)
    return user


def test_the_person_holds_every_power_of_their_space(family):
    for power in PortalPower.values:
        decision = decide_portal(family.lea_user, family.lea, power)
        assert decision.allowed and decision.basis == Basis.PERSON


def test_a_relative_holds_only_the_rights_given(family):
    account = family.mother.portal_accounts.get()
    account.rights = ["day"]
    account.save()
    mother = fresh(family.mother)
    assert decide_portal(mother, family.lea, PortalPower.DAY).basis == Basis.RELATIVE
    for power in set(PortalPower.values) - {PortalPower.DAY}:
        assert not decide_portal(mother, family.lea, power)


def test_a_relative_never_agrees_nor_changes_sharing_nor_downloads(family):
    for power in (PortalPower.AGREE, PortalPower.CONSENTS, PortalPower.PRIVACY, PortalPower.EVALUATE):
        assert not decide_portal(family.mother, family.lea, power)


def test_a_guardian_acts_for_the_person_while_the_measure_is_in_force(family):
    for power in PortalPower.values:
        assert decide_portal(family.guardian, family.lea, power).basis == Basis.REPRESENTATIVE
    family.protection.end_date = timezone.localdate() - datetime.timedelta(days=1)
    family.protection.save()
    for power in PortalPower.values:
        assert not decide_portal(fresh(family.guardian), family.lea, power)


def test_a_curator_assists_but_does_not_decide_the_sharing(family):
    family.protection.measure = ProtectionMeasure.CURATELLE_RENFORCEE
    family.protection.save()
    guardian = fresh(family.guardian)
    for power in (PortalPower.DAY, PortalPower.PROJET, PortalPower.MESSAGES, PortalPower.AGREE):
        assert decide_portal(guardian, family.lea, power)
    for power in (PortalPower.CONSENTS, PortalPower.PRIVACY, PortalPower.EVALUATE):
        assert not decide_portal(guardian, family.lea, power)


def test_nobody_reaches_another_persons_space_nor_the_teams_lists(family):
    for user in (family.lea_user, family.mother, family.guardian):
        assert not decide_portal(user, family.other, PortalPower.DAY)
        assert not visible_persons(user).exists()


def test_a_revoked_link_opens_nothing(family):
    account = family.mother.portal_accounts.get()
    account.revoked_at = timezone.now()
    account.save()
    assert links_of(fresh(family.mother)) == {}


def test_each_follower_sees_the_sections_of_their_powers_only(family, portal_client):
    from django.urls import reverse

    day = reverse("portal:day", args=[family.lea.uuid])
    sharing = reverse("portal:sharing", args=[family.lea.uuid])
    lea_page = portal_client(family.lea_user).get(day).content.decode()
    assert sharing in lea_page
    mother_page = portal_client(family.mother).get(day).content.decode()
    assert sharing not in mother_page
    assert portal_client(family.mother).get(sharing).status_code == 404
    assert (
        portal_client(family.mother).get(reverse("portal:day", args=[family.other.uuid])).status_code == 404
    )
