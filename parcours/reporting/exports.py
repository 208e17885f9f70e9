"""The dashboard tables as files: CSV (one table) and XLSX (one table, or the whole page).

The files are written from the page's own `Table` objects (`parcours.reporting.dashboards`), with
the same masking: a masked value is written as its text (« masqué »), never as its number. Each table
carries what it is: the indicator's code, label and unit, the period, the scope, the address of the
indicator's definition, and the masking note when the figures are masked.

CSV is for French spreadsheets: UTF-8 with a byte-order mark, « ; » between columns, a decimal comma.
A text that a spreadsheet would read as a formula (starting with =, +, -, @) is prefixed with « ' ».
"""

import csv
import io
from collections.abc import Callable

from django.utils import timezone
from django.utils.formats import date_format
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from parcours.reporting import registry
from parcours.reporting.dashboards import DashboardPage, Figure, Table, period_text

DefinitionUrl = Callable[[str], str]
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
SHEET_NAME_LENGTH = 31
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


def masking_note(page: DashboardPage) -> str:
    return (
        f"Les effectifs inférieurs à {page.threshold} sont masqués, ainsi que ceux qui permettraient de "
        "les retrouver, et les taux et moyennes calculés sur ces effectifs : toutes ces valeurs se "
        "lisent « masqué »."
    )


def metadata(page: DashboardPage, table: Table, definition_url: DefinitionUrl) -> list[tuple[str, str]]:
    """What a table is, as (name, value) lines written above it."""
    lines = [("Tableau", table.title)]
    if table.code:
        indicator = registry.get(table.code)
        lines += [
            ("Indicateur (code)", indicator.code),
            ("Libellé", indicator.label),
            ("Unité", indicator.unit),
        ]
    lines += [("Période", period_text(page.period)), ("Périmètre", page.label)]
    for code in table.codes:
        lines.append(("Définition" if table.code else f"Définition de « {code} »", definition_url(code)))
    if page.masked:
        lines.append(("Masquage", masking_note(page)))
    return lines


def text_cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_value(figure: Figure) -> str:
    if figure.masked or figure.value is None:
        return figure.text
    if isinstance(figure.value, int):
        return str(figure.value)
    return repr(float(figure.value)).replace(".", ",")


def table_csv(page: DashboardPage, table: Table, definition_url: DefinitionUrl) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for name, value in metadata(page, table, definition_url):
        writer.writerow([name, text_cell(value)])
    writer.writerow([])
    writer.writerow([text_cell(column.label) for column in table.columns])
    for row in table.rows:
        writer.writerow([text_cell(row.label), *(csv_value(figure) for figure in row.figures)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _set_text(sheet, row: int, column: int, text: str, *, bold: bool = False):
    cell = sheet.cell(row=row, column=column)
    cell.value = text
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if bold:
        cell.font = Font(bold=True)
    return cell


def _set_figure(sheet, row: int, column: int, figure: Figure) -> None:
    if figure.masked or figure.value is None:
        _set_text(sheet, row, column, figure.text)
        return
    cell = sheet.cell(row=row, column=column, value=figure.value)
    cell.number_format = "#,##0" if isinstance(figure.value, int) else "#,##0.0#"


def write_table(sheet, start: int, page: DashboardPage, table: Table, definition_url: DefinitionUrl) -> int:
    """Writes the table from line `start`; returns the first free line after it and a blank line."""
    row_number = start
    for name, value in metadata(page, table, definition_url):
        _set_text(sheet, row_number, 1, name, bold=True)
        cell = _set_text(sheet, row_number, 2, value)
        if value.startswith(("http://", "https://")):
            cell.hyperlink = value
        row_number += 1
    row_number += 1
    for index, column in enumerate(table.columns, start=1):
        _set_text(sheet, row_number, index, column.label, bold=True)
    row_number += 1
    for row in table.rows:
        _set_text(sheet, row_number, 1, row.label, bold=row.is_total)
        for index, figure in enumerate(row.figures, start=2):
            _set_figure(sheet, row_number, index, figure)
        row_number += 1
    return row_number + 1


def _sheet_name(name: str, taken: set[str]) -> str:
    base = "".join("-" if char in "[]:*?/\\" else char for char in name)[:SHEET_NAME_LENGTH]
    candidate, number = base, 2
    while candidate in taken:
        suffix = f" ({number})"
        candidate = base[: SHEET_NAME_LENGTH - len(suffix)] + suffix
        number += 1
    taken.add(candidate)
    return candidate


def _widths(sheet) -> None:
    sheet.column_dimensions["A"].width = 60
    for index in range(2, sheet.max_column + 1):
        sheet.column_dimensions[get_column_letter(index)].width = 22


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table_xlsx(page: DashboardPage, table: Table, definition_url: DefinitionUrl) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _sheet_name(table.code or table.title, set())
    write_table(sheet, 1, page, table, definition_url)
    _widths(sheet)
    return _save(workbook)


def page_xlsx(page: DashboardPage, definition_url: DefinitionUrl) -> bytes:
    """The whole page: a first sheet saying what the workbook is, then the monthly evolution, one sheet
    per group of indicators, and the drill-down table."""
    workbook = Workbook()
    taken: set[str] = set()
    cover = workbook.active
    cover.title = _sheet_name("Présentation", taken)
    lines = [
        ("Tableau de bord", page.label),
        ("Période", period_text(page.period)),
        ("Chiffres calculés le", date_format(timezone.localtime(page.computed_at), "j F Y à H:i")),
        (
            "Source",
            "Parcours, à partir des données codées des dossiers, des contrats et des états financiers",
        ),
    ]
    if page.masked:
        lines.append(("Masquage", masking_note(page)))
    if page.parent:
        lines.append(("Comparaison", f"{page.parent.label} (colonnes de comparaison de chaque tableau)"))
    for number, (name, value) in enumerate(lines, start=1):
        _set_text(cover, number, 1, name, bold=True)
        _set_text(cover, number, 2, value)
    _widths(cover)
    sheets: list[tuple[str, list[Table]]] = []
    if page.series:
        sheets.append(("Évolution mensuelle", [page.series]))
    sheets += [(group.label, [item.table for item in group.items]) for group in page.groups]
    if page.children:
        sheets.append(("Détail", [page.children]))
    for name, tables in sheets:
        sheet = workbook.create_sheet(_sheet_name(name, taken))
        line = 1
        for table in tables:
            line = write_table(sheet, line, page, table, definition_url)
        _widths(sheet)
    return _save(workbook)
