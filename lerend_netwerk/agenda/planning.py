"""Planning the agenda: the month view, duplicating a session, slugs made from titles."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from lerend_netwerk.agenda import meetings, service
from lerend_netwerk.agenda.models import MEETING_KIND_LABELS, Meeting
from lerend_netwerk.core.slugs import slugify, unique_slug
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import BRUSSELS, parse_local, to_local
from lerend_netwerk.visibility import visible_clause

SLUG_MAX = 80

# --- slugs ----------------------------------------------------------------------------------


def slug_for_title(title: str, exclude: Meeting | None = None) -> str:
    """A free slug made from the title: 'Intervisie mentoren' -> 'intervisie-mentoren(-2)'."""
    base = slugify(title or "", max_length=SLUG_MAX)
    if base == "document":
        base = "sessie"
    if exclude is not None and exclude.slug == base:
        return base
    return unique_slug(Meeting, base, service.RESERVED_SLUGS)


# --- the month view -------------------------------------------------------------------------


@dataclass
class Day:
    date: date
    in_month: bool
    meetings: list[Meeting] = field(default_factory=list)
    is_today: bool = False

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def number(self) -> int:
        """The day of the month, as the grid shows it."""
        return self.date.day


@dataclass
class Month:
    year: int
    month: int
    weeks: list[list[Day]]
    filters: service.AgendaFilters
    themes: list[Theme]
    kinds: dict[str, str]

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def previous_key(self) -> str:
        previous = self.first_day - timedelta(days=1)
        return f"{previous.year:04d}-{previous.month:02d}"

    @property
    def next_key(self) -> str:
        following = self.first_day + timedelta(days=32)
        return f"{following.year:04d}-{following.month:02d}"

    @property
    def count(self) -> int:
        return sum(len(d.meetings) for week in self.weeks for d in week if d.in_month)


def parse_month(value: str | None, today: date) -> tuple[int, int]:
    """'2027-03' -> (2027, 3); this month for anything else (or out of 2000–2100)."""
    try:
        year_text, month_text = (value or "").split("-")
        year, month = int(year_text), int(month_text)
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return year, month
    except ValueError:
        pass
    return today.year, today.month


def month_view(user: Any, filters: service.AgendaFilters, year: int, month: int) -> Month:
    """The weeks (Monday first) of a month with the sessions `user` may see, filtered
    like the list (kind, theme, level). A session shows on the local day it starts."""
    weeks_dates = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    first, last = weeks_dates[0][0], weeks_dates[-1][-1]
    starts = parse_local(datetime(first.year, first.month, first.day))
    ends = parse_local(datetime(last.year, last.month, last.day) + timedelta(days=1))
    query = (
        select(Meeting)
        .where(visible_clause(Meeting, user), Meeting.starts_at >= starts, Meeting.starts_at < ends)
        .order_by(Meeting.starts_at, Meeting.id)
        .options(
            defer(Meeting.body),
            defer(Meeting.report),
            selectinload(Meeting.host).load_only(Proeftuin.title, Proeftuin.level),
        )
    )
    query = service.filter_meetings(query, filters)
    by_day: dict[date, list[Meeting]] = {}
    for meeting in db.session.scalars(query):
        by_day.setdefault(to_local(meeting.starts_at).date(), []).append(meeting)
    today = datetime.now(BRUSSELS).date()
    weeks = [
        [Day(day, day.month == month, by_day.get(day, []), day == today) for day in week]
        for week in weeks_dates
    ]

    return Month(
        year=year,
        month=month,
        weeks=weeks,
        filters=filters,
        themes=list(db.session.scalars(select(Theme).order_by(Theme.title))),
        kinds=dict(MEETING_KIND_LABELS),
    )


# --- duplicating ------------------------------------------------------------------------------


def duplicate_meeting(
    source: Meeting, starts_at_local: datetime, title: str | None = None, slug: str | None = None
) -> Meeting:
    """A new session like `source` on a new date: same length, place, capacity, themes,
    host, visibility and description; a new slug, a new calendar UID, no registrations,
    no report. A registration deadline keeps its distance to the start."""
    title = (title or source.title).strip()
    slug = (slug or "").strip() or slug_for_title(title)
    if meetings.slug_taken(slug):
        raise service.AgendaError("Deze korte naam is al in gebruik: kies een andere.")
    starts_at = parse_local(starts_at_local)
    copy = Meeting(
        slug=slug,
        title=title,
        kind=source.kind,
        starts_at=starts_at,
        ends_at=starts_at + (source.ends_at - source.starts_at),
        location=source.location,
        online_url=source.online_url,
        capacity=source.capacity,
        registration_deadline=(
            starts_at - (source.starts_at - source.registration_deadline)
            if source.registration_deadline
            else None
        ),
        visibility=source.visibility,
        network_id=source.network_id,
        host_id=source.host_id,
        body=source.body,
        status="scheduled",
        sequence=0,
    )
    copy.themes = list(source.themes)
    db.session.add(copy)
    db.session.flush()
    return copy


def default_copy_start(source: Meeting) -> datetime:
    """The form's suggestion: the same weekday and hour, a week after the original
    (or the next such day from today when that lies in the past)."""
    local = to_local(source.starts_at).replace(tzinfo=None)
    now = datetime.now(BRUSSELS).replace(tzinfo=None)
    proposal = local + timedelta(days=7)
    while proposal < now:
        proposal += timedelta(days=7)
    return proposal
