"""What an authority can reach, crawled: every dashboard, definition, export and report its links lead
to, for the ARS of region 84 and the conseil départemental of department 69 (conftest's world).

Checked on everything downloaded:
- no personal field: no name, first name, NIR, birth date or identifier of a person supported or of
  a professional;
- in every workbook (the page's own figures, as the page prints them): no count of persons,
  admissions or prestations below the threshold, and no masked count that the others and their
  total give back (`disclosure.is_protected`, on each breakdown with its total, on the drill-down
  with the page's total, on the months with the period's total);
- a rate or an average is masked wherever its population is masked or small.
"""

import csv
import io
import re
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from parcours.people.models import Person
from parcours.reporting import disclosure, registry
from parcours.reporting.registry import Disclosure
from parcours.staff.models import Professional
from tests.reporting.dashboards.html import links
from tests.reporting.reports.pdf_text import pdf_text

THRESHOLD = 10
MASKED = "masqué"
COUNT_UNITS = ("(personnes)", "(admissions)", "(prestations)")
MAX_REQUESTS = 400
MAX_PDFS = 2
MAX_CSV = 30  # one table per file: the same path as the workbooks, which are all read
YEAR = "annee=2025"  # the default period; links to other years lead to the same pages again


def personal_strings() -> set[str]:
    """Every trait of a person supported or a professional that must never reach an authority."""
    strings: set[str] = set()
    for person in Person.objects.all():
        strings |= {person.birth_name, person.used_name, person.email, person.phone, str(person.uuid)}
        strings |= set(person.first_names.split())
        if person.nir:
            strings.add(person.nir)
        if person.birth_date:
            strings |= {person.birth_date.strftime("%d/%m/%Y"), person.birth_date.isoformat()}
    for professional in Professional.objects.all():
        strings |= {professional.last_name, professional.first_name}
    return {s for s in strings if s and len(s) >= 3}


def crawl(client, start="/tableaux-de-bord/") -> dict[str, tuple[str, bytes]]:
    """{url: (content type, body)} of every page and file under /tableaux-de-bord/ reachable from
    `start` by links."""
    seen: dict[str, tuple[str, bytes]] = {}
    queue, pdfs, tables = [start], 0, 0
    while queue and len(seen) < MAX_REQUESTS:
        url = queue.pop(0)
        if url in seen or ("annee=" in url and YEAR not in url):
            continue
        path = url.split("?")[0]
        if path.endswith(".pdf"):
            if pdfs >= MAX_PDFS:
                continue
            pdfs += 1
        if path.endswith("export.csv"):
            if tables >= MAX_CSV:
                continue
            tables += 1
        response = client.get(url)
        assert response.status_code in (200, 404), (url, response.status_code)
        if response.status_code != 200:
            continue
        body = response.getvalue() if response.streaming else response.content
        kind = response["Content-Type"]
        seen[url] = (kind, body)
        if kind.startswith("text/html"):
            for link in links(body.decode()):
                parts = urlsplit(link)
                if not parts.netloc and parts.path.startswith("/tableaux-de-bord/") and link not in seen:
                    queue.append(link)
    return seen


def text_of(kind: str, body: bytes) -> str:
    if "spreadsheetml" in kind:
        book = load_workbook(io.BytesIO(body))
        return "\n".join(
            str(value)
            for sheet in book
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if value
        )
    if kind == "application/pdf":
        return pdf_text(body)
    return body.decode("utf-8-sig")


def tables(book) -> list[dict]:
    """The tables of a page's workbook: their metadata lines, their header and their rows."""
    found = []
    for sheet in book:
        rows = [tuple(row) for row in sheet.iter_rows(values_only=True)]
        index = 0
        while index < len(rows):
            if rows[index] and rows[index][0] == "Tableau":
                meta = {}
                while index < len(rows) and rows[index] and rows[index][0]:
                    meta[rows[index][0]] = rows[index][1]
                    index += 1
                index += 1  # the blank line
                header = rows[index]
                index += 1
                body = []
                while index < len(rows) and rows[index] and rows[index][0] is not None:
                    body.append(rows[index])
                    index += 1
                found.append({"meta": meta, "header": header, "rows": body, "sheet": sheet.title})
            index += 1
    return found


def count(value) -> int | None:
    """A published count: a number, or None when masked."""
    if value == MASKED:
        return None
    assert isinstance(value, int), value
    return value


def is_small(value) -> bool:
    return value == MASKED or (isinstance(value, int | float) and 0 < value < THRESHOLD)


def check_workbook(url: str, book) -> int:
    """Checks the page's workbook; returns how many tables were checked."""
    found = tables(book)
    by_code = {table["meta"].get("Indicateur (code)"): table for table in found}
    scalars = {}
    for table in found:
        code = table["meta"].get("Indicateur (code)")
        if code:
            indicator = registry.get(code)
            values = {row[0]: row[1] for row in table["rows"]}
            if indicator.disclosure == Disclosure.COUNT:
                for label, value in values.items():
                    assert value == MASKED or not (0 < count(value) < THRESHOLD), (url, code, label, value)
                if "Total" in values:
                    labels = [label for label in values if label != "Total"]
                    series = disclosure.Series(
                        tuple(labels), tuple(count(values[label]) for label in labels), count(values["Total"])
                    )
                    assert disclosure.is_protected(series, THRESHOLD) == [], (url, code)
                elif len(values) == 1:
                    scalars[code] = next(iter(values.values()))
            elif indicator.disclosure == Disclosure.MEASURE:
                base = by_code.get(indicator.base)
                if base is None:
                    continue
                base_values = {row[0]: row[1] for row in base["rows"]}
                if set(base_values) - {"Total"} == set(values):
                    for label, value in values.items():
                        if is_small(base_values[label]):
                            assert value in (MASKED, None, "—"), (url, code, label, value)
                else:
                    population = base_values.get("Total", next(iter(base_values.values())))
                    if is_small(population):
                        assert all(v in (MASKED, None, "—") for v in values.values()), (url, code)
    for table in found:
        if table["meta"].get("Indicateur (code)"):
            continue
        # The months and the drill-down: each count column, with the page's total when it adds up.
        for column, heading in enumerate(table["header"]):
            if column == 0 or not str(heading).endswith(COUNT_UNITS):
                continue
            cells = [row[column] for row in table["rows"]]
            for value in cells:
                assert value == MASKED or not (0 < count(value) < THRESHOLD), (url, table["sheet"], heading)
            total = line_total(table["sheet"], heading, by_code, scalars)
            visible = sum(count(value) or 0 for value in cells)
            # One child only, or children adding up to more than the total (a gestionnaire reaching
            # beyond the department): the total does not give their counts back.
            if total is not None and len(cells) > 1 and visible <= total:
                series = disclosure.Series(
                    tuple(str(n) for n in range(len(cells))), tuple(count(v) for v in cells), total
                )
                assert disclosure.is_protected(series, THRESHOLD) == [], (url, table["sheet"], heading)
    return len(found)


def line_total(sheet: str, heading: str, by_code: dict, scalars: dict) -> int | None:
    """The total shown elsewhere on the page that a column of counts adds up to: the period's
    prestations for the months'; the page's persons and admissions for the drill-down's (persons
    add up unless one is supported by two of the children). None when masked or not additive."""
    if sheet == "Évolution mensuelle":
        if heading.startswith("Prestations") and "prestations-realisees-par-bloc" in by_code:
            rows = by_code["prestations-realisees-par-bloc"]["rows"]
            total = next(row[1] for row in rows if row[0] == "Total")
            return total if isinstance(total, int) else None
        return None
    for prefix, code in (("Personnes", "personnes-accompagnees"), ("Admissions", "admissions")):
        if heading.startswith(prefix) and isinstance(scalars.get(code), int):
            return scalars[code]
    return None


@pytest.mark.parametrize("who", ["ars", "cd69"])
def test_an_authority_reaches_only_protected_aggregates(world, users, login, who):
    client = login(users[who])
    downloaded = crawl(client)
    kinds = [kind for kind, _body in downloaded.values()]
    # The crawl went everywhere an authority goes: pages, workbooks, CSV tables and a PDF report.
    assert sum("spreadsheetml" in kind for kind in kinds) >= 3
    assert any(kind.startswith("text/csv") for kind in kinds)
    assert "application/pdf" in kinds
    assert any("/etablissement/" in url for url in downloaded)

    # The authority's agent sees their own name in the navigation (a person may share a first name).
    forbidden = personal_strings() - {users[who].first_name, users[who].last_name}
    assert len(forbidden) > 40
    pattern = re.compile("|".join(rf"\b{re.escape(s)}\b" for s in sorted(forbidden, key=len, reverse=True)))
    for url, (kind, body) in downloaded.items():
        leaked = sorted(set(pattern.findall(text_of(kind, body))))
        assert leaked == [], (url, leaked)

    checked = 0
    for url, (kind, body) in downloaded.items():
        if "spreadsheetml" in kind and "indicateur=" not in url and "serafin" not in url:
            checked += check_workbook(url, load_workbook(io.BytesIO(body)))
        if kind.startswith("text/csv"):
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
            code = next((row[1] for row in rows if row[:1] == ["Indicateur (code)"]), None)
            if code and registry.get(code).disclosure == Disclosure.COUNT:
                start = rows.index([]) + 2
                for row in rows[start:]:
                    value = row[1]
                    assert value == MASKED or not (0 < int(value) < THRESHOLD), (url, row)
    assert checked > 30
