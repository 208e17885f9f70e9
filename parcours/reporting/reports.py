"""The reports of one establishment, built from the data: the yearly activity report (rapport
d'activité, a PDF) and the SERAFIN-PH activity summary (a page, a CSV and an XLSX file).

Both hold aggregates only, never a person: no name, birth date or identifier reaches them.

The activity report is every indicator of the registry that applies to an establishment, grouped by
theme, published through `parcours.reporting.publication` (masked or in full, as the viewer's access
says), for the year and the year before, with the definition of every indicator in an annex. An
indicator declared tomorrow appears in the report without touching this file: its theme is that of
the module that declares it (`THEME_OF_MODULE`), or "Autres indicateurs".

The SERAFIN-PH summary lists every code of the two SERAFIN-PH nomenclatures as loaded (their own
codes and labels, in their order, rows at zero kept): for the prestations, how many were delivered
and for how many hours; for the needs, how many assessed persons have each one. Masked, each block
(a level-2 code and its sub-codes, with its subtotal) is one series of `disclosure.suppress`, and the
subtotals with the level-1 codes and the total form one more: a subtotal masked in one is masked in
the other, until both are protected.
"""

import csv
import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db.models import Count, OuterRef, Subquery
from django.template.loader import render_to_string
from django.utils import timezone

from parcours.nomenclature.models import CodeSystem, Concept, SystemSlug
from parcours.organisations.enums import SupportMode
from parcours.organisations.models import Capacity, Establishment
from parcours.records.models import Admission, Need, NeedsAssessment
from parcours.reporting import disclosure, registry, rollups
from parcours.reporting.exports import text_cell
from parcours.reporting.publication import NOT_COMPUTABLE, Cell, Memo, Published, publish
from parcours.reporting.registry import Disclosure, Indicator, Period, Scope

# No report before this year: Parcours did not exist, and the year before must be a valid year too.
FIRST_YEAR = 2000
PDF_STYLESHEET = Path(__file__).parent / "templates" / "reporting" / "report" / "activity_report.css"
GENERATED_BY = "Document généré par Parcours à partir des données du dossier"


class YearNotAvailable(ValueError):
    """A year with no report: in the future, or before Parcours."""


@dataclass(frozen=True)
class ReportYear:
    """The year of a report and what it covers. The current year runs from 1 January to today, and
    is compared with the same days of the year before (a partial year against a whole one would
    mislead); a past year is whole, and so is the year before."""

    year: int
    period: Period
    previous: Period
    in_progress: bool

    @property
    def label(self) -> str:
        return f"{self.year} (en cours)" if self.in_progress else str(self.year)

    @property
    def previous_label(self) -> str:
        return f"{self.year - 1} (même période)" if self.in_progress else str(self.year - 1)


def same_day_in(year: int, day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February, in a common year
        return day.replace(year=year, day=28)


def report_year(year: int, today: datetime.date | None = None, *, complete_only: bool = False) -> ReportYear:
    """The report year, or YearNotAvailable for a future year or one before FIRST_YEAR, and with
    `complete_only` (a masked report) for the current year: the year so far, asked today and
    yesterday, would give by difference counts masked in both."""
    today = today or timezone.localdate()
    if complete_only and year == today.year:
        raise YearNotAvailable(
            f"L'année {year} n'est pas terminée : ces chiffres étant masqués en partie, choisissez une "
            "année complète."
        )
    if year > today.year:
        raise YearNotAvailable(
            f"L'année {year} n'est pas encore commencée : choisissez une année passée ou l'année en cours."
        )
    if year < FIRST_YEAR:
        raise YearNotAvailable(
            f"Parcours ne produit pas de rapport pour une année antérieure à {FIRST_YEAR}."
        )
    if year == today.year:
        return ReportYear(
            year,
            Period(datetime.date(year, 1, 1), today),
            Period(datetime.date(year - 1, 1, 1), same_day_in(year - 1, today)),
            in_progress=True,
        )
    return ReportYear(year, Period.year(year), Period.year(year - 1), in_progress=False)


def available_years(establishment: Establishment, today: datetime.date | None = None) -> list[int]:
    """The years one may ask a report for, most recent first: from the first admission in the
    establishment (or the current year when there is none) to the current year."""
    today = today or timezone.localdate()
    first = (
        Admission.objects.filter(establishment=establishment)
        .order_by("start_date")
        .values_list("start_date", flat=True)
        .first()
    )
    start = max(FIRST_YEAR, min(first.year, today.year)) if first else today.year
    return list(range(today.year, start - 1, -1))


# The yearly activity report


@dataclass(frozen=True)
class Theme:
    key: str
    title: str
    # Said when no indicator of the theme has a value (other than zero), the year or the year before.
    empty: str


PERSONS = Theme(
    "personnes",
    "Personnes accompagnées",
    "Aucune personne accompagnée n'est enregistrée, ni sur la période ni sur celle de comparaison.",
)
MOVEMENTS = Theme(
    "admissions-sorties",
    "Admissions et sorties",
    "Aucune admission ni sortie n'est enregistrée, ni sur la période ni sur celle de comparaison.",
)
ACTIVITY = Theme(
    "activite",
    "Activité",
    "Aucune activité n'est enregistrée, ni sur la période ni sur celle de comparaison.",
)
STAFF = Theme(
    "personnel",
    "Personnel",
    "Aucun contrat de travail n'est enregistré, ni sur la période ni sur celle de comparaison.",
)
FINANCE = Theme(
    "finances",
    "Finances",
    "Aucun état financier (compte réalisé) n'est enregistré, ni pour l'année ni pour la précédente.",
)
WAITING_LIST = Theme(
    "liste-attente",
    "Liste d'attente",
    "Aucune personne n'est inscrite en liste d'attente, ni sur la période ni sur celle de comparaison.",
)
OTHERS = Theme(
    "autres", "Autres indicateurs", "Aucune donnée, ni sur la période ni sur celle de comparaison."
)
THEMES = (PERSONS, MOVEMENTS, ACTIVITY, STAFF, FINANCE, WAITING_LIST, OTHERS)

# The theme of an indicator is that of the module declaring it (as the dashboards group them)...
THEME_OF_MODULE = {
    "parcours.reporting.indicators.persons": PERSONS,
    "parcours.reporting.indicators.activity": ACTIVITY,
    "parcours.reporting.indicators.staff": STAFF,
    "parcours.reporting.indicators.finance": FINANCE,
    "parcours.reporting.indicators.coordination": WAITING_LIST,
}
# ...except the movements, declared with the persons: their codes start with these words.
MOVEMENT_CODES = ("admissions", "sorties", "duree-moyenne-accompagnement")


def theme_of(indicator: Indicator) -> Theme:
    theme = THEME_OF_MODULE.get(indicator.compute.__module__, OTHERS)
    if theme is PERSONS and indicator.code.startswith(MOVEMENT_CODES):
        return MOVEMENTS
    return theme


def report_indicators(scope: Scope) -> list[tuple[Theme, list[Indicator]]]:
    """The registry's indicators that apply to the scope, by theme in THEMES' order, each theme's
    in declaration order; themes without an indicator left out."""
    grouped: dict[str, list[Indicator]] = {theme.key: [] for theme in THEMES}
    for indicator in registry.all():
        if indicator.applies_to(scope):
            grouped[theme_of(indicator).key].append(indicator)
    return [(theme, grouped[theme.key]) for theme in THEMES if grouped[theme.key]]


def cell_text(cell: Cell | None, *, measure: bool = False) -> str:
    """A published value as printed (« masqué » when masked, « — » when not computable)."""
    return NOT_COMPUTABLE if cell is None else cell.text


@dataclass(frozen=True)
class Line:
    """One row of a report table: a label and its published value for the year before and the year."""

    label: str
    previous: Cell | None
    current: Cell | None
    is_total: bool = False
    measure: bool = False

    @property
    def previous_text(self) -> str:
        return cell_text(self.previous, measure=self.measure)

    @property
    def current_text(self) -> str:
        return cell_text(self.current, measure=self.measure)


def _is_empty(cell: Cell | None) -> bool:
    return cell is None or (not cell.masked and cell.value in (0, None))


@dataclass(frozen=True)
class Figure:
    """One indicator of the report: its value (or breakdown) for the year, beside the year before."""

    indicator: Indicator
    current: Published
    previous: Published
    lines: list[Line]
    # Rows of a breakdown left out because they are zero (or not computable) both years.
    omitted: int = 0

    @property
    def is_breakdown(self) -> bool:
        return self.current.is_breakdown

    @property
    def has_value(self) -> bool:
        """Whether either year has something to say: a non-zero value, or a masked one."""
        return any(
            not _is_empty(cell) for published in (self.current, self.previous) for cell in published.cells
        )

    @property
    def any_masked(self) -> bool:
        return self.current.any_masked or self.previous.any_masked


def figure(indicator: Indicator, current: Published, previous: Published) -> Figure:
    measure = indicator.disclosure == Disclosure.MEASURE
    if not current.is_breakdown:
        line = Line(indicator.label, previous.value, current.value, measure=measure)
        return Figure(indicator, current, previous, [line])
    before = {cell.label: cell for cell in previous.rows}
    labels = [cell.label for cell in current.rows]
    # A row of the year before that the year no longer has (a code since removed) is kept.
    labels += [label for label in before if label not in set(labels)]
    now = {cell.label: cell for cell in current.rows}
    lines, omitted = [], 0
    for label in labels:
        if _is_empty(now.get(label)) and _is_empty(before.get(label)):
            omitted += 1
            continue
        lines.append(Line(label, before.get(label), now.get(label), measure=measure))
    if current.total is not None or previous.total is not None:
        lines.append(Line("Total", previous.total, current.total, is_total=True, measure=measure))
    return Figure(indicator, current, previous, lines, omitted)


@dataclass(frozen=True)
class Section:
    theme: Theme
    figures: list[Figure]

    @property
    def has_value(self) -> bool:
        return any(item.has_value for item in self.figures)


@dataclass(frozen=True)
class ActivityReport:
    establishment: Establishment
    year: ReportYear
    generated_at: datetime.datetime
    masked: bool
    threshold: int
    capacities: list[tuple[str, int]]
    sections: list[Section]
    # Every indicator the report uses, in the order of the report, for the annex of definitions.
    indicators: list[Indicator] = field(default_factory=list)

    @property
    def total_places(self) -> int:
        return sum(places for _mode, places in self.capacities)

    @property
    def any_masked(self) -> bool:
        return any(item.any_masked for section in self.sections for item in section.figures)

    @property
    def filename(self) -> str:
        """No personal data in the name: the establishment's FINESS number and the year."""
        suffix = "-en-cours" if self.year.in_progress else ""
        return f"rapport-activite-{self.establishment.finess}-{self.year.year}{suffix}.pdf"


def capacities_of(establishment: Establishment) -> list[tuple[str, int]]:
    places = dict(Capacity.objects.filter(establishment=establishment).values_list("mode", "places"))
    return [(label, places[mode]) for mode, label in SupportMode.choices if mode in places]


def build_activity_report(
    establishment: Establishment, year: ReportYear, *, masked: bool, threshold: int | None = None
) -> ActivityReport:
    """The report's content, every figure published for the viewer (`masked`: see
    `parcours.reporting.permissions`). The finances are not about persons: an authority reads them
    as the direction does (it receives the yearly statements anyway)."""
    threshold = disclosure.default_threshold() if threshold is None else threshold
    scope = Scope.establishment(establishment)
    memo = Memo()
    sections, used = [], []
    for theme, indicators in report_indicators(scope):
        figures = []
        for indicator in indicators:
            current = publish(indicator, scope, year.period, masked=masked, memo=memo, threshold=threshold)
            previous = publish(indicator, scope, year.previous, masked=masked, memo=memo, threshold=threshold)
            figures.append(figure(indicator, current, previous))
            used.append(indicator)
        sections.append(Section(theme, figures))
    return ActivityReport(
        establishment=establishment,
        year=year,
        generated_at=timezone.now(),
        masked=masked,
        threshold=threshold,
        capacities=capacities_of(establishment),
        sections=sections,
        indicators=used,
    )


DISCLOSURE_TEXT = {
    Disclosure.COUNT: "effectif : masqué sous le seuil de diffusion, avec masquage secondaire",
    Disclosure.MEASURE: "mesure : masquée là où la population sur laquelle elle porte l'est",
    Disclosure.PUBLIC: "jamais masqué (ne porte pas sur des personnes)",
}


def render_activity_report_pdf(report: ActivityReport) -> bytes:
    # Imported here: WeasyPrint is slow to import and only this download needs it.
    from weasyprint import CSS, HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "reporting/report/activity_report_pdf.html",
        {
            "report": report,
            "establishment": report.establishment,
            "generated_by": GENERATED_BY,
            "disclosure_text": DISCLOSURE_TEXT,
        },
    )
    # Everything is in the page itself: nothing is fetched, not even a local file.
    no_fetch = URLFetcher(allowed_protocols=frozenset())
    stylesheet = CSS(string=PDF_STYLESHEET.read_text(encoding="utf-8"), url_fetcher=no_fetch)
    return HTML(string=html, url_fetcher=no_fetch).write_pdf(stylesheets=[stylesheet])


# The SERAFIN-PH activity summary

CODE, SUBTOTAL, TOTAL = "code", "subtotal", "total"
NO_LABEL = "intitulé non publié dans la source"


@dataclass(frozen=True)
class SummaryLine:
    """A row of a SERAFIN-PH table: a code of the nomenclature (its own count), the subtotal of a
    block, or the total. `count` and `hours` are published cells (None hours: the needs)."""

    kind: str
    code: str
    label: str
    level: int
    count: Cell
    hours: Cell | None = None

    @property
    def is_code(self) -> bool:
        return self.kind == CODE

    @property
    def hours_text(self) -> str:
        """Hours are a measure of the prestations beside them: masked with them, they read « masqué »."""
        return cell_text(self.hours, measure=True)


@dataclass(frozen=True)
class SummaryTable:
    key: str
    title: str
    system: CodeSystem
    count_label: str
    lines: list[SummaryLine]
    has_hours: bool

    @property
    def total(self) -> SummaryLine:
        return self.lines[-1]


@dataclass(frozen=True)
class SerafinSummary:
    establishment: Establishment
    year: ReportYear
    masked: bool
    threshold: int
    prestations: SummaryTable
    needs: SummaryTable
    assessed: Cell

    @property
    def tables(self) -> list[SummaryTable]:
        return [self.prestations, self.needs]

    @property
    def any_masked(self) -> bool:
        lines = [*self.prestations.lines, *self.needs.lines]
        return self.assessed.masked or any(line.count.masked for line in lines)

    def filename(self, extension: str) -> str:
        suffix = "-en-cours" if self.year.in_progress else ""
        return f"serafin-ph-{self.establishment.finess}-{self.year.year}{suffix}.{extension}"


def delivered_by_code(establishment: Establishment, period: Period) -> dict[str, tuple[int, int]]:
    """{prestation code: (prestations delivered, minutes)} in the establishment over the period, read
    from the rollups of the service log, as the activity indicators read them (never the log itself)."""
    return rollups.service_totals(Establishment.objects.filter(pk=establishment.pk), period.start, period.end)


def persons_by_need(establishment: Establishment, period: Period) -> tuple[dict[str, int], int]:
    """({need code: persons having it}, persons assessed): for each person supported in the
    establishment over the period, the needs of their latest assessment made there on or before the
    period's last day (the most recent; the same day, the last recorded), as the indicator
    besoins-par-bloc reads them. A need is coded once per assessment, so counting needs counts persons."""
    supported = Admission.objects.filter(establishment=establishment, start_date__lte=period.end).exclude(
        end_date__lt=period.start
    )
    in_scope = NeedsAssessment.objects.filter(establishment=establishment, date__lte=period.end)
    latest = in_scope.filter(
        person__in=supported.values("person"),
        pk=Subquery(in_scope.filter(person=OuterRef("person")).order_by("-date", "-pk").values("pk")[:1]),
    )
    rows = (
        Need.objects.filter(assessment__in=latest).values("concept__code").annotate(n=Count("pk")).order_by()
    )
    return {row["concept__code"]: row["n"] for row in rows}, latest.count()


@dataclass
class _Node:
    code: str
    label: str
    level: int
    count: int = 0
    minutes: int = 0


Key = tuple[str, str]  # ("code", code) or ("subtotal", block code) or ("total", "")


def protected_keys(
    values: dict[Key, int], lines: Iterable[tuple[list[Key], Key]], threshold: int
) -> set[Key]:
    """The keys to mask so that every line (parts adding up to a total) is protected by
    `disclosure.suppress`, the lines sharing cells (a block's subtotal is the total of its block and
    a part of the line of the grand total). Each line is suppressed in turn, a cell masked by another
    line being masked in this one too, until no line masks anything more.

    A cell already masked is handed to `suppress` as a count of 1, below any threshold above 1 (with
    a threshold of 1 nothing is ever masked): which cells suppress masks depends on which are hidden,
    not on their values, so the line is protected with that cell hidden."""
    lines = list(lines)
    masked: set[Key] = set()
    while True:
        before = len(masked)
        for parts, total in lines:
            counts = tuple(1 if key in masked else values[key] for key in parts)
            series = disclosure.Series(
                tuple(str(n) for n in range(len(parts))), counts, 1 if total in masked else values[total]
            )
            published = disclosure.suppress(series, threshold)
            masked |= {key for key, count in zip(parts, published.counts, strict=True) if count is None}
            if published.total is None:
                masked.add(total)
        if len(masked) == before:
            return masked


def _hours(minutes: int) -> float:
    return round(minutes / 60, 1)


def summary_table(
    key: str,
    title: str,
    system_slug: str,
    count_label: str,
    counts: dict[str, tuple[int, int | None]],
    *,
    has_hours: bool,
    masked: bool,
    threshold: int,
) -> SummaryTable:
    """Every code of the nomenclature in its order with its count (and hours, for the prestations),
    a subtotal after each block (a level-2 code and its sub-codes) and the total. `counts` is
    {code: (count, minutes or None)}; every code there is one of the nomenclature (the records point
    to its concepts, which are never deleted)."""
    system = CodeSystem.objects.get(slug=system_slug)
    concepts = list(
        Concept.objects.filter(system=system)
        .order_by("sort_key")
        .values_list("code", "parent_code", "level", "label")
    )
    parents = {code: (parent, level) for code, parent, level, _label in concepts}

    def block_of(code: str) -> str | None:
        parent, level = parents[code]
        while level > 2 and parent in parents:
            code, (parent, level) = parent, parents[parent]
        return code if level == 2 else None

    # The table's layout: level-1 codes alone, and blocks (a level-2 code and its sub-codes).
    layout: list[tuple[str, list[_Node]]] = []  # (block code or "", its nodes)
    for code, _parent, level, label in concepts:
        count, minutes = counts.get(code, (0, 0))
        node = _Node(code, label, level, count, minutes or 0)
        block = block_of(code)
        if block is None:
            layout.append(("", [node]))
        elif layout and layout[-1][0] == block:
            layout[-1][1].append(node)
        else:
            layout.append((block, [node]))

    values: dict[Key, int] = {}
    minutes: dict[Key, int] = {}
    lines: list[tuple[list[Key], Key]] = []
    top: list[Key] = []
    for block, nodes in layout:
        parts = []
        for node in nodes:
            values[CODE, node.code] = node.count
            minutes[CODE, node.code] = node.minutes
            parts.append((CODE, node.code))
        if block:
            subtotal = (SUBTOTAL, block)
            values[subtotal] = sum(node.count for node in nodes)
            minutes[subtotal] = sum(node.minutes for node in nodes)
            lines.append((parts, subtotal))
            top.append(subtotal)
        else:
            top.extend(parts)
    grand = (TOTAL, "")
    values[grand] = sum(values[key] for key in top)
    minutes[grand] = sum(minutes[key] for key in top)
    lines.append((top, grand))
    hidden = protected_keys(values, lines, threshold) if masked else set()

    def count_cell(label: str, key: Key) -> Cell:
        is_hidden = key in hidden
        return Cell(label, None if is_hidden else values[key], is_hidden, "", threshold)

    def hours_cell(label: str, key: Key) -> Cell | None:
        if not has_hours:
            return None
        # Hours are a measure of the prestations counted beside them: masked where they are.
        is_hidden = key in hidden
        return Cell(label, None if is_hidden else _hours(minutes[key]), is_hidden, "", threshold)

    result: list[SummaryLine] = []
    labels = {code: label for code, _parent, _level, label in concepts}
    for block, nodes in layout:
        for node in nodes:
            key_ = (CODE, node.code)
            result.append(
                SummaryLine(
                    CODE,
                    node.code,
                    node.label,
                    node.level,
                    count_cell(node.code, key_),
                    hours_cell(node.code, key_),
                )
            )
        if block:
            key_ = (SUBTOTAL, block)
            result.append(
                SummaryLine(
                    SUBTOTAL, block, labels[block], 2, count_cell(block, key_), hours_cell(block, key_)
                )
            )
    result.append(SummaryLine(TOTAL, "", "Total", 0, count_cell("Total", grand), hours_cell("Total", grand)))
    return SummaryTable(key, title, system, count_label, result, has_hours)


def build_serafin_summary(
    establishment: Establishment, year: ReportYear, *, masked: bool, threshold: int | None = None
) -> SerafinSummary:
    threshold = disclosure.default_threshold() if threshold is None else threshold
    delivered = delivered_by_code(establishment, year.period)
    needs, assessed = persons_by_need(establishment, year.period)
    prestations = summary_table(
        "prestations",
        "Prestations réalisées",
        SystemSlug.SERAFIN_PRESTATIONS,
        "Prestations réalisées",
        delivered,
        has_hours=True,
        masked=masked,
        threshold=threshold,
    )
    needs_table = summary_table(
        "besoins",
        "Besoins des personnes évaluées",
        SystemSlug.SERAFIN_BESOINS,
        "Personnes ayant ce besoin",
        {code: (n, None) for code, n in needs.items()},
        has_hours=False,
        masked=masked,
        threshold=threshold,
    )
    assessed_hidden = masked and 0 < assessed < threshold
    return SerafinSummary(
        establishment=establishment,
        year=year,
        masked=masked,
        threshold=threshold,
        prestations=prestations,
        needs=needs_table,
        assessed=Cell(
            "Personnes évaluées", None if assessed_hidden else assessed, assessed_hidden, "", threshold
        ),
    )


def _file_rows(summary: SerafinSummary) -> Iterable[list]:
    """The rows of the CSV and XLSX files: a header, then each table's lines. A masked value is the
    text « < 10 »; a number is a number (hours with their decimals); a text a spreadsheet would take
    for a formula is defused as in the dashboards' exports."""
    for row in _raw_rows(summary):
        yield [text_cell(cell) if isinstance(cell, str) else cell for cell in row]


def _raw_rows(summary: SerafinSummary) -> Iterable[list]:
    def value(cell: Cell | None, measure: bool = False):
        if cell is None:
            return ""
        return cell_text(cell, measure=measure) if cell.masked else cell.value

    yield ["Établissement", summary.establishment.name, "FINESS", summary.establishment.finess]
    yield [
        "Année",
        summary.year.label,
        "Du",
        summary.year.period.start.isoformat(),
        "Au",
        summary.year.period.end.isoformat(),
    ]
    yield [GENERATED_BY]
    for table in summary.tables:
        yield []
        yield [table.title, f"{table.system.name} (version {table.system.version or 'non précisée'})"]
        header = ["Nomenclature", "Ligne", "Niveau", "Code", "Libellé", table.count_label]
        if table.has_hours:
            header.append("Heures")
        yield header
        for line in table.lines:
            kind = {CODE: "code", SUBTOTAL: "sous-total du bloc", TOTAL: "total"}[line.kind]
            row = [table.key, kind, line.level or "", line.code, line.label, value(line.count)]
            if table.has_hours:
                row.append(value(line.hours, measure=True))
            yield row
    yield []
    yield ["Personnes évaluées", value(summary.assessed)]


def serafin_csv(summary: SerafinSummary) -> bytes:
    """The summary as CSV for a French spreadsheet: semicolons, decimal commas, UTF-8 with its BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for row in _file_rows(summary):
        writer.writerow([str(cell).replace(".", ",") if isinstance(cell, float) else cell for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def serafin_xlsx(summary: SerafinSummary) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "SERAFIN-PH"
    for row in _file_rows(summary):
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
