"""Importing statements: a file is checked in full, previewed, then applied on confirmation, all or
nothing. The expected figures are those of factories.py (worked out by hand there)."""

import datetime
import html
import io
import zipfile
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from parcours.finance import services
from parcours.finance.models import FinanceImport, FinancialStatement
from parcours.staff.enums import Role
from parcours.staff.models import Membership
from tests.conftest import assert_page_ok
from tests.factories import EstablishmentFactory, GestionnaireFactory, make_professional, with_luhn_key
from tests.finance.factories import CSV_FIGURES, FIGURES, FinancialStatementFactory

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"

# The column names of the documented file format, written out here rather than read from the code.
HEADER = [
    "finess",
    "exercice",
    "total_produits",
    "total_charges",
    "dotations_68",
    "reprises_78",
    "valeur_comptable_cessions_675",
    "produits_cessions_775",
    "quote_part_subventions_777",
    "capitaux_propres",
    "provisions_risques_charges",
    "dettes_financieres",
    "actif_immobilise_net",
    "stocks_creances",
    "dettes_court_terme",
    "disponibilites",
    "concours_bancaires",
    "journees_realisees",
    "places_financees",
]


def row(finess: str, year="2025", **changes) -> dict:
    return {"finess": finess, "exercice": str(year), **CSV_FIGURES, **changes}


def csv_upload(rows, *, header=HEADER, sep=";", bom=True, name="etats.csv", encoding="utf-8"):
    lines = [sep.join(header)] + [sep.join(r.get(column, "") for column in header) for r in rows]
    text = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


@pytest.fixture
def world():
    g, other = GestionnaireFactory(), GestionnaireFactory()
    a = EstablishmentFactory(gestionnaire=g, name="Foyer des Tilleuls")
    b = EstablishmentFactory(gestionnaire=g, name="SESSAD du Rhône")
    elsewhere = EstablishmentFactory(gestionnaire=other, name="MAS des Autres")
    director = make_professional(a, role=Role.ESTABLISHMENT_DIRECTOR).user
    return {"a": a, "b": b, "elsewhere": elsewhere, "g": g, "director": director}


def upload(client, file):
    response = client.post(reverse("finance:import"), {"file": file})
    assert response.status_code == 302
    finance_import = FinanceImport.objects.latest("created_at")
    assert response["Location"] == reverse("finance:import_detail", args=[finance_import.uuid])
    return finance_import


def confirm(client, finance_import):
    return client.post(reverse("finance:import_apply", args=[finance_import.uuid]), follow=True)


def page_text(response) -> str:
    """The page, checked, with its HTML entities decoded (an apostrophe is escaped as &#x27;)."""
    return html.unescape(assert_page_ok(response))


def assert_figures(statement, expected=FIGURES):
    for name, value in expected.items():
        assert getattr(statement, name) == value, name


# Valid files


def test_a_csv_with_semicolons_decimal_commas_and_a_bom_is_imported_on_confirmation(world, login):
    client = login(world["director"])
    finance_import = upload(client, csv_upload([row(world["a"].finess)]))
    assert finance_import.status == "ready"
    assert FinancialStatement.objects.count() == 0

    page = page_text(client.get(reverse("finance:import_detail", args=[finance_import.uuid])))
    assert "Foyer des Tilleuls" in page and "Création" in page and "Confirmer l'import" in page
    assert f"Total des produits (d'exploitation et autres) : 1{NBSP}000{NBSP}000,00 €" in page
    assert FinancialStatement.objects.count() == 0

    page = page_text(confirm(client, finance_import))
    assert "Import appliqué : 1 état réalisé enregistré." in page
    statement = FinancialStatement.objects.get()
    assert (statement.establishment, statement.year) == (world["a"], 2025)
    assert_figures(statement)
    assert statement.imported_by == world["director"]
    assert statement.source_import == finance_import
    finance_import.refresh_from_db()
    assert finance_import.status == "applied" and finance_import.applied_at is not None


def test_a_csv_with_commas_and_decimal_points_by_a_gestionnaire_director(world, login):
    user = make_professional(role=Role.GESTIONNAIRE_DIRECTOR, gestionnaire=world["g"]).user
    plain = {column: value.replace(" ", "").replace(",", ".") for column, value in CSV_FIGURES.items()}
    rows = [
        {"finess": world["a"].finess, "exercice": "2024", **plain},
        {"finess": world["b"].finess, "exercice": "2025", **plain, "total_charges": "950000.5"},
    ]
    client = login(user)
    finance_import = upload(client, csv_upload(rows, sep=",", bom=False))
    assert finance_import.status == "ready", finance_import.errors
    confirm(client, finance_import)
    assert_figures(FinancialStatement.objects.get(establishment=world["a"], year=2024))
    assert FinancialStatement.objects.get(establishment=world["b"]).total_expenses == Decimal("950000.50")


def test_an_xlsx_file_is_imported_on_confirmation(world, login):
    # A FINESS number of department 01 typed as a number loses its leading zero in a spreadsheet.
    ain = EstablishmentFactory(
        gestionnaire=world["g"], name="IME de l'Ain", finess=with_luhn_key("01100042"), department_code="01"
    )
    Membership.objects.create(
        professional=world["director"].professional,
        role=Role.ESTABLISHMENT_DIRECTOR,
        establishment=ain,
        start_date=datetime.date(2020, 1, 1),
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    numbers = [1000000, 950000.0, 40000, 5000, 2000, 3000, 4000.0, 300000, 20000, 180000, 400000, 150000]
    numbers += [110000, 70000, 10000, 9500, 30]
    sheet.append([world["a"].finess, 2025, *numbers])
    sheet.append([int(ain.finess), 2024, *numbers])
    workbook.create_sheet("Notes").append(["ignorée"])
    content = io.BytesIO()
    workbook.save(content)

    client = login(world["director"])
    finance_import = upload(client, SimpleUploadedFile("comptes.xlsx", content.getvalue()))
    assert finance_import.status == "ready", finance_import.errors
    assert FinancialStatement.objects.count() == 0
    confirm(client, finance_import)
    assert_figures(FinancialStatement.objects.get(establishment=world["a"], year=2025))
    assert_figures(FinancialStatement.objects.get(establishment=ain, year=2024))


# Errors: each is listed with its line and column, and nothing is stored but the errors.

THIS_YEAR = timezone.localdate().year
CASES = {
    "unknown column": (
        {"header": [*HEADER, "commentaire"]},
        (
            1,
            "commentaire",
            "Colonne inconnue : « commentaire ». Les noms de colonnes sont ceux du modèle de fichier.",
        ),
    ),
    "missing column": (
        {"header": HEADER[:-1]},
        (1, "places_financees", "Colonne manquante : « places_financees »."),
    ),
    "unreadable amount": (
        {"total_charges": "9,5,0"},
        (2, "total_charges", "Valeur illisible : « 9,5,0 » ; attendu : un montant en euros."),
    ),
    "unreadable count": (
        {"journees_realisees": "9500,5"},
        (2, "journees_realisees", "Valeur illisible : « 9500,5 » ; attendu : un nombre entier."),
    ),
    "empty value": (
        {"reprises_78": ""},
        (2, "reprises_78", "Valeur manquante : indiquez 0 s'il n'y a rien."),
    ),
    "malformed FINESS": (
        {"finess": "12345"},
        (
            2,
            "finess",
            "Le numéro FINESS doit comporter 9 caractères : le département (2 chiffres, 2A ou 2B) puis "
            "7 chiffres. (« 12345 »)",
        ),
    ),
    "unknown FINESS": (
        {"finess": with_luhn_key("75999999")},
        (2, "finess", f"Numéro FINESS inconnu dans Parcours : {with_luhn_key('75999999')}."),
    ),
    "negative amount": (
        {"total_charges": "-5"},
        (2, "total_charges", "Ce montant ne peut pas être négatif."),
    ),
    "three decimals": (
        {"total_charges": "950 000,123"},
        (2, "total_charges", "Assurez-vous qu’il n’y a pas plus de 2 chiffres après la virgule."),
    ),
    "year out of range": (
        {"exercice": "1999"},
        (2, "exercice", f"L'exercice doit être compris entre 2000 et {THIS_YEAR}."),
    ),
    "incoherent balance sheet": (
        {"disponibilites": "80 000,00"},
        (
            2,
            "",
            f"Le bilan n'est pas cohérent : FRNG − BFR = 60{NBSP}000,00 € mais la trésorerie vaut "
            f"70{NBSP}000,00 €.",
        ),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=str)
def test_each_error_is_listed_with_its_line_and_column_and_nothing_changes(world, login, case):
    changes, expected = CASES[case]
    changes = dict(changes)
    header = changes.pop("header", HEADER)
    existing = FinancialStatementFactory(establishment=world["a"], year=2024)
    client = login(world["director"])
    rows = [row(**{"finess": world["a"].finess, **changes})]
    finance_import = upload(client, csv_upload(rows, header=header))

    assert finance_import.status == "rejected"
    assert finance_import.rows == []
    line, column, message = expected
    assert finance_import.errors == [{"line": line, "column": column, "message": message}]
    assert list(FinancialStatement.objects.all()) == [existing]
    page = page_text(client.get(reverse("finance:import_detail", args=[finance_import.uuid])))
    assert "1 erreur : rien n'a été importé." in page
    assert f'<th scope="row">{line}</th>' in page
    assert "Confirmer l'import" not in page
    assert "Cet import contient des erreurs" in page_text(confirm(client, finance_import))
    assert list(FinancialStatement.objects.all()) == [existing]


def test_a_row_of_an_establishment_the_user_does_not_direct(world, login):
    # B belongs to the same gestionnaire, but the user directs A only.
    client = login(world["director"])
    for establishment in (world["b"], world["elsewhere"]):
        finance_import = upload(client, csv_upload([row(world["a"].finess), row(establishment.finess)]))
        assert finance_import.status == "rejected"
        assert finance_import.errors == [
            {
                "line": 3,
                "column": "finess",
                "message": f"Vous ne dirigez pas l'établissement « {establishment.name} » (FINESS "
                f"{establishment.finess}) : vous ne pouvez pas importer ses comptes.",
            }
        ]
    # The valid row of A was not kept either.
    assert FinancialStatement.objects.count() == 0


def test_a_duplicate_row(world, login):
    client = login(world["director"])
    finance_import = upload(client, csv_upload([row(world["a"].finess), row(world["a"].finess)]))
    assert finance_import.errors == [
        {
            "line": 3,
            "column": "exercice",
            "message": "Ligne en double : l'établissement « Foyer des Tilleuls » "
            f"(FINESS {world['a'].finess}) pour l'exercice 2025 figure déjà ligne 2.",
        }
    ]


def test_several_errors_are_all_listed(world, login):
    client = login(world["director"])
    rows = [
        row(world["a"].finess, total_charges="abc"),
        row(world["a"].finess, year="2024"),
        row("", year="2023", reprises_78=""),
    ]
    finance_import = upload(client, csv_upload(rows))
    assert [(error["line"], error["column"]) for error in finance_import.errors] == [
        (2, "total_charges"),
        (4, "finess"),
        (4, "reprises_78"),
    ]
    assert finance_import.error_count == 3
    assert finance_import.rows == []


def zip_bomb() -> bytes:
    """A valid zip of a few tens of kilobytes holding 41 MB of spaces."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/sharedStrings.xml", b" " * (41 * 1024 * 1024))
    return out.getvalue()


FILE_CASES = {
    "not UTF-8": (
        lambda finess: csv_upload(
            [row(finess, total_produits="1 000 000,00 é")], bom=False, encoding="latin-1"
        ),
        "Le fichier CSV n'est pas encodé en UTF-8 : enregistrez-le en « CSV UTF-8 ».",
    ),
    "another format": (
        lambda finess: SimpleUploadedFile("etats.txt", b"finess;exercice\r\n"),
        "Envoyez un fichier CSV (.csv) ou un classeur XLSX (.xlsx).",
    ),
    "not a workbook": (
        lambda finess: SimpleUploadedFile("etats.xlsx", b"finess;exercice\r\n"),
        "Le fichier porte l'extension .xlsx mais n'est pas un classeur XLSX.",
    ),
    "a corrupt workbook": (
        lambda finess: SimpleUploadedFile("etats.xlsx", b"PK\x03\x04" + b"\x00" * 100),
        "Le classeur XLSX n'a pas pu être lu : vérifiez le fichier.",
    ),
    "a workbook expanding beyond 40 MB": (
        lambda finess: SimpleUploadedFile("etats.xlsx", zip_bomb()),
        "Le classeur XLSX est trop volumineux une fois décompressé : gardez une seule feuille, sans "
        "mise en forme ni contenu superflu, ou envoyez un fichier CSV.",
    ),
    "header only": (
        lambda finess: csv_upload([]),
        "Le fichier ne contient que la ligne des noms de colonnes : aucun état à importer.",
    ),
    "too many rows": (
        lambda finess: csv_upload([row(finess, year=str(2000 + n % 20)) for n in range(5001)]),
        "Le fichier compte plus de 5 000 lignes : découpez-le en plusieurs fichiers (par exemple un par "
        "exercice).",
    ),
}


@pytest.mark.parametrize("case", FILE_CASES, ids=str)
def test_a_file_that_cannot_be_read(world, login, case):
    make_file, message = FILE_CASES[case]
    client = login(world["director"])
    finance_import = upload(client, make_file(world["a"].finess))
    assert finance_import.status == "rejected"
    assert finance_import.errors == [{"line": None, "column": "", "message": message}]
    assert FinancialStatement.objects.count() == 0


def test_a_file_over_two_megabytes_is_refused_before_reading(world, login):
    client = login(world["director"])
    big = SimpleUploadedFile("etats.csv", b"finess;" + b"x" * (2 * 1024 * 1024))
    response = client.post(reverse("finance:import"), {"file": big})
    page = page_text(response)
    assert (
        "Le fichier dépasse 2 Mo : découpez-le en plusieurs fichiers (par exemple un par exercice)." in page
    )
    assert FinanceImport.objects.count() == 0


# Replacing, applying once, by its author only


def test_replacing_a_statement_shows_old_and_new_and_replaces_on_confirmation(world, login):
    existing = FinancialStatementFactory(establishment=world["a"], year=2025)
    client = login(world["director"])
    changed = row(world["a"].finess, total_produits="1 100 000,00", total_charges="1 050 000,00")
    finance_import = upload(client, csv_upload([changed]))

    page = page_text(client.get(reverse("finance:import_detail", args=[finance_import.uuid])))
    assert "Remplacement" in page
    assert f"<del>1{NBSP}000{NBSP}000,00 €</del> → <ins>1{NBSP}100{NBSP}000,00 €</ins>" in page
    assert f"<del>950{NBSP}000,00 €</del> → <ins>1{NBSP}050{NBSP}000,00 €</ins>" in page
    existing.refresh_from_db()
    assert existing.total_revenue == Decimal("1000000.00")

    confirm(client, finance_import)
    replaced = FinancialStatement.objects.get()
    assert replaced.uuid == existing.uuid
    assert replaced.total_revenue == Decimal("1100000.00")
    assert replaced.total_expenses == Decimal("1050000.00")
    assert replaced.imported_by == world["director"]
    # The applied import still tells what it replaced.
    page = page_text(client.get(reverse("finance:import_detail", args=[finance_import.uuid])))
    assert "1 remplacé" in page
    assert f"<del>1{NBSP}000{NBSP}000,00 €</del> → <ins>1{NBSP}100{NBSP}000,00 €</ins>" in page


def test_an_import_cannot_be_applied_twice(world, login):
    client = login(world["director"])
    finance_import = upload(client, csv_upload([row(world["a"].finess)]))
    confirm(client, finance_import)
    first = FinancialStatement.objects.get()
    page = page_text(confirm(client, finance_import))
    assert "Cet import a déjà été appliqué le" in page
    again = FinancialStatement.objects.get()
    assert again.imported_at == first.imported_at


def test_only_its_author_may_see_and_apply_an_import(world, login):
    colleague = make_professional(world["a"], role=Role.ESTABLISHMENT_DIRECTOR).user
    finance_import = upload(login(world["director"]), csv_upload([row(world["a"].finess)]))
    client = login(colleague)
    assert client.get(reverse("finance:import_detail", args=[finance_import.uuid])).status_code == 404
    assert client.post(reverse("finance:import_apply", args=[finance_import.uuid])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.apply_import(finance_import, actor=colleague)
    assert FinancialStatement.objects.count() == 0
    assert FinanceImport.objects.get().status == "ready"


def test_nothing_is_applied_when_the_author_no_longer_directs_one_establishment(world, login):
    Membership.objects.create(
        professional=world["director"].professional,
        role=Role.ESTABLISHMENT_DIRECTOR,
        establishment=world["b"],
        start_date=datetime.date(2020, 1, 1),
    )
    client = login(world["director"])
    finance_import = upload(client, csv_upload([row(world["a"].finess), row(world["b"].finess)]))
    assert finance_import.status == "ready"
    Membership.objects.filter(establishment=world["b"]).update(
        end_date=timezone.localdate() - datetime.timedelta(days=1)
    )
    page = page_text(confirm(client, finance_import))
    assert (
        "Ligne 3 : vous ne dirigez plus l'établissement « SESSAD du Rhône » ; rien n'a été importé." in page
    )
    assert FinancialStatement.objects.count() == 0
    assert FinanceImport.objects.get().status == "ready"
