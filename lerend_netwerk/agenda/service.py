"""The rules of the agenda: listing sessions, registration with a waiting list,
attendance, the attendee export and the session report (verslag).

Decisions worth knowing:

- Level filter: a session has the level of its host proeftuin. A session without a
  host is network-wide (kick-off, inspiratie-event, slotsessie, ...) and is listed
  under every level.
- Capacity is decided while holding a lock that serialises all registrations of one
  session: ``SELECT ... FOR UPDATE`` on the meeting row on PostgreSQL, the database
  write lock (``BEGIN IMMEDIATE``) on SQLite. Counting and writing happen under that
  lock; the unique (meeting_id, user_id) constraint backs up "nobody twice".
- The waiting list is ordered by (registered_at, id); re-registering after a cancel
  reuses the row and goes to the back of the line.
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
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import defer, selectinload

from lerend_netwerk.agenda.models import (
    ACTIVE_REGISTRATION_STATUSES,
    MEETING_KIND_LABELS,
    MEETING_KINDS,
    Meeting,
    Registration,
)
from lerend_netwerk.auth.models import User
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.csvexport import to_csv
from lerend_netwerk.core.errors import NotFoundError
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import LEVELS, Proeftuin
from lerend_netwerk.signals import meeting_changed, registration_changed
from lerend_netwerk.sqlite import begin_write_transaction
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import local_isoformat, nl_datetime, parse_local, to_local
from lerend_netwerk.visibility import (
    VISIBILITIES,
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

    @property
    def left(self) -> int | None:
        """Free places; None when the capacity is unlimited."""
        if self.capacity is None:
            return None
        return max(self.capacity - self.confirmed, 0)

    @property
    def is_full(self) -> bool:
        return self.capacity is not None and self.confirmed >= self.capacity


def seat_counts(meetings: list[Meeting]) -> dict[int, Seats]:
    """Confirmed and waitlisted counts for several sessions, in one query."""
    ids = [meeting.id for meeting in meetings]
    counts: dict[int, dict[str, int]] = {meeting_id: {} for meeting_id in ids}
    if ids:
        rows = db.session.execute(
            select(Registration.meeting_id, Registration.status, func.count())
            .where(
                Registration.meeting_id.in_(ids),
                Registration.status.in_(ACTIVE_REGISTRATION_STATUSES),
            )
            .group_by(Registration.meeting_id, Registration.status)
        )
        for meeting_id, status, count in rows:
            counts[meeting_id][status] = count
    return {
        meeting.id: Seats(
            capacity=meeting.capacity,
            confirmed=counts[meeting.id].get("confirmed", 0),
            waitlisted=counts[meeting.id].get("waitlisted", 0),
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


def upcoming_meetings(user: Any, limit: int | None = None) -> list[Meeting]:
    """Sessions that have not ended yet, soonest first, that `user` may see."""
    query = (
        select(Meeting)
        .where(Meeting.ends_at >= utcnow(), visible_clause(Meeting, user))
        .order_by(Meeting.starts_at)
        .options(selectinload(Meeting.themes))
    )
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
        )

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


def _agenda_query(user: Any, filters: AgendaFilters) -> Select:
    now = utcnow()
    query = select(Meeting).where(visible_clause(Meeting, user))
    if filters.past:
        query = query.where(Meeting.ends_at < now).order_by(
            Meeting.starts_at.desc(), Meeting.id.desc()
        )
    else:
        query = query.where(Meeting.ends_at >= now).order_by(Meeting.starts_at, Meeting.id)
    if filters.kind:
        query = query.where(Meeting.kind == filters.kind)
    if filters.theme:
        query = query.where(Meeting.themes.any(Theme.slug == filters.theme))
    if filters.level:
        query = query.where(
            or_(Meeting.host_id.is_(None), Meeting.host.has(Proeftuin.level == filters.level))
        )
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
    return db.one_or_404(select(Meeting).where(Meeting.slug == slug))


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


def shows_online_link(registration: Registration | None, user: Any) -> bool:
    """Whether `user` sees the online link: visibility.may_see_online_link, the one rule."""
    return may_see_online_link(user, registration.status if registration else None)


def may_read_report(meeting: Meeting, user: Any) -> bool:
    """The verslag is for the network's members; for everybody when it is public."""
    return meeting.report_is_public or is_member(user)


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


def meeting_page(slug: str, user: Any) -> MeetingPage:
    """A session as `user` sees it: seats, own registration, links; 404 if hidden."""
    meeting = get_visible_meeting(slug, user)
    registration = registration_of(meeting, user)
    return MeetingPage(
        meeting=meeting,
        seats=seats(meeting),
        registration=registration,
        closed_reason=registration_closed_reason(meeting),
        show_online_url=shows_online_link(registration, user),
        show_report=may_read_report(meeting, user),
        attended=attendance_count(meeting),
    )


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
    holds it from its start (sqlite.lock_writes_per_request). Nothing is committed here:
    a rollback undoes the whole transaction.
    """
    session = db.session()
    if session.get_bind().dialect.name == "sqlite":
        begin_write_transaction(session)
        session.refresh(meeting)
        return meeting
    return session.scalars(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


# --- registration -----------------------------------------------------------------------


def _find_registration(meeting: Meeting, user: User) -> Registration | None:
    return db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.user_id == user.id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _fill_seats(meeting: Meeting) -> list[Registration]:
    """Confirm waitlisted people while seats are free; the caller holds the lock."""
    if meeting.is_cancelled or meeting.has_started:
        return []
    query = (
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status == "waitlisted")
        .order_by(*_waitlist_order())
    )
    if meeting.capacity is not None:
        free = meeting.capacity - _count(meeting, "confirmed")
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    now = utcnow()
    for registration in promoted:
        registration.status = "confirmed"
        registration.confirmed_at = now
        # The member's calendar holds the TENTATIVE invite: the new one must outrank it.
        registration.sequence = (registration.sequence or 0) + 1
    db.session.flush()
    for registration in promoted:
        registration_changed.send(registration, change="promoted")
    return promoted


def register(meeting: Meeting, user: User, remark: str = "") -> Registration:
    """Register `user` for `meeting`: confirmed while seats are left, else waitlisted.

    Registering again while registered only updates the remark. Raises AgendaError
    (nothing changed) for a cancelled, started or past session or after the deadline.
    """
    meeting = lock_meeting(meeting)
    now = utcnow()
    reason = registration_closed_reason(meeting, now)
    if reason:
        raise AgendaError(reason)
    remark = (remark or "").strip()
    registration = _find_registration(meeting, user)
    if registration is not None and registration.is_active:
        registration.remark = remark
        db.session.flush()
        _annotate_positions([registration])
        return registration
    # Seats freed without anyone moving up (an import, a capacity edit) go to the
    # people already waiting, before this newcomer.
    _fill_seats(meeting)
    # After _fill_seats, a free seat means nobody is waiting.
    has_seat = meeting.capacity is None or _count(meeting, "confirmed") < meeting.capacity
    status = "confirmed" if has_seat else "waitlisted"
    if registration is None:
        registration = Registration(meeting_id=meeting.id, user_id=user.id, sequence=0)
        db.session.add(registration)
    else:
        # Registering again after a cancel: the new REQUEST must come after the CANCEL.
        registration.sequence = (registration.sequence or 0) + 1
    registration.status = status
    registration.remark = remark
    registration.registered_at = now
    registration.confirmed_at = now if status == "confirmed" else None
    registration.cancelled_at = None
    registration.checked_in_at = None
    db.session.flush()
    _annotate_positions([registration])
    registration_changed.send(registration, change=status)
    return registration


def cancel(meeting: Meeting, user: User) -> Registration:
    """Cancel `user`'s place in `meeting`; a freed seat goes to the first on the waiting list."""
    meeting = lock_meeting(meeting)
    if meeting.has_started:
        raise AgendaError("Deze sessie is al begonnen of voorbij: uitschrijven kan niet meer.")
    registration = _find_registration(meeting, user)
    if registration is None or not registration.is_active:
        raise AgendaError("Je was niet ingeschreven voor deze sessie.")
    was_confirmed = registration.status == "confirmed"
    registration.status = "cancelled"
    registration.cancelled_at = utcnow()
    registration.waitlist_position = None
    # RFC 5546 orders an organizer's messages by SEQUENCE (DTSTAMP only between equal
    # ones, and clients drop a REQUEST that does not raise it): the CANCEL gets its own.
    registration.sequence = (registration.sequence or 0) + 1
    db.session.flush()
    registration_changed.send(registration, change="cancelled")
    if was_confirmed:
        _fill_seats(meeting)
    return registration


def promote_waitlist(meeting: Meeting) -> list[Registration]:
    """Confirm people from the waiting list, first come first served, while seats are left."""
    meeting = lock_meeting(meeting)
    return _fill_seats(meeting)


# --- coordinators: creating and changing sessions ---------------------------------------


@dataclass
class MeetingValues:
    """A session's editable fields, as a coordinator entered them (local times naive)."""

    title: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    slug: str | None = None
    location: str | None = None
    online_url: str | None = None
    capacity: int | None = None
    registration_deadline: datetime | None = None
    theme_ids: list[int] = field(default_factory=list)
    host_id: int | None = None
    visibility: str = "public"
    body: str = ""


@dataclass
class MeetingUpdate:
    """What saving a session changed, for the coordinator's feedback."""

    meeting: Meeting
    rescheduled: bool = False
    promoted: list[Registration] = field(default_factory=list)
    over_capacity: int = 0


# A change of any of these tells registrants (and calendars) the session changed: the
# title is what a calendar shows first.
_SCHEDULE_FIELDS = ("title", "starts_at", "ends_at", "location", "online_url")


def slug_taken(slug: str, exclude: Meeting | None = None) -> bool:
    """Whether another session already uses this slug (or it is reserved)."""
    if slug in RESERVED_SLUGS:
        return True
    query = select(Meeting.id).where(Meeting.slug == slug)
    if exclude is not None:
        query = query.where(Meeting.id != exclude.id)
    return db.session.scalar(query) is not None


def meeting_choices() -> dict[str, list[tuple[Any, str]]]:
    """Options for the session form: themes and host proeftuinen."""
    themes = db.session.scalars(select(Theme).order_by(Theme.title))
    hosts = db.session.scalars(select(Proeftuin).order_by(Proeftuin.title))
    return {
        "themes": [(theme.id, theme.title) for theme in themes],
        "hosts": [(host.id, host.title) for host in hosts],
    }


def form_values(meeting: Meeting) -> dict[str, Any]:
    """A session's fields as the form shows them: times local to Brussels, naive."""

    def local(value: datetime | None) -> datetime | None:
        return to_local(value).replace(tzinfo=None) if value else None

    return {
        "title": meeting.title,
        "slug": meeting.slug,
        "kind": meeting.kind,
        "starts_at": local(meeting.starts_at),
        "ends_at": local(meeting.ends_at),
        "location": meeting.location,
        "online_url": meeting.online_url,
        "capacity": meeting.capacity,
        "registration_deadline": local(meeting.registration_deadline),
        "theme_ids": [theme.id for theme in meeting.themes],
        "host_id": meeting.host_id or 0,
        "visibility": meeting.visibility,
        "body": meeting.body,
    }


def _from_form(local: datetime, previous: datetime | None) -> datetime:
    """UTC for a form's naive Brussels time. An autumn time that happens twice means the
    first, unless it is the unchanged time of the session (which may be the second)."""
    if previous is not None and to_local(previous).replace(tzinfo=None) == local:
        return previous
    return parse_local(local)


def _apply(meeting: Meeting, values: MeetingValues) -> None:
    meeting.title = values.title.strip()
    meeting.kind = values.kind
    meeting.starts_at = _from_form(values.starts_at, meeting.starts_at)
    meeting.ends_at = _from_form(values.ends_at, meeting.ends_at)
    meeting.location = (values.location or "").strip() or None
    meeting.online_url = (values.online_url or "").strip() or None
    meeting.capacity = values.capacity
    meeting.registration_deadline = (
        _from_form(values.registration_deadline, meeting.registration_deadline)
        if values.registration_deadline
        else None
    )
    meeting.visibility = values.visibility
    meeting.body = values.body or ""
    meeting.host_id = values.host_id or None
    if values.theme_ids:
        meeting.themes = list(
            db.session.scalars(select(Theme).where(Theme.id.in_(values.theme_ids)))
        )
    else:
        meeting.themes = []


def create_meeting(values: MeetingValues) -> Meeting:
    """Add a new session from a coordinator's form."""
    if not values.slug or slug_taken(values.slug):
        raise AgendaError("Deze korte naam is al in gebruik: kies een andere.")
    meeting = Meeting(slug=values.slug, status="scheduled", sequence=0)
    _apply(meeting, values)
    db.session.add(meeting)
    db.session.flush()
    return meeting


def update_meeting(meeting: Meeting, values: MeetingValues) -> MeetingUpdate:
    """Save a coordinator's edit; a new title, time or place bumps SEQUENCE and tells registrants.

    Raising the capacity confirms people from the waiting list; lowering it below the
    number of confirmed people signs nobody out.
    """
    meeting = lock_meeting(meeting)
    before = {name: getattr(meeting, name) for name in _SCHEDULE_FIELDS}
    _apply(meeting, values)
    rescheduled = any(getattr(meeting, name) != before[name] for name in _SCHEDULE_FIELDS)
    if rescheduled:
        meeting.sequence = (meeting.sequence or 0) + 1
    db.session.flush()
    if rescheduled:
        meeting_changed.send(meeting, change="rescheduled")
    promoted = _fill_seats(meeting)
    over = 0
    if meeting.capacity is not None:
        over = max(_count(meeting, "confirmed") - meeting.capacity, 0)
    return MeetingUpdate(
        meeting=meeting, rescheduled=rescheduled, promoted=promoted, over_capacity=over
    )


def cancel_meeting(meeting: Meeting, actor: Any = None, message: str = "") -> Meeting:
    """Cancel a session: registrations stay (calendars show it cancelled), SEQUENCE grows.

    `message`, from the coordinator, goes out in the mail about the cancellation."""
    meeting = lock_meeting(meeting)
    if meeting.is_cancelled:
        raise AgendaError("Deze sessie was al geannuleerd.")
    if meeting.is_past:
        raise AgendaError("Een voorbije sessie kan je niet meer annuleren.")
    meeting.status = "cancelled"
    meeting.sequence = (meeting.sequence or 0) + 1
    record_audit(actor, "session.cancelled", meeting)
    db.session.flush()
    meeting_changed.send(meeting, change="cancelled", message=message)
    return meeting


def reinstate_meeting(meeting: Meeting, actor: Any = None) -> Meeting:
    """Undo a cancellation of an upcoming session: calendars and registrants are updated."""
    meeting = lock_meeting(meeting)
    if not meeting.is_cancelled:
        raise AgendaError("Deze sessie is niet geannuleerd.")
    if meeting.is_past:
        raise AgendaError("Een voorbije sessie kan je niet meer heropnemen.")
    meeting.status = "scheduled"
    meeting.sequence = (meeting.sequence or 0) + 1
    record_audit(actor, "session.reinstated", meeting)
    db.session.flush()
    # Registrations stayed through the cancellation: they hear it goes ahead after all,
    # with the renewed invite.
    meeting_changed.send(meeting, change="reinstated")
    return meeting


# --- coordinators: attendees, check-in, export, report ----------------------------------


@dataclass
class AttendeeList:
    """Everyone registered for a session, by state."""

    meeting: Meeting
    confirmed: list[Registration]
    waitlisted: list[Registration]
    cancelled: list[Registration]

    @property
    def checked_in(self) -> int:
        return sum(1 for r in self.confirmed + self.waitlisted if r.checked_in_at)


def attendee_list(meeting: Meeting) -> AttendeeList:
    """The registrations of a session: confirmed by name, the waiting list in order."""
    registrations = list(
        db.session.scalars(
            select(Registration)
            .where(Registration.meeting_id == meeting.id)
            .options(selectinload(Registration.user))
            .order_by(*_waitlist_order())
        )
    )
    _annotate_positions(registrations)

    def by_name(registration: Registration) -> str:
        return registration.user.name.casefold()

    return AttendeeList(
        meeting=meeting,
        confirmed=sorted((r for r in registrations if r.status == "confirmed"), key=by_name),
        waitlisted=[r for r in registrations if r.status == "waitlisted"],
        cancelled=sorted((r for r in registrations if r.status == "cancelled"), key=by_name),
    )


def set_check_in(
    meeting: Meeting, registration_id: int, present: bool | None = None
) -> Registration:
    """Mark a registrant present or not (None toggles); 404 if not of this session."""
    registration = db.one_or_404(
        select(Registration).where(
            Registration.id == registration_id, Registration.meeting_id == meeting.id
        )
    )
    if not registration.is_active:
        raise AgendaError(f"{registration.user.name} is uitgeschreven voor deze sessie.")
    if present is None:
        present = registration.checked_in_at is None
    if present and registration.checked_in_at is None:
        registration.checked_in_at = utcnow()
    elif not present:
        registration.checked_in_at = None
    db.session.flush()
    return registration


def _csv_time(value: datetime | None) -> str:
    return local_isoformat(value).replace("T", " ") if value else ""


CSV_HEADER = (
    "Naam",
    "E-mailadres",
    "Organisatie",
    "Status",
    "Plaats op wachtlijst",
    "Ingeschreven op",
    "Aanwezig om",
    "Opmerking",
)


def attendees_csv(meeting: Meeting) -> bytes:
    """The attendee list as CSV for Excel: BOM, ';' separated, CRLF, formula-safe."""
    attendees = attendee_list(meeting)
    return to_csv(
        CSV_HEADER,
        (
            [
                registration.user.name,
                registration.user.email,
                registration.user.organisation.title if registration.user.organisation else "",
                registration.status_label,
                registration.waitlist_position or "",
                _csv_time(registration.registered_at),
                _csv_time(registration.checked_in_at),
                registration.remark,
            ]
            for registration in attendees.confirmed + attendees.waitlisted
        ),
    )


def save_report(meeting: Meeting, text: str, visibility: str = "members") -> Meeting:
    """Attach the verslag (Markdown) once the session has started, for its audience."""
    if not meeting.has_started:
        raise AgendaError("Je kan een verslag toevoegen zodra de sessie begonnen is.")
    if visibility not in VISIBILITIES:
        raise AgendaError("Kies wie het verslag mag lezen.")
    meeting.report = (text or "").strip()
    meeting.report_visibility = visibility
    db.session.flush()
    return meeting
