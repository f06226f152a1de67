"""Rules for text, dates and times that every form and the import share.

- Single-line text (titles, names, places, links) has no line breaks or other control
  characters, so that it fits a calendar line, a mail header and an export.
- Dates lie between 2000 and 2100: outside that range a date is a typo, and the feeds,
  the conversion to UTC and the databases all have limits of their own.
- A local time in Brussels must exist: 02:30 on the night the clocks go forward is
  refused. An autumn time that happens twice (02:00-03:00 on the last Sunday of
  October) means the first of the two, still in summer time (fold=0); the import takes
  an explicit offset (2025-10-26T02:30+01:00) for the second.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime

from lerend_netwerk.timeutil import BRUSSELS

MIN_YEAR = 2000
MAX_YEAR = 2100

SINGLE_LINE_MESSAGE = "Gebruik één regel, zonder regeleinden of andere stuurtekens."
DATE_RANGE_MESSAGE = f"Kies een datum tussen {MIN_YEAR} en {MAX_YEAR}."
NONEXISTENT_TIME_MESSAGE = (
    "Dit uur bestaat niet in Brussel: in de nacht van de overgang naar zomertijd springt "
    "de klok van 2 naar 3 uur. Kies een ander uur."
)

# Control characters (Cc: tab, CR, LF, NUL, ...), line and paragraph separators.
_NOT_ON_ONE_LINE = frozenset({"Cc", "Zl", "Zp"})


def is_single_line(text: str) -> bool:
    """No line break and no control character anywhere in `text`."""
    return not any(unicodedata.category(char) in _NOT_ON_ONE_LINE for char in text)


def has_control_characters(text: str) -> bool:
    """Control characters other than tab and line breaks (for multi-line text)."""
    return any(unicodedata.category(char) == "Cc" and char not in "\t\n\r" for char in text)


def in_date_range(value: date | datetime) -> bool:
    return MIN_YEAR <= value.year <= MAX_YEAR


def exists_in_brussels(local: datetime) -> bool:
    """Whether a naive local time occurs on Brussels clocks (not skipped in spring).

    For a date in range (in_date_range): at the ends of datetime's range the conversion
    to UTC overflows.
    """
    aware = local.replace(tzinfo=BRUSSELS)
    return aware.astimezone(UTC).astimezone(BRUSSELS).replace(tzinfo=None) == local
