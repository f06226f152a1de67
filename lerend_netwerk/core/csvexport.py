"""Excel-safe CSV: UTF-8 with BOM, `;` between fields, CRLF, no formula injection.

Excel in a Belgian (nl-BE) locale opens such a file with a double click: the BOM
tells it the encoding, `;` is its list separator and a decimal comma is read as a
number. A cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return,
which Excel also strips before evaluating) would be run as a formula, so it gets a
leading single quote and is shown as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """Prefix a cell that a spreadsheet would evaluate as a formula with a quote."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def to_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The rows as Excel-safe CSV bytes; every cell is given as text already formatted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([neutralise(str(cell)) for cell in header])
    for row in rows:
        writer.writerow([neutralise("" if cell is None else str(cell)) for cell in row])
    return (BOM + buffer.getvalue()).encode("utf-8")
