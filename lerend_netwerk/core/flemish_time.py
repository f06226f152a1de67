"""Dates and times as a Flemish user types them: 12/03/2027 14:00, 12-3-2027 14u, 14u30.

One parser for every date-time field of a form (`FlemishDateTimeField`). It reads
day-month-year (never month-day), with `/`, `-` or `.` between the parts and a two- or
four-digit year, and a time as 14:00, 14.00, 14u, 14u30, 14h30 or 14 uur; date and time
are separated by a space, a comma, "om" or the "T" that a datetime-local input sends
(whose ISO form, 2027-03-12T14:00, is read too). A field may accept a time alone, for
the end of a session that ends on the day it starts.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time

from wtforms import DateTimeField
from wtforms.validators import StopValidation

FORMAT_HELP = "Schrijf dag/maand/jaar en het uur, bijvoorbeeld 12/03/2027 14:00 of 12-3-2027 14u30."
INVALID_MESSAGE = (
    "Geef een datum en uur in als dag/maand/jaar uu:mm, bijvoorbeeld 12/03/2027 14:00 "
    "of 12-3-2027 14u30."
)

_DATE = r"(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4}|\d{2})"
_ISO_DATE = r"(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
# "u", "h" or "uur" after the hour: 14u, 14u30, 14h30, 14 uur.
_HOUR_MARK = r"(?:uur|[uh])"
_TIME = (
    r"(?P<h>\d{1,2})\s*(?:(?:[:.]|" + _HOUR_MARK + r")\s*(?P<min>\d{2})?)?"
    r"(?::(?P<s>\d{2}))?\s*" + _HOUR_MARK + "?"
)
_SEPARATOR = r"(?:\s*,\s*|\s+om\s+|\s+|T)"
_DATETIME_RE = re.compile(rf"^(?:{_DATE}|{_ISO_DATE})(?:{_SEPARATOR}{_TIME})?$", re.IGNORECASE)
_TIME_RE = re.compile(rf"^{_TIME}$", re.IGNORECASE)


class FlemishTimeError(ValueError):
    """The text is no date or time; the message says what went wrong, in Dutch."""


def _year(text: str) -> int:
    year = int(text)
    return 2000 + year if len(text) == 2 else year


def _time_from(match: re.Match[str]) -> time | None:
    if match.group("h") is None:
        return None
    hour = int(match.group("h"))
    minute = int(match.group("min") or 0)
    second = int(match.group("s") or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise FlemishTimeError("Dat uur bestaat niet: gebruik 0 tot 23 uur en 0 tot 59 minuten.")
    return time(hour, minute, second)


def parse_time(text: str) -> time:
    """'14u30', '14:30', '9u', '14 uur' -> a time."""
    match = _TIME_RE.match((text or "").strip())
    if not match:
        raise FlemishTimeError(INVALID_MESSAGE)
    parsed = _time_from(match)
    assert parsed is not None
    return parsed


def parse_datetime(text: str, *, default_date: date | None = None) -> datetime:
    """A naive local datetime from what a Flemish user typed; FlemishTimeError if not.

    Without a time the moment is unclear, so it is refused. With `default_date`, a time
    alone ('16u30') means that time on that day.
    """
    value = re.sub(r"\s+", " ", (text or "").strip())
    if not value:
        raise FlemishTimeError(INVALID_MESSAGE)
    match = _DATETIME_RE.match(value)
    if match is None:
        if default_date is not None and _TIME_RE.match(value):
            return datetime.combine(default_date, parse_time(value))
        raise FlemishTimeError(INVALID_MESSAGE)
    if match.group("d") is not None:
        day, month, year = int(match.group("d")), int(match.group("m")), _year(match.group("y"))
    else:
        day, month, year = int(match.group("id")), int(match.group("im")), int(match.group("iy"))
    try:
        day_value = date(year, month, day)
    except ValueError:
        raise FlemishTimeError(
            f"De datum {day}/{month}/{year} bestaat niet: kijk dag en maand na."
        ) from None
    moment = _time_from(match)
    if moment is None:
        raise FlemishTimeError("Geef ook het uur, bijvoorbeeld 12/03/2027 14:00.")
    return datetime.combine(day_value, moment)


def format_datetime(value: datetime) -> str:
    """How a form shows a local datetime: 12/03/2027 14:00."""
    return value.strftime("%d/%m/%Y %H:%M")


class FlemishDateTimeField(DateTimeField):
    """A text field for a local date and time in Brussels, read by `parse_datetime`.

    `time_only_after` names a field of the same form whose date a time alone refers to
    (the end of a session: "16u30" is on the day it starts).
    """

    def __init__(self, label=None, validators=None, time_only_after: str | None = None, **kw):
        kw.setdefault("description", FORMAT_HELP)
        render_kw = {"placeholder": "dd/mm/jjjj uu:mm", "inputmode": "text", "autocomplete": "off"}
        render_kw.update(kw.pop("render_kw", None) or {})
        super().__init__(label, validators, render_kw=render_kw, **kw)
        self.time_only_after = time_only_after
        self.parse_error: str | None = None

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return format_datetime(self.data) if isinstance(self.data, datetime) else ""

    def process_formdata(self, valuelist: list[str]) -> None:
        self.parse_error = None
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        default_date = None
        if self.time_only_after:
            other = getattr(self._form, self.time_only_after, None) if self._form else None
            if other is not None and isinstance(other.data, datetime):
                default_date = other.data.date()
        try:
            self.data = parse_datetime(valuelist[0], default_date=default_date)
        except FlemishTimeError as error:
            self.data = None
            self.parse_error = str(error)
            raise ValueError(str(error)) from None

    def pre_validate(self, form) -> None:
        # The parser's own message says it best: no "required" message on top of it.
        if self.process_errors:
            raise StopValidation()
