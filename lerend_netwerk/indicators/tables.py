"""The tables of the indicators page: typed cells, shown in nl-BE and exported as CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from babel.numbers import format_decimal

from lerend_netwerk.core.csvexport import to_csv
from lerend_netwerk.timeutil import LOCALE, nl_date_short


def format_int(value: int) -> str:
    """1234567 -> '1.234.567', as nl-BE groups digits (much faster than Babel per cell)."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Rate:
    """A ratio of two counts, shown as a percentage; undefined when the whole is 0."""

    part: int
    whole: int

    @property
    def percent(self) -> float | None:
        return None if self.whole == 0 else 100 * self.part / self.whole

    def display(self) -> str:
        value = self.percent
        return "–" if value is None else f"{format_decimal(value, '#,##0.0', locale=LOCALE)} %"

    def csv(self) -> str:
        value = self.percent
        return "" if value is None else format_decimal(value, "0.0", locale=LOCALE)


def display_cell(value: Any) -> str:
    """A cell as shown on the page: 1.234, 83,3 %, do 1 sep 2022."""
    if value is None:
        return "–"
    if isinstance(value, Rate):
        return value.display()
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, int):
        return format_int(value)
    if isinstance(value, date):
        return nl_date_short(value)
    return str(value)


def csv_cell(value: Any) -> str:
    """A cell as written to CSV: plain digits, a decimal comma, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, Rate):
        return value.csv()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@dataclass
class DataTable:
    """A table with a caption and a header row; the first column names each row."""

    name: str
    caption: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)

    def display_rows(self) -> list[list[str]]:
        return [[display_cell(cell) for cell in row] for row in self.rows]

    def csv_bytes(self) -> bytes:
        return to_csv(self.header, ([csv_cell(cell) for cell in row] for row in self.rows))

    def numeric(self, column: int) -> bool:
        """Whether a column holds numbers (right-aligned on the page)."""
        return column > 0 and all(
            isinstance(row[column], int | Rate) or row[column] is None for row in self.rows
        )

    def row(self, label: str) -> list[Any]:
        """The row whose first cell is `label`."""
        for row in self.rows:
            if row[0] == label:
                return row
        raise KeyError(label)
