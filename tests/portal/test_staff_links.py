"""The team finds the person's day, the messages and the space's accesses from the pages it uses."""

from django.urls import reverse

from tests.conftest import assert_page_ok


def test_the_person_page_leads_to_the_day_the_messages_and_the_accesses(family, login):
    page = assert_page_ok(login(family.educator.user).get(reverse("people:detail", args=[family.lea.uuid])))
    for name in ("records:day", "portal:staff_thread_create", "portal:staff_accounts"):
        assert reverse(name, args=[family.lea.uuid]) in page


def test_the_navigation_leads_the_team_to_the_families_messages(family, login):
    page = assert_page_ok(login(family.educator.user).get(reverse("core:home")))
    assert reverse("portal:staff_inbox") in page


def test_the_establishment_page_leads_to_the_presence_sheet_and_to_the_directors_questionnaires(
    family, login
):
    url = reverse("organisations:detail", args=[family.ime.uuid])
    educator_page = assert_page_ok(login(family.educator.user).get(url))
    assert reverse("records:presence_sheet", args=[family.ime.uuid]) in educator_page
    assert reverse("portal:staff_questionnaires") not in educator_page
    assert reverse("portal:staff_questionnaires") in assert_page_ok(login(family.director.user).get(url))


def test_a_portal_login_lands_in_the_space_and_sees_no_team_navigation(family, portal_client):
    client = portal_client(family.mother)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response["Location"] == reverse("portal:home")
    page = assert_page_ok(client.get(reverse("portal:day", args=[family.lea.uuid])))
    assert reverse("portal:staff_inbox") not in page and reverse("people:search") not in page
