"""The agenda's common ground: seats, listing and looking up sessions, the lock.

Registering and the waiting list are in `registrations.py`, guests in `guests.py`,
coordinators' session changes in `meetings.py`, the attendee list, check-in and walk-ins
in `roster.py`, the attendance sheet in `attendance.py`.

Decisions worth knowing:

- Level filter: a session has the level of its host proeftuin. A session without a
  host is network-wide (kick-off, inspiratie-event, slotsessie, ...) and is listed
  under every level.
- Capacity is decided while holding a lock that serialises all registrations of one
  session: ``SELECT ... FOR UPDATE`` on the meeting row on PostgreSQL, the database
  write lock (``BEGIN IMMEDIATE``) on SQLite. Counting and writing happen under that
  lock; the unique (meeting_id, user_id) and (meeting_id, email_key) constraints back
  up "nobody twice".
- The report (verslag) is shared with the network: every signed-in member reads it,
  and everybody who may see the session when the coordinators make it public
  (`report_visibility`, only for a public session). Search follows the same rule.
- Signals (lerend_netwerk.signals) are sent inside the transaction, after flush().
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import defer, selectinload

from lerend_netwerk.agenda.models import (
    ACTIVE_REGISTRATION_STATUSES,
    MEETING_KIND_LABELS,
    MEETING_KINDS,
    Meeting,
    Registration,
)
from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.core.errors import NotFoundError, one_or_not_found
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.access import is_network_member, networks_of
from lerend_netwerk.networks.context import Scope, list_scope
from lerend_netwerk.proeftuinen.models import LEVELS, Proeftuin
from lerend_netwerk.sqlite import began_immediate, begin_write_transaction
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import nl_datetime
from lerend_netwerk.visibility import (
    can_coordinate,
    can_see,
    is_member,
    may_see_online_link,
    visible_clause,
)

PER_PAGE = 20
# Slugs that would collide with the agenda's own URLs.
RESERVED_SLUGS = frozenset({"nieuw", "maand"})


class AgendaError(Exception):
    """A request the agenda's rules refuse; the message is Dutch and meant for people."""


# --- seats ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seats:
    """How full a session is."""

    capacity: int | None
    confirmed: int = 0
    waitlisted: int = 0
    # Seats held for guests who have not followed their confirmation link yet.
    held: int = 0

    @property
    def left(self) -> int | None:
        """Free places; None when the capacity is unlimited."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed - self.held, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed + self.held >= self.capacity


def seat_counts(meetings: list[Meeting]) -> dict[int, Seats]:
    """Confirmed and waitlisted counts for several sessions, in one query."""
    ids = [meeting.id for meeting in meetings]
    counts: dict[int, dict[str, int]] = {meeting_id: {} for meeting_id in ids}
    if ids:
        now = utcnow()

        def count_of(condition: Any) -> Any:
            return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

        rows = db.session.execute(
            select(
                Registration.meeting_id,
                count_of(Registration.status == "confirmed"),
                count_of(Registration.status == "waitlisted"),
                # Unconfirmed guests' requests whose hold has not expired take a seat.
                count_of(
                    and_(Registration.status == "pending", Registration.hold_expires_at > now)
                ),
            )
            .where(
                Registration.meeting_id.in_(ids),
                Registration.status.in_((*ACTIVE_REGISTRATION_STATUSES, "pending")),
            )
            .group_by(Registration.meeting_id)
        )
        for meeting_id, confirmed, waitlisted, held in rows:
            counts[meeting_id] = {
                "confirmed": int(confirmed),
                "waitlisted": int(waitlisted),
                "held": int(held),
            }
    return {
        meeting.id: Seats(
            capacity=meeting.capacity,
            confirmed=counts[meeting.id].get("confirmed", 0),
            waitlisted=counts[meeting.id].get("waitlisted", 0),
            held=counts[meeting.id].get("held", 0),
        )
        for meeting in meetings
    }


def seats(meeting: Meeting) -> Seats:
    """Confirmed and waitlisted counts for one session."""
    return seat_counts([meeting])[meeting.id]


def _count(meeting: Meeting, status: str) -> int:
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status == status)
    )


def _waitlist_order() -> tuple:
    return (Registration.registered_at, Registration.id)


def _annotate_positions(registrations: list[Registration]) -> None:
    """Set `waitlist_position` (1 = next in line) on the waitlisted ones, in one query."""
    waiting = [r for r in registrations if r.status == "waitlisted"]
    for registration in registrations:
        registration.waitlist_position = None
    if not waiting:
        return
    position = func.row_number().over(
        partition_by=Registration.meeting_id, order_by=_waitlist_order()
    )
    rows = db.session.execute(
        select(Registration.id, position).where(
            Registration.meeting_id.in_({r.meeting_id for r in waiting}),
            Registration.status == "waitlisted",
        )
    )
    positions = {row[0]: row[1] for row in rows}
    for registration in waiting:
        registration.waitlist_position = positions.get(registration.id)


def waitlist_position(registration: Registration) -> int | None:
    """1 for the next in line; None when the registration is not on the waiting list."""
    if registration.waitlist_position is None:
        _annotate_positions([registration])
    return registration.waitlist_position


# --- listing and looking up -------------------------------------------------------------


def upcoming_meetings(
    user: Any, limit: int | None = None, network_id: int | None = None
) -> list[Meeting]:
    """Sessions that have not ended yet, soonest first, that `user` may see (of one
    network, or of all)."""
    query = (
        select(Meeting)
        .where(Meeting.ends_at >= utcnow(), visible_clause(Meeting, user))
        .order_by(Meeting.starts_at)
        .options(selectinload(Meeting.themes))
    )
    if network_id is not None:
        query = query.where(Meeting.network_id == network_id)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


def sessions_before_and_after_now(
    condition: Any, user: Any, past_limit: int | None = None
) -> tuple[list[Meeting], list[Meeting]]:
    """The sessions matching `condition` that `user` may see, for the lists on theme,
    proeftuin and organisation pages: (not ended yet, soonest first; ended, latest first)."""
    now = utcnow()
    shown = (condition, visible_clause(Meeting, user))
    upcoming = select(Meeting).where(*shown, Meeting.ends_at >= now)
    past = select(Meeting).where(*shown, Meeting.ends_at < now)
    past = past.order_by(Meeting.starts_at.desc(), Meeting.id).limit(past_limit)
    return (
        list(db.session.scalars(upcoming.order_by(Meeting.starts_at, Meeting.id))),
        list(db.session.scalars(past)),
    )


@dataclass
class AgendaFilters:
    """What the agenda page is asked to show."""

    past: bool = False
    kind: str | None = None
    theme: str | None = None
    level: str | None = None
    # One network (the page's, or `?netwerk=<slug>`) or all (`?netwerk=alle`).
    scope: Scope | None = None

    @classmethod
    def from_args(cls, args: Any) -> AgendaFilters:
        """Read the filters from query arguments, ignoring unknown values."""
        kind = args.get("soort") or None
        level = args.get("niveau") or None
        return cls(
            past=args.get("wanneer") == "voorbij",
            kind=kind if kind in MEETING_KINDS else None,
            theme=(args.get("thema") or None),
            level=level if level in LEVELS else None,
            scope=list_scope(args),
        )

    @property
    def all_networks(self) -> bool:
        return self.scope is not None and self.scope.all

    @property
    def active(self) -> bool:
        return bool(self.kind or self.theme or self.level)


@dataclass
class AgendaPage:
    """One page of the agenda with what the cards need."""

    filters: AgendaFilters
    page: Pagination
    seats: dict[int, Seats]
    mine: dict[int, Registration]
    closed: dict[int, str | None]
    themes: list[Theme]
    kinds: dict[str, str] = field(default_factory=lambda: dict(MEETING_KIND_LABELS))

    @property
    def meetings(self) -> list[Meeting]:
        return list(self.page.items)


def filter_meetings(query: Any, filters: Any) -> Any:
    """`query` on sessions narrowed to the `filters`' kind, theme and level (a level: the
    sessions hosted by a proeftuin of that level, and those of the whole network)."""
    if filters.kind:
        query = query.where(Meeting.kind == filters.kind)
    if filters.theme:
        query = query.where(Meeting.themes.any(Theme.slug == filters.theme))
    if filters.level:
        query = query.where(
            or_(Meeting.host_id.is_(None), Meeting.host.has(Proeftuin.level == filters.level))
        )
    return query


def _agenda_query(user: Any, filters: AgendaFilters) -> Select:
    now = utcnow()
    query = select(Meeting).where(visible_clause(Meeting, user))
    if filters.past:
        query = query.where(Meeting.ends_at < now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    if filters.scope is not None and filters.scope.network is not None:
        query = query.where(Meeting.network_id == filters.scope.network.id)
    query = filter_meetings(query, filters)
    # A card needs neither the description nor the report, nor the host's own texts.
    return query.options(
        defer(Meeting.body),
        defer(Meeting.report),
        selectinload(Meeting.themes).load_only(Theme.title, Theme.slug),
        selectinload(Meeting.host).load_only(Proeftuin.title, Proeftuin.slug, Proeftuin.level),
    )


def agenda_page(user: Any, filters: AgendaFilters, page: int = 1) -> AgendaPage:
    """The sessions `user` may see, upcoming or past, filtered, one page at a time."""
    now = utcnow()
    pagination = db.paginate(
        _agenda_query(user, filters), page=max(page, 1), per_page=PER_PAGE, error_out=False
    )
    meetings = list(pagination.items)
    return AgendaPage(
        filters=filters,
        page=pagination,
        seats=seat_counts(meetings),
        mine=_registrations_for(user, meetings),
        closed={meeting.id: registration_closed_reason(meeting, now) for meeting in meetings},
        themes=list(db.session.scalars(select(Theme).order_by(Theme.title))),
    )


def _registrations_for(user: Any, meetings: list[Meeting]) -> dict[int, Registration]:
    """`user`'s active registrations for these sessions, by meeting id."""
    if not is_member(user) or not meetings:
        return {}
    registrations = list(
        db.session.scalars(
            select(Registration).where(
                Registration.user_id == user.id,
                Registration.meeting_id.in_([m.id for m in meetings]),
                Registration.status.in_(ACTIVE_REGISTRATION_STATUSES),
            )
        )
    )
    _annotate_positions(registrations)
    return {registration.meeting_id: registration for registration in registrations}


def get_meeting(slug: str) -> Meeting:
    """The session with this slug, whoever asks; 404 if there is none."""
    return one_or_not_found(select(Meeting).where(Meeting.slug == slug))


def get_visible_meeting(slug: str, user: Any) -> Meeting:
    """The session with this slug if `user` may see it; 404 otherwise."""
    meeting = get_meeting(slug)
    if not can_see(user, meeting):
        raise NotFoundError()
    return meeting


def registration_of(meeting: Meeting, user: Any) -> Registration | None:
    """`user`'s registration for `meeting` in any state (with its waiting-list place)."""
    if not is_member(user):
        return None
    registration = db.session.scalar(
        select(Registration).where(
            Registration.meeting_id == meeting.id, Registration.user_id == user.id
        )
    )
    if registration is not None:
        _annotate_positions([registration])
    return registration


def registration_closed_reason(meeting: Meeting, now: datetime | None = None) -> str | None:
    """Why nobody can register for `meeting` now, in Dutch; None while it is open."""
    now = now or utcnow()
    if meeting.is_cancelled:
        return "Deze sessie is geannuleerd: inschrijven kan niet meer."
    if meeting.starts_at <= now:
        return "Deze sessie is al begonnen of voorbij: inschrijven kan niet meer."
    if meeting.registration_deadline is not None and meeting.registration_deadline < now:
        return (
            "De inschrijvingen voor deze sessie zijn afgesloten sinds "
            f"{nl_datetime(meeting.registration_deadline)}."
        )
    return None


def shows_online_link(
    registration: Registration | None, user: Any, meeting: Meeting | None = None
) -> bool:
    """Whether `user` sees the online link: visibility.may_see_online_link, the one rule."""
    meeting = meeting or (registration.meeting if registration else None)
    return may_see_online_link(user, registration.status if registration else None, meeting)


def may_read_report(meeting: Meeting, user: Any) -> bool:
    """The verslag is for the members of every network ("members"), for the session's
    own network ("network"), or for everybody when it is public (and the session is)."""
    if meeting.report_is_public:
        return True
    if meeting.report_visibility == "network":
        return is_network_member(user, meeting.network_id) or can_coordinate(user, meeting)
    return is_member(user) and (bool(networks_of(user)) or can_coordinate(user, meeting))


def attendance_count(meeting: Meeting) -> int | None:
    """How many took part in a session that has ended; None if nobody was checked in."""
    if not meeting.is_past:
        return None
    present = db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == "confirmed",
            Registration.checked_in_at.is_not(None),
        )
    )
    return present or None


@dataclass
class MeetingPage:
    """What the session page shows to one visitor."""

    meeting: Meeting
    seats: Seats
    registration: Registration | None
    closed_reason: str | None
    show_online_url: bool
    show_report: bool
    # For a session that has ended: how many were checked in (None: not recorded).
    attended: int | None = None
    # What other content types list on the session's page (`session_listing`).
    listing: dict[str, list[Any]] = field(default_factory=dict)


def meeting_page(slug: str, user: Any) -> MeetingPage:
    """A session as `user` sees it: seats, own registration, links; 404 if hidden."""
    meeting = get_visible_meeting(slug, user)
    registration = registration_of(meeting, user)
    return MeetingPage(
        meeting=meeting,
        seats=seats(meeting),
        registration=registration,
        closed_reason=registration_closed_reason(meeting),
        show_online_url=shows_online_link(registration, user, meeting),
        show_report=may_read_report(meeting, user),
        attended=attendance_count(meeting),
        listing=_session_listing(meeting, user),
    )


def _session_listing(meeting: Meeting, user: Any) -> dict[str, list[Any]]:
    """What the content types show on this session's page (its productenmarkt)."""
    listing: dict[str, list[Any]] = {}
    for content_type in content_types.with_hook("session_listing"):
        listing.update(content_type.session_listing(meeting, user))
    return listing


def registrations_of(user: Any) -> list[Registration]:
    """The user's registrations that are not cancelled, soonest session first."""
    query = (
        select(Registration)
        .join(Registration.meeting)
        .where(
            Registration.user_id == user.id,
            Registration.status.in_(ACTIVE_REGISTRATION_STATUSES),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .options(selectinload(Registration.meeting))
    )
    registrations = list(db.session.scalars(query))
    _annotate_positions(registrations)
    return registrations


# --- the lock ---------------------------------------------------------------------------


def lock_meeting(meeting: Meeting) -> Meeting:
    """Take the lock that serialises capacity decisions for `meeting`, and reload it.

    PostgreSQL: SELECT ... FOR UPDATE on the meeting row, held until the transaction
    ends. SQLite: the database write lock (BEGIN IMMEDIATE); a POST request already
    holds it from its start (sqlite.lock_writes_per_request), so what it read is current
    and is not read again. Nothing is committed here: a rollback undoes the whole
    transaction.
    """
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        if not began_immediate(session):
            # Read before the lock: another writer may have changed it since.
            begin_write_transaction(session)
            session.refresh(meeting)
        return meeting
    return session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
