"""The rules every form shares: one-line text, dates in range, times that exist."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from conftest import login, post_form
from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.auth.models import User
from lerend_netwerk.core.validation import (
    DATE_RANGE_MESSAGE,
    NONEXISTENT_TIME_MESSAGE,
    SINGLE_LINE_MESSAGE,
    exists_in_brussels,
    is_single_line,
)
from lerend_netwerk.extensions import db


def meeting_form(**changes) -> dict:
    data = {
        "title": "Intervisie regels",
        "slug": "intervisie-regels",
        "kind": "intervisie",
        "starts_at": "2031-03-18T13:30",
        "ends_at": "2031-03-18T16:00",
        "location": "Brussel",
        "online_url": "",
        "capacity": "12",
        "registration_deadline": "",
        "host_id": "0",
        "visibility": "public",
        "body": "Over **leervergoedingen**.",
    }
    data.update(changes)
    return data


def _count_meetings() -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting))


def test_single_line_means_no_breaks_and_no_control_characters():
    assert is_single_line("Intervisie “mentoren” — Gent, 3de verdieping")
    for bad in ["a\nb", "a\rb", "a\tb", "a\x00b", "a\x1bb", "a\u2028b", "a\x85b"]:
        assert not is_single_line(bad), repr(bad)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"online_url": "https://meet.example/abc\r"}, SINGLE_LINE_MESSAGE),
        ({"online_url": "https://meet.example/a\r\nBCC: x@example.be"}, SINGLE_LINE_MESSAGE),
        ({"title": "Intervisie\nregels"}, SINGLE_LINE_MESSAGE),
        ({"location": "Gent\tlokaal 3"}, SINGLE_LINE_MESSAGE),
        ({"location": "Gent\u2028lokaal 3"}, SINGLE_LINE_MESSAGE),
        ({"starts_at": "0001-01-01T10:00", "ends_at": "0001-01-01T12:00"}, DATE_RANGE_MESSAGE),
        ({"starts_at": "9998-03-18T13:30", "ends_at": "9998-03-18T16:00"}, DATE_RANGE_MESSAGE),
        ({"starts_at": "1999-12-31T13:30", "ends_at": "2031-03-18T16:00"}, DATE_RANGE_MESSAGE),
        ({"registration_deadline": "0001-01-01T00:00"}, DATE_RANGE_MESSAGE),
        # The night of 30 March 2031 the clocks go from 02:00 to 03:00.
        (
            {"starts_at": "2031-03-30T02:30", "ends_at": "2031-03-30T04:00"},
            NONEXISTENT_TIME_MESSAGE,
        ),
        (
            {
                "starts_at": "2031-03-31T10:00",
                "ends_at": "2031-03-31T12:00",
                "registration_deadline": "2031-03-30T02:15",
            },
            NONEXISTENT_TIME_MESSAGE,
        ),
    ],
)
def test_session_form_refuses_bad_text_and_times_in_dutch(client, make_user, changes, message):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/nieuw", meeting_form(**changes))
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert _count_meetings() == 0


def test_length_limits_answer_in_dutch(client, make_user):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/nieuw", meeting_form(body="[" * 50_001))
    assert response.status_code == 200
    assert "Veld mag niet langer zijn dan 50000 karakters." in response.get_data(as_text=True)
    assert _count_meetings() == 0


def test_an_autumn_time_that_happens_twice_is_the_first_one(client, make_user):
    """26 October 2031: 02:30 happens in summer time (+02:00) and again in winter time."""
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/sessies/nieuw",
        meeting_form(starts_at="2031-10-26T02:30", ends_at="2031-10-26T05:00"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    meeting = db.session.scalar(select(Meeting))
    assert meeting.starts_at == datetime(2031, 10, 26, 0, 30, tzinfo=UTC)
    assert meeting.ends_at == datetime(2031, 10, 26, 4, 0, tzinfo=UTC)


def test_editing_keeps_a_session_in_the_second_autumn_hour(client, make_user, make_meeting):
    """Imported as 02:30+01:00 (the second 02:30): saving the unchanged form keeps it."""
    meeting = make_meeting(
        slug="tweede-uur",
        starts_at=datetime(2031, 10, 26, 1, 30, tzinfo=UTC),
        ends_at=datetime(2031, 10, 26, 4, 0, tzinfo=UTC),
    )
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        f"/sessies/{meeting.slug}/bewerken",
        meeting_form(starts_at="2031-10-26T02:30", ends_at="2031-10-26T05:00"),
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).starts_at == datetime(
        2031, 10, 26, 1, 30, tzinfo=UTC
    )


def test_sessions_in_the_range_edges_are_accepted(client, make_user):
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/sessies/nieuw",
        meeting_form(starts_at="2100-12-31T10:00", ends_at="2100-12-31T12:00"),
    )
    assert response.status_code == 302
    assert client.get("/agenda.ics").status_code == 200


def test_nonexistent_times_are_recognised():
    assert not exists_in_brussels(datetime(2031, 3, 30, 2, 30))
    assert exists_in_brussels(datetime(2031, 3, 30, 3, 0))
    assert exists_in_brussels(datetime(2031, 10, 26, 2, 30))


def test_profile_name_is_one_line(client, make_user):
    member = make_user()
    login(client, member)
    response = post_form(client, "/account/profiel", {"name": "An\rPeeters"})
    assert response.status_code == 200
    assert SINGLE_LINE_MESSAGE in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, member.id).name != "An\rPeeters"


def test_report_visit_date_is_in_range(client, make_user, make_proeftuin):
    proeftuin = make_proeftuin(slug="leie")
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/verslagen/nieuw",
        {"title": "Bezoek", "proeftuin": proeftuin.slug, "visited": "0001-01-01"},
    )
    assert response.status_code in (200, 400)
    assert DATE_RANGE_MESSAGE in response.get_data(as_text=True)


def test_every_form_of_the_app_takes_the_shared_rules(app):
    """A form built on FlaskForm directly would miss them: derive from core.forms.Form."""
    from flask_wtf import FlaskForm

    from lerend_netwerk.core.forms import Form

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    forms = [cls for cls in subclasses(FlaskForm) if cls.__module__.startswith("lerend_netwerk")]
    assert len(forms) > 20
    assert [cls.__qualname__ for cls in forms if not issubclass(cls, Form)] == []
