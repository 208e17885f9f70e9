"""Charts of the dashboards, drawn on the server as SVG: no JavaScript, no library, nothing fetched.

Three shapes, each a pure function of published values (see `parcours.reporting.publication`):

- `bar_chart`: horizontal bars, one per row of a breakdown;
- `pyramid_chart`: an age pyramid, men on the left and women on the right, oldest band on top;
- `line_chart`: a time series, one point per month.

Every chart is an `<svg role="img">` with a `<title>` and a `<desc>`; the data table printed beside
it is the accessible version, so the description says so rather than repeating every value. Colours
are the stylesheet's tokens (`parcours.core.design`), written as presentation attributes (the
Content-Security-Policy forbids style attributes): text in the text colour on white (AA), bars in the
primary colour (more than 3:1 against white). Meaning never rests on colour alone: every bar carries
its value as text, and the two sides of a pyramid are named above them.

A masked value (a small count withheld from the viewer) is drawn as a hatched, outlined box of fixed
width, never as a bar of its size, with its published text (« < 10 »); its element carries
`data-masked="true"`. A value that cannot be computed draws nothing but « — ».
"""

import math
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from parcours.core.design import TOKEN_VALUES

SVG_NAMESPACE = "http://www.w3.org/2000/svg"

TEXT = TOKEN_VALUES["text"]
MUTED = TOKEN_VALUES["text-muted"]
BAR = TOKEN_VALUES["primary"]
SECOND_BAR = TOKEN_VALUES["success-fill"]
AXIS = TOKEN_VALUES["border-strong"]
GRID = TOKEN_VALUES["border"]
WHITE = TOKEN_VALUES["bg"]

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'Liberation Sans', Arial, sans-serif"
FONT_SIZE = 13
CHAR_WIDTH = 7  # an average width of a character at FONT_SIZE, to cut long labels

WIDTH = 640
ROW_HEIGHT = 28
BAR_HEIGHT = 18
MASK_WIDTH = 26  # the fixed width of a masked value's box: its size is unknown


@dataclass(frozen=True)
class Bar:
    """One value to draw: its label, its number (None when masked or not computable), the text shown
    for it (French formatting, « < 10 » when masked, « — » when not computable) and whether it is
    masked."""

    label: str
    value: int | float | None
    text: str
    masked: bool = False


def french_number(value: int | float | None, decimals: int | None = None) -> str:
    """« 1 234 », « 12,5 », « −3 »: a number as a French reader writes it (narrow no-break space
    between thousands, decimal comma). Without `decimals`, an integer value has none and other
    values keep at most two."""
    if value is None:
        return "—"
    automatic = decimals is None
    if automatic:
        decimals = 0 if float(value).is_integer() else 2
    text = f"{abs(value):,.{decimals}f}"
    if automatic and "." in text:
        text = text.rstrip("0").rstrip(".")
    text = text.replace(",", "\u202f").replace(".", ",")
    negative = value < 0 and any(digit in text for digit in "123456789")
    return ("−" if negative else "") + text


def _cut(label: str, width: int) -> str:
    limit = max(4, width // CHAR_WIDTH)
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _number(value: float) -> str:
    """A coordinate, short and exact enough."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


class _Svg:
    """Builds one SVG element tree; `ET` escapes text and attributes, so the result is well-formed."""

    def __init__(self, *, chart_id: str, width: int, height: int, title: str, description: str, kind: str):
        self.chart_id = chart_id
        self.root = ET.Element(
            "svg",
            {
                "xmlns": SVG_NAMESPACE,
                "class": f"chart chart--{kind}",
                "id": chart_id,
                "role": "img",
                "viewBox": f"0 0 {width} {height}",
                "width": str(width),
                "height": str(height),
                "aria-labelledby": f"{chart_id}-title {chart_id}-desc",
                "font-family": FONT,
                "font-size": str(FONT_SIZE),
            },
        )
        ET.SubElement(self.root, "title", {"id": f"{chart_id}-title"}).text = title
        ET.SubElement(self.root, "desc", {"id": f"{chart_id}-desc"}).text = description
        defs = ET.SubElement(self.root, "defs")
        pattern = ET.SubElement(
            defs,
            "pattern",
            {
                "id": self.hatch_id,
                "width": "6",
                "height": "6",
                "patternUnits": "userSpaceOnUse",
                "patternTransform": "rotate(45)",
            },
        )
        ET.SubElement(pattern, "rect", {"width": "6", "height": "6", "fill": WHITE})
        ET.SubElement(
            pattern,
            "line",
            {"x1": "0", "y1": "0", "x2": "0", "y2": "6", "stroke": MUTED, "stroke-width": "2"},
        )
        ET.SubElement(self.root, "rect", {"width": str(width), "height": str(height), "fill": WHITE})

    @property
    def hatch_id(self) -> str:
        return f"{self.chart_id}-hachures"

    def add(self, parent, tag: str, attributes: dict, text: str | None = None):
        element = ET.SubElement(
            parent if parent is not None else self.root,
            tag,
            {
                key: _number(value) if isinstance(value, float) else str(value)
                for key, value in attributes.items()
            },
        )
        if text is not None:
            element.text = text
        return element

    def text(
        self, parent, x: float, y: float, text: str, *, anchor: str = "start", fill: str = TEXT, **extra
    ):
        return self.add(
            parent,
            "text",
            {"x": x, "y": y, "text-anchor": anchor, "fill": fill, "dominant-baseline": "middle", **extra},
            text,
        )

    def masked_box(self, parent, x: float, y: float, height: float, label: str):
        box = self.add(
            parent,
            "rect",
            {
                "class": "chart__bar chart__bar--masked",
                "data-masked": "true",
                "x": x,
                "y": y,
                "width": MASK_WIDTH,
                "height": height,
                "fill": f"url(#{self.hatch_id})",
                "stroke": MUTED,
                "stroke-width": 1,
            },
        )
        self.add(box, "title", {}, f"{label} : valeur masquée")
        return box

    def render(self) -> SafeString:
        return mark_safe(ET.tostring(self.root, encoding="unicode"))  # noqa: S308 -- built by ElementTree, escaped


def _domain(values: Sequence[float]) -> tuple[float, float]:
    low, high = min([0.0, *values]), max([0.0, *values])
    if high == low:
        high = low + 1
    return low, high


def bar_chart(bars: Sequence[Bar], *, title: str, description: str, chart_id: str) -> SafeString:
    """Horizontal bars, one per row, in the rows' order; lengths proportional to the values, on a
    scale from the smallest (or 0) to the largest (or 0) visible value."""
    label_width, text_width = 250, 80
    plot_width = WIDTH - label_width - text_width
    top = 8
    height = top * 2 + ROW_HEIGHT * max(len(bars), 1)
    svg = _Svg(
        chart_id=chart_id, width=WIDTH, height=height, title=title, description=description, kind="bars"
    )
    visible = [float(bar.value) for bar in bars if bar.value is not None and not bar.masked]
    low, high = _domain(visible)

    def x_of(value: float) -> float:
        return label_width + (value - low) / (high - low) * plot_width

    zero = x_of(0)
    for index, bar in enumerate(bars):
        y = top + index * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        row = svg.add(None, "g", {"class": "chart__row"})
        label = svg.text(row, label_width - 8, middle, _cut(bar.label, label_width - 12), anchor="end")
        svg.add(label, "title", {}, bar.label)
        bar_top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        if bar.masked:
            svg.masked_box(row, zero, bar_top, BAR_HEIGHT, bar.label)
            svg.text(row, zero + MASK_WIDTH + 4, middle, bar.text, fill=MUTED)
        elif bar.value is None:
            svg.text(row, zero + 4, middle, bar.text, fill=MUTED)
        else:
            end = x_of(float(bar.value))
            svg.add(
                row,
                "rect",
                {
                    "class": "chart__bar",
                    "x": min(zero, end),
                    "y": bar_top,
                    "width": abs(end - zero),
                    "height": BAR_HEIGHT,
                    "fill": BAR,
                    "data-value": bar.value,
                },
            )
            svg.text(row, max(zero, end) + 4, middle, bar.text)
    svg.add(
        None,
        "line",
        {"x1": zero, "y1": top, "x2": zero, "y2": height - top, "stroke": AXIS, "stroke-width": 1},
    )
    return svg.render()


def pyramid_chart(
    bands: Sequence[str],
    left: Sequence[Bar],
    right: Sequence[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    left_label: str = "Hommes",
    right_label: str = "Femmes",
) -> SafeString:
    """An age pyramid: `bands` from the youngest to the oldest, drawn with the oldest on top; the
    `left` bars grow leftwards from the centre, the `right` bars rightwards, on one common scale."""
    if not (len(bands) == len(left) == len(right)):
        raise ValueError("Une pyramide a autant de valeurs de chaque côté que de tranches.")
    centre_width, text_width = 130, 56
    side = (WIDTH - centre_width) / 2 - text_width
    top = 36
    height = top + ROW_HEIGHT * max(len(bands), 1) + 8
    svg = _Svg(
        chart_id=chart_id, width=WIDTH, height=height, title=title, description=description, kind="pyramid"
    )
    visible = [float(bar.value) for bar in (*left, *right) if bar.value is not None and not bar.masked]
    scale = max([1.0, *visible])
    left_edge = text_width + side
    right_edge = left_edge + centre_width
    svg.text(None, left_edge - 4, 14, left_label, anchor="end", **{"font-weight": "700"})
    svg.text(None, right_edge + 4, 14, right_label, **{"font-weight": "700"})
    for position, index in enumerate(reversed(range(len(bands)))):
        y = top + position * ROW_HEIGHT
        middle = y + ROW_HEIGHT / 2
        bar_top = y + (ROW_HEIGHT - BAR_HEIGHT) / 2
        row = svg.add(None, "g", {"class": "chart__row"})
        svg.text(row, WIDTH / 2, middle, _cut(bands[index], centre_width - 8), anchor="middle")
        for bar, direction, edge, colour in (
            (left[index], -1, left_edge, BAR),
            (right[index], 1, right_edge, SECOND_BAR),
        ):
            if bar.masked:
                x = edge if direction > 0 else edge - MASK_WIDTH
                svg.masked_box(row, x, bar_top, BAR_HEIGHT, bar.label)
                text_x = edge + direction * (MASK_WIDTH + 4)
                svg.text(
                    row, text_x, middle, bar.text, anchor="start" if direction > 0 else "end", fill=MUTED
                )
                continue
            length = 0.0 if bar.value is None else float(bar.value) / scale * side
            if bar.value:
                svg.add(
                    row,
                    "rect",
                    {
                        "class": "chart__bar",
                        "x": edge if direction > 0 else edge - length,
                        "y": bar_top,
                        "width": length,
                        "height": BAR_HEIGHT,
                        "fill": colour,
                        "data-value": bar.value,
                    },
                )
            text_x = edge + direction * (length + 4)
            svg.text(row, text_x, middle, bar.text, anchor="start" if direction > 0 else "end")
    for x in (left_edge, right_edge):
        svg.add(
            None, "line", {"x1": x, "y1": top, "x2": x, "y2": height - 8, "stroke": AXIS, "stroke-width": 1}
        )
    return svg.render()


def nice_ticks(high: float, count: int = 4) -> list[float]:
    """Round axis graduations from 0 to at least `high` (1, 2, 2.5 or 5 times a power of ten)."""
    if high <= 0:
        return [0.0, 1.0]
    raw = high / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(power * factor for factor in (1, 2, 2.5, 5, 10) if power * factor >= raw)
    steps = math.ceil(high / step - 1e-9)
    return [step * n for n in range(steps + 1)]


def line_chart(
    points: Sequence[Bar],
    *,
    title: str,
    description: str,
    chart_id: str,
    axis_labels: Sequence[str] | None = None,
) -> SafeString:
    """A time series: one point per value, joined by a line between consecutive visible values (a
    masked or missing value breaks the line). `axis_labels` (default: the points' labels) name the
    points under the axis; a "\\n" starts a second line; long series show every n-th label only."""
    left, right, top, bottom = 56, 16, 16, 44
    height = 260
    plot_width, plot_height = WIDTH - left - right, height - top - bottom
    svg = _Svg(
        chart_id=chart_id, width=WIDTH, height=height, title=title, description=description, kind="line"
    )
    visible = [float(point.value) for point in points if point.value is not None and not point.masked]
    ticks = nice_ticks(max([0.0, *visible]))
    high = ticks[-1]
    baseline = top + plot_height

    def y_of(value: float) -> float:
        return baseline - value / high * plot_height

    for tick in ticks:
        y = y_of(tick)
        svg.add(
            None,
            "line",
            {"x1": left, "y1": y, "x2": WIDTH - right, "y2": y, "stroke": GRID if tick else AXIS},
        )
        svg.text(None, left - 6, y, french_number(tick), anchor="end", fill=MUTED)
    count = len(points)
    step = plot_width / count if count else plot_width

    def x_of(index: int) -> float:
        return left + step * (index + 0.5)

    labels = list(axis_labels) if axis_labels is not None else [point.label for point in points]
    every = max(1, math.ceil(count / 12))
    for index, label in enumerate(labels):
        if index % every:
            continue
        text = svg.text(None, x_of(index), baseline + 14, "", anchor="middle", fill=MUTED)
        for line_number, part in enumerate(label.split("\n")):
            svg.add(text, "tspan", {"x": x_of(index), "dy": "0" if line_number == 0 else "1.2em"}, part)
    segment: list[tuple[float, float]] = []
    segments: list[list[tuple[float, float]]] = []
    for index, point in enumerate(points):
        if point.value is None or point.masked:
            if segment:
                segments.append(segment)
            segment = []
        else:
            segment.append((x_of(index), y_of(float(point.value))))
    if segment:
        segments.append(segment)
    for run in segments:
        if len(run) > 1:
            svg.add(
                None,
                "polyline",
                {
                    "class": "chart__line",
                    "points": " ".join(f"{_number(x)},{_number(y)}" for x, y in run),
                    "fill": "none",
                    "stroke": BAR,
                    "stroke-width": 2,
                },
            )
    for index, point in enumerate(points):
        x = x_of(index)
        group = svg.add(None, "g", {"class": "chart__point"})
        if point.masked:
            box_height = 14.0
            box = svg.masked_box(group, x - MASK_WIDTH / 2, baseline - box_height, box_height, point.label)
            box.set("class", "chart__bar chart__bar--masked chart__point--masked")
            if count <= 24:
                svg.text(group, x, baseline - box_height - 9, point.text, anchor="middle", fill=MUTED)
        elif point.value is not None:
            circle = svg.add(
                group,
                "circle",
                {"cx": x, "cy": y_of(float(point.value)), "r": 4, "fill": BAR, "data-value": point.value},
            )
            svg.add(circle, "title", {}, f"{point.label} : {point.text}")
    return svg.render()
