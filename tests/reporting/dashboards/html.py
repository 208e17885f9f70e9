"""Reading the dashboards' HTML in tests: visible text of an element, links, without a third-party parser."""

import html
import re
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Collector(HTMLParser):
    """The text and the links inside the element whose id is `element_id` (the whole page without one)."""

    def __init__(self, element_id: str | None):
        super().__init__(convert_charrefs=True)
        self.element_id = element_id
        self.depth = 0 if element_id is None else -1
        self.parts: list[str] = []
        self.links: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if self.depth < 0:
            if attributes.get("id") == self.element_id:
                self.depth = 1 if tag not in VOID else 0
            return
        if tag in ("svg", "script", "style"):
            self.skip += 1
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag not in VOID:
            self.depth += 1
        self.parts.append(" ")

    def handle_endtag(self, tag):
        if self.depth <= 0:
            return
        if tag in ("svg", "script", "style"):
            self.skip -= 1
        self.depth -= 1
        self.parts.append(" ")
        if self.depth == 0 and self.element_id is not None:
            self.depth = -2  # done

    def handle_data(self, data):
        if self.depth > 0 or (self.element_id is None and self.depth == 0):
            if not self.skip:
                self.parts.append(data)


def _collect(content: str, element_id: str | None) -> _Collector:
    collector = _Collector(element_id)
    collector.feed(content)
    if element_id is not None and collector.depth == -1:
        raise AssertionError(f"Aucun élément d'identifiant « {element_id} ».")
    return collector


def text(content: str, element_id: str | None = None) -> str:
    """The visible text (SVG left out), spaces (thin, no-break) made plain and collapsed."""
    raw = "".join(_collect(content, element_id).parts)
    return re.sub(r"\s+", " ", raw.replace("\u202f", " ").replace("\u00a0", " ")).strip()


def links(content: str, element_id: str | None = None) -> list[str]:
    return [html.unescape(href) for href in _collect(content, element_id).links]


def svgs(content: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", content, flags=re.S)
