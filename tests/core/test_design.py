"""The stylesheet keeps its promises: the documented vocabulary exists, the colours are the
ones whose contrast we checked, and no template uses inline styles or scripts."""

import re
from pathlib import Path

import pytest

from parcours.core.design import PAIRS, TOKENS, contrast_ratio

ROOT = Path(__file__).resolve().parents[2]
CSS = (ROOT / "parcours/core/static/parcours/css/parcours.css").read_text(encoding="utf-8")

VOCABULARY = """
container page-header breadcrumbs card card__title grid grid--2 grid--3 stack cluster
btn btn--primary btn--secondary btn--danger btn--small form field field__help field--error errorlist
form-actions table table-wrap badge badge--success badge--warning badge--danger badge--info badge--neutral
alert alert--success alert--warning alert--error alert--info muted sr-only skip-link pagination
timeline timeline__item timeline__date timeline__kind timeline__body filters dl empty stat stat__value
stat__label progress
""".split()


@pytest.mark.parametrize("class_name", VOCABULARY)
def test_every_class_of_the_vocabulary_is_styled(class_name):
    assert re.search(rf"\.{re.escape(class_name)}(?![\w-])", CSS), class_name


def test_the_stylesheet_declares_the_checked_colours():
    declared = dict(re.findall(r"(--color-[\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", CSS))
    assert declared == {token.css_variable: token.value for token in TOKENS}


@pytest.mark.parametrize("pair", PAIRS, ids=lambda pair: pair.label)
def test_colour_pairs_reach_wcag_aa(pair):
    assert pair.ratio >= pair.minimum


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#ffffff", "#ffffff") == pytest.approx(1)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_no_external_resource_in_the_stylesheet():
    assert "http://" not in CSS and "https://" not in CSS and "@import" not in CSS


def test_templates_have_no_inline_style_or_script():
    offenders = []
    for template in ROOT.joinpath("parcours").rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        inline_style = re.search(r"\sstyle\s*=", text)
        inline_script = re.search(r"<script(?![^>]*\ssrc=)[^>]*>", text)
        inline_handler = re.search(r"<[^>]+\son[a-z]+\s*=", text)
        if inline_style or inline_script or inline_handler:
            offenders.append(str(template.relative_to(ROOT)))
    assert offenders == []


def test_vendored_htmx_is_documented():
    vendors = (ROOT / "parcours/core/static/parcours/js/VENDORS.md").read_text(encoding="utf-8")
    assert "htmx.min.js" in vendors and "0BSD" in vendors
    htmx = (ROOT / "parcours/core/static/parcours/js/htmx.min.js").read_text(encoding="utf-8")
    assert 'version:"2.' in htmx.replace(" ", "")
