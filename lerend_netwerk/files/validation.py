"""What may be uploaded: the type decided from the content against an allow-list.

The name a browser sends says nothing: `filetype` reads the magic numbers, the Office and
OpenDocument formats are recognised by what their zip declares (`[Content_Types].xml`,
the `mimetype` entry), PDFs are opened with pypdf, images with Pillow, text must decode.
Everything else, a renamed `.exe` included, is refused with a Dutch message
(`FileRefused`). Archives are read through once with a budget, so a zip that expands
enormously is refused before anyone extracts it; an image with more pixels than
FILES_MAX_IMAGE_PIXELS is refused before it is decoded.

`check(data, filename, …)` returns the content to store (images re-encoded without their
metadata, text as UTF-8), its type, its extension and whether the extractor should try.
"""

from __future__ import annotations

import io
import logging
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree

import filetype
import pypdf
from pypdf.errors import PdfReadError

from lerend_netwerk.files import images
from lerend_netwerk.files.models import FileBlob

log = logging.getLogger(__name__)

# Office files: at most this many entries, this many bytes unpacked, and no entry that
# unpacks to more than RATIO times its packed size (once it is larger than 1 MB).
MAX_ZIP_ENTRIES = 5000
MAX_ZIP_UNPACKED = 200 * 1024 * 1024
MAX_ZIP_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
_READ = 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"
PNG = "image/png"
JPEG = "image/jpeg"
GIF = "image/gif"
WEBP = "image/webp"
TEXT = "text/plain"
CSV = "text/csv"
MP4 = "video/mp4"

# The allowed types: their extensions (the first is the one added to a name without one)
# and what the list on a page calls them.
TYPES: dict[str, tuple[tuple[str, ...], str]] = {
    PDF: ((".pdf",), "PDF"),
    DOCX: ((".docx",), "Word"),
    XLSX: ((".xlsx",), "Excel"),
    PPTX: ((".pptx",), "PowerPoint"),
    ODT: ((".odt",), "OpenDocument-tekst"),
    ODS: ((".ods",), "OpenDocument-rekenblad"),
    ODP: ((".odp",), "OpenDocument-presentatie"),
    PNG: ((".png",), "PNG-afbeelding"),
    JPEG: ((".jpg", ".jpeg"), "JPEG-afbeelding"),
    GIF: ((".gif",), "GIF-afbeelding"),
    WEBP: ((".webp",), "WebP-afbeelding"),
    TEXT: ((".txt", ".md", ".text"), "Tekst"),
    CSV: ((".csv",), "CSV"),
    MP4: ((".mp4", ".m4v"), "MP4-video"),
}
IMAGE_TYPES = frozenset({PNG, JPEG, GIF, WEBP})
# Shown inline by the browser; everything else is a download.
INLINE_TYPES = frozenset({PDF} | IMAGE_TYPES)

# The main part each Office format declares in [Content_Types].xml.
_OOXML_MAIN = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
_ODF = {ODT, ODS, ODP}

ALLOWED_TEXT = (
    "Toegelaten zijn PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument "
    "(.odt, .ods, .odp), afbeeldingen (PNG, JPEG, GIF, WebP), tekst en CSV, en MP4-video."
)


class FileRefused(ValueError):
    """An upload that cannot be stored; the message says why, in Dutch."""


@dataclass(frozen=True)
class Checked:
    data: bytes
    mimetype: str
    extension: str
    width: int | None = None
    height: int | None = None
    # The extraction state to start with: PENDING for the extractor, NO_TEXT to skip.
    text_status: str = FileBlob.PENDING
    text_error: str | None = None
    thumbnail: bytes | None = None


def type_label(mimetype: str) -> str:
    return TYPES.get(mimetype, ((), "Bestand"))[1]


def extensions_of(mimetype: str) -> tuple[str, ...]:
    return TYPES.get(mimetype, ((), ""))[0]


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB".replace(".", ",")


def check(data: bytes, *, extension: str, max_bytes: int, max_pixels: int) -> Checked:
    """The content as it is stored, or FileRefused; `extension` (".csv") of the name it came
    with only tells CSV from other text."""
    if not data:
        raise FileRefused("Het bestand is leeg.")
    if len(data) > max_bytes:
        raise FileRefused(f"Het bestand is groter dan {megabytes(max_bytes)}, het maximum.")
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF"):
        raise FileRefused(f"Programma's kunnen niet opgeladen worden. {ALLOWED_TEXT}")
    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise FileRefused(
            "Oude Office-bestanden (.doc, .xls, .ppt) en beveiligde Office-bestanden kunnen "
            "niet opgeladen worden. Bewaar het als .docx, .xlsx of .pptx zonder wachtwoord."
        )
    guessed = filetype.guess_mime(data)
    if guessed == PDF:
        return _check_pdf(data)
    if guessed in IMAGE_TYPES:
        return _check_image(data, guessed, max_pixels)
    if guessed in ("application/zip", DOCX, XLSX, PPTX, ODT, ODS, ODP):
        return _check_zip(data)
    if guessed == MP4:
        return Checked(data, MP4, ".mp4", text_status=FileBlob.NO_TEXT)
    if guessed is None:
        text = _as_text(data)
        if text is not None:
            mimetype = text_type_for(extension)
            known = extensions_of(mimetype)
            return Checked(text, mimetype, extension if extension in known else known[0])
    raise FileRefused(f"Dit soort bestand kan niet opgeladen worden. {ALLOWED_TEXT}")


def _corrupt(kind: str) -> FileRefused:
    return FileRefused(f"Het bestand lijkt beschadigd: het kan niet gelezen worden als {kind}.")


def _check_pdf(data: bytes) -> Checked:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Stored (members share protected files); the extractor reads one that opens
            # with an empty password (printing restricted) and marks the others
            # "versleuteld" (files/extract.py).
            return Checked(data, PDF, ".pdf")
        if len(reader.pages) == 0:
            raise _corrupt("PDF")
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as error:
        log.info("refused a PDF: %s", error)
        raise _corrupt("PDF") from error
    except RecursionError as error:
        raise _corrupt("PDF") from error
    return Checked(data, PDF, ".pdf")


def _check_image(data: bytes, mimetype: str, max_pixels: int) -> Checked:
    try:
        image = images.clean_image(data, max_pixels)
    except images.TooManyPixels as error:
        size = f" ({_millions(error.pixels)} pixels)" if error.pixels else ""
        raise FileRefused(
            f"De afbeelding is te groot{size}; het maximum is {_millions(max_pixels)} pixels."
        ) from error
    except images.UnreadableImage as error:
        raise _corrupt("afbeelding") from error
    return Checked(
        image.data,
        image.mimetype,
        extensions_of(image.mimetype)[0],
        width=image.width,
        height=image.height,
        text_status=FileBlob.NO_TEXT,
        thumbnail=image.thumbnail,
    )


def _millions(pixels: int) -> str:
    return f"{pixels / 1_000_000:.0f} miljoen".replace(".", ",")


def _check_zip(data: bytes) -> Checked:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise FileRefused(f"Het bestand bevat te veel onderdelen (meer dan {MAX_ZIP_ENTRIES}).")
        mimetype = _office_type(archive)
        if mimetype is None:
            raise FileRefused(
                f"Zip-bestanden en andere archieven kunnen niet opgeladen worden. {ALLOWED_TEXT}"
            )
        _read_within_budget(archive, entries)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError) as error:
        raise _corrupt("Office-bestand") from error
    except (NotImplementedError, RuntimeError) as error:
        # An unsupported compression method or an encrypted entry.
        raise FileRefused(
            "Het bestand is versleuteld of gebruikt een compressie die niet gelezen kan worden."
        ) from error
    return Checked(data, mimetype, extensions_of(mimetype)[0])


def _office_type(archive: zipfile.ZipFile) -> str | None:
    names = set(archive.namelist())
    if "mimetype" in names:
        declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
        return declared if declared in _ODF else None
    if "[Content_Types].xml" in names:
        info = archive.getinfo("[Content_Types].xml")
        if info.file_size > _RATIO_FLOOR:
            return None
        root = ElementTree.fromstring(archive.read(info))
        for element in root:
            if element.tag.endswith("Override"):
                found = _OOXML_MAIN.get(element.get("ContentType", ""))
                if found:
                    return found
    return None


def _read_within_budget(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Unpack every entry once, counting: a zip bomb stops at the budget, not at the end."""
    declared = sum(info.file_size for info in entries)
    if declared > MAX_ZIP_UNPACKED:
        raise _too_much_unpacked()
    left = MAX_ZIP_UNPACKED
    for info in entries:
        if info.is_dir():
            continue
        allowed = max(_RATIO_FLOOR, info.compress_size * MAX_ZIP_RATIO)
        if info.file_size > allowed:
            raise _too_much_unpacked()
        unpacked = 0
        with archive.open(info) as entry:
            while chunk := entry.read(_READ):
                unpacked += len(chunk)
                left -= len(chunk)
                if unpacked > allowed or left < 0:
                    raise _too_much_unpacked()


def _too_much_unpacked() -> FileRefused:
    return FileRefused(
        "Het bestand pakt uit tot veel meer dan het lijkt (een zogenaamde zip-bom) en wordt "
        "daarom geweigerd."
    )


def _as_text(data: bytes) -> bytes | None:
    """Plain text as UTF-8 (a Windows-1252 export converted), None when it is not text."""
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            return None
    controls = sum(1 for char in text if ord(char) < 32 and char not in "\t\n\r\f")
    if controls > len(text) // 1000:
        return None
    return text.encode("utf-8")


def text_type_for(extension: str) -> str:
    """A text file named .csv is CSV; every other text is plain text."""
    return CSV if extension == ".csv" else TEXT
