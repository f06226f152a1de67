"""The VTIMEZONE of a zone as calendar servers write it: yearly rules, not lists of dates.

Clients differ in how much of a VTIMEZONE they read: ical.js (Thunderbird, Nextcloud)
takes only the first value of a comma-separated RDATE, so a zone written as dates
puts every later event in the wrong offset. Written as STANDARD and DAYLIGHT with
`RRULE:FREQ=YEARLY;BYMONTH=..;BYDAY=..` (what Google, Exchange and CalDAV servers
send), every client computes every year, however far ahead.

The rule is read from the tz database: the zone's transitions in a reference year,
each expressed as "the n-th (or last) weekday of the month at this wall time".
"""

from __future__ import annotations

import calendar as monthcalendar
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Calendar servers start their yearly rules in 1970: every event is after it.
RULE_START_YEAR = 1970


@dataclass(frozen=True)
class Transition:
    """One yearly change of offset, as a rule: month, n-th weekday, wall time."""

    month: int
    week: int  # 1..4 from the start of the month, -1 for the last
    weekday: int  # 0 = Monday
    wall: timedelta  # local time (in the old offset) of the change, after midnight
    offset_from: timedelta
    offset_to: timedelta
    name: str
    daylight: bool

    @property
    def byday(self) -> str:
        return f"{self.week}{WEEKDAYS[self.weekday]}"

    def date_in(self, year: int) -> datetime:
        """The local wall time of this transition in `year`."""
        days = [
            day
            for day in monthcalendar.Calendar().itermonthdates(year, self.month)
            if day.month == self.month and day.weekday() == self.weekday
        ]
        day = days[-1] if self.week == -1 else days[self.week - 1]
        return datetime(day.year, day.month, day.day) + self.wall


def transitions(zone: ZoneInfo, year: int) -> list[Transition]:
    """The zone's changes of offset in `year`, found hour by hour in UTC."""
    found: list[Transition] = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    end = datetime(year + 1, 1, 1, tzinfo=UTC)
    before = moment.astimezone(zone)
    while moment < end:
        moment += timedelta(hours=1)
        after = moment.astimezone(zone)
        if after.utcoffset() != before.utcoffset():
            old_offset = before.utcoffset() or timedelta(0)
            wall_old = (moment + old_offset).replace(tzinfo=None)
            days_in_month = monthcalendar.monthrange(wall_old.year, wall_old.month)[1]
            week = -1 if wall_old.day + 7 > days_in_month else (wall_old.day - 1) // 7 + 1
            found.append(
                Transition(
                    month=wall_old.month,
                    week=week,
                    weekday=wall_old.weekday(),
                    wall=timedelta(hours=wall_old.hour, minutes=wall_old.minute),
                    offset_from=old_offset,
                    offset_to=after.utcoffset() or timedelta(0),
                    name=after.tzname() or "",
                    daylight=bool(after.dst()),
                )
            )
        before = after
    return found


@lru_cache(maxsize=8)
def vtimezone(tzid: str, reference_year: int) -> Timezone:
    """A VTIMEZONE for `tzid` with the rule in force in `reference_year`.

    Shared between calendars: never modify the returned component.
    """
    zone = ZoneInfo(tzid)
    component = Timezone()
    component.add("tzid", tzid)
    changes = transitions(zone, reference_year)
    if not changes:
        # No daylight saving time: one STANDARD with the year's offset.
        instant = datetime(reference_year, 1, 1, tzinfo=UTC).astimezone(zone)
        offset = instant.utcoffset() or timedelta(0)
        standard = TimezoneStandard()
        standard.add("dtstart", datetime(RULE_START_YEAR, 1, 1))
        standard.add("tzoffsetfrom", offset)
        standard.add("tzoffsetto", offset)
        standard.add("tzname", instant.tzname() or tzid)
        component.add_component(standard)
        return component
    for change in changes:
        part = TimezoneDaylight() if change.daylight else TimezoneStandard()
        part.add("dtstart", change.date_in(RULE_START_YEAR))
        part.add("rrule", {"freq": "yearly", "bymonth": change.month, "byday": change.byday})
        part.add("tzoffsetfrom", change.offset_from)
        part.add("tzoffsetto", change.offset_to)
        part.add("tzname", change.name)
        component.add_component(part)
    return component
