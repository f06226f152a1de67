"""Feeds and invitations as independent clients read them: ical.js and vobject.

Each event's instant, as the client computes it from TZID=Europe/Brussels and the
calendar's own VTIMEZONE, must be the time the session page shows: in winter and in
summer time, and years ahead.
"""

from __future__ import annotations

import gzip
import re
from datetime import UTC, datetime, timedelta

import pytest

from conftest import login
from icalclients import both, icaljs
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import BRUSSELS, nl_timespan

WHEN_RE = re.compile(r"<dt>Wanneer</dt><dd>([^<]+)</dd>")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def moments() -> dict[str, datetime]:
    """Sessions around the year and years ahead, near the changes of offset too."""
    year = datetime.now(UTC).year + 1
    return {
        "winter": local(year, 1, 15, 13, 0),
        "summer": local(year, 6, 17, 13, 0),
        "before-spring": local(year + 1, 3, 20, 9, 30),
        "summer-5y": local(year + 5, 7, 2, 10, 0),
        "autumn-9y": local(year + 9, 10, 20, 19, 0),
        "winter-9y": local(year + 9, 11, 4, 19, 0),
    }


@pytest.fixture
def sessions(make_meeting, make_theme):
    theme = make_theme(slug="werkplekleren", title="Werkplekleren")
    return {
        name: make_meeting(
            slug=f"sessie-{name}",
            title=f"Sessie {name}",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2, minutes=30),
            themes=[theme],
            online_url="https://meet.example/abc",
        )
        for name, starts in moments().items()
    }


def page_time(client, slug: str) -> str:
    response = client.get(f"/sessies/{slug}")
    assert response.status_code == 200
    match = WHEN_RE.search(response.get_data(as_text=True))
    assert match, "the session page shows when it is"
    return match.group(1).replace("&ndash;", "–")


def check_instants(client, data: bytes, sessions: dict, expected: int) -> None:
    by_uid = {meeting.uid: meeting for meeting in sessions.values()}
    for reading in both(data):
        events = reading["events"]
        assert len(events) == expected
        for event in events:
            meeting = by_uid[event["uid"]]
            assert event["start"] == meeting.starts_at, (event["uid"], event["start"])
            assert event["end"] == meeting.ends_at
            shown = page_time(client, meeting.slug)
            assert nl_timespan(event["start"], event["end"]) == shown


def test_public_and_theme_feeds_read_right_in_every_client(client, sessions):
    check_instants(client, client.get("/agenda.ics").data, sessions, len(sessions))
    themed = client.get("/agenda.ics?thema=werkplekleren").data
    check_instants(client, themed, sessions, len(sessions))


def test_a_feed_put_together_after_a_move_reads_right_in_every_client(client, sessions):
    """The feed after a change is spliced from the one before (calendar/feedfiles.py):
    ical.js and vobject read the moved session at its new time, the others unchanged."""
    assert client.get("/agenda.ics").status_code == 200
    moved = sessions["summer"]
    moved.starts_at += timedelta(days=1, hours=1)
    moved.ends_at += timedelta(days=1, hours=1)
    db.session.commit()
    for encoding in ({}, {"Accept-Encoding": "gzip"}):
        response = client.get("/agenda.ics", headers=encoding)
        data = response.data
        if encoding:
            assert response.headers["Content-Encoding"] == "gzip"
            data = gzip.decompress(data)
        check_instants(client, data, sessions, len(sessions))


def test_session_feed_reads_right_in_every_client(client, sessions):
    for meeting in sessions.values():
        check_instants(client, client.get(f"/sessies/{meeting.slug}.ics").data, sessions, 1)


def test_personal_feed_reads_right_in_every_client(client, sessions, make_user):
    user = make_user()
    for meeting in sessions.values():
        db.session.add(Registration(meeting=meeting, user=user, status="confirmed"))
    db.session.commit()
    data = client.get(f"/agenda/persoonlijk/{user.calendar_token}.ics").data
    check_instants(client, data, sessions, len(sessions))
    login(client, user)
    check_instants(client, client.get("/sessies/sessie-summer.ics").data, sessions, 1)


def test_the_timezone_is_written_as_yearly_rules(client, sessions):
    data = client.get("/agenda.ics").data.decode()
    assert "RDATE" not in data
    assert data.count("BEGIN:VTIMEZONE") == 1
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in data
    assert "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10" in data
    assert icaljs(data.encode())["timezones"] == 1


def test_moving_up_changes_sequence_and_last_modified_in_the_personal_feed(
    client, make_meeting, make_user
):
    from sqlalchemy import update

    from lerend_netwerk.agenda import registrations as agenda_registrations
    from lerend_netwerk.agenda.models import Meeting

    meeting = make_meeting(slug="vol", capacity=1, starts_at=moments()["summer"])
    first, waiting = make_user(), make_user()
    agenda_registrations.register(meeting, first)
    agenda_registrations.register(meeting, waiting)
    # Back-date both rows, so that a change within the same second still shows.
    hour_ago = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    db.session.execute(update(Meeting).values(updated_at=hour_ago))
    db.session.execute(update(Registration).values(updated_at=hour_ago))
    db.session.commit()
    url = f"/agenda/persoonlijk/{waiting.calendar_token}.ics"
    for reading in both(client.get(url).data):
        (event,) = reading["events"]
        assert event["status"] == "TENTATIVE" and event["sequence"] == 0
    before = icaljs(client.get(url).data)["events"][0]["lastModified"]

    agenda_registrations.cancel(meeting, first)  # the waiting member moves up
    db.session.commit()
    for reading in both(client.get(url).data):
        (event,) = reading["events"]
        assert event["status"] == "CONFIRMED" and event["sequence"] == 1
    after = icaljs(client.get(url).data)["events"][0]["lastModified"]
    assert after > before
