"""Every page of the person's space, on a small phone (375 × 667), in normal and in easy-read mode:
no violation of the WCAG 2.1 A/AA rules axe-core checks, no horizontal scrolling, and targets a finger
can hit.

Target sizes: 24 × 24 CSS pixels at least in normal mode, or enough room around a smaller one (WCAG
2.2, 2.5.8 Target Size Minimum, level AA, with its spacing exception); 44 × 44 in easy-read mode,
without exception for spacing (2.5.5 Target Size Enhanced, level AAA: the easy-read mode is for those
who need large targets). Links inside a sentence are exempt in both (the inline exception).

The pages are found through the URL resolver (tests/browser/portal.py: `addresses`, `ARGUMENTS`): a
page added later is checked too. What answers 405 to a GET (a POST-only action) or something other
than an HTML document (a fragment refreshed by htmx, a file to download) is not a page.
"""

from urllib.parse import urlsplit

import pytest

from tests.accounts.otp import log_in_in_browser, totp_device
from tests.browser.axe import AXE_CONTEXT, axe_violations, horizontal_overflow, small_targets
from tests.browser.portal import addresses, log_in_portal, portal_world
from tests.portal.conftest import family  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NORMAL_TARGET = 24
EASY_TARGET = 44


def pages_of(page, entries: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The entries that are pages (an HTML document answered to a GET), each final address once."""
    pages, seen, problems = [], set(), []
    for name, path in entries:
        response = page.request.get(path)
        if response.status == 405:
            continue  # an action: POST only
        content_type = response.headers.get("content-type", "")
        if response.status == 204 or not content_type.startswith("text/html"):
            continue  # a file, or nothing new
        if not response.ok:
            problems.append(f"{name} {path} : {response.status}")
            continue
        if "<html" not in response.text()[:500].lower():
            continue  # a fragment htmx puts into a page
        final = urlsplit(response.url).path
        if "/compte/" in final:
            problems.append(f"{name} {path} : renvoie vers {final}")
        elif final not in seen:
            seen.add(final)
            pages.append((name, response.url))
    assert not problems, "Pages inaccessibles au visiteur prévu :\n" + "\n".join(problems)
    return pages


def check(page, name: str, url: str, mode: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("load")
    minimum = EASY_TARGET if mode == "facile à lire" else NORMAL_TARGET
    where = f"[{mode}] {name} ({page.url})"
    problems = [f"{where} axe : {line}" for line in axe_violations(page)]
    overflow = horizontal_overflow(page)
    if overflow:
        problems.append(f"{where} : défilement horizontal de {overflow} px à 375 px de large")
    # WCAG 2.5.8 (AA) allows a smaller target with room around it; the easy-read mode does not.
    small = small_targets(page, minimum, spacing=mode == "normal")
    problems += [f"{where} : cible trop petite (< {minimum} px) : {line}" for line in small]
    return problems


def set_easy_read(page, on: bool) -> None:
    switch = page.get_by_role("button", name="Facile à lire")
    if (switch.get_attribute("aria-pressed") == "true") != on:
        with page.expect_navigation():
            switch.click()
    assert page.get_by_role("button", name="Facile à lire").get_attribute("aria-pressed") == (
        "true" if on else "false"
    )


def check_all(page, pages: list[tuple[str, str]], *, easy_read: bool) -> list[str]:
    problems = []
    for name, url in pages:
        problems += check(page, name, url, "normal")
    if easy_read and pages:
        page.goto(pages[0][1])
        set_easy_read(page, True)
        for name, url in pages:
            problems += check(page, name, url, "facile à lire")
        set_easy_read(page, False)
    return problems


def test_every_portal_page_is_accessible_on_a_phone(family, browser, live_server):  # noqa: F811
    world = portal_world(family)
    by_visitor = addresses(world)
    problems, checked = [], 0
    for visitor, entries in by_visitor.items():
        if not entries:
            continue
        context = browser.new_context(base_url=live_server.url, **AXE_CONTEXT)
        context.set_default_timeout(15_000)
        page = context.new_page()
        try:
            if visitor == "person":
                log_in_portal(page, world.lea_user.username)
            elif visitor == "carer":
                log_in_portal(page, world.mother.username)
            elif visitor == "team":
                log_in_in_browser(page, world.director.user.username, totp_device(world.director.user).key)
            else:
                page.goto("/")
            pages = pages_of(page, entries)
            checked += len(pages)
            # The team's pages are the team's site (no easy-read mode); anonymous visitors have no
            # easy-read switch yet (docs/portal.md).
            problems += check_all(page, pages, easy_read=visitor in ("person", "carer"))
        finally:
            context.close()
    assert checked >= 6, f"seulement {checked} pages vérifiées"
    assert not problems, f"{len(problems)} problème(s) d'accessibilité :\n" + "\n".join(problems)
