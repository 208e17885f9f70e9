"""The person page in a real browser: usable on a 375-pixel phone, "Voir plus" appends with htmx."""

import os

import pytest
from django.urls import reverse

from tests.accounts.otp import log_in_in_browser, totp_device
from tests.records.test_timeline import big_record

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = os.environ.get("PARCOURS_SCREENSHOTS")


def log_in(page, user):  # noqa: F811
    """Through the real pages: the password, then the code of the user's authentication app."""
    log_in_in_browser(page, user.username, totp_device(user).key)


def no_horizontal_scroll(page) -> bool:  # noqa: F811
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_person_page_on_a_phone_and_voir_plus(world, page):  # noqa: F811
    big_record(world, world.person_a, services=40, notes=10, per_day=2)
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, world.pro_a.user)
    page.goto(reverse("people:detail", args=[world.person_a.uuid]))
    assert page.locator("h1").inner_text() == "LEFÈVRE Élodie"
    assert no_horizontal_scroll(page)
    assert page.locator(".timeline__item").count() == 20
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/person-375-top.png")
    page.get_by_role("link", name="Voir plus").click()
    page.locator(".timeline__item").nth(39).wait_for()
    assert page.locator(".timeline__item").count() == 40
    assert "before=" not in page.url  # appended in place, no navigation
    if SCREENSHOTS:
        page.locator("#chronologie").scroll_into_view_if_needed()
        page.screenshot(path=f"{SCREENSHOTS}/person-375-timeline.png")
    for name in ["records:note_create", "records:assessment_create", "records:projet_create"]:
        page.goto(reverse(name, args=[world.person_a.uuid]))
        assert no_horizontal_scroll(page), name
        if SCREENSHOTS:
            page.screenshot(path=f"{SCREENSHOTS}/{name.split(':')[1]}-375.png")


def test_search_on_a_phone(world, page):  # noqa: F811
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, world.pro_a.user)
    page.goto(reverse("people:search"))
    page.fill("#recherche-personne", "lefevre")
    page.press("#recherche-personne", "Enter")
    assert page.get_by_role("link", name="LEFÈVRE Élodie").is_visible()
    assert no_horizontal_scroll(page)
    if SCREENSHOTS:
        page.screenshot(path=f"{SCREENSHOTS}/search-375.png", full_page=True)
