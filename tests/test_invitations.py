"""Invitations as mail clients and calendars receive them.

Every kind (register, waiting list, move up, change, cancel, re-register, cancelled and
reinstated session) is built into the MIME message the sender delivers, read back with
Python's email package, and its calendar parsed with ical.js and vobject: the layout
Outlook and Gmail expect, ORGANIZER and ATTENDEE, the instant the session page shows,
one rule for the online link, and a SEQUENCE that grows with every message to a member.
"""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from icalclients import both
from lerend_netwerk.agenda import meetings as agenda_meetings
from lerend_netwerk.agenda import registrations as agenda_registrations
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.sender import build_message
from lerend_netwerk.timeutil import BRUSSELS, nl_timespan

ONLINE = "https://meet.example/zomer-4711"


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def delivered() -> list[email.message.EmailMessage]:
    """The queued mails as the SMTP server receives them, in the order they were queued."""
    db.session.flush()
    rows = db.session.scalars(select(OutgoingMail).order_by(OutgoingMail.id))
    return [
        email.message_from_bytes(build_message(row).as_bytes(), policy=email.policy.default)
        for row in rows
    ]


def structure(message) -> tuple[str, bytes]:
    """Check the layout; return the inline part's method and the calendar."""
    assert message.get_content_type() == "multipart/mixed"
    alternative, attached = message.get_payload()
    assert alternative.get_content_type() == "multipart/alternative"
    parts = alternative.get_payload()
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html", "text/calendar"]
    inline = parts[2]
    assert inline.get_content_disposition() is None  # inline: the invitation itself
    assert inline.get_content_charset() == "utf-8"
    assert attached.get_content_type() == "application/ics"
    assert attached.get_content_disposition() == "attachment"
    assert attached.get_filename() == "invite.ics"
    assert attached.get_param("name") == "invite.ics"
    data = inline.get_payload(decode=True)
    assert attached.get_payload(decode=True) == data
    return inline.get_param("method"), data


@pytest.fixture
def session(make_meeting):
    starts = local(datetime.now(UTC).year + 1, 6, 17, 13, 0)
    return make_meeting(
        slug="zomersessie",
        title="Zomersessie",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        capacity=1,
        online_url=ONLINE,
        location="Gent",
    )


def test_every_invitation_kind_has_the_layout_and_an_ordered_sequence(
    app, client, session, make_user
):
    anke = make_user(name="Anke Peeters", email="anke@example.be")
    bram = make_user(name="Bram Claes", email="bram@example.be")
    agenda_registrations.register(session, anke)  # confirmed
    agenda_registrations.register(session, bram)  # waiting list
    agenda_registrations.cancel(session, anke)  # CANCEL to Anke, Bram moves up
    agenda_registrations.register(session, anke)  # Anke again, now on the waiting list
    values = agenda_meetings.MeetingValues(
        **{
            **{k: v for k, v in agenda_meetings.form_values(session).items() if k != "slug"},
            "starts_at": datetime(datetime.now(UTC).year + 1, 6, 17, 14, 0),
            "ends_at": datetime(datetime.now(UTC).year + 1, 6, 17, 16, 0),
            "host_id": None,
        }
    )
    agenda_meetings.update_meeting(session, values)  # the change, to both
    agenda_meetings.cancel_meeting(session)  # CANCEL to both
    agenda_meetings.reinstate_meeting(session)  # it goes ahead after all
    db.session.commit()
    shown = client.get("/sessies/zomersessie").get_data(as_text=True)

    expected = [
        ("anke@example.be", "Inschrijving bevestigd", "REQUEST", "confirmed"),
        ("bram@example.be", "Op de wachtlijst", "REQUEST", "waitlisted"),
        ("anke@example.be", "Uitschrijving bevestigd", "CANCEL", "cancelled"),
        ("bram@example.be", "Je hebt een plaats", "REQUEST", "confirmed"),
        ("anke@example.be", "Op de wachtlijst", "REQUEST", "waitlisted"),
        ("anke@example.be", "Gewijzigd", "REQUEST", "waitlisted"),
        ("bram@example.be", "Gewijzigd", "REQUEST", "confirmed"),
        ("anke@example.be", "Geannuleerd", "CANCEL", "waitlisted"),
        ("bram@example.be", "Geannuleerd", "CANCEL", "confirmed"),
        ("anke@example.be", "Gaat toch door", "REQUEST", "waitlisted"),
        ("bram@example.be", "Gaat toch door", "REQUEST", "confirmed"),
    ]
    messages = delivered()
    got = [(m["To"].addresses[0].addr_spec, str(m["Subject"]).split(":")[0]) for m in messages]
    assert got == [(who, subject) for who, subject, _, _ in expected]

    last_sequence: dict[str, int] = {}
    for message, (who, _, method, status) in zip(messages, expected, strict=True):
        got_method, data = structure(message)
        assert got_method == method
        # The mail itself follows the same online-link rule as its calendar.
        text = message.get_body(preferencelist=("plain",)).get_content()
        html = message.get_body(preferencelist=("html",)).get_content()
        assert (ONLINE in text) == (ONLINE in html) == (status == "confirmed"), message["Subject"]
        readings = both(data)
        for reading in readings:
            assert reading["method"] == method
            (event,) = reading["events"]
            assert event["uid"] == session.uid
            organizer = event["organizer"]
            organizer = organizer["value"] if isinstance(organizer, dict) else organizer
            assert organizer == "mailto:noreply@lerend-netwerk.example"
            attendees = [a["value"] if isinstance(a, dict) else a for a in event["attendees"]]
            assert attendees == [f"mailto:{who}"]
            # The same instant as the session page shows (the time after the change).
            if "Gewijzigd" in str(message["Subject"]) or "toch door" in str(message["Subject"]):
                assert nl_timespan(event["start"], event["end"]) in shown
            assert (ONLINE in event["description"]) == (status == "confirmed")
        # Ordered after the previous message to the same member.
        sequence = readings[0]["events"][0]["sequence"]
        assert readings[1]["events"][0]["sequence"] == sequence
        assert sequence > last_sequence.get(who, -1), (who, message["Subject"], sequence)
        last_sequence[who] = sequence
    # ical.js and vobject agree on the attendee's answer that the site already knows.
    first = both(structure(messages[0])[1])[0]["events"][0]["attendees"][0]["params"]
    assert first == {
        "cn": "Anke Peeters",
        "partstat": "ACCEPTED",
        "rsvp": "FALSE",
        "role": "REQ-PARTICIPANT",
    }


def test_reinstated_mail_says_it_goes_ahead_after_all(app, session, make_user):
    member = make_user()
    agenda_registrations.register(session, member)
    agenda_meetings.cancel_meeting(session)
    agenda_meetings.reinstate_meeting(session)
    db.session.commit()
    last = delivered()[-1]
    assert str(last["Subject"]) == "Gaat toch door: Zomersessie"
    text = last.get_body(preferencelist=("plain",)).get_content()
    assert "gaat toch door" in text and "Gewijzigd" not in text


def test_a_title_change_sends_an_update_with_the_new_title(app, session, make_user):
    member = make_user()
    agenda_registrations.register(session, member)
    values = agenda_meetings.MeetingValues(
        **{
            **{k: v for k, v in agenda_meetings.form_values(session).items() if k != "slug"},
            "title": "Zomersessie werkplekleren",
            "host_id": None,
        }
    )
    agenda_meetings.update_meeting(session, values)
    db.session.commit()
    last = delivered()[-1]
    assert str(last["Subject"]) == "Gewijzigd: Zomersessie werkplekleren"
    method, data = structure(last)
    assert method == "REQUEST"
    for reading in both(data):
        (event,) = reading["events"]
        assert event["summary"] == "Zomersessie werkplekleren" and event["sequence"] == 1
