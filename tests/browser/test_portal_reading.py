"""The reading aids of the person's space in a real browser: "Lire à voix haute" reads the page's main
content in French with the browser's own speech synthesis, and "Facile à lire" turns the easy-read
mode on and off, its state announced (aria-pressed).

The browser's `speechSynthesis.speak` is wrapped before any page script runs, to record what would be
said (text, language, rate) without a sound card: that instruments the browser's API, not our code."""

import pytest
from django.urls import reverse

from tests.browser.axe import PHONE
from tests.browser.portal import log_in_portal
from tests.portal.conftest import family  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RECORD_SPEECH = """
window.__spoken = [];
if ("speechSynthesis" in window) {
  window.speechSynthesis.speak = function (utterance) {
    window.__spoken.push({text: utterance.text, lang: utterance.lang, rate: utterance.rate});
  };
}
"""


def spoken(page) -> list[dict]:
    return page.evaluate("window.__spoken")


def test_read_aloud_reads_the_main_content_in_french_and_easy_read_switches(
    family,  # noqa: F811
    browser,
    live_server,
):
    context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=PHONE)
    context.set_default_timeout(10_000)
    context.add_init_script(RECORD_SPEECH)
    page = context.new_page()
    try:
        log_in_portal(page, family.lea_user.username)
        page.goto(reverse("portal:home"))
        heading = page.get_by_role("heading", level=1).inner_text().strip()

        read = page.get_by_role("button", name="Lire à voix haute")
        read.click()
        said = spoken(page)
        assert said, "rien n'a été lu"
        assert {utterance["lang"] for utterance in said} == {"fr-FR"}
        text = " ".join(utterance["text"] for utterance in said)
        assert said[0]["text"] == heading or heading in text
        # The main content only: not the header's tools nor the navigation.
        assert "Se déconnecter" not in text and "Facile à lire" not in text
        # Pressed again, it stops (the button says so while it reads).
        assert page.get_by_role("button", name="Arrêter la lecture").is_visible()
        page.get_by_role("button", name="Arrêter la lecture").click()
        read.wait_for()

        switch = page.get_by_role("button", name="Facile à lire")
        assert switch.get_attribute("aria-pressed") == "false"
        with page.expect_navigation():
            switch.click()
        switch = page.get_by_role("button", name="Facile à lire")
        assert switch.get_attribute("aria-pressed") == "true"
        assert "portal--easy" in page.locator("body").get_attribute("class")
        # The navigation speaks the easy-read words, and the voice is slower.
        assert (
            page.get_by_role("navigation", name="Sections de l'espace")
            .get_by_role("link", name="Ma journée")
            .is_visible()
        )
        page.get_by_role("button", name="Lire à voix haute").click()
        assert {round(utterance["rate"], 2) for utterance in spoken(page)} == {0.85}

        with page.expect_navigation():
            switch.click()
        assert page.get_by_role("button", name="Facile à lire").get_attribute("aria-pressed") == "false"
        assert "portal--easy" not in page.locator("body").get_attribute("class")
    finally:
        context.close()
