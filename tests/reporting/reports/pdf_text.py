"""The text of a PDF made by WeasyPrint, read without any PDF library (none is installed): the
objects (object streams included) are inflated, each font's ToUnicode map is read, and the glyphs
shown by the content streams are mapped back to characters, a line per baseline.

Enough for WeasyPrint's own output (Type 0 fonts with two-byte glyph codes, Flate streams); not a
general PDF reader."""

import re
import zlib

OBJECT = re.compile(rb"(\d+) 0 obj")
STREAM = re.compile(rb"stream\r?\n")
TOKEN = re.compile(
    rb"(?P<font>/(?P<name>[^\s/\[\]<>()]+)\s+[-\d.]+\s+Tf)"
    rb"|(?P<tm>[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+[-\d.]+\s+(?P<y>[-\d.]+)\s+Tm)"
    rb"|(?P<tj><(?P<hex>[0-9a-fA-F]*)>\s*Tj)"
    rb"|(?P<array>\[(?P<items>[^\]]*)\]\s*TJ)"
)


def _stream(body: bytes) -> bytes | None:
    """The stream of an object, inflated; its length is read from the dictionary, as binary data
    may hold anything."""
    start = STREAM.search(body)
    length = re.search(rb"/Length (\d+)", body)
    if start is None or length is None:
        return None
    data = body[start.end() : start.end() + int(length.group(1))]
    return zlib.decompress(data) if b"/FlateDecode" in body[: start.start()] else data


def _objects(pdf: bytes) -> dict[int, bytes]:
    """{object number: its text (dictionary, and stream when it has one)}, read in order: a stream is
    skipped by its length, so that its binary content is never taken for PDF syntax."""
    objects: dict[int, bytes] = {}
    position = 0
    while match := OBJECT.search(pdf, position):
        start = match.end()
        end = pdf.find(b"endobj", start)
        stream = STREAM.search(pdf, start, end)
        if stream:
            length = int(re.search(rb"/Length (\d+)", pdf[start : stream.start()]).group(1))
            end = pdf.find(b"endobj", stream.end() + length)
        objects[int(match.group(1))] = pdf[start:end]
        position = end
    for body in list(objects.values()):
        if b"/ObjStm" not in body[:200]:
            continue
        data = _stream(body)
        count = int(re.search(rb"/N (\d+)", body).group(1))
        first = int(re.search(rb"/First (\d+)", body).group(1))
        header = [int(value) for value in data[:first].split()]
        offsets = [(header[2 * n], header[2 * n + 1]) for n in range(count)]
        for n, (number, offset) in enumerate(offsets):
            end = offsets[n + 1][1] if n + 1 < count else len(data) - first
            objects[number] = data[first + offset : first + end]
    return objects


def _cmap(data: bytes) -> dict[int, str]:
    mapping: dict[int, str] = {}

    def text(hex_string: bytes) -> str:
        return bytes.fromhex(hex_string.decode()).decode("utf-16-be")

    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        for source, target in re.findall(rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block):
            mapping[int(source, 16)] = text(target)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for low, high, target in re.findall(
            rb"<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>", block
        ):
            start = int(target, 16)
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                mapping[code] = chr(start + offset)
    return mapping


def pdf_text(pdf: bytes) -> str:
    objects = _objects(pdf)
    fonts: dict[bytes, dict[int, str]] = {}
    dictionaries = []
    for body in objects.values():
        dictionaries += re.findall(rb"/Font\s*<<(.*?)>>", body, re.S)
        dictionaries += [objects.get(int(n), b"") for n in re.findall(rb"/Font\s+(\d+)\s+0\s+R", body)]
    for resources in dictionaries:
        for name, number in re.findall(rb"/([^\s/]+)\s+(\d+)\s+0\s+R", resources):
            reference = re.search(rb"/ToUnicode\s+(\d+)\s+0\s+R", objects.get(int(number), b""))
            if reference:
                fonts[name] = _cmap(_stream(objects[int(reference.group(1))]) or b"")
    lines: list[str] = []
    current: list[str] = []
    for body in objects.values():
        if b"/Length" not in body[:200] or b"/Length1" in body[:200]:
            continue
        content = _stream(body)
        if not content or b"BT" not in content:
            continue
        font: dict[int, str] = {}
        baseline = None
        for match in TOKEN.finditer(content):
            if match.group("font"):
                font = fonts.get(match.group("name"), {})
            elif match.group("tm"):
                y = match.group("y")
                if baseline is not None and y != baseline:
                    lines.append("".join(current))
                    current = []
                elif current:
                    current.append(" ")
                baseline = y
            else:
                strings = (
                    [match.group("hex")]
                    if match.group("tj")
                    else re.findall(rb"<([0-9a-fA-F]*)>", match.group("items"))
                )
                for string in strings:
                    for n in range(0, len(string), 4):
                        current.append(font.get(int(string[n : n + 4], 16), ""))
        lines.append("".join(current))
        current = []
    return "\n".join(line.strip() for line in lines if line.strip())


def pdf_strings(pdf: bytes) -> bytes:
    """Every object of the PDF, streams inflated (fonts excepted), joined: where to look for a string
    of the metadata or the bookmarks."""
    parts = []
    for body in _objects(pdf).values():
        parts.append(body)
        if b"/Length1" not in body[:200] and STREAM.search(body):
            parts.append(_stream(body) or b"")
    return b"\n".join(parts)
