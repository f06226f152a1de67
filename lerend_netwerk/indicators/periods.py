"""Reporting periods: Brussels local dates turned into UTC bounds, and their quarters.

A period is a range of whole local days in Europe/Brussels, first and last day
included. Its bounds are the UTC instants of local midnight at the start of the first
day and at the end of the last day, so an event at 23:30 Brussels time on 31 August
(21:30 UTC) still belongs to the academic year that ends that day.

Quarters are calendar quarters in Brussels local time (January, April, July,
October), clipped to the period. Their bounds are computed here, in Python, as
UTC instants; SQL then only compares UTC timestamps with them (see service.py), which
is portable and right across daylight-saving time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lerend_netwerk.timeutil import BRUSSELS, nl_date

ACADEMIC = "academiejaar"
CALENDAR = "kalenderjaar"
CUSTOM = "aangepast"
KINDS = {ACADEMIC: "Academiejaar", CALENDAR: "Kalenderjaar", CUSTOM: "Eigen periode"}
ACADEMIC_YEAR_RE = re.compile(r"^(\d{4})-(\d{4})$")
# A custom range longer than this is refused: 25 years is 100 quarters.
MAX_CUSTOM_DAYS = 25 * 366


def local_midnight(day: date) -> datetime:
    """The UTC instant at which `day` starts in Brussels."""
    return datetime(day.year, day.month, day.day, tzinfo=BRUSSELS).astimezone(UTC)


class WholeDays:
    """Whole local days from `first_day` to `last_day` (both included), as UTC bounds."""

    first_day: date
    last_day: date

    @property
    def starts(self) -> datetime:
        """Inclusive lower bound in UTC."""
        return local_midnight(self.first_day)

    @property
    def ends(self) -> datetime:
        """Exclusive upper bound in UTC: the start of the day after the last day."""
        return local_midnight(self.last_day + timedelta(days=1))


@dataclass(frozen=True)
class Quarter(WholeDays):
    """A calendar quarter in Brussels local time, clipped to a period."""

    year: int
    number: int
    first_day: date
    last_day: date

    @property
    def label(self) -> str:
        return f"{self.year} K{self.number}"


@dataclass(frozen=True)
class Period(WholeDays):
    """Whole local days from `first_day` to `last_day` (both included)."""

    kind: str
    first_day: date
    last_day: date

    @property
    def name(self) -> str:
        """'Academiejaar 2022-2023', 'Kalenderjaar 2022' or 'Eigen periode'."""
        if self.kind == ACADEMIC:
            return f"Academiejaar {self.first_day.year}-{self.first_day.year + 1}"
        if self.kind == CALENDAR:
            return f"Kalenderjaar {self.first_day.year}"
        return KINDS[CUSTOM]

    @property
    def span(self) -> str:
        """'1 september 2022 – 31 augustus 2023'."""
        return f"{nl_date(self.first_day)} – {nl_date(self.last_day)}"

    @property
    def key(self) -> str:
        """A short form for file names: '2022-2023', '2022' or '2022-01-01_2022-03-31'."""
        if self.kind == ACADEMIC:
            return f"{self.first_day.year}-{self.first_day.year + 1}"
        if self.kind == CALENDAR:
            return str(self.first_day.year)
        return f"{self.first_day.isoformat()}_{self.last_day.isoformat()}"

    def contains(self, moment: datetime) -> bool:
        return self.starts <= moment < self.ends

    def quarters(self) -> list[Quarter]:
        """The local calendar quarters that overlap the period, clipped to it."""
        result = []
        year, number = self.first_day.year, (self.first_day.month - 1) // 3 + 1
        while True:
            q_first = date(year, 3 * number - 2, 1)
            if q_first > self.last_day:
                return result
            next_first = date(year + 1, 1, 1) if number == 4 else date(year, 3 * number + 1, 1)
            result.append(
                Quarter(
                    year=year,
                    number=number,
                    first_day=max(q_first, self.first_day),
                    last_day=min(next_first - timedelta(days=1), self.last_day),
                )
            )
            year, number = (year + 1, 1) if number == 4 else (year, number + 1)


def academic_year(start_year: int) -> Period:
    """1 September of `start_year` to 31 August of the next year."""
    return Period(ACADEMIC, date(start_year, 9, 1), date(start_year + 1, 8, 31))


def calendar_year(year: int) -> Period:
    return Period(CALENDAR, date(year, 1, 1), date(year, 12, 31))


def custom(first_day: date, last_day: date) -> Period:
    if last_day < first_day:
        raise ValueError("the last day comes before the first day")
    return Period(CUSTOM, first_day, last_day)


def academic_start_year(day: date) -> int:
    """The start year of the academic year `day` belongs to."""
    return day.year if day.month >= 9 else day.year - 1


def academic_year_label(start_year: int) -> str:
    return f"{start_year}-{start_year + 1}"


def parse_academic_year(value: str) -> int:
    """'2022-2023' -> 2022; anything else is a ValueError."""
    match = ACADEMIC_YEAR_RE.match(value.strip())
    if not match or int(match.group(2)) != int(match.group(1)) + 1:
        raise ValueError(f"not an academic year: {value!r}")
    return int(match.group(1))


def today_local(now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(BRUSSELS).date()
