"""Reading an import file (CSV or XLSX) into a header and numbered rows, and reading its cells.

CSV: UTF-8 with or without a byte order mark, separator ";" or "," (the one the header line uses),
decimal comma or point, spaces (including non-breaking ones) as thousands separators.
XLSX: the first sheet, read in streaming mode (openpyxl read_only), values rather than formulas.
"""

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 5000
# Physical rows read at most, empty ones included: a sheet of a million formatted empty rows is a
# few kilobytes once compressed.
MAX_PHYSICAL_ROWS = 2 * MAX_ROWS
# A workbook is a zip archive: its declared uncompressed size is bounded before openpyxl reads it (the
# shared strings are loaded whole), so that a small file cannot expand into gigabytes.
MAX_XLSX_UNCOMPRESSED = 40 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"

NUMBER_RE = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)")

Cell = str | int | float | Decimal | None


class UnreadableFile(Exception):
    """The file as a whole cannot be read; the message is for the user, in French."""


def file_kind(filename: str, content: bytes) -> str:
    """ "csv" or "xlsx", from the file's name and first bytes."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        if not content.startswith(XLSX_MAGIC):
            raise UnreadableFile("Le fichier porte l'extension .xlsx mais n'est pas un classeur XLSX.")
        return "xlsx"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".xls") or name.endswith(".ods"):
        raise UnreadableFile(
            "Ce format de classeur n'est pas lu : enregistrez le fichier au format XLSX (Excel 2007 et "
            "suivants) ou CSV."
        )
    raise UnreadableFile("Envoyez un fichier CSV (.csv) ou un classeur XLSX (.xlsx).")


def read_table(filename: str, content: bytes) -> tuple[tuple[int, list[Cell]], list[tuple[int, list[Cell]]]]:
    """The header row and the non-empty data rows, each as (line number in the file, cells). Empty
    lines are skipped, before the header too."""
    if len(content) > MAX_BYTES:
        raise UnreadableFile(too_big_message())
    if not content.strip():
        raise UnreadableFile("Le fichier est vide.")
    reader = _csv_rows(content) if file_kind(filename, content) == "csv" else _xlsx_rows(content)
    header: tuple[int, list[Cell]] | None = None
    rows: list[tuple[int, list[Cell]]] = []
    for physical, (line, cells) in enumerate(reader, 1):
        if physical > MAX_PHYSICAL_ROWS:
            raise UnreadableFile(too_many_rows_message())
        if all(is_blank(cell) for cell in cells):
            continue
        if header is None:
            header = (line, cells)
            continue
        rows.append((line, cells))
        if len(rows) > MAX_ROWS:
            raise UnreadableFile(too_many_rows_message())
    if header is None:
        raise UnreadableFile("Le fichier est vide.")
    return header, rows


def too_big_message() -> str:
    return (
        f"Le fichier dépasse {MAX_BYTES // (1024 * 1024)} Mo : découpez-le en plusieurs fichiers "
        f"(par exemple un par exercice)."
    )


def too_many_rows_message() -> str:
    limit = f"{MAX_ROWS:,}".replace(",", " ")
    return (
        f"Le fichier compte plus de {limit} lignes : découpez-le en plusieurs fichiers (par exemple "
        "un par exercice)."
    )


def _csv_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            "Le fichier CSV n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 »."
        ) from exc
    first_line = text.lstrip().split("\n", 1)[0]
    # The column names contain neither separator: the header line tells which one the file uses.
    delimiter = ";" if ";" in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for cells in reader:
            yield reader.line_num, list(cells)
    except csv.Error as exc:
        raise UnreadableFile(f"Le fichier CSV est mal formé (ligne {reader.line_num}).") from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[Cell]]]:
    import openpyxl  # imported on use: only the import pages need it

    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            expanded = sum(member.file_size for member in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise UnreadableFile("Le classeur XLSX n'a pas pu être lu : vérifiez le fichier.") from exc
    if expanded > MAX_XLSX_UNCOMPRESSED:
        raise UnreadableFile(
            "Le classeur XLSX est trop volumineux une fois décompressé : gardez une seule feuille, sans "
            "mise en forme ni contenu superflu, ou envoyez un fichier CSV."
        )
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # any failure of the reader means the same to the user
        raise UnreadableFile("Le classeur XLSX n'a pas pu être lu : vérifiez le fichier.") from exc
    try:
        if not workbook.worksheets:
            raise UnreadableFile("Le classeur XLSX ne contient aucune feuille.")
        sheet = workbook.worksheets[0]
        try:
            for line, values in enumerate(sheet.iter_rows(values_only=True), 1):
                yield line, list(values)
        except UnreadableFile:
            raise
        except Exception as exc:
            raise UnreadableFile("Le classeur XLSX n'a pas pu être lu : vérifiez le fichier.") from exc
    finally:
        workbook.close()


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def column_name(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip().lower()


def read_decimal(cell: Cell) -> Decimal:
    """A number written "1 234,56", "1234.56", "-12" or stored as a number; ValueError otherwise."""
    if isinstance(cell, bool):
        raise ValueError(cell)
    if isinstance(cell, int | Decimal):
        return Decimal(cell)
    if isinstance(cell, float):
        if cell != cell or cell in (float("inf"), float("-inf")):
            raise ValueError(cell)
        return Decimal(repr(cell))  # the shortest decimal that reads back as this float
    if not isinstance(cell, str):
        raise ValueError(cell)
    text = re.sub(r"\s", "", cell).replace("\u2212", "-").removesuffix("€")
    if not NUMBER_RE.fullmatch(text):
        raise ValueError(cell)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation as exc:
        raise ValueError(cell) from exc


def read_integer(cell: Cell) -> int:
    value = read_decimal(cell)
    if value != value.to_integral_value():
        raise ValueError(cell)
    return int(value)


def read_finess(cell: Cell) -> str:
    """A FINESS number as text; a spreadsheet may have stored it as a number and lost the leading
    zero of departments 01 to 09."""
    if isinstance(cell, float) and cell.is_integer():
        cell = int(cell)
    if isinstance(cell, int) and not isinstance(cell, bool):
        return f"{cell:09d}"
    return "" if cell is None else str(cell)
