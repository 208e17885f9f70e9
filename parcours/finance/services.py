"""Importing financial statements: a file is checked in full and kept as an import, then applied on
its author's confirmation, all rows in one transaction, or none.

Checking a file stores nothing but the import record: its checked rows when the whole file is
valid, its errors (line, column, message) otherwise. No statement is created or replaced before
the confirmation.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from parcours.core.identifiers import compact, validate_finess
from parcours.finance.columns import BY_FIELD, COLUMNS, FIGURE_FIELDS, SLUGS, Kind
from parcours.finance.enums import ImportStatus
from parcours.finance.models import FinanceImport, FinancialStatement
from parcours.finance.permissions import managed_establishments, require_finance_access
from parcours.finance.reading import (
    UnreadableFile,
    column_name,
    is_blank,
    read_decimal,
    read_finess,
    read_integer,
    read_table,
)
from parcours.organisations.models import Establishment

# Errors kept on a rejected import (the count of the others is kept too): beyond, the user fixes
# the first ones and sends the file again.
MAX_ERRORS_KEPT = 200
# Fields checked on the statement built from a row: the links are set by the import itself.
NOT_CHECKED = ["establishment", "imported_by", "source_import"]


@dataclass
class Checked:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)

    def error(self, line: int | None, column: str, message: str) -> None:
        self.errors.append({"line": line, "column": column, "message": message})


def check_file(filename: str, content: bytes, *, managed: frozenset[int]) -> Checked:
    """Read and check every row of the file. `managed` holds the establishments whose accounts the
    sender may import. Reads the establishments named in the file in one query."""
    checked = Checked()
    try:
        (header_line, header), rows = read_table(filename, content)
    except UnreadableFile as exc:
        checked.error(None, "", str(exc))
        return checked
    positions = _check_header(header_line, header, checked)
    if checked.errors:
        return checked
    if not rows:
        checked.error(
            None, "", "Le fichier ne contient que la ligne des noms de colonnes : aucun état à importer."
        )
        return checked
    finess_numbers = {compact(read_finess(cells[positions["finess"]])) for _, cells in _padded(rows, header)}
    establishments = {
        row["finess"]: row
        for row in Establishment.objects.filter(finess__in=finess_numbers).values("pk", "finess", "name")
    }
    seen: dict[tuple[str, int], int] = {}
    for line, cells in _padded(rows, header):
        _check_row(line, cells, positions, establishments, managed, seen, checked)
    return checked


def _padded(rows, header):
    for line, cells in rows:
        yield line, list(cells) + [None] * (len(header) - len(cells))


def _check_header(line: int, header: list, checked: Checked) -> dict[str, int]:
    """{column name: position}; errors on unknown, repeated and missing columns."""
    positions: dict[str, int] = {}
    while header and is_blank(header[-1]):
        header.pop()
    for index, cell in enumerate(header):
        name = column_name(cell)
        if not name:
            checked.error(line, "", f"La colonne n° {index + 1} n'a pas de nom : nommez-la ou retirez-la.")
        elif name not in SLUGS:
            checked.error(
                line,
                name,
                f"Colonne inconnue : « {name} ». Les noms de colonnes sont ceux du modèle de fichier.",
            )
        elif name in positions:
            checked.error(line, name, f"La colonne « {name} » figure deux fois.")
        else:
            positions[name] = index
    for slug in SLUGS:
        if slug not in positions:
            checked.error(line, slug, f"Colonne manquante : « {slug} ».")
    return positions


def _check_row(line, cells, positions, establishments, managed, seen, checked: Checked) -> None:
    errors_before = len(checked.errors)
    width = len(positions)
    for extra in range(width, len(cells)):
        if not is_blank(cells[extra]):
            checked.error(line, "", f"Valeur hors des colonnes nommées (colonne n° {extra + 1}).")
    values: dict = {}
    establishment = None
    for column in COLUMNS:
        cell = cells[positions[column.slug]]
        if is_blank(cell):
            hint = " : indiquez 0 s'il n'y a rien." if column.kind in (Kind.AMOUNT, Kind.COUNT) else "."
            checked.error(line, column.slug, f"Valeur manquante{hint}")
            continue
        if column.kind == Kind.FINESS:
            establishment = _check_finess(line, cell, establishments, managed, checked)
            continue
        try:
            values[column.field] = read_decimal(cell) if column.kind == Kind.AMOUNT else read_integer(cell)
        except ValueError:
            expected = "un montant en euros" if column.kind == Kind.AMOUNT else "un nombre entier"
            shown = str(cell) if len(str(cell)) <= 30 else str(cell)[:30] + "…"
            checked.error(line, column.slug, f"Valeur illisible : « {shown} » ; attendu : {expected}.")
    if len(checked.errors) > errors_before:
        return
    key = (establishment["finess"], values["year"])
    if key in seen:
        checked.error(
            line,
            "exercice",
            f"Ligne en double : l'établissement « {establishment['name']} » (FINESS {key[0]}) pour "
            f"l'exercice {key[1]} figure déjà ligne {seen[key]}.",
        )
        return
    seen[key] = line
    statement = FinancialStatement(establishment_id=establishment["pk"], **values)
    try:
        statement.full_clean(exclude=NOT_CHECKED, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in exc.message_dict.items():
            column = BY_FIELD[name].slug if name in BY_FIELD else ""
            for message in messages:
                checked.error(line, column, message)
        return
    checked.rows.append(
        {
            "line": line,
            "establishment_id": establishment["pk"],
            "finess": establishment["finess"],
            "name": establishment["name"],
            "year": statement.year,
            "values": {name: str(getattr(statement, name)) for name in FIGURE_FIELDS},
        }
    )


def _check_finess(line, cell, establishments, managed, checked: Checked) -> dict | None:
    number = compact(read_finess(cell))
    try:
        validate_finess(number)
    except ValidationError as exc:
        checked.error(line, "finess", f"{exc.messages[0]} (« {cell} »)")
        return None
    establishment = establishments.get(number)
    if establishment is None:
        checked.error(line, "finess", f"Numéro FINESS inconnu dans Parcours : {number}.")
        return None
    if establishment["pk"] not in managed:
        checked.error(
            line,
            "finess",
            f"Vous ne dirigez pas l'établissement « {establishment['name']} » (FINESS {number}) : vous ne "
            "pouvez pas importer ses comptes.",
        )
        return None
    return establishment


@transaction.atomic
def create_import(filename: str, content: bytes, *, actor) -> FinanceImport:
    """Check a file sent by `actor` and keep it as an import: ready to be confirmed when every row is
    valid, refused with its errors otherwise. Creates or replaces no statement."""
    managed = require_finance_access(actor)
    checked = check_file(filename, content, managed=managed)
    finance_import = FinanceImport(
        created_by=actor,
        filename=filename[:255],
        status=ImportStatus.REJECTED if checked.errors else ImportStatus.READY,
        rows=[] if checked.errors else checked.rows,
        errors=checked.errors[:MAX_ERRORS_KEPT],
        error_count=len(checked.errors),
    )
    finance_import.full_clean()
    finance_import.save()
    return finance_import


@transaction.atomic
def apply_import(finance_import: FinanceImport, *, actor) -> list[FinancialStatement]:
    """Create or replace the statements of a ready import, all in one transaction; only its author
    may, once. Each row keeps the figures it replaced. Returns the statements written."""
    locked = FinanceImport.objects.select_for_update().get(pk=finance_import.pk)
    if locked.created_by_id != actor.pk:
        raise PermissionDenied("Seule la personne qui a envoyé le fichier peut confirmer l'import.")
    if locked.status == ImportStatus.APPLIED:
        raise ValidationError(
            f"Cet import a déjà été appliqué le {timezone.localtime(locked.applied_at):%d/%m/%Y à %H:%M}."
        )
    if locked.status != ImportStatus.READY:
        raise ValidationError(
            "Cet import contient des erreurs : corrigez le fichier et envoyez-le de nouveau."
        )
    managed = managed_establishments(actor)
    existing = {
        (statement.establishment_id, statement.year): statement
        for statement in FinancialStatement.objects.select_for_update().filter(
            establishment_id__in={row["establishment_id"] for row in locked.rows},
            year__in={row["year"] for row in locked.rows},
        )
    }
    now = timezone.now()
    created, replaced = [], []
    for row in locked.rows:
        if row["establishment_id"] not in managed:
            raise ValidationError(
                f"Ligne {row['line']} : vous ne dirigez plus l'établissement « {row['name']} » ; rien "
                "n'a été importé."
            )
        statement = existing.get((row["establishment_id"], row["year"]))
        if statement is None:
            statement = FinancialStatement(establishment_id=row["establishment_id"], year=row["year"])
            created.append(statement)
        else:
            row["previous"] = {name: str(getattr(statement, name)) for name in FIGURE_FIELDS}
            replaced.append(statement)
        for name, value in row["values"].items():
            setattr(statement, name, int(value) if BY_FIELD[name].kind == Kind.COUNT else Decimal(value))
        statement.imported_by = actor
        statement.imported_at = now
        statement.source_import = locked
        statement.full_clean(exclude=NOT_CHECKED, validate_unique=False, validate_constraints=False)
    FinancialStatement.objects.bulk_create(created)
    FinancialStatement.objects.bulk_update(
        replaced, [*FIGURE_FIELDS, "imported_by", "imported_at", "source_import"]
    )
    locked.status = ImportStatus.APPLIED
    locked.applied_at = now
    locked.full_clean()
    locked.save(update_fields=["status", "applied_at", "rows"])
    finance_import.refresh_from_db()
    return created + replaced
