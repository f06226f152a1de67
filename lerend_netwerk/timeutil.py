"""Time zones and Flemish date formatting (Babel, nl_BE)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time

BRUSSELS = ZoneInfo("Europe/Brussels")
LOCALE = "nl_BE"


def to_local(value: datetime) -> datetime:
    return value.astimezone(BRUSSELS)


def parse_local(value: str | datetime | date) -> datetime:
    """Parse ISO 8601; without an offset the time is local time in Brussels. Returns UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    else:
        parsed = datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=BRUSSELS)
    return parsed.astimezone(UTC)


def local_isoformat(value: datetime) -> str:
    """ISO 8601 in Brussels local time without offset: the content format's form."""
    return to_local(value).replace(tzinfo=None).isoformat(timespec="minutes")


def nl_datetime(value: datetime | None, fmt: str = "EEEE d MMMM y 'om' HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(value, fmt, tzinfo=BRUSSELS, locale=LOCALE)


def nl_date(value: datetime | date | None, fmt: str = "d MMMM y") -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_local(value).date()
    return format_date(value, fmt, locale=LOCALE)


# The styles people read: long on a detail page, compact in a list, always with the weekday.
# Templates get only these (core/templating.py); a test keeps other formats out of them.
LONG_DATE = "EEEE d MMMM y"
SHORT_DATE = "EEE d MMM y"


def nl_date_long(value: datetime | date | None) -> str:
    """The long date of detail pages: "donderdag 10 december 2026"."""
    return nl_date(value, LONG_DATE)


def nl_date_short(value: datetime | date | None) -> str:
    """The compact date of lists, weekday included: "do 10 dec 2026"."""
    return nl_date(value, SHORT_DATE)


def nl_datetime_long(value: datetime | None) -> str:
    """The long date and time of detail pages: "donderdag 10 december 2026 om 14:00"."""
    return nl_datetime(value, f"{LONG_DATE} 'om' HH:mm")


def nl_datetime_short(value: datetime | None) -> str:
    """The compact date and time of lists: "do 10 dec 2026, 14:00"."""
    return nl_datetime(value, f"{SHORT_DATE}, HH:mm")


def nl_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, "HH:mm", tzinfo=BRUSSELS, locale=LOCALE)


def _timespan(starts: datetime, ends: datetime, date_format: str) -> str:
    start_local, end_local = to_local(starts), to_local(ends)
    if start_local.date() == end_local.date():
        return f"{nl_date(starts, date_format)}, {nl_time(starts)}–{nl_time(ends)}"
    fmt = f"{date_format}, HH:mm"
    return f"{nl_datetime(starts, fmt)} – {nl_datetime(ends, fmt)}"


def nl_timespan(starts: datetime, ends: datetime) -> str:
    """'dinsdag 27 september 2021, 13:30–16:00' or a range over several days."""
    return _timespan(starts, ends, LONG_DATE)


def nl_timespan_short(starts: datetime, ends: datetime) -> str:
    """The compact span of lists: 'di 27 sep 2021, 13:30–16:00'."""
    return _timespan(starts, ends, SHORT_DATE)


def preload() -> None:
    """Load Babel's data for every format above (the gunicorn master does, for its
    workers to share it: lerend_netwerk/prefork.py)."""
    moment = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
    for style in (nl_date_long, nl_date_short, nl_datetime_long, nl_datetime_short, nl_time):
        style(moment)
    nl_timespan(moment, moment.replace(hour=12))
    nl_timespan_short(moment, moment.replace(hour=12))
