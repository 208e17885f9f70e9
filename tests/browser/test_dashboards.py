"""A gestionnaire's director in a real browser: opens the gestionnaire's dashboard, changes the period,
drills down to one establishment and downloads its figures as a workbook."""

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.accounts.otp import log_in_in_browser, totp_device

# The world of the dashboards' tests (figures worked out by hand there), and its empty cache.
from tests.reporting.dashboards.conftest import empty_cache, users, world  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def figure(page, code: str) -> str:
    return page.locator(f"#chiffre-{code} .stat__value").inner_text().strip()


def test_director_changes_the_period_drills_down_and_downloads_the_workbook(world, users, page):  # noqa: F811
    director = users["gdirector"]
    log_in_in_browser(page, director.username, totp_device(director).key)

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Tableaux de bord"
    ).click()
    page.get_by_role("link", name="Association Les Cèdres").click()
    page.get_by_role("heading", level=1, name="Association Les Cèdres").wait_for()
    assert "année 2025" in page.locator(".page-header__meta").inner_text()  # the last complete year
    assert figure(page, "personnes-accompagnees") == "31"

    # January 2025 only: SESSAD Le Lien admitted its 4 persons in March.
    page.get_by_label("Du", exact=True).fill("2025-01-01")
    page.get_by_label("Au", exact=True).fill("2025-01-31")
    page.get_by_role("button", name="Afficher la période").click()
    page.wait_for_url(re.compile(r"debut=2025-01-01&fin=2025-01-31"))
    assert "du 1 janvier 2025 au 31 janvier 2025" in page.locator(".page-header__meta").inner_text()
    assert figure(page, "personnes-accompagnees") == "27"

    page.locator("#tableau-detail").get_by_role("link", name="IME Les Tilleuls").click()
    page.get_by_role("heading", level=1, name="IME Les Tilleuls").wait_for()
    assert "du 1 janvier 2025 au 31 janvier 2025" in page.locator(".page-header__meta").inner_text()
    shown = figure(page, "personnes-accompagnees")
    assert shown == "12"

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger toute la page (XLSX)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    with Path(download.path()).open("rb") as file:
        book = load_workbook(file)
    assert dict(book["Présentation"].iter_rows(values_only=True))["Période"] == (
        "du 1 janvier 2025 au 31 janvier 2025"
    )
    persons = next(
        row
        for row in book["Personnes accompagnées"].iter_rows(values_only=True)
        if row[0] == "Personnes accompagnées sur la période"
    )
    assert str(persons[1]) == shown
