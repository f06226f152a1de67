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


def nl_date_short(value: datetime | date | None) -> str:
    """The compact date of lists, weekday included: "do 10 dec. 2026"."""
    if isinstance(value, datetime):
        value = to_local(value)
    return nl_date(value, "EEE d MMM y")


def nl_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return format_time(value, "HH:mm", tzinfo=BRUSSELS, locale=LOCALE)


def nl_timespan(starts: datetime, ends: datetime) -> str:
    """'dinsdag 27 september 2021, 13:30–16:00' or a range over several days."""
    start_local, end_local = to_local(starts), to_local(ends)
    if start_local.date() == end_local.date():
        return f"{nl_date(starts, 'EEEE d MMMM y')}, {nl_time(starts)}–{nl_time(ends)}"
    fmt = "EEEE d MMMM y, HH:mm"
    return f"{nl_datetime(starts, fmt)} – {nl_datetime(ends, fmt)}"
