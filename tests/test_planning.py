"""Planning: the month view, duplicating a session, slugs from titles, Flemish date input."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.agenda.planning import slug_for_title
from lerend_netwerk.core.flemish_time import FlemishTimeError, parse_datetime, parse_time
from lerend_netwerk.extensions import db


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


# --- Flemish date input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "text,expected",
    [
        ("12/03/2027 14:00", datetime(2027, 3, 12, 14, 0)),
        ("12-3-2027 14u", datetime(2027, 3, 12, 14, 0)),
        ("12.3.2027 14u30", datetime(2027, 3, 12, 14, 30)),
        ("12/3/27 9u", datetime(2027, 3, 12, 9, 0)),
        ("1/2/2027 om 9.15", datetime(2027, 2, 1, 9, 15)),
        ("12/03/2027, 14h30", datetime(2027, 3, 12, 14, 30)),
        ("12/03/2027 14 uur", datetime(2027, 3, 12, 14, 0)),
        ("  12/03/2027   14:00  ", datetime(2027, 3, 12, 14, 0)),
        ("2027-03-12T14:00", datetime(2027, 3, 12, 14, 0)),
        ("2027-03-12 14:00:00", datetime(2027, 3, 12, 14, 0)),
    ],
)
def test_flemish_date_times_are_read_day_first(text, expected):
    assert parse_datetime(text) == expected


def test_a_time_alone_needs_a_day_to_refer_to():
    assert parse_time("14u30").hour == 14
    assert parse_datetime("16u30", default_date=date(2027, 3, 12)) == datetime(2027, 3, 12, 16, 30)
    with pytest.raises(FlemishTimeError):
        parse_datetime("16u30")


@pytest.mark.parametrize(
    "text,message",
    [
        ("morgen", "Geef een datum en uur in als dag/maand/jaar"),
        ("31/02/2027 14:00", "De datum 31/2/2027 bestaat niet"),
        ("12/13/2027 10:00", "bestaat niet: kijk dag en maand na"),
        ("12/03/2027 25:00", "Dat uur bestaat niet"),
        ("12/03/2027 14u75", "Dat uur bestaat niet"),
        ("12/03/2027", "Geef ook het uur"),
        ("03/12/2027 2pm", "Geef een datum en uur in"),
    ],
)
def test_what_cannot_be_read_says_why_in_dutch(text, message):
    with pytest.raises(FlemishTimeError, match=message):
        parse_datetime(text)


def form(**changes) -> dict:
    data = {
        "title": "Intervisie werkplekleren",
        "slug": "",
        "kind": "intervisie",
        "starts_at": "18/03/2031 13u30",
        "ends_at": "16u",
        "location": "Leuven",
        "online_url": "",
        "capacity": "12",
        "registration_deadline": "11-3-2031 17u",
        "host_id": "0",
        "visibility": "public",
        "body": "",
    }
    data.update(changes)
    return data


def test_session_form_takes_flemish_input_and_makes_the_slug_from_the_title(
    client, make_user, make_meeting
):
    make_meeting(slug="intervisie-werkplekleren")
    login(client, make_user(role="coordinator"))
    html = page(client, "/sessies/nieuw")
    assert "bijvoorbeeld 12/03/2027 14:00" in html and 'data-slug-from="title"' in html
    response = post_form(client, "/sessies/nieuw", form())
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    meeting = db.session.scalar(select(Meeting).where(Meeting.location == "Leuven"))
    # The title's slug was taken: the next free one.
    assert meeting.slug == "intervisie-werkplekleren-2"
    assert meeting.starts_at == datetime(2031, 3, 18, 12, 30, tzinfo=UTC)  # CET
    assert meeting.ends_at == datetime(2031, 3, 18, 15, 0, tzinfo=UTC)
    assert meeting.registration_deadline == datetime(2031, 3, 11, 16, 0, tzinfo=UTC)
    # The edit form shows the times the same way.
    assert 'value="18/03/2031 13:30"' in page(client, f"/sessies/{meeting.slug}/bewerken")


def test_session_form_reports_unreadable_dates_once_and_keeps_the_input(client, make_user):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/sessies/nieuw", form(starts_at="31/02/2031 10u"))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.count("De datum 31/2/2031 bestaat niet") == 1
    assert 'value="31/02/2031 10u"' in html
    assert db.session.scalars(select(Meeting)).all() == []


def test_slug_for_title_never_uses_a_reserved_or_taken_slug(app, make_meeting):
    make_meeting(slug="netwerkmoment-gent")
    assert slug_for_title("Netwerkmoment Gent") == "netwerkmoment-gent-2"
    assert slug_for_title("Maand") == "maand-2"
    assert slug_for_title("Één café à Brugge!") == "een-cafe-a-brugge"
    assert slug_for_title("???") == "sessie"


# --- the month view ------------------------------------------------------------------------


@pytest.fixture
def march(make_meeting, make_theme):
    theme = make_theme(slug="werkplek", title="Werkplek")
    at = lambda day, hour: datetime(2031, 3, day, hour, tzinfo=UTC)  # noqa: E731
    return {
        "kickoff": make_meeting(
            slug="kick-off-maart", title="Kick-off maart", kind="kick-off", starts_at=at(3, 9)
        ),
        "intervisie": make_meeting(
            slug="intervisie-maart", title="Intervisie maart", starts_at=at(12, 13), themes=[theme]
        ),
        "late": make_meeting(
            slug="laat-op-de-avond", title="Webinar laat", kind="webinar", starts_at=at(31, 22)
        ),
        "leden": make_meeting(
            slug="enkel-leden", title="Ledenoverleg", starts_at=at(20, 9), visibility="members"
        ),
        "april": make_meeting(
            slug="april-sessie", title="Aprilsessie", starts_at=datetime(2031, 4, 2, 9, tzinfo=UTC)
        ),
    }


def test_month_view_puts_sessions_on_their_local_day(client, march):
    html = page(client, "/sessies/maand?maand=2031-03")
    assert "Agenda: maart 2031" in html
    assert "2 sessies in maart 2031" in html  # members-only one hidden, April elsewhere
    assert "Ledenoverleg" not in html and "Aprilsessie" not in html
    # 22:00 UTC on 31 March is 1 April at midnight in Brussels (summer time).
    assert "Webinar laat" not in html
    assert "Webinar laat" in page(client, "/sessies/maand?maand=2031-04")
    cell = re.search(r'<td class="month-day has-sessions">.*?</td>', html, re.S).group(0)
    assert "maandag 3 maart" in cell and 'href="/sessies/kick-off-maart"' in cell
    assert ">10:00</span> Kick-off maart" in cell


def test_month_view_filters_like_the_list_and_links_both_ways(client, march):
    html = page(client, "/sessies/maand?maand=2031-03&soort=intervisie")
    assert "Intervisie maart" in html and "Kick-off maart" not in html
    assert '<option value="intervisie" selected>' in html
    # Month to month and to the list keep the filters; the list links back.
    assert 'href="/sessies/maand?maand=2031-04&amp;soort=intervisie"' in html
    assert 'href="/sessies/maand?maand=2031-02&amp;soort=intervisie"' in html
    assert 'href="/sessies?soort=intervisie"' in html
    assert 'href="/sessies/maand?soort=intervisie"' in page(client, "/sessies?soort=intervisie")
    by_theme = page(client, "/sessies/maand?maand=2031-03&thema=werkplek")
    assert "Intervisie maart" in by_theme and "Kick-off maart" not in by_theme


def test_month_view_is_a_table_of_links_a_keyboard_can_reach(client, march):
    html = page(client, "/sessies/maand?maand=2031-03")
    assert '<caption class="visually-hidden">' in html and 'scope="col"' in html
    for slug in ("kick-off-maart", "intervisie-maart"):
        assert f'<a href="/sessies/{slug}">' in html
    table = html[html.index('<table class="month-calendar">') : html.index("</table>")]
    assert "tabindex" not in table and "onclick" not in table


def test_month_view_signed_in_members_see_members_sessions(client, march, make_user):
    login(client, make_user())
    assert "Ledenoverleg" in page(client, "/sessies/maand?maand=2031-03")


def test_month_view_marks_today(client):
    html = page(client, "/sessies/maand")
    (cell,) = re.findall(r'<td class="[^"]*is-today"[^>]*>', html)
    assert 'aria-current="date"' in cell and "Vandaag" in html


@pytest.mark.parametrize("value", ["", "2031-13", "x", "1800-01", "2031-03-01"])
def test_month_view_falls_back_to_this_month(client, value):
    today = date.today()
    months = ["januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
              "september", "oktober", "november", "december"]  # fmt: skip
    html = page(client, f"/sessies/maand?maand={value}")
    assert f"Agenda: {months[today.month - 1]} {today.year}" in html


# --- duplicating -------------------------------------------------------------------------


def test_duplicate_copies_everything_but_the_date_slug_uid_and_people(
    client, make_user, make_meeting, make_theme, make_proeftuin
):
    theme, host = make_theme(), make_proeftuin()
    starts = datetime.now(UTC) + timedelta(days=3)
    source = make_meeting(
        slug="netwerkmoment-antwerpen",
        title="Netwerkmoment Antwerpen",
        kind="netwerkmoment",
        starts_at=starts,
        ends_at=starts + timedelta(hours=2, minutes=30),
        location="Antwerpen",
        online_url="https://meet.example.be/x",
        capacity=25,
        registration_deadline=starts - timedelta(days=2),
        themes=[theme],
        host=host,
        visibility="members",
        body="Met **broodjes**.",
        report="Het verslag",
    )
    db.session.add(Registration(meeting=source, user=make_user(), status="confirmed"))
    db.session.commit()
    login(client, make_user(role="coordinator"))
    html = page(client, "/sessies/netwerkmoment-antwerpen/kopieren")
    assert 'value="Netwerkmoment Antwerpen"' in html
    response = post_form(
        client,
        "/sessies/netwerkmoment-antwerpen/kopieren",
        {"title": "Netwerkmoment Antwerpen", "slug": "", "starts_at": "9/10/2031 14u"},
    )
    assert response.status_code == 302
    copy = db.session.scalar(select(Meeting).where(Meeting.id != source.id))
    assert response.headers["Location"].endswith(f"/sessies/{copy.slug}")
    assert copy.slug == "netwerkmoment-antwerpen-2" and copy.uid != source.uid
    assert copy.starts_at == datetime(2031, 10, 9, 12, 0, tzinfo=UTC)  # CEST
    assert copy.ends_at - copy.starts_at == timedelta(hours=2, minutes=30)
    assert copy.starts_at - copy.registration_deadline == timedelta(days=2)
    for name in ("kind", "location", "online_url", "capacity", "visibility", "body", "host_id"):
        assert getattr(copy, name) == getattr(source, name), name
    assert copy.themes == [theme]
    assert copy.report == "" and copy.status == "scheduled" and copy.sequence == 0
    assert copy.registrations == []


def test_duplicate_refuses_a_taken_slug_and_bad_dates(client, make_user, make_meeting):
    make_meeting(slug="bron")
    make_meeting(slug="bezet")
    login(client, make_user(role="coordinator"))
    taken = post_form(
        client,
        "/sessies/bron/kopieren",
        {"title": "Kopie", "slug": "bezet", "starts_at": "1/1/2031 10u"},
    )
    assert "al in gebruik" in taken.get_data(as_text=True)
    bad = post_form(
        client, "/sessies/bron/kopieren", {"title": "Kopie", "starts_at": "volgende week"}
    )
    assert "Geef een datum en uur in als dag/maand/jaar" in bad.get_data(as_text=True)
    assert len(db.session.scalars(select(Meeting)).all()) == 2


def test_members_cannot_duplicate(client, make_user, make_meeting):
    make_meeting(slug="bron")
    login(client, make_user())
    assert (
        post_form(
            client, "/sessies/bron/kopieren", {"title": "x", "starts_at": "1/1/2031 10u"}
        ).status_code
        == 403
    )
