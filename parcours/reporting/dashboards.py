"""What a dashboard page shows, computed once for the page and for its exports.

A page presents every indicator of the registry that applies to its scope, grouped by theme (the
indicator module it is declared in, or its `theme` when the registry gives one), in declaration
order: a new indicator appears on the pages without being listed here. The only hand-picked codes
are the monthly charts at the top of the page (`TIME_SERIES`), the chart drawn as an age pyramid
(`PYRAMIDS`) and the columns of the drill-down table (`CHILD_FIGURES`); a code missing from the
registry is skipped.

Every value goes through `publication.publish` with the viewer's masking, and the page's tables are
the very objects the exports write (`parcours.reporting.exports`): a file never holds more than the
page.

Comparison with the scope above (`permissions.parent`): for an additive quantity (a count of persons
or acts, FTE, hours) the parent's value divided by its number of establishments, said so in the
column's name; for a rate, an average or an amount, the parent's value itself. The parent is published
masked unless the viewer may see it in full.

A scope narrowed to a FINESS category (`Scope.category`) is compared with the scope above narrowed
to the same category; its name says the category (`category_label`).

Cost: two layers of Django's cache (Redis shared by the servers in production), for `CACHE_SECONDS`,
under a data version (the last full rebuild of the rollups, every night, and a token that
`bump_data_version` renews):
- every indicator's raw value per scope and period (`SharedMemo`): the department's figures computed
  for its page serve as the comparison of its 300 establishments, an establishment's as a row of its
  gestionnaire's drill-down; `warm()` (`parcours dashboards warm`, after the nightly rebuild) computes
  those of the default period for every scope, so that the pages most asked for are never computed
  while someone waits;
- the figures of a page, keyed by the scope (its category included), the period, the masking of the
  scope and of its parent, the day and the indicators' codes.
Data entered since reach the pages within `CACHE_SECONDS`, or at once with `bump_data_version`; the
page says when its figures were computed.
"""

import datetime
import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from django.core.cache import cache
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from parcours.nomenclature.models import Concept
from parcours.organisations.models import Establishment, Gestionnaire
from parcours.reporting import charts, disclosure, permissions, registry, rollups
from parcours.reporting.disclosure import default_threshold
from parcours.reporting.publication import MASKED, Cell, Memo, Published, format_number, publish
from parcours.reporting.registry import Disclosure, Indicator, Period, Scope, ScopeKind

CACHE_SECONDS = 3600
VERSION_KEY = "reporting:data-version"


@dataclass(frozen=True)
class Theme:
    slug: str
    label: str
    module: str


THEMES = (
    Theme("personnes", "Personnes accompagnées", "parcours.reporting.indicators.persons"),
    Theme("activite", "Activité", "parcours.reporting.indicators.activity"),
    Theme("liste-d-attente", "Liste d'attente", "parcours.reporting.indicators.coordination"),
    Theme("ressources-humaines", "Ressources humaines", "parcours.reporting.indicators.staff"),
    Theme("finances", "Finances", "parcours.reporting.indicators.finance"),
)
OTHER_THEME = Theme("autres", "Autres indicateurs", "")


@dataclass(frozen=True)
class SeriesSpec:
    code: str
    title: str
    # "value" for a scalar indicator, "total" for the total of a breakdown of counts.
    part: str = "value"


# The monthly charts at the top of every page.
TIME_SERIES = (
    SeriesSpec("personnes-accompagnees", "Personnes accompagnées, mois par mois"),
    SeriesSpec("prestations-realisees-par-bloc", "Prestations réalisées, mois par mois", "total"),
)
# Breakdowns drawn as an age pyramid: code → (left sex label, right sex label) as they open the rows'
# labels (« Masculin – 25 à 29 ans »).
PYRAMIDS = {"pyramide-des-ages-du-personnel": ("Masculin", "Féminin")}
PYRAMID_SEPARATOR = " – "
# The columns of the drill-down table.
CHILD_FIGURES = ("personnes-accompagnees", "taux-occupation", "admissions", "etp-sur-la-periode")
# Units of additive quantities that are not counts of persons (their disclosure is MEASURE): compared
# with the parent's average per establishment, as counts are.
ADDITIVE_UNITS = frozenset({"ETP", "heures"})

MONTHS = ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc.")


# ---------- What the page holds ----------


@dataclass(frozen=True)
class Figure:
    """A printed value: its number (None when masked or not computable) and its French text."""

    value: int | float | None
    text: str
    masked: bool = False

    @property
    def html(self) -> SafeString:
        """The figure in a page: a masked one says so to screen readers."""
        if self.masked:
            return format_html('<span class="dashboard-masked">{}</span>', self.text)
        return conditional_escape(self.text)

    @classmethod
    def of(cls, cell: Cell | None) -> "Figure":
        if cell is None:
            return cls(None, "—")
        return cls(cell.value, cell.text.replace("\u00a0", " "), cell.masked)


@dataclass(frozen=True)
class Column:
    label: str
    code: str = ""  # the indicator whose definition the header links to


@dataclass(frozen=True)
class TableRow:
    label: str
    figures: tuple[Figure, ...]
    link: str = ""
    is_total: bool = False
    note: str = ""


@dataclass(frozen=True)
class Table:
    """A table of the page, as shown and as exported. The first column holds the rows' labels."""

    key: str  # the indicator's code, or "evolution", or "detail"
    title: str
    columns: tuple[Column, ...]
    rows: tuple[TableRow, ...]
    code: str = ""
    unit: str = ""

    @property
    def lines(self) -> list[tuple[TableRow, tuple[tuple[Column, Figure], ...]]]:
        """Each row with its figures paired with their columns (for the phones' stacked tables)."""
        return [(row, tuple(zip(self.columns[1:], row.figures, strict=False))) for row in self.rows]

    @property
    def codes(self) -> list[str]:
        """The indicators the table shows."""
        if self.code:
            return [self.code]
        return [column.code for column in self.columns if column.code]

    @property
    def any_masked(self) -> bool:
        return any(figure.masked for row in self.rows for figure in row.figures)


@dataclass(frozen=True)
class Item:
    """One indicator on the page."""

    code: str
    label: str
    unit: str
    is_breakdown: bool
    value: Figure | None
    comparison: str
    average: str
    table: Table
    chart: SafeString | str = ""

    @property
    def shows_unit(self) -> bool:
        return self.unit not in ("%", "€")


@dataclass(frozen=True)
class Group:
    slug: str
    label: str
    figures: tuple[Item, ...]
    tables: tuple[Item, ...]

    @property
    def items(self) -> tuple[Item, ...]:
        return self.figures + self.tables


@dataclass(frozen=True)
class Parent:
    scope: Scope
    label: str
    masked: bool
    establishments: int
    may_open: bool


@dataclass(frozen=True)
class Chart:
    title: str
    code: str
    svg: SafeString


@dataclass(frozen=True)
class DashboardPage:
    scope: Scope
    label: str
    period: Period
    masked: bool
    threshold: int
    establishments: int
    parent: Parent | None
    charts: tuple[Chart, ...]
    series: Table | None
    groups: tuple[Group, ...]
    computed_at: datetime.datetime
    children: Table | None = field(default=None)
    key: str = ""  # the cache key of these figures

    def tables(self) -> list[Table]:
        """Every table of the page, in the page's order."""
        tables = [self.series] if self.series else []
        tables += [item.table for group in self.groups for item in group.items]
        return tables + ([self.children] if self.children else [])

    def table(self, key: str) -> Table | None:
        return next((table for table in self.tables() if table.key == key), None)

    @property
    def any_masked(self) -> bool:
        return any(table.any_masked for table in self.tables())


# ---------- Which indicators, in which group ----------


def theme_of(indicator: Indicator) -> Theme:
    declared = getattr(indicator, "theme", None)
    module = getattr(indicator.compute, "__module__", "")
    for theme in THEMES:
        if declared in (theme.slug, theme.label) or module == theme.module:
            return theme
    return OTHER_THEME


def grouped(indicators: Sequence[Indicator]) -> list[tuple[Theme, list[Indicator]]]:
    """The indicators by theme, the themes in the pages' order, each in declaration order."""
    groups: dict[Theme, list[Indicator]] = {}
    for indicator in indicators:
        groups.setdefault(theme_of(indicator), []).append(indicator)
    order = {theme: index for index, theme in enumerate((*THEMES, OTHER_THEME))}
    return sorted(groups.items(), key=lambda pair: order[pair[0]])


def indicators_for(kind: ScopeKind) -> list[Indicator]:
    return [indicator for indicator in registry.all() if kind in indicator.scopes]


def registered(code: str) -> Indicator | None:
    try:
        return registry.get(code)
    except LookupError:
        return None


# ---------- Words and numbers ----------


def period_text(period: Period) -> str:
    """« année 2025 », or « du 1 février 2025 au 30 juin 2025 »."""
    if period == Period.year(period.start.year):
        return f"année {period.start.year}"
    return f"du {date_format(period.start, 'j F Y')} au {date_format(period.end, 'j F Y')}"


def category_label(code: str) -> str:
    """The nomenclature's label of a FINESS category (its code when the nomenclature has none)."""
    if not code:
        return ""
    concept = (
        Concept.objects.filter(system__slug="finess-categories", code=code)
        .values_list("label", "short_label")
        .first()
    )
    return (concept and (concept[0] or concept[1])) or code


def filtered_label(label: str, scope: Scope, category: str | None = None) -> str:
    """The name of a scope, with its FINESS category when it is narrowed to one."""
    if not scope.category:
        return label
    return f"{label} (catégorie : {category or category_label(scope.category)})"


def is_additive(indicator: Indicator) -> bool:
    return indicator.disclosure == Disclosure.COUNT or indicator.unit in ADDITIVE_UNITS


def average(figure: Figure, establishments: int, unit: str) -> Figure:
    """A value divided by a number of establishments, to one decimal; masked when the value is."""
    if figure.masked:
        return figure
    if figure.value is None or not establishments:
        return Figure(None, "—")
    value = round(figure.value / establishments, 1)
    return Figure(value, format_number(value, unit).replace("\u00a0", " "))


def establishments_text(count: int) -> str:
    return f"{count} établissement{'s' if count > 1 else ''}"


def month_periods(period: Period) -> list[Period]:
    """The months of the period, the first and the last cut at its bounds."""
    months = []
    start = period.start
    while start <= period.end:
        following = datetime.date(start.year + start.month // 12, start.month % 12 + 1, 1)
        months.append(Period(start, min(period.end, following - datetime.timedelta(days=1))))
        start = following
    return months


def month_label(month: Period, first: bool) -> str:
    name = MONTHS[month.start.month - 1]
    return f"{name}\n{month.start.year}" if first or month.start.month == 1 else name


# ---------- Building the page ----------


class _Builder:
    def __init__(
        self,
        scope: Scope,
        period: Period,
        *,
        masked: bool,
        parent: Parent | None,
        label: str,
        version: str | None = None,
    ):
        self.scope = scope
        self.period = period
        self.masked = masked
        self.parent = parent
        self.label = label
        self.memo = SharedMemo(version)
        self.establishments = scope.establishments().count()

    def publish(
        self, indicator: Indicator, scope: Scope | None = None, *, masked: bool | None = None
    ) -> Published:
        return publish(
            indicator,
            scope or self.scope,
            self.period,
            masked=self.masked if masked is None else masked,
            memo=self.memo,
        )

    @staticmethod
    def figure(indicator: Indicator, cell: Cell | None) -> Figure:
        return Figure.of(cell)

    def comparison_columns(self, indicator: Indicator) -> list[Column]:
        columns = []
        additive = is_additive(indicator)
        if additive and self.scope.kind != ScopeKind.ESTABLISHMENT:
            columns.append(Column(f"Moyenne par établissement ({establishments_text(self.establishments)})"))
        if self.parent:
            if additive:
                columns.append(
                    Column(
                        f"{self.parent.label} : moyenne par établissement "
                        f"({establishments_text(self.parent.establishments)})"
                    )
                )
            else:
                columns.append(Column(self.parent.label))
        return columns

    def comparisons(self, indicator: Indicator, own: Figure, theirs: Figure | None) -> list[Figure]:
        figures = []
        additive = is_additive(indicator)
        if additive and self.scope.kind != ScopeKind.ESTABLISHMENT:
            figures.append(average(own, self.establishments, indicator.unit))
        if self.parent and theirs is not None:
            figures.append(
                average(theirs, self.parent.establishments, indicator.unit) if additive else theirs
            )
        return figures

    def item(self, indicator: Indicator) -> Item:
        def figure(cell: Cell | None) -> Figure:
            return self.figure(indicator, cell)

        published = self.publish(indicator)
        parent = (
            self.publish(indicator, self.parent.scope, masked=self.parent.masked) if self.parent else None
        )
        value_column = Column(
            f"Valeur ({indicator.unit})" if indicator.unit not in ("%", "€") else "Valeur", indicator.code
        )
        columns = (Column("Libellé"), value_column, *self.comparison_columns(indicator))
        if not published.is_breakdown:
            own = figure(published.value)
            theirs = figure(parent.value) if parent else None
            extra = self.comparisons(indicator, own, theirs)
            table = Table(
                indicator.code,
                indicator.label,
                columns,
                (TableRow(indicator.label, (own, *extra)),),
                indicator.code,
                indicator.unit,
            )
            return Item(
                indicator.code,
                indicator.label,
                indicator.unit,
                False,
                own,
                self.comparison_sentence(indicator, theirs, extra),
                self.average_sentence(indicator, extra),
                table,
            )
        theirs_by_label = {cell.label: figure(cell) for cell in (parent.rows if parent else [])}
        if parent and parent.total:
            theirs_by_label[parent.total.label] = figure(parent.total)
        rows = []
        for cell in [*published.rows, *([published.total] if published.total else [])]:
            own = figure(cell)
            theirs = theirs_by_label.get(cell.label, Figure(None, "—")) if parent else None
            rows.append(
                TableRow(
                    cell.label,
                    (own, *self.comparisons(indicator, own, theirs)),
                    is_total=cell is published.total,
                )
            )
        table = Table(indicator.code, indicator.label, columns, tuple(rows), indicator.code, indicator.unit)
        return Item(
            indicator.code,
            indicator.label,
            indicator.unit,
            True,
            None,
            "",
            "",
            table,
            self.chart(indicator, published),
        )

    def comparison_sentence(self, indicator: Indicator, theirs: Figure | None, extra: list[Figure]) -> str:
        if not self.parent or theirs is None:
            return ""
        if theirs.masked:
            return f"{self.parent.label} : masqué (petit effectif)"
        if is_additive(indicator):
            per = extra[-1]
            return (
                f"{self.parent.label} : {per.text} en moyenne par établissement "
                f"({theirs.text} pour {establishments_text(self.parent.establishments)})"
            )
        return f"{self.parent.label} : {theirs.text}"

    def average_sentence(self, indicator: Indicator, extra: list[Figure]) -> str:
        if is_additive(indicator) and self.scope.kind != ScopeKind.ESTABLISHMENT and not extra[0].masked:
            return f"soit {extra[0].text} par établissement ({establishments_text(self.establishments)})"
        return ""

    def description(self, indicator: Indicator, shape: str, published: Published) -> str:
        text = (
            f"{indicator.label} — {self.label}, {period_text(self.period)}. {shape} "
            "Les valeurs sont dans le tableau qui suit le graphique."
        )
        if published.any_masked:
            text += " Les cases hachurées sont des valeurs masquées."
        return text

    def chart(self, indicator: Indicator, published: Published) -> SafeString:
        chart_id = f"graphique-{indicator.code}"
        if indicator.code in PYRAMIDS:
            pyramid = self.pyramid(indicator, published, chart_id)
            if pyramid:
                return pyramid
        bars = [
            charts.Bar(cell.label, cell.value, self.figure(indicator, cell).text, cell.masked)
            for cell in published.rows
        ]
        return charts.bar_chart(
            bars,
            title=indicator.label,
            description=self.description(
                indicator, "Graphique en barres horizontales, une barre par ligne.", published
            ),
            chart_id=chart_id,
        )

    def pyramid(self, indicator: Indicator, published: Published, chart_id: str) -> SafeString | None:
        left_sex, right_sex = PYRAMIDS[indicator.code]
        sides: dict[str, dict[str, Cell]] = {left_sex: {}, right_sex: {}}
        bands: list[str] = []
        others = []
        for cell in published.rows:
            sex, _separator, band = cell.label.partition(PYRAMID_SEPARATOR)
            if sex in sides and band:
                sides[sex][band] = cell
                if band not in bands:
                    bands.append(band)
            else:
                others.append(cell)
        # Bands with no age (« âge non renseigné ») stay in the table only.
        bands = [band for band in bands if "non renseigné" not in band]
        if not bands or any(band not in sides[sex] for band in bands for sex in sides):
            return None

        def bar(cell: Cell) -> charts.Bar:
            return charts.Bar(cell.label, cell.value, self.figure(indicator, cell).text, cell.masked)

        shape = (
            "Pyramide des âges : hommes à gauche, femmes à droite, de la tranche la plus jeune "
            "en bas à la plus âgée en haut. Les autres lignes (sexe indéterminé ou non renseigné, "
            "âge non renseigné) ne sont que dans le tableau."
        )
        return charts.pyramid_chart(
            bands,
            [bar(sides[left_sex][band]) for band in bands],
            [bar(sides[right_sex][band]) for band in bands],
            title=indicator.label,
            description=self.description(indicator, shape, published),
            chart_id=chart_id,
        )

    def series(self) -> tuple[tuple[Chart, ...], Table | None]:
        specs = [
            (spec, indicator)
            for spec in TIME_SERIES
            if (indicator := registered(spec.code)) and indicator.applies_to(self.scope)
        ]
        if not specs:
            return (), None
        months = month_periods(self.period)
        columns = [Column("Mois")]
        values: list[list[Figure]] = []
        built = []
        for spec, indicator in specs:
            figures = []
            for month in months:
                published = publish(indicator, self.scope, month, masked=self.masked, memo=self.memo)
                cell = published.total if spec.part == "total" else published.value
                figures.append(self.figure(indicator, cell))
            if self.masked and spec.part == "total" and indicator.disclosure == Disclosure.COUNT:
                # The months' totals add up to the period's, shown below: masked together.
                totals = [
                    sum(value for _label, value in self.memo.value(indicator, self.scope, month))
                    for month in months
                ]
                published = disclosure.suppress(
                    disclosure.Series.from_counts([str(m.start) for m in months], totals)
                )
                figures = [
                    Figure(None, MASKED, True) if count is None else figure
                    for figure, count in zip(figures, published.counts, strict=True)
                ]
            values.append(figures)
            points = [
                charts.Bar(date_format(month.start, "F Y"), figure.value, figure.text, figure.masked)
                for month, figure in zip(months, figures, strict=True)
            ]
            description = (
                f"{spec.title} — {self.label}, {period_text(self.period)}. Courbe, un point par mois. Les "
                "valeurs sont dans le tableau qui suit."
            )
            if any(point.masked for point in points):
                description += " Les cases hachurées sont des mois dont la valeur est masquée."
            svg = charts.line_chart(
                points,
                title=spec.title,
                description=description,
                chart_id=f"evolution-{spec.code}",
                axis_labels=[month_label(month, index == 0) for index, month in enumerate(months)],
            )
            built.append(Chart(spec.title, spec.code, svg))
            unit = f" ({indicator.unit})" if indicator.unit not in ("%", "€") else ""
            columns.append(Column(f"{spec.title.split(',')[0]}{unit}", indicator.code))
        rows = tuple(
            TableRow(date_format(month.start, "F Y"), tuple(figures[index] for figures in values))
            for index, month in enumerate(months)
        )
        table = Table("evolution", "Évolution mois par mois", tuple(columns), rows)
        return tuple(built), table

    def groups(self) -> tuple[Group, ...]:
        result = []
        for theme, indicators in grouped(indicators_for(self.scope.kind)):
            items = [self.item(indicator) for indicator in indicators]
            result.append(
                Group(
                    theme.slug,
                    theme.label,
                    tuple(item for item in items if not item.is_breakdown),
                    tuple(item for item in items if item.is_breakdown),
                )
            )
        return tuple(result)


def data_version() -> str:
    """Changes when the cached figures must be recomputed: after `bump_data_version`, and after each
    full rebuild of the service log's rollups (every night). Not after each write of the log: in a
    busy department that would be every few seconds, and no page would ever come from the cache."""
    fresh = rollups.freshness()
    token = cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, None)
    return f"{token}:{fresh.rebuilt_at}"


class SharedMemo(Memo):
    """A Memo whose values are also kept in Django's cache, under the data version, for every request
    and every server: an indicator's value on a scope and a period is computed once per version."""

    def __init__(self, version: str | None = None):
        super().__init__()
        self.version = version or data_version()

    def value(self, indicator: Indicator, scope: Scope, period: Period) -> registry.Value:
        key = (indicator.code, scope, period)
        if key not in self._values:
            shared = _cache_key("value", self.version, indicator.code, repr(scope), period.start, period.end)
            found = cache.get(shared, _MISSING)
            if found is _MISSING:
                found = indicator.evaluate(scope, period)
                cache.set(shared, found, CACHE_SECONDS)
            self._values[key] = found
        return self._values[key]


_MISSING = object()


def every_scope() -> list[Scope]:
    """Every establishment, gestionnaire, department and region that holds an establishment."""
    rows = list(
        Establishment.objects.order_by().values_list(
            "pk", "gestionnaire_id", "department_code", "region_code"
        )
    )
    return [
        *(Scope.establishment(pk) for pk in sorted({row[0] for row in rows})),
        *(Scope.gestionnaire(pk) for pk in sorted({row[1] for row in rows})),
        *(Scope.department(code) for code in sorted({row[2] for row in rows})),
        *(Scope.region(code) for code in sorted({row[3] for row in rows})),
    ]


def warm(period: Period, *, progress=None) -> int:
    """Compute, into the shared cache, every indicator of every scope for the period, and the months of
    the monthly charts: what the pages of that period, their comparisons and their drill-downs read.
    Returns how many values were computed. `progress(done, total)` is called after each scope."""
    memo = SharedMemo()
    scopes = every_scope()
    months = month_periods(period)
    series = [indicator for spec in TIME_SERIES if (indicator := registered(spec.code))]
    computed = 0
    for done, scope in enumerate(scopes, start=1):
        for indicator in indicators_for(scope.kind):
            memo.value(indicator, scope, period)
            computed += 1
        for indicator in series:
            if indicator.applies_to(scope):
                for month in months:
                    memo.value(indicator, scope, month)
                    computed += 1
        if progress:
            progress(done, len(scopes))
    return computed


def bump_data_version() -> None:
    """Make every cached page compute its figures again."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _cache_key(*parts) -> str:
    codes = ",".join(indicator.code for indicator in registry.all())
    text = "|".join(str(part) for part in (*parts, codes, timezone.localdate(), default_threshold()))
    return "reporting:page:" + hashlib.sha256(text.encode()).hexdigest()


def cached_html(page: DashboardPage, name: str, render) -> str:
    """The HTML `render()` returns, kept beside the page's figures (same key, same lifetime): a page
    prints a thousand figures, and rendering them again for each request costs more than reading
    them."""
    key = f"{page.key}:html:{name}"
    content = cache.get(key)
    if content is None:
        content = render()
        cache.set(key, content, CACHE_SECONDS)
    return content


def is_complete_year(period: Period, today: datetime.date | None = None) -> bool:
    """A whole calendar year, ended."""
    today = today or timezone.localdate()
    return (
        period.start == datetime.date(period.start.year, 1, 1)
        and period.end == datetime.date(period.start.year, 12, 31)
        and period.end < today
    )


def parent_of(user, scope: Scope) -> Parent | None:
    above = permissions.parent(scope.unfiltered)
    if above is None:
        return None
    above = above.with_category(scope.category)
    access = permissions.access_to(user, above)
    return Parent(
        above,
        filtered_label(permissions.scope_label(above), above),
        masked=True if access is None else access.masked,
        establishments=above.establishments().count(),
        may_open=access is not None,
    )


def build_page(
    user, scope: Scope, period: Period, *, masked: bool, label: str, version: str | None = None
) -> DashboardPage:
    """The figures of a dashboard page, from the cache when they were computed a moment ago."""
    version = version or data_version()
    parent = parent_of(user, scope)
    if parent and parent.masked and not is_complete_year(period):
        # Masked figures are published for complete calendar years only: over overlapping periods
        # (a year, and the same year but its last day), their difference would give masked counts.
        parent = None
    key = _cache_key(
        version,
        scope.kind,
        scope.identifier,
        scope.category,
        period.start,
        period.end,
        masked,
        parent.scope if parent else None,
        parent.masked if parent else None,
    )
    page = cache.get(key)
    if page is None:
        builder = _Builder(scope, period, masked=masked, parent=parent, label=label, version=version)
        chart_list, series = builder.series()
        page = DashboardPage(
            scope=scope,
            label=label,
            period=period,
            masked=masked,
            threshold=default_threshold(),
            establishments=builder.establishments,
            parent=parent,
            charts=chart_list,
            series=series,
            groups=builder.groups(),
            computed_at=timezone.now(),
            key=key,
        )
        cache.set(key, page, CACHE_SECONDS)
    # The parent's name and whether the viewer may open it are the viewer's own, not cached.
    return replace(page, parent=parent, label=label)


# ---------- Drill-down ----------


def labels_of(scopes: Sequence[Scope]) -> dict[Scope, str]:
    """The names of scopes, read in two queries at most."""
    found: dict[tuple[ScopeKind, int | str], str] = {}
    for kind, model in ((ScopeKind.ESTABLISHMENT, Establishment), (ScopeKind.GESTIONNAIRE, Gestionnaire)):
        keys = [scope.identifier for scope in scopes if scope.kind == kind]
        if keys:
            for pk, name in model.objects.filter(pk__in=keys).values_list("pk", "name"):
                found[(kind, pk)] = name
    names: dict[Scope, str] = {}
    for scope in scopes:
        key = (scope.kind, scope.identifier)
        names[scope] = found[key] if key in found else permissions.scope_label(scope)
    return names


def children_table(
    user,
    scopes: Sequence[Scope],
    period: Period,
    *,
    links: dict[Scope, str],
    version: str | None = None,
    siblings: Sequence[Scope] | None = None,
) -> Table | None:
    """The main figures of `scopes` (the page shown of the scopes one may drill down to, `siblings`
    being all of them), each published with the viewer's masking for that scope.

    The page also shows the parent's total, and the children's counts add up to it (or nearly: a
    person supported by two children counts once above). So the counts of the children the viewer
    sees masked form one line with their sum, which the viewer can work out (the parent's total
    minus the children they see in full): they are masked together (`disclosure.suppress`), over
    every child, not only the page shown, so that no masked count can be recomputed."""
    if not scopes:
        return None
    siblings = list(siblings or scopes)
    names = labels_of(scopes)
    accesses = permissions.access_to_many(user, siblings)
    kinds = {scope.kind for scope in scopes}
    indicators = [
        indicator
        for code in CHILD_FIGURES
        if (indicator := registered(code)) and all(kind in indicator.scopes for kind in kinds)
    ]
    key = _cache_key(
        version or data_version(),
        "detail",
        period.start,
        period.end,
        *(
            (scope.kind, scope.identifier, scope.category, access.masked if access else None)
            for scope, access in accesses.items()
        ),
        "page",
        *((scope.kind, scope.identifier, scope.category) for scope in scopes),
    )
    rows = cache.get(key)
    if rows is None:
        memo = SharedMemo(version)
        masked = [scope for scope in siblings if accesses[scope] is None or accesses[scope].masked]
        hidden = {
            indicator.code: jointly_masked(indicator, masked, period, memo)
            for indicator in indicators
            if indicator.disclosure == Disclosure.COUNT
        }
        rows = []
        for scope in scopes:
            access = accesses[scope]
            # A breakdown listed by mistake has no single value: it shows « — ».
            figures = tuple(
                Figure(None, MASKED, True)
                if scope in hidden.get(indicator.code, ())
                else _Builder.figure(
                    indicator,
                    publish(
                        indicator, scope, period, masked=access is None or access.masked, memo=memo
                    ).value,
                )
                for indicator in indicators
            )
            rows.append(TableRow(names[scope], figures, note=scope.kind.label))
        cache.set(key, rows, CACHE_SECONDS)
    columns = [Column("Établissement, organisme ou territoire")]
    columns += [Column(f"{indicator.label} ({indicator.unit})", indicator.code) for indicator in indicators]
    rows = tuple(replace(row, link=links.get(scope, "")) for row, scope in zip(rows, scopes, strict=True))
    return Table("detail", children_title(kinds), tuple(columns), rows)


def jointly_masked(indicator: Indicator, scopes: list[Scope], period: Period, memo: Memo) -> set[Scope]:
    """The scopes whose count of `indicator` is masked when their counts are published together with
    their sum: small ones, and enough others that none can be recomputed."""
    values = [memo.value(indicator, scope, period) for scope in scopes]
    if len(scopes) < 2 or not all(isinstance(value, int) for value in values):
        return set()
    labels = [f"{scope.kind}:{scope.identifier}:{scope.category}" for scope in scopes]
    published = disclosure.suppress(disclosure.Series.from_counts(labels, values))
    return {scope for scope, count in zip(scopes, published.counts, strict=True) if count is None}


def children_title(kinds) -> str:
    if kinds == {ScopeKind.ESTABLISHMENT}:
        return "Établissements et services"
    if kinds == {ScopeKind.GESTIONNAIRE}:
        return "Organismes gestionnaires"
    if kinds == {ScopeKind.DEPARTMENT}:
        return "Départements"
    return "Organismes gestionnaires et établissements"
