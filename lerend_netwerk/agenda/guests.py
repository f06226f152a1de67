"""Guests: people without an account who register for a session "open voor externen".

A guest's place is a `Registration` without `user_id`, so the one capacity rule, the
lock and the waiting list serve members and guests alike (`registrations.py`).

The life cycle:

1. `request_place`: the visitor gives name, address, organisation and function. A
   `pending` registration is written and a mail with the personal link goes to the
   address. While seats are free, and unconfirmed requests hold less than
   GUEST_HOLD_SHARE of them, the request holds a seat for GUEST_HOLD_MINUTES.
2. `confirm`: following the link and submitting its form confirms the address. With a
   live hold the guest is confirmed; otherwise the usual rule decides (confirmed while
   seats are free, else the waiting list). The registration mail with the calendar
   invitation follows, as for members.
3. The same link shows the place, the .ics, and lets the guest cancel (`cancel`) or
   erase their data (`erase`).

Mails go out through the `guest_mail` signal (mail/receivers.py). The answer to the
visitor never tells whether the address is known: a member's address
gets a mail that says to sign in, an address that is already registered gets its link
again; the page says the same thing every time.

The link is `<id>.<secret>`. The secret is derived from a random nonce and the app's
SECRET_KEY (so every later mail can carry the same link); the database keeps the nonce
and only a SHA-256 of the secret, which `find_by_token` compares in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta
from flask import current_app
from sqlalchemy import delete, func, select, update

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.registrations import (
    cancel_registration,
    fill_seats,
    has_free_seat,
    live_holds,
)
from lerend_netwerk.agenda.service import (
    AgendaError,
    _annotate_positions,
    lock_meeting,
    registration_closed_reason,
)
from lerend_netwerk.auth.models import User
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.signals import guest_mail, registration_changed

TOKEN_PURPOSE = b"guest-registration:"


# --- the personal link ------------------------------------------------------------------


def _secret(nonce: str) -> str:
    key = (current_app.config["SECRET_KEY"] or "").encode()
    digest = hmac.new(key, TOKEN_PURPOSE + nonce.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()  # 256 bits


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _issue_token(registration: Registration) -> None:
    registration.guest_token_nonce = secrets.token_hex(16)
    registration.guest_token_hash = _hash(_secret(registration.guest_token_nonce))


def token_of(registration: Registration) -> str:
    """The guest's personal link token (empty once erased)."""
    if not registration.guest_token_nonce:
        return ""
    return f"{registration.id}.{_secret(registration.guest_token_nonce)}"


def personal_url(registration: Registration) -> str:
    """The absolute personal link, from SITE_URL (mails are also sent outside requests)."""
    base = current_app.config["SITE_URL"].rstrip("/")
    return f"{base}/inschrijving/{token_of(registration)}"


def find_by_token(token: str) -> Registration | None:
    """The guest registration this link belongs to, or None (compared in constant time)."""
    row_id, dot, secret = (token or "").partition(".")
    if not dot or not row_id.isdigit() or len(row_id) > 12:
        return None
    registration = db.session.get(Registration, int(row_id))
    presented = _hash(secret)
    stored = registration.guest_token_hash if registration is not None else None
    if not hmac.compare_digest(presented, stored or "0" * 64):
        return None
    if registration is None or registration.user_id is not None or not stored:
        return None
    return registration


# --- settings ---------------------------------------------------------------------------


def hold_minutes() -> int:
    return int(current_app.config["GUEST_HOLD_MINUTES"])


def max_holds(meeting: Meeting) -> int:
    """How many seats unconfirmed requests may hold together (at least one)."""
    if meeting.capacity is None:
        return 0
    share = float(current_app.config["GUEST_HOLD_SHARE"])
    return max(1, math.floor(meeting.capacity * share))


def confirm_window() -> timedelta:
    return timedelta(hours=int(current_app.config["GUEST_CONFIRM_HOURS"]))


# --- requesting and confirming ----------------------------------------------------------


@dataclass
class GuestDetails:
    """What a visitor typed in the guest form."""

    name: str
    email: str
    organisation: str = ""
    function: str = ""
    remark: str = ""


def _hold_for(meeting: Meeting, now: datetime) -> datetime | None:
    """A hold for a new request while a seat is free and the holds' share is not spent."""
    if meeting.capacity is None:
        return None
    if not has_free_seat(meeting, now) or live_holds(meeting, now) >= max_holds(meeting):
        return None
    return now + timedelta(minutes=hold_minutes())


def request_place(meeting: Meeting, details: GuestDetails) -> str:
    """A visitor asks for a place; a mail goes to the address. Returns what happened
    ("requested", "resent", "registered", "member") for tests and logs only: the
    visitor is told the same in every case."""
    meeting = lock_meeting(meeting)
    if not meeting.open_to_guests:
        raise AgendaError("Voor deze sessie kan je je enkel inschrijven met een account.")
    now = utcnow()
    reason = registration_closed_reason(meeting, now)
    if reason:
        raise AgendaError(reason)
    email = User.normalise_email(details.email)
    key = email.lower()
    if db.session.scalar(select(User.id).where(func.lower(User.email) == key)) is not None:
        guest_mail.send(meeting, kind="member", email=email)
        return "member"
    registration = db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.email_key == key)
        .execution_options(populate_existing=True)
    ).one_or_none()
    if registration is not None and registration.user_id is not None:
        # A member's place (the account was deleted in between is impossible: cascade).
        guest_mail.send(meeting, kind="member", email=email)
        return "member"
    if registration is not None and registration.is_active:
        guest_mail.send(meeting, kind="link", registration=registration)
        return "registered"
    if registration is not None and registration.status == "pending":
        _fill_details(registration, details, email)
        db.session.flush()
        guest_mail.send(meeting, kind="confirm", registration=registration)
        return "resent"
    if registration is None:
        registration = Registration(meeting_id=meeting.id, email_key=key, sequence=0)
        db.session.add(registration)
    else:
        # Cancelled before: the new REQUEST must come after the CANCEL in calendars.
        registration.sequence = (registration.sequence or 0) + 1
        registration.erased_at = None
    _fill_details(registration, details, email)
    registration.status = "pending"
    registration.registered_at = now
    registration.confirmed_at = None
    registration.cancelled_at = None
    registration.checked_in_at = None
    registration.guest_confirmed_at = None
    registration.hold_expires_at = _hold_for(meeting, now)
    _issue_token(registration)
    db.session.flush()
    guest_mail.send(meeting, kind="confirm", registration=registration)
    return "requested"


def _fill_details(registration: Registration, details: GuestDetails, email: str) -> None:
    registration.guest_name = details.name.strip()[:200]
    registration.guest_email = email
    registration.guest_organisation = (details.organisation or "").strip()[:200] or None
    registration.guest_function = (details.function or "").strip()[:200] or None
    registration.remark = (details.remark or "").strip()


def confirm(registration: Registration) -> Registration:
    """The guest followed the link and confirmed: confirmed, or on the waiting list."""
    meeting = lock_meeting(registration.meeting)
    db.session.refresh(registration)
    if registration.status != "pending":
        _annotate_positions([registration])
        return registration
    now = utcnow()
    reason = registration_closed_reason(meeting, now)
    if reason:
        raise AgendaError(reason)
    if registration.registered_at + confirm_window() < now:
        raise AgendaError(
            "Deze bevestigingslink is verlopen. Schrijf je opnieuw in op de pagina van de sessie."
        )
    held = registration.hold_expires_at is not None and registration.hold_expires_at > now
    registration.hold_expires_at = None
    db.session.flush()
    if not held:
        # Without a seat of its own the request joins the line like any newcomer.
        fill_seats(meeting)
    status = "confirmed" if held or has_free_seat(meeting, now) else "waitlisted"
    registration.status = status
    registration.guest_confirmed_at = now
    registration.registered_at = registration.registered_at if held else now
    registration.confirmed_at = now if status == "confirmed" else None
    db.session.flush()
    _annotate_positions([registration])
    registration_changed.send(registration, change=status)
    return registration


def cancel(registration: Registration) -> Registration:
    """The guest cancels through their link; the first on the waiting list moves up."""
    meeting = lock_meeting(registration.meeting)
    db.session.refresh(registration)
    if registration.status == "pending":
        registration.status = "cancelled"
        registration.cancelled_at = utcnow()
        registration.hold_expires_at = None
        db.session.flush()
        fill_seats(meeting)
        return registration
    return cancel_registration(meeting, registration)


def _forget_guest(registration: Registration) -> None:
    """Who the guest was and their personal link: gone."""
    registration.guest_name = None
    registration.guest_email = None
    registration.guest_organisation = None
    registration.guest_function = None
    registration.guest_token_nonce = None
    registration.guest_token_hash = None


def _wipe(registration: Registration, now: datetime) -> None:
    _forget_guest(registration)
    registration.email_key = None
    registration.remark = ""
    registration.erased_at = now


def erase(registration: Registration) -> None:
    """The guest erases their registration: cancelled if still active, data wiped.

    An erased place of a session that took place still counts, anonymously, as a
    participant; one erased before it does not count at all.
    """
    meeting = lock_meeting(registration.meeting)
    db.session.refresh(registration)
    if registration.status in ("pending", "confirmed", "waitlisted") and not meeting.has_started:
        cancel(registration)
    _wipe(registration, utcnow())
    db.session.flush()


# --- becoming a member ------------------------------------------------------------------


def adopt_guest_places(user: User) -> int:
    """A guest who became a member (accepted an invitation with that address): their
    guest places become the member's. Returns how many."""
    key = user.email.lower()
    rows = list(
        db.session.scalars(
            select(Registration).where(
                Registration.user_id.is_(None),
                Registration.email_key == key,
                Registration.walk_in.is_(False),
            )
        )
    )
    for registration in rows:
        registration.user_id = user.id
        _forget_guest(registration)
        if registration.status == "pending":
            registration.status = "cancelled"
            registration.cancelled_at = utcnow()
            registration.hold_expires_at = None
    db.session.flush()
    return len(rows)


# --- scheduled: expiry and retention ----------------------------------------------------


def release_expired_holds(now: datetime | None = None) -> int:
    """Let expired holds go (the waiting list moves up) and delete requests whose
    confirmation link has expired. Capacity never depends on this job: an expired hold
    stops counting by itself. Returns the number of requests handled."""
    now = now or utcnow()
    meeting_ids = set(
        db.session.scalars(
            select(Registration.meeting_id).where(
                Registration.status == "pending", Registration.hold_expires_at <= now
            )
        )
    )
    handled = 0
    for meeting_id in sorted(meeting_ids):
        meeting = lock_meeting(db.session.get(Meeting, meeting_id))
        handled += (
            db.session.execute(
                update(Registration)
                .where(
                    Registration.meeting_id == meeting_id,
                    Registration.status == "pending",
                    Registration.hold_expires_at <= now,
                )
                .values(hold_expires_at=None)
            ).rowcount
            or 0
        )
        fill_seats(meeting)
    handled += (
        db.session.execute(
            delete(Registration).where(
                Registration.status == "pending",
                Registration.hold_expires_at.is_(None),
                Registration.registered_at < now - confirm_window(),
            )
        ).rowcount
        or 0
    )
    db.session.flush()
    return handled


def purge_guest_data(now: datetime | None = None) -> int:
    """Erase the personal data of guests and walk-ins of sessions that ended more than
    GUEST_RETENTION_MONTHS ago; the rows stay, anonymous, for the indicators."""
    now = now or utcnow()
    cutoff = now - relativedelta(months=int(current_app.config["GUEST_RETENTION_MONTHS"]))
    rows = list(
        db.session.scalars(
            select(Registration)
            .join(Registration.meeting)
            .where(
                Registration.user_id.is_(None),
                Registration.erased_at.is_(None),
                Meeting.ends_at < cutoff,
            )
        )
    )
    for registration in rows:
        _wipe(registration, now)
    db.session.flush()
    return len(rows)


def run_guest_jobs(now: datetime | None = None) -> tuple[int, int]:
    """Both scheduled guest jobs, in the caller's transaction: (released, erased)."""
    return release_expired_holds(now), purge_guest_data(now)
