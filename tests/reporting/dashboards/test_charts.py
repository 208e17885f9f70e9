"""The SVG charts: well-formed, accessible, bars proportional to the values, masked values marked."""

import xml.etree.ElementTree as ET

import pytest

from parcours.core.design import TOKEN_VALUES, contrast_ratio
from parcours.reporting.charts import (
    MASK_WIDTH,
    Bar,
    bar_chart,
    french_number,
    line_chart,
    nice_ticks,
    pyramid_chart,
)

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 -- our own output


def bars_of(root) -> list[ET.Element]:
    return root.findall(".//svg:rect[@class='chart__bar']", NS)


def masked_of(root) -> list[ET.Element]:
    return root.findall(".//svg:rect[@data-masked='true']", NS)


def texts(root) -> list[str]:
    """The visible texts (a <title> inside a text is its tooltip, not its text)."""
    return [
        (element.text or "") + "".join(span.text or "" for span in element.findall("svg:tspan", NS))
        for element in root.iter(f"{{{NS['svg']}}}text")
    ]


def test_a_bar_chart_is_an_accessible_image_with_a_title_and_a_description():
    svg = bar_chart(
        [Bar("Internat", 12, "12"), Bar("Externat", 24, "24")],
        title="Personnes par mode",
        description="Deux barres & un tableau",
        chart_id="graphique-modes",
    )
    root = parse(svg)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "graphique-modes-title graphique-modes-desc"
    assert root.find("svg:title", NS).get("id") == "graphique-modes-title"
    assert root.find("svg:title", NS).text == "Personnes par mode"
    assert root.find("svg:desc", NS).text == "Deux barres & un tableau"  # escaped, then read back
    assert "Internat" in texts(root) and "24" in texts(root)
    # No style attribute (the Content-Security-Policy forbids them), no script, no external reference.
    assert "style=" not in svg and "<script" not in svg and "http" not in svg.replace(NS["svg"], "")


def test_bar_lengths_are_proportional_to_the_values():
    root = parse(
        bar_chart(
            [Bar("A", 10, "10"), Bar("B", 20, "20"), Bar("C", 5, "5"), Bar("D", 0, "0")],
            title="t",
            description="d",
            chart_id="c",
        )
    )
    widths = {rect.get("data-value"): float(rect.get("width")) for rect in bars_of(root)}
    # The largest value fills the plot (640 wide, minus 250 of labels and 80 of value texts).
    assert widths["20"] == pytest.approx(310)
    assert widths["10"] == pytest.approx(155)
    assert widths["5"] == pytest.approx(77.5, abs=0.1)
    assert widths["0"] == 0
    # Every bar starts on the axis.
    assert {float(rect.get("x")) for rect in bars_of(root)} == {250.0}


def test_negative_values_grow_left_of_the_axis():
    root = parse(
        bar_chart(
            [Bar("Résultat", -50, "−50"), Bar("Autre", 150, "150")], title="t", description="d", chart_id="c"
        )
    )
    negative, positive = bars_of(root)
    # Scale from −50 to 150 over 310 px: the axis at 250 + 50/200 × 310 = 327.5.
    assert float(negative.get("x")) == pytest.approx(250)
    assert float(negative.get("width")) == pytest.approx(77.5)
    assert float(positive.get("x")) == pytest.approx(327.5)
    assert float(positive.get("width")) == pytest.approx(232.5)


def test_masked_values_are_hatched_boxes_of_fixed_width_with_their_label():
    root = parse(
        bar_chart(
            [Bar("Internat", 40, "40"), Bar("Externat", None, "< 10", masked=True), Bar("Taux", None, "—")],
            title="t",
            description="d",
            chart_id="modes",
        )
    )
    (masked,) = masked_of(root)
    assert masked.get("fill") == "url(#modes-hachures)"
    assert root.find(".//svg:pattern[@id='modes-hachures']", NS) is not None
    assert float(masked.get("width")) == MASK_WIDTH
    assert masked.get("data-value") is None  # the number never reaches the chart
    assert masked.find("svg:title", NS).text == "Externat : valeur masquée"
    assert "< 10" in texts(root)
    # A value that cannot be computed draws no bar, only its dash.
    assert len(bars_of(root)) == 1 and "—" in texts(root)


def test_long_labels_are_cut_and_kept_whole_in_a_tooltip():
    label = "2.1 – Prestations de soins, de maintien et de développement des capacités fonctionnelles"
    root = parse(bar_chart([Bar(label, 3, "3")], title="t", description="d", chart_id="c"))
    text = next(
        element for element in root.iter(f"{{{NS['svg']}}}text") if element.find("svg:title", NS) is not None
    )
    assert text.text.endswith("…") and len(text.text) < len(label)
    assert text.find("svg:title", NS).text == label


def test_text_colours_reach_aa_contrast_on_the_chart_background():
    root = parse(
        bar_chart(
            [Bar("A", 10, "10"), Bar("B", None, "< 10", masked=True)],
            title="t",
            description="d",
            chart_id="c",
        )
    )
    background = TOKEN_VALUES["bg"]
    fills = {element.get("fill") for element in root.iter(f"{{{NS['svg']}}}text")}
    assert fills and all(contrast_ratio(fill, background) >= 4.5 for fill in fills)
    bar_fill = bars_of(root)[0].get("fill")
    assert contrast_ratio(bar_fill, background) >= 3


def test_an_age_pyramid_puts_men_left_women_right_and_the_oldest_band_on_top():
    bands = ["moins de 25 ans", "25 à 29 ans", "30 à 34 ans"]
    men = [
        Bar("Masculin – moins de 25 ans", 2, "2"),
        Bar("Masculin – 25 à 29 ans", 4, "4"),
        Bar("Masculin – 30 à 34 ans", 0, "0"),
    ]
    women = [
        Bar("Féminin – moins de 25 ans", 8, "8"),
        Bar("Féminin – 25 à 29 ans", None, "< 10", masked=True),
        Bar("Féminin – 30 à 34 ans", 1, "1"),
    ]
    root = parse(pyramid_chart(bands, men, women, title="Pyramide", description="d", chart_id="pyramide"))
    assert texts(root)[:2] == ["Hommes", "Femmes"]
    band_texts = [text for text in texts(root) if text in bands]
    assert band_texts == ["30 à 34 ans", "25 à 29 ans", "moins de 25 ans"]  # oldest first, from the top
    bars = {rect.get("data-value"): rect for rect in bars_of(root)}
    # One scale for both sides: 8 fills the side (640 − 130 of bands) ÷ 2 − 56 of values = 199 px.
    assert float(bars["8"].get("width")) == pytest.approx(199)
    assert float(bars["4"].get("width")) == pytest.approx(99.5)
    assert float(bars["2"].get("width")) == pytest.approx(49.75, abs=0.1)
    # Men's bars end on the left edge of the bands' column, women's start on its right edge.
    left_edge, right_edge = 56 + 199, 56 + 199 + 130
    assert float(bars["4"].get("x")) + float(bars["4"].get("width")) == pytest.approx(left_edge)
    assert float(bars["8"].get("x")) == pytest.approx(right_edge)
    (masked,) = masked_of(root)
    assert float(masked.get("x")) == pytest.approx(right_edge)
    assert "< 10" in texts(root)


def test_a_pyramid_needs_as_many_values_as_bands():
    with pytest.raises(ValueError):
        pyramid_chart(
            ["a", "b"], [Bar("a", 1, "1")], [Bar("a", 1, "1")], title="t", description="d", chart_id="c"
        )


def test_a_time_series_draws_one_point_per_visible_month_and_breaks_the_line_at_masked_ones():
    points = [
        Bar("janvier 2025", 12, "12"),
        Bar("février 2025", 30, "30"),
        Bar("mars 2025", None, "< 10", masked=True),
        Bar("avril 2025", 20, "20"),
        Bar("mai 2025", 40, "40"),
    ]
    root = parse(
        line_chart(
            points,
            title="Personnes",
            description="d",
            chart_id="evolution",
            axis_labels=["janv.\n2025", "févr.", "mars", "avr.", "mai"],
        )
    )
    circles = root.findall(".//svg:circle", NS)
    assert [circle.get("data-value") for circle in circles] == ["12", "30", "20", "40"]
    # Graduations 0, 10, 20, 30, 40: the y of a value is proportional to it (plot from y=216 up 200 px).
    ys = {circle.get("data-value"): float(circle.get("cy")) for circle in circles}
    assert ys["40"] == pytest.approx(16) and ys["20"] == pytest.approx(116) and ys["12"] == pytest.approx(156)
    lines = root.findall(".//svg:polyline", NS)
    assert len(lines) == 2  # January–February, then April–May
    assert all(len(line.get("points").split()) == 2 for line in lines)
    (masked,) = masked_of(root)
    assert masked.find("svg:title", NS).text == "mars 2025 : valeur masquée"
    assert "< 10" in texts(root)
    assert {"0", "10", "20", "30", "40"} <= set(texts(root))
    assert "janv.2025" in texts(root)  # two lines (tspans) under the first point


def test_a_long_series_names_every_third_month_only():
    points = [Bar(f"mois {n}", n, str(n)) for n in range(36)]
    root = parse(line_chart(points, title="t", description="d", chart_id="c"))
    named = [text for text in texts(root) if text.startswith("mois")]
    assert named == [f"mois {n}" for n in range(0, 36, 3)]


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [
        (1234, None, "1\u202f234"),
        (12.5, None, "12,5"),
        (12.0, 1, "12,0"),
        (-3, None, "−3"),
        (0.0, None, "0"),
        (None, None, "—"),
        (1234567.891, 2, "1\u202f234\u202f567,89"),
    ],
)
def test_french_numbers(value, decimals, text):
    assert french_number(value, decimals) == text


def test_axis_graduations_are_round_numbers():
    assert nice_ticks(40) == [0, 10, 20, 30, 40]
    assert nice_ticks(37) == [0, 10, 20, 30, 40]
    assert nice_ticks(9) == [0, 2.5, 5, 7.5, 10]
    assert nice_ticks(0) == [0, 1]
