"""The weight of the person's space: each page, loaded with an empty cache, brings less than 150 kB of
HTML, CSS and JavaScript — counted uncompressed here, a stricter bound than the bytes a compressing
server sends (bench/portal_weight.py measures those, as production serves them)."""

import pytest

from tests.accounts.otp import log_in_in_browser, totp_device
from tests.browser.axe import PHONE
from tests.browser.portal import addresses, log_in_portal, portal_world
from tests.portal.conftest import family  # noqa: F401 - the fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BUDGET = 150 * 1000
COUNTED = {"document", "stylesheet", "script"}
# What Chromium says when an address gives no page: a file to download, an error without a body.
NOT_A_PAGE = ("Download is starting", "ERR_HTTP_RESPONSE_CODE_FAILURE")


def first_load(browser, base_url: str, state: dict, path: str) -> tuple[int, int, dict]:
    """(status, uncompressed bytes of HTML + CSS + JS, bytes by kind) of `path` opened in a new context:
    the session's cookies, an empty cache."""
    context = browser.new_context(base_url=base_url, storage_state=state, locale="fr-FR", viewport=PHONE)
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    try:
        response = page.goto(path)
        page.wait_for_load_state("load")
        by_kind: dict[str, int] = {}
        for item in responses:
            kind = item.request.resource_type
            if kind in COUNTED and 200 <= item.status < 300:
                by_kind[kind] = by_kind.get(kind, 0) + len(item.body())
        content_type = response.headers.get("content-type", "")
        is_page = content_type.startswith("text/html") and "<html" in response.text()[:500].lower()
        return (response.status if is_page else 0), sum(by_kind.values()), by_kind
    finally:
        context.close()


def test_every_portal_page_weighs_under_150_kb(family, browser, live_server):  # noqa: F811
    world = portal_world(family)
    heavy, measured = [], 0
    for visitor, entries in addresses(world).items():
        if not entries:
            continue
        context = browser.new_context(base_url=live_server.url, locale="fr-FR", viewport=PHONE)
        page = context.new_page()
        if visitor == "person":
            log_in_portal(page, world.lea_user.username)
        elif visitor == "team":
            log_in_in_browser(page, world.director.user.username, totp_device(world.director.user).key)
        state = context.storage_state()
        context.close()
        for name, path in entries:
            try:
                status, total, by_kind = first_load(browser, live_server.url, state, path)
            except Exception as error:  # a download, or an empty 405: no page to weigh
                if not any(sign in str(error) for sign in NOT_A_PAGE):
                    raise
                continue
            if status != 200:
                continue  # an action (405), a fragment or a file
            measured += 1
            if total >= BUDGET:
                heavy.append(f"{name} {path} : {total / 1000:.1f} kB {by_kind}")
    assert measured >= 6, f"seulement {measured} pages pesées"
    assert not heavy, "Pages de plus de 150 kB (HTML + CSS + JS, non compressés) :\n" + "\n".join(heavy)
