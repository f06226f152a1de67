"""Coordinators create, change, cancel and reinstate sessions, and write the verslag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.registrations import fill_seats
from lerend_netwerk.agenda.service import RESERVED_SLUGS, AgendaError, _count, lock_meeting
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import Proeftuin
from lerend_netwerk.signals import meeting_changed
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.timeutil import parse_local, to_local
from lerend_netwerk.visibility import VISIBILITIES


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
    open_to_guests: bool = False
    # A new session's network (networks.service.network_for_new_content); None: theirs.
    network_id: int | None = None


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
        "open_to_guests": meeting.open_to_guests,
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
    meeting.open_to_guests = bool(values.open_to_guests)
    meeting.host_id = values.host_id or None
    if values.theme_ids:
        meeting.themes = list(
            db.session.scalars(select(Theme).where(Theme.id.in_(values.theme_ids)))
        )
    else:
        meeting.themes = []


def create_meeting(values: MeetingValues, network_id: int | None = None) -> Meeting:
    """Add a new session from a coordinator's form, in `network_id` (None: the default
    network)."""
    if not values.slug or slug_taken(values.slug):
        raise AgendaError("Deze korte naam is al in gebruik: kies een andere.")
    meeting = Meeting(slug=values.slug, status="scheduled", sequence=0)
    if network_id is not None:
        meeting.network_id = network_id
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
    promoted = fill_seats(meeting)
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
    return _new_status(meeting, actor, "cancelled", "cancelled", message=message)


def reinstate_meeting(meeting: Meeting, actor: Any = None) -> Meeting:
    """Undo a cancellation of an upcoming session: calendars and registrants are updated."""
    meeting = lock_meeting(meeting)
    if not meeting.is_cancelled:
        raise AgendaError("Deze sessie is niet geannuleerd.")
    if meeting.is_past:
        raise AgendaError("Een voorbije sessie kan je niet meer heropnemen.")
    # Registrations stayed through the cancellation: they hear it goes ahead after all,
    # with the renewed invite.
    return _new_status(meeting, actor, "scheduled", "reinstated")


def _new_status(meeting: Meeting, actor: Any, status: str, change: str, **news: Any) -> Meeting:
    """A session's new `status`: a new calendar SEQUENCE, audited as `session.<change>`,
    and the registrants told through `meeting_changed` (with `news`)."""
    meeting.status = status
    meeting.sequence = (meeting.sequence or 0) + 1
    record_audit(actor, f"session.{change}", meeting)
    db.session.flush()
    meeting_changed.send(meeting, change=change, **news)
    return meeting


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
