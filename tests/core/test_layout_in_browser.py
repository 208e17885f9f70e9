"""The layout in a real browser: usable on a 375-px phone, keyboard-reachable, nothing blocked by the CSP."""

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.urls import reverse

from parcours.organisations.enums import SupportMode
from tests.accounts.otp import log_in_in_browser, totp_device
from tests.factories import AdmissionFactory, EstablishmentFactory, NoteFactory, make_professional

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("PARCOURS_CHROMIUM", "/usr/bin/chromium")


def in_phone(live_server, scenario):
    """Run scenario(page) in Chromium at 375 px; returns the console errors seen.

    Playwright's sync API refuses to start in a thread where another instance already runs
    (tests/browser keeps one open for the session), so each scenario gets its own thread.
    """

    def work():
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM,
                headless=True,
                args=["--no-sandbox", "--disable-background-networking"],
            )
            try:
                context = browser.new_context(
                    base_url=live_server.url, locale="fr-FR", viewport={"width": 375, "height": 812}
                )
                context.set_default_timeout(10_000)
                page = context.new_page()
                errors: list[str] = []
                page.on(
                    "console",
                    lambda message: errors.append(message.text) if message.type == "error" else None,
                )
                scenario(page)
                return errors
            finally:
                browser.close()

    with ThreadPoolExecutor(max_workers=1) as executor:
        return executor.submit(work).result()


def log_in(page, username, key):
    """Password then code; the key is read from the database before the scenario's thread starts."""
    log_in_in_browser(page, username, key)
    page.get_by_role("heading", level=1).wait_for()


def assert_fits_the_screen(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"{page.url} déborde de {overflow} px"


def test_pages_fit_a_phone_without_console_errors(live_server):
    establishment = EstablishmentFactory(
        name="Institut médico-éducatif Les Grands Chênes de la Vallée",
        capacities={SupportMode.INTERNAT: 24, SupportMode.SEMI_INTERNAT: 12},
    )
    professional = make_professional(establishment)
    for _ in range(3):
        admission = AdmissionFactory(establishment=establishment, mode=SupportMode.INTERNAT)
        NoteFactory(person=admission.person, establishment=establishment, author=professional)

    urls = [
        reverse("organisations:list"),
        reverse("organisations:detail", kwargs={"uuid": establishment.uuid}),
        reverse("nomenclature:detail", kwargs={"slug": "serafin-ph-prestations"}),
    ]
    username = professional.user.username
    key = totp_device(professional.user).key

    def scenario(page):
        page.goto(reverse("core:styleguide"))
        assert_fits_the_screen(page)
        log_in(page, username, key)
        assert_fits_the_screen(page)
        for url in urls:
            page.goto(url)
            assert_fits_the_screen(page)
        # The navigation stays visible and usable without JavaScript menus.
        assert page.get_by_role("link", name="Établissements").is_visible()
        assert page.get_by_role("button", name="Se déconnecter").is_visible()

    # A CSP violation (inline style or script) would show here as a console error.
    assert in_phone(live_server, scenario) == []


def test_skip_link_is_the_first_stop_and_shows_on_focus(live_server):
    def scenario(page):
        page.goto(reverse("core:styleguide"))
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert page.locator(".skip-link").bounding_box()["y"] >= 0
        page.keyboard.press("Enter")
        assert page.evaluate("document.activeElement.id") == "contenu"

    in_phone(live_server, scenario)


def test_confirmation_hook_asks_before_submitting(live_server):
    messages = []

    def scenario(page):
        def dismiss(dialog):
            messages.append(dialog.message)
            dialog.dismiss()

        page.goto(reverse("core:styleguide"))
        page.on("dialog", dismiss)
        before = page.url
        page.get_by_role("button", name="Supprimer (avec confirmation)").click()
        assert page.url == before

    in_phone(live_server, scenario)
    assert messages == ["Supprimer cet élément ?"]
