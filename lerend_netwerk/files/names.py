"""Safe file names: what a download is called and what a page shows.

A name comes from a browser and is never trusted: path separators, control and
formatting characters go, Windows' reserved device names and trailing dots or spaces are
avoided, the extension is kept and the whole is capped at `MAX_LENGTH` characters.
Letters of any script stay (`Leidraad één.pdf`); the name is NFC-normalised so that the
same name typed on macOS and Windows is the same name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_LENGTH = 120
# The longest extension kept whole when a long name is shortened (".docx", ".jpeg").
MAX_EXTENSION = 10
FALLBACK = "bestand"

# CON, PRN, AUX, NUL, COM1-9, LPT1-9: not usable as a file name on Windows, whatever the
# extension ("nul.txt" included).
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$", re.IGNORECASE)
# Characters no file system or Content-Disposition header should get.
_FORBIDDEN = set('/\\:*?"<>|')
_SPACES = re.compile(r"\s+")


def _keep(char: str) -> bool:
    if char in _FORBIDDEN:
        return False
    # Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private, Cn
    # unassigned: nothing a reader can see or should be fooled by.
    return not unicodedata.category(char).startswith("C")


def split_extension(name: str) -> tuple[str, str]:
    """("rapport", ".pdf"); a leading dot is part of the stem (".bashrc" has none)."""
    dot = name.rfind(".")
    if dot <= 0 or len(name) - dot > MAX_EXTENSION + 1:
        return name, ""
    return name[:dot], name[dot:]


def safe_filename(raw: str | None, fallback: str = FALLBACK) -> str:
    """The name as a safe display and download name; `fallback` when nothing is left."""
    name = unicodedata.normalize("NFC", raw or "")
    # A browser may send the whole path ("C:\\Users\\…\\slides.pptx"): keep the last part.
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(char if _keep(char) else " " for char in name)
    name = _SPACES.sub(" ", name).strip()
    stem, extension = split_extension(name)
    stem = stem.rstrip(" .")
    extension = extension.rstrip(" .").lower() if extension.strip(". ") else ""
    stem = stem.lstrip(".").strip()
    if _RESERVED.match(stem):
        stem = f"{stem}_"
    if not stem:
        stem = fallback
    room = MAX_LENGTH - len(extension)
    if len(stem) > room:
        stem = stem[:room].rstrip(" .") or fallback
    return stem + extension


def unique_filename(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name (2).pdf`, `name (3).pdf`… if a file on the parent has it already.

    Names compare case-insensitively: two files that differ only in case would be the same
    file once downloaded to Windows or macOS.
    """
    used = {other.casefold() for other in taken}
    if name.casefold() not in used:
        return name
    stem, extension = split_extension(name)
    number = 2
    while True:
        suffix = f" ({number})"
        candidate = stem[: MAX_LENGTH - len(extension) - len(suffix)].rstrip(" .")
        candidate = f"{candidate}{suffix}{extension}"
        if candidate.casefold() not in used:
            return candidate
        number += 1
