"""The blank import files offered for download: the header row, and in the workbook a second sheet
describing each column. No example row: an invented establishment could be imported by mistake."""

import io

from parcours.finance.columns import COLUMNS, SLUGS

BLANK_SHEET = "États réalisés"
HELP_SHEET = "Colonnes"


def blank_csv() -> bytes:
    """The header line, ";"-separated, in UTF-8 with a byte order mark (so that spreadsheet software
    opens it with the right accents)."""
    return ("\ufeff" + ";".join(SLUGS) + "\r\n").encode("utf-8")


def blank_xlsx() -> bytes:
    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = BLANK_SHEET
    sheet.append(list(SLUGS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        sheet.column_dimensions[cell.column_letter].width = max(12, len(cell.value) + 2)
    sheet.freeze_panes = "A2"
    help_sheet = workbook.create_sheet(HELP_SHEET)
    help_sheet.append(["colonne", "contenu", "format"])
    for cell in help_sheet[1]:
        cell.font = Font(bold=True)
    for column in COLUMNS:
        help_sheet.append([column.slug, column.label, column.unit])
    for letter, width in (("A", 32), ("B", 90), ("C", 28)):
        help_sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
