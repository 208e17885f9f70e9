"""The layout in a real browser: usable on a 375-px phone, keyboard-reachable, nothing blocked by the CSP."""

import os

import pytest
from django.urls import reverse

from parcours.organisations.enums import SupportMode
from tests.factories import PASSWORD, AdmissionFactory, EstablishmentFactory, NoteFactory, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-background-networking"]
        )
        yield browser
        browser.close()


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        base_url=live_server.url, locale="fr-FR", viewport={"width": 375, "height": 812}
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.problems = problems
    yield page
    context.close()


def log_in(page, user):
    page.goto(reverse("accounts:login"))
    page.get_by_label("Identifiant").fill(user.username)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("heading", level=1).wait_for()


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} déborde de {overflow} px"


def test_pages_fit_a_phone_without_console_errors(phone):
    establishment = EstablishmentFactory(
        name="Institut médico-éducatif Les Grands Chênes de la Vallée",
        capacities={SupportMode.INTERNAT: 24, SupportMode.SEMI_INTERNAT: 12},
    )
    professional = make_professional(establishment)
    for _ in range(3):
        admission = AdmissionFactory(establishment=establishment, mode=SupportMode.INTERNAT)
        NoteFactory(person=admission.person, establishment=establishment, author=professional)

    phone.goto(reverse("core:styleguide"))
    assert_fits_the_screen(phone)
    log_in(phone, professional.user)
    assert_fits_the_screen(phone)
    for url in [
        reverse("organisations:list"),
        reverse("organisations:detail", kwargs={"uuid": establishment.uuid}),
        reverse("nomenclature:detail", kwargs={"slug": "serafin-ph-prestations"}),
    ]:
        phone.goto(url)
        assert_fits_the_screen(phone)
    # The navigation stays visible and usable without JavaScript menus.
    assert phone.get_by_role("link", name="Établissements").is_visible()
    assert phone.get_by_role("button", name="Se déconnecter").is_visible()
    # A CSP violation (inline style or script) would show here as a console error.
    assert phone.problems == []


def test_skip_link_is_the_first_stop_and_shows_on_focus(phone):
    phone.goto(reverse("core:styleguide"))
    phone.keyboard.press("Tab")
    focused = phone.evaluate("document.activeElement.className")
    assert focused == "skip-link"
    assert phone.locator(".skip-link").bounding_box()["y"] >= 0
    phone.keyboard.press("Enter")
    assert phone.evaluate("document.activeElement.id") == "contenu"


def test_confirmation_hook_asks_before_submitting(phone):
    phone.goto(reverse("core:styleguide"))
    messages = []

    def dismiss(dialog):
        messages.append(dialog.message)
        dialog.dismiss()

    phone.on("dialog", dismiss)
    before = phone.url
    phone.get_by_role("button", name="Supprimer (avec confirmation)").click()
    assert messages == ["Supprimer cet élément ?"]
    assert phone.url == before
