"""Coordinators' view of who comes: the attendee list, check-in, walk-ins, the CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.service import (
    AgendaError,
    _annotate_positions,
    _waitlist_order,
    lock_meeting,
)
from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import email_problem
from lerend_netwerk.core.csvexport import to_csv
from lerend_netwerk.core.errors import one_or_not_found
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import local_isoformat


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
        return registration.person_name.casefold()

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
    registration = one_or_not_found(
        select(Registration).where(
            Registration.id == registration_id, Registration.meeting_id == meeting.id
        )
    )
    if not registration.is_active:
        raise AgendaError(f"{registration.person_name} is uitgeschreven voor deze sessie.")
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
    "Soort",
)


def person_kind(registration: Registration) -> str:
    """ "Lid", "Gast" or "Ter plaatse" (a walk-in), as lists and the CSV show it."""
    if registration.walk_in:
        return "Ter plaatse"
    return "Gast" if registration.is_guest else "Lid"


def attendees_csv(meeting: Meeting) -> bytes:
    """The attendee list as CSV for Excel: BOM, ';' separated, CRLF, formula-safe."""
    attendees = attendee_list(meeting)
    return to_csv(
        CSV_HEADER,
        (
            [
                registration.person_name,
                registration.person_email or "",
                registration.person_organisation or "",
                registration.status_label,
                registration.waitlist_position or "",
                _csv_time(registration.registered_at),
                _csv_time(registration.checked_in_at),
                registration.remark,
                person_kind(registration),
            ]
            for registration in attendees.confirmed + attendees.waitlisted
        ),
    )


def add_walk_in(
    meeting: Meeting, name: str, organisation: str = "", email: str = ""
) -> Registration:
    """Add someone who came without registering, present from now on.

    A walk-in is counted as attended. An address that already has a place in this
    session is the same person: check them in on the list instead.
    """
    meeting = lock_meeting(meeting)
    if meeting.is_cancelled:
        raise AgendaError("Deze sessie is geannuleerd.")
    name = (name or "").strip()
    if not name:
        raise AgendaError("Vul de naam in.")
    key = None
    if (email or "").strip():
        problem = email_problem(email)
        if problem:
            raise AgendaError(problem)
        email = User.normalise_email(email)
        key = email.lower()
        existing = db.session.scalar(
            select(Registration).where(
                Registration.meeting_id == meeting.id, Registration.email_key == key
            )
        )
        if existing is not None:
            raise AgendaError(
                f"{email} heeft al een plaats in deze sessie ({existing.person_name}): "
                "zet die persoon op aanwezig in de lijst."
            )
    now = utcnow()
    registration = Registration(
        meeting_id=meeting.id,
        status="confirmed",
        walk_in=True,
        guest_name=name[:200],
        guest_organisation=(organisation or "").strip()[:200] or None,
        guest_email=email or None,
        email_key=key,
        registered_at=now,
        confirmed_at=now,
        checked_in_at=now,
        sequence=0,
    )
    db.session.add(registration)
    db.session.flush()
    return registration
