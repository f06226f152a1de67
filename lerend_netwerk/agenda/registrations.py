"""Registering for a session, cancelling, and the waiting list: members and guests alike.

Every capacity decision is taken while holding `service.lock_meeting`. A seat is taken
by a confirmed registration or by a guest's unconfirmed request whose hold has not
expired (`hold_expires_at` in the future): expired holds simply stop counting, so
correctness needs no scheduled job. The waiting list is ordered by (registered_at, id);
re-registering after a cancel reuses the row and goes to the back of the line.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.service import (
    AgendaError,
    _annotate_positions,
    _waitlist_order,
    lock_meeting,
    registration_closed_reason,
)
from lerend_netwerk.auth.models import User
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.signals import registration_changed


def live_holds(meeting: Meeting, now: datetime | None = None) -> int:
    """Unconfirmed guest requests that still hold a seat."""
    return db.session.scalar(
        select(func.count())
        .select_from(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            Registration.status == "pending",
            Registration.hold_expires_at > (now or utcnow()),
        )
    )


def seat_counts(meeting: Meeting, now: datetime | None = None) -> tuple[int, int]:
    """(taken seats, people on the waiting list), in one query: what a capacity decision
    reads. Taken are the confirmed places plus the live holds."""
    live_hold = (Registration.status == "pending") & (
        Registration.hold_expires_at > (now or utcnow())
    )
    taken = func.count().filter((Registration.status == "confirmed") | live_hold)
    waiting = func.count().filter(Registration.status == "waitlisted")
    row = db.session.execute(
        select(taken, waiting).where(Registration.meeting_id == meeting.id)
    ).one()
    return row[0], row[1]


def taken_seats(meeting: Meeting, now: datetime | None = None) -> int:
    """Confirmed places plus live holds: what capacity is measured against."""
    return seat_counts(meeting, now)[0]


def has_free_seat(meeting: Meeting, now: datetime | None = None) -> bool:
    return meeting.capacity is None or taken_seats(meeting, now) < meeting.capacity


def _find_registration(meeting: Meeting, user: User) -> Registration | None:
    return db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.user_id == user.id)
        .execution_options(populate_existing=True)
    ).one_or_none()


def _places_for(meeting: Meeting, user: User) -> tuple[Registration | None, bool]:
    """The member's own place in `meeting` (or None), and whether a guest place was
    asked with their address: both in one query."""
    rows = db.session.scalars(
        select(Registration)
        .where(
            Registration.meeting_id == meeting.id,
            (Registration.user_id == user.id) | (Registration.email_key == user.email.lower()),
        )
        .execution_options(populate_existing=True)
    ).all()
    mine = next((row for row in rows if row.user_id == user.id), None)
    return mine, any(row.user_id != user.id for row in rows)


def fill_seats(meeting: Meeting) -> list[Registration]:
    """Confirm waitlisted people while seats are free; the caller holds the lock."""
    if meeting.is_cancelled or meeting.has_started:
        return []
    query = (
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status == "waitlisted")
        .order_by(*_waitlist_order())
    )
    if meeting.capacity is not None:
        free = meeting.capacity - taken_seats(meeting)
        if free <= 0:
            return []
        query = query.limit(free)
    promoted = list(db.session.scalars(query))
    now = utcnow()
    for registration in promoted:
        registration.status = "confirmed"
        registration.confirmed_at = now
        # The calendar holds the TENTATIVE invite: the new one must outrank it.
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
    registration, guest_place = _places_for(meeting, user)
    if registration is not None and registration.is_active:
        registration.remark = remark
        db.session.flush()
        _annotate_positions([registration])
        return registration
    if registration is None and guest_place:
        # A guest place with this member's address: the same person.
        raise AgendaError(
            "Met jouw e-mailadres is al een plaats aangevraagd als gast. Gebruik de "
            "link uit die mail om ze te bekijken of te annuleren."
        )
    taken, waiting = seat_counts(meeting, now)
    free = meeting.capacity is None or taken < meeting.capacity
    if waiting and free:
        # Seats freed without anyone moving up (an import, a capacity edit, an expired
        # hold) go to the people already waiting, before this newcomer.
        fill_seats(meeting)
        free = has_free_seat(meeting, now)
    status = "confirmed" if free else "waitlisted"
    if registration is None:
        registration = Registration(
            meeting_id=meeting.id, user_id=user.id, sequence=0, email_key=user.email.lower()
        )
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


def cancel_registration(meeting: Meeting, registration: Registration | None) -> Registration:
    """Cancel a place (the caller holds the lock); a freed seat goes to the waiting list."""
    if meeting.has_started:
        raise AgendaError("Deze sessie is al begonnen of voorbij: uitschrijven kan niet meer.")
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
        fill_seats(meeting)
    return registration


def cancel(meeting: Meeting, user: User) -> Registration:
    """Cancel `user`'s place in `meeting`; a freed seat goes to the first on the waiting list."""
    meeting = lock_meeting(meeting)
    return cancel_registration(meeting, _find_registration(meeting, user))


def promote_waitlist(meeting: Meeting) -> list[Registration]:
    """Confirm people from the waiting list, first come first served, while seats are left."""
    meeting = lock_meeting(meeting)
    return fill_seats(meeting)
