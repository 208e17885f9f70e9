"""The SERAFIN-PH activity summary of an establishment: every code of the nomenclatures with its
figures (worked out by hand in conftest.py), block subtotals and total, the same numbers in the CSV
and XLSX files, masking for the authorities, and who may see it."""

import csv
import html
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from parcours.nomenclature.models import Concept, SystemSlug
from parcours.reporting import disclosure, reports
from tests.conftest import assert_page_ok

pytestmark = pytest.mark.django_db

PRESTATIONS = {  # code: (prestations, hours)
    "2.1.1.1": (2, 1.5),
    "2.1.1.3": (1, 0.8),
    "2.2.1.1": (1, 1.0),
    "2.3.1.1": (2, 2.5),
    "3.1.1.1": (1, 0.5),
}
PRESTATION_BLOCKS = {
    "2.1": (3, 2.3),
    "2.2": (1, 1.0),
    "2.3": (2, 2.5),
    "2.4": (0, 0.0),
    "3.1": (1, 0.5),
    "3.2": (0, 0.0),
}
PRESTATION_TOTAL = (7, 6.3)
NEEDS = {"1.2.1.1": 2, "1.2.1.3": 1, "1.3.1.1": 1}
NEED_BLOCKS = {"1.1": 0, "1.2": 3, "1.3": 1}
NEED_TOTAL = 4
ASSESSED = 2


def url(world, name="reporting:serafin_summary", year=2025):
    address = reverse(name, kwargs={"pk": world.establishment.pk})
    return f"{address}?annee={year}" if year is not None else address


def lines_of(table, kind):
    return {line.code: line for line in table.lines if line.kind == kind}


def test_every_code_of_the_nomenclatures_with_its_count_subtotals_and_total(world, login):
    response = login(world.director.user).get(url(world))
    content = assert_page_ok(response)
    summary = response.context["summary"]

    prestations = summary.prestations
    codes = list(
        Concept.objects.of(SystemSlug.SERAFIN_PRESTATIONS).order_by("sort_key").values_list("code", "label")
    )
    # Every code of the nomenclature, in its order, with its own label; zeros kept.
    assert [(line.code, line.label) for line in prestations.lines if line.is_code] == codes
    for code, line in lines_of(prestations, reports.CODE).items():
        assert (line.count.value, line.hours.value) == PRESTATIONS.get(code, (0, 0.0)), code
    subtotals = lines_of(prestations, reports.SUBTOTAL)
    assert {
        code: (line.count.value, line.hours.value) for code, line in subtotals.items()
    } == PRESTATION_BLOCKS
    assert (prestations.total.count.value, prestations.total.hours.value) == PRESTATION_TOTAL
    # A block's subtotal comes right after its last sub-code.
    kinds = [(line.kind, line.code) for line in prestations.lines]
    assert kinds.index(("subtotal", "2.1")) == kinds.index(("code", "2.2")) - 1

    needs = summary.needs
    assert [line.code for line in needs.lines if line.is_code] == list(
        Concept.objects.of(SystemSlug.SERAFIN_BESOINS).order_by("sort_key").values_list("code", flat=True)
    )
    assert {
        code: line.count.value for code, line in lines_of(needs, reports.CODE).items() if line.count.value
    } == NEEDS
    assert {code: line.count.value for code, line in lines_of(needs, reports.SUBTOTAL).items()} == NEED_BLOCKS
    assert needs.total.count.value == NEED_TOTAL and needs.total.hours is None
    assert summary.assessed.value == ASSESSED

    content = html.unescape(content)
    assert "Synthèse d'activité SERAFIN-PH 2025" in content
    assert "Accompagnements à l'expression du projet personnalisé" in content  # 2.3.1.1
    assert "Sous-total du bloc 2.1" in content
    assert "(intitulé non publié dans la source)" in content  # 2.2.1 has no published label
    assert "Personnes évaluées : <strong>2</strong>" in content


def test_the_summary_agrees_with_the_activity_indicators(world):
    """The block subtotals are those of prestations-realisees-par-bloc, read from the same rollups."""
    year = reports.report_year(2025)
    summary = reports.build_serafin_summary(world.establishment, year, masked=False)
    report = reports.build_activity_report(world.establishment, year, masked=False)
    [figure] = [
        f for s in report.sections for f in s.figures if f.indicator.code == "prestations-realisees-par-bloc"
    ]
    by_block = {cell.label.split(" ")[0]: cell.value for cell in figure.current.rows}
    subtotals = lines_of(summary.prestations, reports.SUBTOTAL)
    assert {code: line.count.value for code, line in subtotals.items()} == {
        code: by_block[code] for code in subtotals
    }


def parse_csv(body: bytes) -> list[list[str]]:
    assert body.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def figures(rows, table) -> dict:
    """{(line kind, code): (count, hours)} of one table of the file's rows."""
    result = {}
    for row in rows:
        if row and row[0] == table:
            result[row[1], row[3]] = tuple(row[5:7]) if table == "prestations" else (row[5],)
    return result


def test_the_csv_holds_the_same_numbers(world, login):
    response = login(world.director.user).get(url(world, "reporting:serafin_summary_csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="serafin-ph-{world.establishment.finess}-2025.csv"'
    )
    rows = parse_csv(response.content)
    assert rows[0] == ["Établissement", "IME Les Érables", "FINESS", world.establishment.finess]
    prestations = figures(rows, "prestations")

    def french(hours):
        return str(hours).replace(".", ",")

    assert prestations["code", "2.1.1.1"] == ("2", "1,5")
    assert prestations["code", "2.1.1.3"] == ("1", french(0.8))
    assert prestations["code", "2.1.1.2"] == ("0", "0,0")
    assert {code: value for (kind, code), value in prestations.items() if kind == "sous-total du bloc"} == {
        code: (str(n), french(h)) for code, (n, h) in PRESTATION_BLOCKS.items()
    }
    assert prestations["total", ""] == ("7", "6,3")
    assert (
        len([key for key in prestations if key[0] == "code"])
        == Concept.objects.of(SystemSlug.SERAFIN_PRESTATIONS).count()
    )
    needs = figures(rows, "besoins")
    assert {code: int(n) for (kind, code), (n,) in needs.items() if kind == "code" and n != "0"} == NEEDS
    assert {
        code: int(n) for (kind, code), (n,) in needs.items() if kind == "sous-total du bloc"
    } == NEED_BLOCKS
    assert needs["total", ""] == (str(NEED_TOTAL),)
    assert ["Personnes évaluées", str(ASSESSED)] in rows


def test_the_xlsx_holds_the_same_numbers(world, login):
    response = login(world.director.user).get(url(world, "reporting:serafin_summary_xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].endswith(f'serafin-ph-{world.establishment.finess}-2025.xlsx"')
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [["" if value is None else value for value in row] for row in sheet.iter_rows(values_only=True)]
    prestations = {(row[1], row[3]): (row[5], row[6]) for row in rows if row and row[0] == "prestations"}
    # Numbers are numbers in the workbook.
    assert prestations["code", "2.1.1.1"] == (2, 1.5)
    assert prestations["code", "2.3.1.1"] == (2, 2.5)
    assert prestations["code", "2.4.1"] == (0, 0.0)
    assert {code: value for (kind, code), value in prestations.items() if kind == "sous-total du bloc"} == (
        PRESTATION_BLOCKS
    )
    assert prestations["total", ""] == PRESTATION_TOTAL
    needs = {(row[1], row[3]): row[5] for row in rows if row and row[0] == "besoins"}
    assert {code: n for (kind, code), n in needs.items() if kind == "code" and n} == NEEDS
    assert needs["total", ""] == NEED_TOTAL


def test_an_authority_gets_the_counts_masked_so_that_none_can_be_recomputed(world, login):
    response = login(world.authority).get(url(world))
    assert_page_ok(response)
    summary = response.context["summary"]

    assert summary.masked
    for table in summary.tables:
        for line in table.lines:
            # Every count of the data set is below 10: masked, zeros shown; hours masked with them.
            assert line.count.masked == (line.count.value is None)
            if line.count.masked:
                assert line.count.text == "masqué"
                assert line.hours is None or line.hours.masked
            else:
                assert line.count.value == 0
                assert line.hours is None or line.hours.value == 0.0
    assert summary.prestations.total.count.masked and summary.needs.total.count.masked
    assert summary.assessed.masked
    body = parse_csv(login(world.authority).get(url(world, "reporting:serafin_summary_csv")).content)
    assert figures(body, "prestations")["code", "2.1.1.1"] == ("masqué", "masqué")
    assert "1,5" not in str(body) and "6,3" not in str(body)


def test_shared_subtotals_are_masked_in_every_line_they_belong_to():
    """Block A: a1 20, a2 15 (35); block B: b1 5, b2 0 (5); the level-1 code t 50 beside them; total 90.
    B's subtotal (5) is masked, and with it b1 (5). In the line of the total, B's subtotal alone would
    be recomputed (90 − 35 − 50): the smallest other count, A's subtotal, is masked; in block A that
    subtotal alone would be recomputed (20 + 15): a2 (15) is masked too."""
    code = reports.CODE
    values = {
        (code, "a1"): 20,
        (code, "a2"): 15,
        ("subtotal", "A"): 35,
        (code, "b1"): 5,
        (code, "b2"): 0,
        ("subtotal", "B"): 5,
        (code, "t"): 50,
        ("total", ""): 90,
    }
    lines = [
        ([(code, "a1"), (code, "a2")], ("subtotal", "A")),
        ([(code, "b1"), (code, "b2")], ("subtotal", "B")),
        ([("subtotal", "A"), ("subtotal", "B"), (code, "t")], ("total", "")),
    ]
    hidden = reports.protected_keys(values, lines, threshold=10)

    assert hidden == {(code, "b1"), ("subtotal", "B"), ("subtotal", "A"), (code, "a2")}
    for parts, total in lines:
        published = disclosure.Series(
            tuple(key[1] for key in parts),
            tuple(None if key in hidden else values[key] for key in parts),
            None if total in hidden else values[total],
        )
        assert disclosure.is_protected(published, 10) == []


@pytest.mark.parametrize(
    "name", ["reporting:serafin_summary", "reporting:serafin_summary_csv", "reporting:serafin_summary_xlsx"]
)
def test_a_future_year_is_refused(world, login, name):
    next_year = timezone.localdate().year + 1
    response = login(world.director.user).get(url(world, name, next_year))
    assert response.status_code == 404
    assert f"L'année {next_year} n'est pas encore commencée" in html.unescape(response.content.decode())
    assert login(world.director.user).get(url(world, name, "deux-mille")).status_code == 404


def test_the_current_year_by_default(world, login):
    response = login(world.director.user).get(url(world, year=None))
    summary = response.context["summary"]
    assert summary.year.year == timezone.localdate().year and summary.year.in_progress
    # P1's prestation of today is the only one of the current year.
    assert (summary.prestations.total.count.value, summary.prestations.total.hours.value) == (1, 0.5)


@pytest.mark.parametrize(
    "name", ["reporting:serafin_summary", "reporting:serafin_summary_csv", "reporting:serafin_summary_xlsx"]
)
def test_who_may_see_the_summary(world, login, client, name):
    assert login(world.gestionnaire_director.user).get(url(world, name)).status_code == 200
    assert login(world.professional.user).get(url(world, name)).status_code == 404
    assert login(world.other_director.user).get(url(world, name)).status_code == 404
    response = client.get(url(world, name))
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))


def test_a_name_a_spreadsheet_would_take_for_a_formula_is_defused(world, login):
    world.establishment.name = '=HYPERLINK("http://exemple.invalid")'
    world.establishment.save()
    rows = parse_csv(login(world.director.user).get(url(world, "reporting:serafin_summary_csv")).content)
    assert rows[0][1] == '\'=HYPERLINK("http://exemple.invalid")'
    sheet = load_workbook(
        io.BytesIO(login(world.director.user).get(url(world, "reporting:serafin_summary_xlsx")).content)
    ).active
    assert sheet["B1"].value == '\'=HYPERLINK("http://exemple.invalid")'
