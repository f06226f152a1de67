"""The text inside an attached file, for search.

`extract_text(data, mimetype)` reads PDF (pypdf), Word (python-docx), PowerPoint
(python-pptx: slides and notes), Excel (openpyxl: sheet names and values), OpenDocument
text, spreadsheets and presentations (odfpy) and plain text or CSV. It never raises: it
returns the text and a status, `done`, `none` (a type without text, or text that may not
be read: an encrypted PDF) or `failed` (a corrupt file; the error says why).

Everything is bounded, whatever the upload checks let through: the characters kept, the
pages, slides and rows read, the bytes an office file (a zip) may unpack to, and the
time spent (checked between pages, paragraphs and rows; what was read by then is kept).
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lerend_netwerk.config import DefaultConfig

log = logging.getLogger(__name__)

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
TEXT_TYPES = ("text/plain", "text/csv", "text/markdown", "text/tab-separated-values")

DONE = "done"
NO_TEXT = "none"
FAILED = "failed"

# Zip entries of an office file: at most this many, and none that unpacks more than
# this many times its packed size (once it is larger than a megabyte).
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_RATIO = 200

# A PDF page whose drawing instructions are larger than this is skipped: pypdf reads
# about 1 MB of them in 2.5-5 s (2 cores, busy), and the time limit is checked only
# between pages. Pages of ordinary text have some kilobytes.
MAX_PAGE_CONTENT_BYTES = 2 * 1024 * 1024

# Control characters other than tab and newline (PostgreSQL refuses NUL in text).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True)
class Limits:
    max_chars: int = DefaultConfig.FILES_TEXT_MAX_CHARS
    max_pages: int = DefaultConfig.FILES_TEXT_MAX_PAGES
    max_rows: int = DefaultConfig.FILES_TEXT_MAX_ROWS
    max_unpacked: int = DefaultConfig.FILES_TEXT_MAX_UNPACKED_BYTES
    seconds: float = DefaultConfig.FILES_TEXT_SECONDS

    @classmethod
    def from_config(cls, config: Any) -> Limits:
        from lerend_netwerk.config import setting

        return cls(
            max_chars=int(setting(config, "FILES_TEXT_MAX_CHARS")),
            max_pages=int(setting(config, "FILES_TEXT_MAX_PAGES")),
            max_rows=int(setting(config, "FILES_TEXT_MAX_ROWS")),
            max_unpacked=int(setting(config, "FILES_TEXT_MAX_UNPACKED_BYTES")),
            seconds=float(setting(config, "FILES_TEXT_SECONDS")),
        )


@dataclass(frozen=True)
class Extracted:
    """The outcome: `text` (None unless `status` is done) and what went wrong or was cut."""

    text: str | None
    status: str
    error: str | None = None


class Refused(Exception):
    """The file may not be read (encrypted, or it would unpack too far): no text, no retry."""


class _Collector:
    """Pieces of text up to the limits; `full` once the characters or the time ran out."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.pieces: list[str] = []
        self.chars = 0
        self.deadline = time.monotonic() + limits.seconds
        self.cut: str | None = None
        self.timed_out = False

    @property
    def full(self) -> bool:
        if self.cut is None and time.monotonic() > self.deadline:
            self.cut = f"na {self.limits.seconds:g} seconden gestopt"
            self.timed_out = True
        return self.cut is not None

    def add(self, text: str | None) -> bool:
        """Keep `text`; False when nothing more is wanted."""
        if self.full:
            return False
        text = (text or "").strip()
        if text:
            room = self.limits.max_chars - self.chars
            if len(text) >= room:
                text = text[:room]
                self.cut = f"ingekort tot {self.limits.max_chars:,} tekens".replace(",", ".")
            self.pieces.append(text)
            self.chars += len(text) + 2
        return not self.full

    def stop(self, reason: str) -> None:
        self.cut = self.cut or reason

    def result(self) -> Extracted:
        text = _clean("\n\n".join(self.pieces))
        if not text and self.timed_out:  # nothing in time: tried again later
            return Extracted(None, FAILED, f"Geen tekst {self.cut}.")
        if not text:
            return Extracted(None, NO_TEXT, self.cut or "geen tekst gevonden")
        return Extracted(text, DONE, f"Tekst {self.cut}." if self.cut else None)


def _clean(text: str) -> str:
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def extract_text(data: bytes, mimetype: str, limits: Limits | None = None) -> Extracted:
    """The searchable text of a file; see the module docstring. Never raises."""
    limits = limits or Limits()
    reader = _READERS.get(_kind(data, mimetype))
    if reader is None:
        return Extracted(None, NO_TEXT, None)
    collector = _Collector(limits)
    try:
        reader(data, collector)
    except Refused as refused:
        return Extracted(None, NO_TEXT, str(refused))
    except Exception as error:  # a corrupt file: any library's any error
        message = f"{type(error).__name__}: {error}".strip()
        log.warning("text extraction failed (%s): %s", mimetype, message)
        return Extracted(None, FAILED, message[:500])
    return collector.result()


def _kind(data: bytes, mimetype: str) -> str:
    mimetype = (mimetype or "").split(";")[0].strip().lower()
    if mimetype in _READERS:
        return mimetype
    if mimetype.startswith("text/"):
        return "text/plain"
    return mimetype


# Plain text -----------------------------------------------------------------------


def _read_text(data: bytes, out: _Collector) -> None:
    # UTF-8 (with or without BOM), else Windows-1252: what Belgian spreadsheets export.
    head = data[: out.limits.max_chars * 4]
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the head is still UTF-8.
        if error.start >= len(head) - 3:
            text = head[: error.start].decode("utf-8-sig")
        else:
            text = head.decode("cp1252", errors="replace")
    out.add(text)


# PDF ------------------------------------------------------------------------------


def _read_pdf(data: bytes, out: _Collector) -> None:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        # An owner password only restricts printing or copying: the text is readable
        # with the empty user password. Anything else stays closed.
        try:
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError, FileNotDecryptedError):
            opened = 0
        if not opened:
            raise Refused("versleuteld")
    skipped = 0
    for number, page in enumerate(reader.pages):
        if number >= out.limits.max_pages:
            out.stop(f"enkel de eerste {out.limits.max_pages} pagina's gelezen")
            break
        # The time is checked between pages: one page must not take long on its own.
        contents = page.get_contents()
        if contents is not None and len(contents.get_data()) > MAX_PAGE_CONTENT_BYTES:
            skipped += 1
            continue
        if not out.add(page.extract_text()):
            break
    if skipped:
        out.stop(f"{skipped} te grote pagina('s) overgeslagen")


# Word -----------------------------------------------------------------------------


def _check_zip(data: bytes, limits: Limits) -> None:
    """Refuse an office file that would unpack too far (a zip bomb)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise Refused(f"te veel onderdelen ({len(entries)})")
        total = 0
        for entry in entries:
            total += entry.file_size
            packed = max(entry.compress_size, 1)
            if entry.file_size > 1024 * 1024 and entry.file_size / packed > MAX_ZIP_RATIO:
                raise Refused("pakt verdacht ver uit (zipbom)")
        if total > limits.max_unpacked:
            raise Refused("pakt te ver uit")


def _read_docx(data: bytes, out: _Collector) -> None:
    import docx
    from docx.oxml.ns import qn

    _check_zip(data, out.limits)
    document = docx.Document(io.BytesIO(data))
    paragraph, run_text = qn("w:p"), qn("w:t")
    parts = [document.element.body]
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                parts.append(part._element)
    for element in parts:
        # Every paragraph, those in tables and text boxes too, in document order.
        for p in element.iter(paragraph):
            if not out.add("".join(t.text or "" for t in p.iter(run_text))):
                return


# PowerPoint -----------------------------------------------------------------------


def _shape_texts(shapes: Iterable[Any]) -> Iterator[str]:
    for shape in shapes:
        if getattr(shape, "shape_type", None) == 6:  # MSO_SHAPE_TYPE.GROUP
            yield from _shape_texts(shape.shapes)
        if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
            yield shape.text_frame.text
        if getattr(shape, "has_table", False) and shape.has_table:
            for row in shape.table.rows:
                yield "\t".join(cell.text for cell in row.cells)


def _read_pptx(data: bytes, out: _Collector) -> None:
    from pptx import Presentation

    _check_zip(data, out.limits)
    presentation = Presentation(io.BytesIO(data))
    for number, slide in enumerate(presentation.slides):
        if number >= out.limits.max_pages:
            out.stop(f"enkel de eerste {out.limits.max_pages} dia's gelezen")
            return
        for text in _shape_texts(slide.shapes):
            if not out.add(text):
                return
        if slide.has_notes_slide:
            notes = slide.notes_slide.notes_text_frame
            if notes is not None and not out.add(notes.text):
                return


# Excel ----------------------------------------------------------------------------


def _read_xlsx(data: bytes, out: _Collector) -> None:
    import openpyxl

    _check_zip(data, out.limits)
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    rows = 0
    try:
        for sheet in workbook.worksheets:
            if not out.add(sheet.title):
                return
            for row in sheet.iter_rows(values_only=True):
                rows += 1
                if rows > out.limits.max_rows:
                    out.stop(f"enkel de eerste {out.limits.max_rows:,} rijen gelezen")
                    return
                values = [str(value) for value in row if value is not None and value != ""]
                if values and not out.add("\t".join(values)):
                    return
    finally:
        workbook.close()


# OpenDocument ---------------------------------------------------------------------


def _read_odf(data: bytes, out: _Collector) -> None:
    from odf import teletype
    from odf.namespaces import TABLENS, TEXTNS
    from odf.opendocument import load
    from odf.table import Table

    _check_zip(data, out.limits)
    document = load(io.BytesIO(data))
    sheets = {id(table) for table in document.getElementsByType(Table)}
    wanted = {(TEXTNS, "p"), (TEXTNS, "h")}
    rows = 0

    def walk(node: Any) -> bool:
        nonlocal rows
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if id(child) in sheets and not out.add(child.getAttrNS(TABLENS, "name")):
                return False
            if child.qname == (TABLENS, "table-row"):
                rows += 1
                if rows > out.limits.max_rows:
                    out.stop(f"enkel de eerste {out.limits.max_rows:,} rijen gelezen")
                    return False
            if child.qname in wanted:
                if not out.add(teletype.extractText(child)):
                    return False
            elif not walk(child):
                return False
        return True

    walk(document.body)


_READERS = {
    PDF: _read_pdf,
    DOCX: _read_docx,
    PPTX: _read_pptx,
    XLSX: _read_xlsx,
    ODT: _read_odf,
    ODS: _read_odf,
    ODP: _read_odf,
    **dict.fromkeys(TEXT_TYPES, _read_text),
}

SEARCHED_TYPES = tuple(_READERS)
