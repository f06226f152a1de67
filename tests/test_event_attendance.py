"""The attendance list (HTML and PDF), mail to registrants with its history, and a
cancellation that carries a message."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.agenda import attendance, registrations
from lerend_netwerk.agenda.models import MeetingMessage, Registration
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from tests.mailbox import rendered


def mails(kind: str) -> list[OutgoingMail]:
    return rendered(
        db.session.scalars(
            select(OutgoingMail).where(OutgoingMail.kind == kind).order_by(OutgoingMail.id)
        )
    )


@pytest.fixture
def session_with_people(make_meeting, make_user, make_organisation):
    meeting = make_meeting(
        slug="slotsessie",
        title="Slotsessie duaal leren",
        kind="slotsessie",
        location="Vlaams Parlement, Brussel",
        capacity=3,
        starts_at=datetime(2031, 6, 17, 12, 0, tzinfo=UTC),
    )
    hogeschool = make_organisation(title="Hogeschool Gent")
    people = [
        make_user(name="Zoë Van den Broeck", organisation=hogeschool),
        make_user(name="amir El Idrissi"),
        make_user(name="Bart Claes", organisation=hogeschool),
        make_user(name="Wachtende Willy"),
    ]
    for person in people:
        registrations.register(meeting, person)
    db.session.commit()
    return meeting, people


def test_contact_comes_from_the_registration(session_with_people):
    _, people = session_with_people
    registration = db.session.scalar(
        select(Registration).where(Registration.user_id == people[0].id)
    )
    contact = attendance.attendee_contact(registration)
    assert (contact.name, contact.email, contact.organisation) == (
        "Zoë Van den Broeck",
        people[0].email,
        "Hogeschool Gent",
    )
    assert contact.recipient is people[0]


def test_attendance_sheet_lists_confirmed_people_by_name(client, session_with_people, make_user):
    session_with_people  # noqa: B018
    login(client, make_user(role="coordinator"))
    html = client.get("/sessies/slotsessie/aanwezigheidslijst").get_data(as_text=True)
    assert "Aanwezigheidslijst" in html and "Vlaams Parlement, Brussel" in html
    assert "Handtekening" in html and "17 juni 2031" in html
    # Sorted by name whatever the case; the waiting list is not on it.
    positions = [html.index(n) for n in ("amir El Idrissi", "Bart Claes", "Zoë Van den Broeck")]
    assert positions == sorted(positions)
    assert "Wachtende Willy" not in html
    # Styles from a file: the Content-Security-Policy forbids inline ones.
    assert "<style" not in html and "/static/attendance-sheet.css" in html
    with client.get("/static/attendance-sheet.css") as response:
        css = response.get_data(as_text=True)
    assert "tr { break-inside: avoid" in css


def test_attendance_pdf_parsed_back_has_rows_and_names(
    client, make_meeting, make_user, make_organisation
):
    meeting = make_meeting(slug="inspiratie", title="Inspiratie-event", location="Gent")
    organisation = make_organisation(title="Syntra Vlaanderen")
    names = [f"Deelnemer {n:02d}" for n in range(1, 61)]
    for name in reversed(names):
        registrations.register(meeting, make_user(name=name, organisation=organisation))
    db.session.commit()
    login(client, make_user(role="coordinator"))
    response = client.get("/sessies/inspiratie/aanwezigheidslijst.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "aanwezigheidslijst-inspiratie.pdf" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 2  # sixty rows do not fit one A4
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert "Aanwezigheidslijst" in pages[0] and "Inspiratie-event" in pages[0]
    assert "Gent" in pages[0]
    # Every name once, in order, each on one line with its number and organisation: a
    # row is never split over two pages.
    found = [line for line in text.splitlines() if "Deelnemer" in line]
    assert [next(n for n in names if n in line) for line in found] == names
    for number, line in enumerate(found, start=1):
        assert line.startswith(str(number)) and "Syntra Vlaanderen" in line
    # The header repeats on every page, the footer names the session and counts pages.
    assert all("Handtekening" in page for page in pages)
    assert f"Blad 1 van {len(pages)}" in pages[0]
    assert "Aanwezigheidslijst — Inspiratie-event" in pages[-1]


def test_coordinator_mails_the_waiting_list_and_the_text_stays_on_the_history(
    client, session_with_people, make_user
):
    _, people = session_with_people
    coordinator = make_user(role="coordinator", name="Coördinator Carla")
    login(client, coordinator)
    response = post_form(
        client,
        "/sessies/slotsessie/bericht",
        {
            "audience": "waitlisted",
            "subject": "Extra zaal",
            "body": "Er komt een zaal bij.\n\nTot dan!",
        },
    )
    assert response.status_code == 302
    sent = mails("meeting-message")
    assert [m.recipient for m in sent] == [people[3].email]
    assert sent[0].subject == "Extra zaal — Slotsessie duaal leren"
    assert (
        "Er komt een zaal bij." in sent[0].body_text
        and "Beste Wachtende Willy" in sent[0].body_text
    )
    post_form(
        client,
        "/sessies/slotsessie/bericht",
        {"audience": "all", "subject": "Parking", "body": "Parkeer aan de achterkant."},
    )
    assert len(mails("meeting-message")) == 1 + 4
    history = db.session.scalars(select(MeetingMessage).order_by(MeetingMessage.id)).all()
    assert [(m.audience, m.recipients) for m in history] == [("waitlisted", 1), ("all", 4)]
    page = client.get("/sessies/slotsessie/bericht").get_data(as_text=True)
    assert "Extra zaal" in page and "Parkeer aan de achterkant." in page
    assert "Coördinator Carla" in page


def test_message_needs_a_subject_and_someone_to_reach(client, make_meeting, make_user):
    make_meeting(slug="leeg")
    login(client, make_user(role="coordinator"))
    response = post_form(
        client, "/sessies/leeg/bericht", {"audience": "all", "subject": "", "body": "x"}
    )
    assert response.status_code == 200 and "Geef een onderwerp." in response.get_data(as_text=True)
    response = post_form(
        client, "/sessies/leeg/bericht", {"audience": "all", "subject": "Hallo", "body": "x"}
    )
    assert "Niemand om te mailen" in response.get_data(as_text=True)
    assert mails("meeting-message") == [] and db.session.scalars(select(MeetingMessage)).all() == []


def test_members_cannot_mail_registrants(client, session_with_people, make_user):
    login(client, make_user())
    response = post_form(
        client, "/sessies/slotsessie/bericht", {"audience": "all", "subject": "Spam", "body": "x"}
    )
    assert response.status_code == 403 and mails("meeting-message") == []


def test_cancellation_carries_the_coordinators_message(client, session_with_people, make_user):
    _, people = session_with_people
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/sessies/slotsessie/annuleren",
        {"bericht": "De spreker is ziek. We plannen een nieuwe datum in september."},
    )
    assert response.status_code == 302
    cancelled = mails("meeting-cancelled")
    assert sorted(m.recipient for m in cancelled) == sorted(p.email for p in people)
    for mail in cancelled:
        assert "De spreker is ziek." in mail.body_text and "De spreker is ziek." in mail.body_html
    (entry,) = db.session.scalars(select(MeetingMessage)).all()
    assert entry.kind == "cancellation" and entry.recipients == 4
    assert "De spreker is ziek." in client.get("/sessies/slotsessie/bericht").get_data(as_text=True)


def test_cancellation_without_message_mails_as_before(client, make_meeting, make_user):
    meeting = make_meeting(slug="zonder", starts_at=datetime.now(UTC) + timedelta(days=3))
    registrations.register(meeting, make_user())
    db.session.commit()
    login(client, make_user(role="coordinator"))
    assert post_form(client, "/sessies/zonder/annuleren", {}).status_code == 302
    (mail,) = mails("meeting-cancelled")
    assert "Deze sessie gaat helaas niet door" in mail.body_text
    assert db.session.scalars(select(MeetingMessage)).all() == []
