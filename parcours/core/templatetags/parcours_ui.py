"""Small template helpers shared by every page: `{% load parcours_ui %}`."""

from django import template
from django.core.paginator import Page

register = template.Library()


@register.filter
def elided_page_range(page: Page):
    """The page numbers around the current page, with ellipses (1 2 … 7 8 9 … 40 41)."""
    return page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1)


@register.filter
def percent(value, total) -> int | None:
    """value / total as a whole percentage, None when the total is zero."""
    try:
        if not total:
            return None
        return round(100 * value / total)
    except (TypeError, ValueError):
        return None


@register.filter
def first_line(text: str, length: int = 140) -> str:
    """The first non-empty line of a text, cut at `length` characters."""
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= length else line[: length - 1].rstrip() + "…"
    return ""


@register.filter
def pluriel(count, suffix: str = "s") -> str:
    """French plural: 0 and 1 take the singular ("0 place", "1 place", "2 places")."""
    try:
        return suffix if abs(int(count)) >= 2 else ""
    except (TypeError, ValueError):
        return ""
