"""The exports of the dashboards: the page's own tables, masked the same way, with what they are."""

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from parcours.reporting.registry import Scope
from tests.reporting.dashboards.conftest import YEAR_QUERY

pytestmark = pytest.mark.django_db

DEFINITION = "http://testserver/tableaux-de-bord/indicateurs/{}/"


def export(client, scope: Scope, extension: str, query: str = YEAR_QUERY):
    return client.get(reverse(f"reporting:export_{extension}", kwargs={"scope": scope}) + query)


def read_csv(response) -> list[list[str]]:
    content = response.content
    assert content.startswith("\ufeff".encode())  # UTF-8 with a byte-order mark, for spreadsheets
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def workbook(response):
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename=")
    return load_workbook(io.BytesIO(response.content))


def rows_of(sheet) -> list[tuple]:
    return [row for row in sheet.iter_rows(values_only=True) if any(cell is not None for cell in row)]


def row_starting(rows, label: str) -> tuple:
    return next(row for row in rows if row[0] == label)


def test_a_csv_table_says_what_it_is_and_uses_french_numbers(world, users, login):
    response = export(
        login(users["gdirector"]),
        Scope.gestionnaire(world["cedres"]),
        "csv",
        YEAR_QUERY + "&indicateur=personnes-accompagnees-par-mode",
    )
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        'filename="tableau-de-bord-association-les-cedres-personnes-accompagnees-par-mode-'
        in (response["Content-Disposition"])
    )
    rows = read_csv(response)
    meta = {row[0]: row[1] for row in rows if len(row) == 2}
    assert meta["Indicateur (code)"] == "personnes-accompagnees-par-mode"
    assert meta["Libellé"] == "Personnes accompagnées sur la période, par mode d'accompagnement"
    assert meta["Unité"] == "personnes"
    assert meta["Période"] == "année 2025"
    assert meta["Périmètre"] == "Association Les Cèdres"
    assert meta["Définition"] == DEFINITION.format("personnes-accompagnees-par-mode")
    assert "Masquage" not in meta  # the director sees the gestionnaire in full
    header = rows[rows.index([]) + 1]
    assert header == [
        "Libellé",
        "Valeur (personnes)",
        "Moyenne par établissement (3 établissements)",
        "Département 69 : moyenne par établissement (3 établissements)",
    ]
    assert ["Internat", "12", "4,0", "4,0"] in rows
    assert ["Externat", "19", "6,3", "8,0"] in rows  # decimal comma
    assert ["Total", "31", "10,3", "12,0"] in rows


def test_a_masked_count_is_exported_as_its_mask_never_as_its_number(world, users, login):
    client = login(users["cd69"])
    # E2 supports 4 persons: masked for the department's authority.
    rows = read_csv(
        export(
            client, Scope.establishment(world["E2"]), "csv", YEAR_QUERY + "&indicateur=personnes-accompagnees"
        )
    )
    meta = {row[0]: row[1] for row in rows if len(row) == 2}
    assert meta["Masquage"].startswith("Les effectifs inférieurs à 10 sont masqués")
    assert ["Personnes accompagnées sur la période", "masqué", "12,0"] in rows
    assert not any("4" in cell for row in rows[rows.index([]) + 1 :] for cell in row[1:])
    # The same in the workbook of the department's page, in the drill-down sheet.
    book = workbook(export(client, Scope.department("69"), "xlsx"))
    detail = rows_of(book["Détail"])
    # Persons and admissions are small counts; the FTE is a measure on a small staff: « masqué ».
    assert row_starting(detail, "SESSAD Le Lien")[1:4] == ("masqué", "masqué", "masqué")
    # With the department's totals on the page, a second count of each column is masked with the
    # SESSAD's: IME Les Tilleuls' 12 persons, Hêtre's 20 admissions (24 − 20 − 0 would give 4 back).
    assert row_starting(detail, "Association Hêtre")[1:3] == (20, "masqué")
    assert row_starting(detail, "IME Les Tilleuls")[1:3] == ("masqué", 0)


def test_the_page_workbook_holds_the_page_values(world, users, login):
    response = export(login(users["gdirector"]), Scope.gestionnaire(world["cedres"]), "xlsx")
    book = workbook(response)
    assert book.sheetnames[:4] == [
        "Présentation",
        "Évolution mensuelle",
        "Personnes accompagnées",
        "Activité",
    ]
    assert book.sheetnames[-1] == "Détail"
    cover = dict(rows_of(book["Présentation"]))
    assert cover["Tableau de bord"] == "Association Les Cèdres"
    assert cover["Période"] == "année 2025"
    persons = rows_of(book["Personnes accompagnées"])
    row = row_starting(persons, "Personnes accompagnées sur la période")
    assert row[:3] == ("Personnes accompagnées sur la période", 31, 10.3)
    assert row[3] == 12.0
    # Each table carries its code and the address of its definition.
    assert ("Indicateur (code)", "personnes-accompagnees-par-mode") in [row[:2] for row in persons]
    assert ("Définition", DEFINITION.format("personnes-accompagnees-par-mode")) in [
        row[:2] for row in persons
    ]
    evolution = rows_of(book["Évolution mensuelle"])
    assert row_starting(evolution, "janvier 2025")[1:3] == (27, 3)
    assert row_starting(evolution, "mars 2025")[1:3] == (31, 12)
    detail = rows_of(book["Détail"])
    assert row_starting(detail, "SESSAD Le Lien")[1:3] == (4, 4)  # in full for the director


def test_one_table_as_a_workbook(world, users, login):
    response = export(
        login(users["director"]), Scope.establishment(world["E1"]), "xlsx", YEAR_QUERY + "&tableau=evolution"
    )
    book = workbook(response)
    rows = rows_of(book.active)
    assert row_starting(rows, "Tableau")[1] == "Évolution mois par mois"
    assert row_starting(rows, "mars 2025")[1:3] == (12, 12)


def test_a_formula_like_name_is_written_as_text(world, users, login):
    world["E1"].name = '=HYPERLINK("http://exemple.invalid")'
    world["E1"].save(update_fields=["name"])
    client = login(users["gdirector"])
    book = workbook(export(client, Scope.gestionnaire(world["cedres"]), "xlsx"))
    detail = book["Détail"]
    cell = next(cell for row in detail.iter_rows() for cell in row if cell.value == world["E1"].name)
    assert cell.data_type == "s"
    rows = read_csv(
        export(client, Scope.gestionnaire(world["cedres"]), "csv", YEAR_QUERY + "&tableau=detail")
    )
    assert any(row and row[0] == "'" + world["E1"].name for row in rows)


def test_an_unknown_table_is_not_found_and_a_csv_needs_one(world, users, login):
    client = login(users["director"])
    scope = Scope.establishment(world["E1"])
    assert export(client, scope, "csv", YEAR_QUERY + "&indicateur=inconnu").status_code == 404
    assert export(client, scope, "xlsx", YEAR_QUERY + "&indicateur=inconnu").status_code == 404
    assert export(client, scope, "csv").status_code == 400
