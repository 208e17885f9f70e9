"""The text of a PDF, read with pypdf: its pages, and what it says of itself (metadata, bookmarks)."""

import io

from pypdf import PdfReader


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def _titles(outline) -> list[str]:
    titles = []
    for item in outline:
        titles += _titles(item) if isinstance(item, list) else [item.title]
    return titles


def pdf_strings(pdf: bytes) -> bytes:
    """The document's metadata and bookmarks, where a name could hide outside the pages."""
    reader = PdfReader(io.BytesIO(pdf))
    parts = [str(value) for value in (reader.metadata or {}).values()]
    parts += _titles(reader.outline)
    return "\n".join(parts).encode("utf-8")
