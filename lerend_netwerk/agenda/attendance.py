"""Who attended a session: one contact per registration, the signature list (HTML and PDF).

Everything here is keyed on the Registration row, not on an account: `attendee_contact`
is the one place that knows where a registrant's name, address and organisation live.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.config import setting
from lerend_netwerk.extensions import db


@dataclass(frozen=True)
class Contact:
    """How to name and reach one registrant."""

    name: str
    email: str
    organisation: str
    # What the mail outbox takes: the account when there is one, else the address.
    recipient: Any

    @property
    def sort_key(self) -> tuple[str, str]:
        return (self.name.casefold(), self.organisation.casefold())


def attendee_contact(registration: Registration) -> Contact:
    """Name, e-mail and organisation of the person behind a registration."""
    user = registration.user
    if user is not None:
        return Contact(
            name=user.name or "",
            email=user.email or "",
            organisation=user.organisation.title if user.organisation else "",
            recipient=user,
        )
    # A registration without an account carries the person's own details.
    email = getattr(registration, "person_email", None) or ""
    return Contact(
        name=getattr(registration, "person_name", None) or "",
        email=email,
        organisation=getattr(registration, "person_organisation", None) or "",
        recipient=email or None,
    )


def may_receive_mail(registration: Registration) -> bool:
    """Whether mail to this registrant can go out: an address, and an active account."""
    user = registration.user
    if user is not None:
        return bool(user.active and user.email)
    return bool(attendee_contact(registration).email)


def confirmed_registrations(meeting: Meeting) -> list[Registration]:
    """The confirmed registrations of a session, sorted by the person's name."""
    registrations = db.session.scalars(
        select(Registration)
        .where(Registration.meeting_id == meeting.id, Registration.status == "confirmed")
        .options(selectinload(Registration.user))
    )
    return sorted(registrations, key=lambda r: (attendee_contact(r).sort_key, r.id))


@dataclass(frozen=True)
class SheetRow:
    number: int
    name: str
    organisation: str


def attendance_rows(meeting: Meeting) -> list[SheetRow]:
    """One numbered row per confirmed person, sorted by name."""
    rows = []
    for number, registration in enumerate(confirmed_registrations(meeting), start=1):
        contact = attendee_contact(registration)
        rows.append(SheetRow(number, contact.name, contact.organisation))
    return rows


# Empty rows at the end, for people who come without being on the list.
BLANK_ROWS = 5


def _stylesheet() -> str:
    return (Path(current_app.static_folder) / "attendance-sheet.css").read_text(encoding="utf-8")


def render_sheet(meeting: Meeting, *, for_pdf: bool = False) -> str:
    """The printable attendance list as an HTML page."""
    return render_template(
        "agenda/attendance_sheet.html",
        meeting=meeting,
        rows=attendance_rows(meeting),
        blank_rows=BLANK_ROWS,
        for_pdf=for_pdf,
        # The PDF is made without fetching anything: its stylesheet goes in whole.
        stylesheet=_stylesheet() if for_pdf else "",
        site_name=setting(current_app.config, "SITE_NAME"),
    )


def attendance_pdf(meeting: Meeting) -> bytes:
    """The attendance list as a PDF (A4), for the project file."""
    from weasyprint import HTML  # imported here: loading pango takes a moment

    return HTML(
        string=render_sheet(meeting, for_pdf=True),
        base_url=current_app.config.get("SITE_URL") or None,
        url_fetcher=_no_fetching(),
    ).write_pdf()


def _no_fetching() -> Any:
    """A fetcher that fetches nothing: the PDF is made from the list alone, so no name in
    it makes the server send a request."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"not fetched: {url}")

    return NoFetching()
