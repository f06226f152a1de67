"""Calendar feeds: RFC 5545 content, time zones, visibility, the personal token, caching."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
from flask import render_template_string
from icalendar import Calendar
from sqlalchemy import event

from conftest import login, post_form
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.calendar import ics
from lerend_netwerk.calendar import service as calendar_service
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import BRUSSELS

SECRET_WORD = "Zilverreigerconclaaf"
ONLINE_URL = "https://meet.example/zwartekat-4711"


def local(*args: int) -> datetime:
    """A Brussels wall-clock time, as the aware datetime the models store."""
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def soon(days: int = 14) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def parse(response) -> Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.data)


def events_by_uid(calendar: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def register(meeting, user, status: str = "confirmed") -> Registration:
    registration = Registration(meeting=meeting, user=user, status=status)
    db.session.add(registration)
    db.session.commit()
    return registration


def feed_url(user) -> str:
    return f"/agenda/persoonlijk/{user.calendar_token}.ics"


# --- the calendar and its events -------------------------------------------------------


def test_public_feed_has_the_required_calendar_properties(client, make_meeting):
    make_meeting()
    calendar = parse(client.get("/agenda.ics"))
    assert calendar["PRODID"]
    assert calendar["VERSION"] == "2.0"
    assert calendar["CALSCALE"] == "GREGORIAN"
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "Lerend netwerk duaal leren"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Brussels"
    refresh = calendar["REFRESH-INTERVAL"]
    assert refresh.params["VALUE"] == "DURATION"
    assert refresh.dt == timedelta(minutes=60)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT1H"


def test_feed_refresh_interval_follows_config(app, client, make_meeting):
    app.config["FEED_REFRESH_MINUTES"] = 15
    make_meeting()
    calendar = parse(client.get("/agenda.ics"))
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(minutes=15)
    assert str(calendar["X-PUBLISHED-TTL"]) == "PT15M"


def test_event_has_every_property(client, make_meeting, make_theme):
    theme = make_theme(title="Werving en selectie")
    meeting = make_meeting(
        slug="intervisie-mentoren",
        title="Intervisie mentoren",
        kind="intervisie",
        location="Campus Kortrijk, lokaal B.204",
        body="We bespreken **mentoropleidingen**.\n\n- eerste punt\n- [tweede](https://voorbeeld.be)",
        starts_at=soon(),
        themes=[theme],
    )
    calendar = parse(client.get("/agenda.ics"))
    (vevent,) = calendar.walk("VEVENT")
    assert vevent["UID"] == meeting.uid
    assert vevent["DTSTAMP"].dt.tzinfo is not None
    assert vevent["LAST-MODIFIED"].dt == meeting.updated_at.replace(microsecond=0)
    assert vevent["SEQUENCE"] == 0
    assert vevent["DTSTART"].params["TZID"] == "Europe/Brussels"
    assert vevent["DTEND"].params["TZID"] == "Europe/Brussels"
    assert vevent["DTSTART"].dt == meeting.starts_at
    assert vevent["DTEND"].dt == meeting.ends_at
    assert vevent["SUMMARY"] == "Intervisie mentoren"
    description = str(vevent["DESCRIPTION"])
    assert "We bespreken mentoropleidingen." in description
    assert "**" not in description and "<" not in description
    assert "http://localhost/sessies/intervisie-mentoren" in description
    assert vevent["LOCATION"] == "Campus Kortrijk, lokaal B.204"
    assert vevent["URL"] == "http://localhost/sessies/intervisie-mentoren"
    assert list(vevent.categories) == ["Intervisie", "Werving en selectie"]
    assert vevent["STATUS"] == "CONFIRMED"


def test_uid_stays_when_title_and_slug_change(client, make_meeting):
    meeting = make_meeting(slug="oud", title="Oude titel")
    before = parse(client.get("/agenda.ics")).walk("VEVENT")[0]["UID"]
    meeting.slug = "nieuw"
    meeting.title = "Nieuwe titel"
    db.session.commit()
    after = parse(client.get("/agenda.ics")).walk("VEVENT")[0]
    assert after["UID"] == before == meeting.uid
    assert after["SUMMARY"] == "Nieuwe titel"


def test_uid_is_stored_not_derived_from_site_url_or_row_id(app, client, make_meeting):
    meeting = make_meeting(slug="kick-off")
    before = Calendar.from_ical(ics.build_feed([meeting], name="x")).walk("VEVENT")[0]["UID"]
    assert not before.startswith("meeting-") and "localhost" not in before
    app.config["SITE_URL"] = "https://lerend-netwerk.example.be/"
    vevent = parse(client.get("/agenda.ics")).walk("VEVENT")[0]
    assert vevent["UID"] == before == meeting.uid
    assert vevent["URL"] == "https://lerend-netwerk.example.be/sessies/kick-off"


def test_one_vtimezone_with_winter_and_summer_time(client, make_meeting):
    make_meeting(starts_at=soon(10))
    make_meeting(starts_at=soon(200))
    calendar = parse(client.get("/agenda.ics"))
    (timezone,) = calendar.walk("VTIMEZONE")
    assert timezone["TZID"] == "Europe/Brussels"
    assert timezone.walk("STANDARD") and timezone.walk("DAYLIGHT")
    assert calendar.get_missing_tzids() == set()


@pytest.mark.parametrize(
    "start,end,expected_local,offset_start,offset_end",
    [
        # The last Saturday of summer time and the first Sunday of winter time, 2026.
        ((2026, 10, 24, 10, 0), (2026, 10, 24, 12, 0), "20261024T100000", 2, 2),
        ((2026, 10, 25, 10, 0), (2026, 10, 25, 12, 0), "20261025T100000", 1, 1),
        # A night session across the change itself: 01:30 CEST to 04:00 CET.
        ((2026, 10, 25, 1, 30), (2026, 10, 25, 4, 0), "20261025T013000", 2, 1),
        # Spring 2027: the clocks go forward on 28 March.
        ((2027, 3, 27, 10, 0), (2027, 3, 27, 12, 0), "20270327T100000", 1, 1),
        ((2027, 3, 28, 10, 0), (2027, 3, 28, 12, 0), "20270328T100000", 2, 2),
    ],
)
def test_times_across_daylight_saving_changes(
    client, make_meeting, start, end, expected_local, offset_start, offset_end
):
    meeting = make_meeting(slug="dst", starts_at=local(*start), ends_at=local(*end))
    response = client.get("/sessies/dst.ics")
    assert f"DTSTART;TZID=Europe/Brussels:{expected_local}" in response.get_data(as_text=True)
    calendar = parse(response)
    vevent = calendar.walk("VEVENT")[0]
    assert vevent["DTSTART"].dt == meeting.starts_at
    assert vevent["DTEND"].dt == meeting.ends_at
    assert vevent["DTSTART"].dt.utcoffset() == timedelta(hours=offset_start)
    assert vevent["DTEND"].dt.utcoffset() == timedelta(hours=offset_end)
    # The VTIMEZONE in the file, on its own, gives the same offsets.
    tz = calendar.walk("VTIMEZONE")[0].to_tz()
    wall_start = vevent["DTSTART"].dt.replace(tzinfo=None)
    wall_end = vevent["DTEND"].dt.replace(tzinfo=None)
    assert wall_start.replace(tzinfo=tz).utcoffset() == timedelta(hours=offset_start)
    assert wall_end.replace(tzinfo=tz).utcoffset() == timedelta(hours=offset_end)


def test_feed_of_sessions_in_both_seasons_has_one_vtimezone_covering_them(app, make_meeting):
    winter = make_meeting(starts_at=local(2026, 12, 1, 13, 30))
    summer = make_meeting(starts_at=local(2027, 6, 1, 13, 30))
    data = ics.build_feed([winter, summer], name="Test")
    calendar = Calendar.from_ical(data)
    (timezone,) = calendar.walk("VTIMEZONE")
    tz = timezone.to_tz()
    assert datetime(2026, 12, 1, 13, 30, tzinfo=tz).utcoffset() == timedelta(hours=1)
    assert datetime(2027, 6, 1, 13, 30, tzinfo=tz).utcoffset() == timedelta(hours=2)
    starts = sorted(e["DTSTART"].dt for e in calendar.walk("VEVENT"))
    assert starts == [winter.starts_at, summer.starts_at]


def test_cancelled_session_is_cancelled_in_the_feed(client, make_meeting):
    meeting = make_meeting(title="Netwerkmoment Gent")
    assert parse(client.get("/agenda.ics")).walk("VEVENT")[0]["STATUS"] == "CONFIRMED"
    meeting.status = "cancelled"
    meeting.sequence += 1
    db.session.commit()
    vevent = parse(client.get("/agenda.ics")).walk("VEVENT")[0]
    assert vevent["STATUS"] == "CANCELLED"
    assert vevent["SEQUENCE"] == 1
    assert "geannuleerd" in str(vevent["DESCRIPTION"]).lower()


def test_sequence_grows_when_the_time_changes(client, make_meeting):
    meeting = make_meeting(slug="verplaatst", starts_at=local(2027, 2, 2, 9, 0))
    first = parse(client.get("/sessies/verplaatst.ics")).walk("VEVENT")[0]
    meeting.starts_at = local(2027, 2, 9, 9, 0)
    meeting.ends_at = local(2027, 2, 9, 12, 0)
    meeting.sequence += 1
    db.session.commit()
    second = parse(client.get("/sessies/verplaatst.ics")).walk("VEVENT")[0]
    assert second["SEQUENCE"] == first["SEQUENCE"] + 1
    assert second["UID"] == first["UID"]
    assert second["DTSTART"].dt == local(2027, 2, 9, 9, 0)
    assert second["LAST-MODIFIED"].dt >= first["LAST-MODIFIED"].dt


def test_public_feed_covers_the_past_twelve_months_and_the_future(client, make_meeting):
    make_meeting(slug="lang-geleden", starts_at=soon(-400))
    make_meeting(slug="vorig-jaar", starts_at=soon(-300))
    make_meeting(slug="volgend-jaar", starts_at=soon(400))
    urls = {str(e["URL"]) for e in parse(client.get("/agenda.ics")).walk("VEVENT")}
    assert urls == {"http://localhost/sessies/vorig-jaar", "http://localhost/sessies/volgend-jaar"}


def test_empty_feed_is_still_a_valid_calendar(client):
    calendar = parse(client.get("/agenda.ics"))
    assert calendar.walk("VEVENT") == []
    assert calendar["METHOD"] == "PUBLISH"


def test_lines_are_folded_at_75_octets_and_end_with_crlf(client, make_meeting):
    make_meeting(
        slug="lang",
        title="Inspiratiedag “Werkplekleren in de zorg” — " + "één lange titel " * 8,
        location="Hogeschool West-Vlaanderen, Campus Brugge Station, " * 3,
        body="Een lange beschrijving met accenten: é, è, ü, ç. " * 20,
    )
    data = client.get("/agenda.ics").data
    assert data.endswith(b"\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert lines
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines), "long lines must be folded"
    for line in lines:
        line.decode("utf-8")  # folding never splits a multi-byte character
    summary = parse(client.get("/agenda.ics")).walk("VEVENT")[0]["SUMMARY"]
    assert summary.startswith("Inspiratiedag “Werkplekleren in de zorg” — één lange titel")


# --- themes ----------------------------------------------------------------------------


def test_theme_feed_has_only_that_themes_sessions(client, make_meeting, make_theme):
    mentors = make_theme(slug="mentoren", title="Mentoren")
    other = make_theme(slug="financiering", title="Financiering")
    make_meeting(slug="over-mentoren", themes=[mentors])
    make_meeting(slug="over-geld", themes=[other])
    make_meeting(slug="zonder-thema")
    calendar = parse(client.get("/agenda.ics?thema=mentoren"))
    assert [str(e["URL"]) for e in calendar.walk("VEVENT")] == [
        "http://localhost/sessies/over-mentoren"
    ]
    assert "Mentoren" in str(calendar["X-WR-CALNAME"])


# A NUL is refused before any view: tests/test_edge.py.
@pytest.mark.parametrize("slug", ["bestaat-niet", "Mentoren", "x" * 300])
def test_unknown_theme_is_404(client, make_theme, slug):
    make_theme(slug="mentoren")
    assert client.get(f"/agenda.ics?thema={slug}").status_code == 404


# --- what anonymous callers must not see -----------------------------------------------


@pytest.fixture
def hidden_and_online(make_meeting, make_theme):
    theme = make_theme(slug="kader")
    members_only = make_meeting(
        slug="besloten",
        title=f"Stuurgroep {SECRET_WORD}",
        visibility="members",
        themes=[theme],
    )
    public_online = make_meeting(
        slug="webinar", kind="webinar", title="Webinar leervergoedingen", online_url=ONLINE_URL
    )
    public_online.themes.append(theme)
    db.session.commit()
    return members_only, public_online


@pytest.mark.parametrize("url", ["/agenda.ics", "/agenda.ics?thema=kader", "/sessies/webinar.ics"])
def test_public_feeds_never_show_members_only_sessions_or_online_links(
    client, hidden_and_online, url
):
    response = client.get(url)
    text = response.get_data(as_text=True)
    parse(response)
    assert SECRET_WORD not in text
    assert "zwartekat" not in text
    assert "Webinar leervergoedingen" in text


def test_public_feeds_stay_public_for_signed_in_members(client, make_user, hidden_and_online):
    login(client, make_user(role="coordinator"))
    text = client.get("/agenda.ics").get_data(as_text=True)
    assert SECRET_WORD not in text
    assert "zwartekat" not in text


@pytest.mark.parametrize(
    "who,status,sees_members_only,sees_online",
    [
        ("anonymous", None, False, False),
        ("member", None, True, False),
        ("member", "waitlisted", True, False),
        ("member", "cancelled", True, False),
        ("member", "confirmed", True, True),
        ("coordinator", None, True, True),
        ("admin", None, True, True),
    ],
)
def test_session_ics_access_matrix(
    client, make_user, hidden_and_online, who, status, sees_members_only, sees_online
):
    members_only, public_online = hidden_and_online
    members_only.online_url = ONLINE_URL
    db.session.commit()
    if who != "anonymous":
        user = make_user(role=who)
        if status:
            register(public_online, user, status)
            register(members_only, user, status)
        login(client, user)

    hidden = client.get("/sessies/besloten.ics")
    if sees_members_only:
        assert SECRET_WORD in parse(hidden).walk("VEVENT")[0]["SUMMARY"]
        assert (ONLINE_URL in hidden.get_data(as_text=True)) is sees_online
    else:
        assert hidden.status_code == 404
        assert SECRET_WORD not in hidden.get_data(as_text=True)

    response = client.get("/sessies/webinar.ics")
    vevent = parse(response).walk("VEVENT")[0]
    text = response.get_data(as_text=True)
    assert (ONLINE_URL in text) is sees_online
    if sees_online:
        assert ONLINE_URL in str(vevent["DESCRIPTION"])
        assert vevent["LOCATION"] == ONLINE_URL
    else:
        assert vevent["LOCATION"] == "Online"
    expected_status = "TENTATIVE" if status == "waitlisted" else "CONFIRMED"
    assert vevent["STATUS"] == expected_status
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "webinar.ics" in response.headers["Content-Disposition"]
    assert "private" in response.headers["Cache-Control"]


@pytest.mark.parametrize("slug", ["bestaat-niet", "%00", "x" * 300])
def test_unknown_session_ics_is_404(client, slug):
    assert client.get(f"/sessies/{slug}.ics").status_code == 404


# --- the personal feed -----------------------------------------------------------------


def test_personal_feed_has_the_owners_sessions(client, make_user, make_meeting):
    user = make_user()
    other = make_user()
    confirmed = make_meeting(slug="bevestigd", online_url=ONLINE_URL)
    waitlisted = make_meeting(slug="wachtlijst", online_url="https://meet.example/wacht")
    cancelled = make_meeting(slug="afgemeld")
    members_only = make_meeting(slug="besloten", visibility="members", title=SECRET_WORD)
    make_meeting(slug="niet-ingeschreven")
    register(confirmed, user, "confirmed")
    register(waitlisted, user, "waitlisted")
    register(cancelled, user, "cancelled")
    register(members_only, user, "confirmed")
    register(make_meeting(slug="van-een-ander"), other, "confirmed")

    response = client.get(feed_url(user))
    calendar = parse(response)
    events = {str(e["URL"]).rsplit("/", 1)[1]: e for e in calendar.walk("VEVENT")}
    assert set(events) == {"bevestigd", "wachtlijst", "besloten"}
    assert events["bevestigd"]["STATUS"] == "CONFIRMED"
    assert events["wachtlijst"]["STATUS"] == "TENTATIVE"
    assert events["besloten"]["SUMMARY"] == SECRET_WORD
    # The online link of a confirmed seat, in the description and as a CONFERENCE.
    assert ONLINE_URL in str(events["bevestigd"]["DESCRIPTION"])
    assert events["bevestigd"]["LOCATION"] == ONLINE_URL
    assert [str(c.uri) for c in events["bevestigd"].conferences] == [ONLINE_URL]
    # The waiting list holds no seat, so no link to join.
    assert "meet.example/wacht" not in response.get_data(as_text=True)
    assert "wachtlijst" in str(events["wachtlijst"]["DESCRIPTION"])
    assert calendar["METHOD"] == "PUBLISH"
    assert "private" in response.headers["Cache-Control"]


def test_personal_feed_of_a_coordinator_has_every_online_link(client, make_user, make_meeting):
    coordinator = make_user(role="coordinator")
    register(make_meeting(slug="w", online_url=ONLINE_URL), coordinator, "waitlisted")
    assert ONLINE_URL in client.get(feed_url(coordinator)).get_data(as_text=True)


@pytest.mark.parametrize(
    "token",
    ["onbekend-token", "", "x" * 200, "%00", "a" * 43],
)
def test_unknown_token_is_404(client, make_user, token):
    make_user()
    assert client.get(f"/agenda/persoonlijk/{token}.ics").status_code == 404


def test_inactive_users_feed_is_404(client, make_user):
    user = make_user(active=False)
    assert client.get(feed_url(user)).status_code == 404


def test_token_is_long_and_random(app, make_user):
    first, second = make_user(), make_user()
    assert first.calendar_token != second.calendar_token
    # token_urlsafe(32): 256 bits of randomness, at least the 128 the contract asks for.
    assert len(first.calendar_token) >= 43


def test_token_is_compared_in_constant_time(client, make_user, monkeypatch):
    user = make_user()
    calls = []
    compare_digest = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(calendar_service.hmac, "compare_digest", spy)
    assert client.get(feed_url(user)).status_code == 200
    assert calls == [(user.calendar_token.encode(), user.calendar_token.encode())]


def test_renewing_the_token_makes_the_old_url_404(client, make_user, make_meeting):
    user = make_user()
    register(make_meeting(), user)
    old_url = feed_url(user)
    assert client.get(old_url).status_code == 200
    login(client, user)
    response = post_form(client, "/account/agenda-link/vernieuwen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account#agenda-link")
    renewed = db.session.get(User, user.id)
    db.session.refresh(renewed)
    assert feed_url(renewed) != old_url
    page = client.get("/account").get_data(as_text=True)
    assert renewed.calendar_token in page
    assert "de oude link werkt niet meer" in page
    assert client.get(old_url).status_code == 404
    assert client.get(feed_url(renewed)).status_code == 200


def test_renewing_needs_a_csrf_token_and_a_post(client, make_user):
    user = make_user()
    token = user.calendar_token
    login(client, user)
    assert client.post("/account/agenda-link/vernieuwen").status_code == 400
    assert client.get("/account/agenda-link/vernieuwen").status_code == 405
    db.session.refresh(user)
    assert user.calendar_token == token


def test_renewing_needs_a_signed_in_member(client, make_user):
    user = make_user()
    token = user.calendar_token
    response = post_form(client, "/account/agenda-link/vernieuwen")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    db.session.refresh(user)
    assert user.calendar_token == token


def test_account_page_shows_the_personal_feed(client, make_user):
    user = make_user()
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    url = f"http://localhost/agenda/persoonlijk/{user.calendar_token}.ics"
    assert f'value="{url}"' in page
    assert f'href="webcal://localhost/agenda/persoonlijk/{user.calendar_token}.ics"' in page
    assert 'data-copy="#personal-feed-url"' in page
    assert 'id="personal-feed-url"' in page
    assert 'action="/account/agenda-link/vernieuwen"' in page
    assert "data-confirm=" in page
    assert 'name="csrf_token"' in page


# --- caching: ETag, Last-Modified, 304 ---------------------------------------------------


@pytest.fixture
def count_selects(app):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    yield statements
    event.remove(db.engine, "before_cursor_execute", before)


@pytest.fixture
def count_builds(monkeypatch):
    calls: list[str] = []
    original = ics.build_feed

    def counting(*args, **kwargs):
        calls.append(kwargs.get("name", ""))
        return original(*args, **kwargs)

    monkeypatch.setattr(calendar_service.ics, "build_feed", counting)
    # The public feeds are put together from cached events: that counts as a build too.
    assembled = calendar_service._assembled_feed

    def counting_assembly(*args, **kwargs):
        calls.append(kwargs.get("name", ""))
        return assembled(*args, **kwargs)

    monkeypatch.setattr(calendar_service, "_assembled_feed", counting_assembly)
    return calls


def test_feed_sends_etag_and_last_modified_and_answers_304(client, make_meeting):
    make_meeting()
    first = client.get("/agenda.ics")
    etag = first.headers["ETag"]
    last_modified = first.headers["Last-Modified"]
    assert etag and last_modified
    assert "public" in first.headers["Cache-Control"]

    by_etag = client.get("/agenda.ics", headers={"If-None-Match": etag})
    assert by_etag.status_code == 304
    assert by_etag.data == b""
    assert by_etag.headers["ETag"] == etag

    by_date = client.get("/agenda.ics", headers={"If-Modified-Since": last_modified})
    assert by_date.status_code == 304

    stale = client.get("/agenda.ics", headers={"If-None-Match": '"iets-anders"'})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "url", ["/agenda.ics", "/agenda.ics?thema=t", "/sessies/s.ics", "personal"]
)
def test_every_feed_supports_conditional_requests(client, make_user, make_meeting, make_theme, url):
    user = make_user()
    register(make_meeting(slug="s", themes=[make_theme(slug="t")]), user)
    if url == "personal":
        url = feed_url(user)
    first = client.get(url)
    assert first.status_code == 200
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    assert client.get(url, headers=since).status_code == 304


def test_a_change_gives_a_new_etag_and_a_full_answer(client, make_meeting):
    meeting = make_meeting(title="Eerste titel")
    first = client.get("/agenda.ics")
    meeting.title = "Tweede titel"
    db.session.commit()
    second = client.get("/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "Tweede titel" in second.get_data(as_text=True)


def test_a_new_theme_link_changes_the_feed(client, make_meeting, make_theme):
    meeting = make_meeting()
    theme = make_theme(title="Administratieve vereenvoudiging")
    first = client.get("/agenda.ics")
    meeting.themes.append(theme)
    db.session.commit()
    second = client.get("/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert "Administratieve vereenvoudiging" in second.get_data(as_text=True)


def test_a_deleted_session_is_not_hidden_by_if_modified_since(client, make_meeting):
    keep = make_meeting(slug="blijft")
    gone = make_meeting(slug="weg")
    # The remaining session is the one changed last: deleting the other leaves
    # max(updated_at) as it was.
    keep.title = "Blijft staan"
    db.session.commit()
    first = client.get("/agenda.ics")
    db.session.delete(gone)
    db.session.commit()
    since = {"If-Modified-Since": first.headers["Last-Modified"]}
    second = client.get("/agenda.ics", headers=since)
    assert second.status_code == 200
    assert "sessies/weg" not in second.get_data(as_text=True)


def test_a_registration_change_refreshes_the_personal_feed(client, make_user, make_meeting):
    user = make_user()
    registration = register(make_meeting(slug="s"), user, "waitlisted")
    first = client.get(feed_url(user))
    assert parse(first).walk("VEVENT")[0]["STATUS"] == "TENTATIVE"
    registration.status = "confirmed"
    db.session.commit()
    second = client.get(feed_url(user), headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    assert parse(second).walk("VEVENT")[0]["STATUS"] == "CONFIRMED"
    registration.status = "cancelled"
    db.session.commit()
    third = client.get(feed_url(user), headers={"If-None-Match": second.headers["ETag"]})
    assert parse(third).walk("VEVENT") == []


def test_304_costs_one_query_and_no_ical_generation(
    client, make_meeting, count_selects, count_builds
):
    for day in range(5):
        make_meeting(starts_at=soon(day + 1))
    first = client.get("/agenda.ics")
    assert len(count_builds) == 1
    count_selects.clear()
    conditional = client.get("/agenda.ics", headers={"If-None-Match": first.headers["ETag"]})
    assert conditional.status_code == 304
    # The data version is read on a pooled DBAPI connection, below the ORM's events.
    assert len(count_selects) <= 1
    assert len(count_builds) == 1


def test_repeated_requests_are_served_from_the_cache(client, make_meeting, count_builds):
    meeting = make_meeting()
    first = client.get("/agenda.ics")
    second = client.get("/agenda.ics")
    assert second.data == first.data
    assert len(count_builds) == 1
    meeting.location = "Elders"
    db.session.commit()
    assert b"Elders" in client.get("/agenda.ics").data
    assert len(count_builds) == 2


# --- "Toevoegen aan agenda" --------------------------------------------------------------


def test_add_to_calendar_partial_links(app, make_meeting):
    meeting = make_meeting(
        slug="slotsessie-2027",
        title="Slotsessie & productenmarkt",
        location="Brussel, Herman Teirlinck",
        body="Met **productenmarkt**.",
        starts_at=local(2027, 6, 10, 13, 30),
        ends_at=local(2027, 6, 10, 17, 0),
    )
    with app.test_request_context("/sessies/slotsessie-2027"):
        html = render_template_string(
            '{% include "calendar/_add_to_calendar.html" %}', meeting=meeting
        )
    assert "Toevoegen aan agenda" in html
    assert 'href="/sessies/slotsessie-2027.ics"' in html
    assert "https://calendar.google.com/calendar/render?action=TEMPLATE" in html
    assert "text=Slotsessie%20%26amp%3B%20productenmarkt" not in html
    assert "text=Slotsessie%20%26%20productenmarkt" in html
    assert "dates=20270610T113000Z%2F20270610T150000Z" in html
    assert "location=Brussel%2C%20Herman%20Teirlinck" in html
    assert "details=Met%20productenmarkt." in html
    assert "https://outlook.live.com/calendar/0/deeplink/compose?" in html
    assert "startdt=2027-06-10T11%3A30%3A00Z" in html
    assert "enddt=2027-06-10T15%3A00%3A00Z" in html
    assert "subject=Slotsessie%20%26%20productenmarkt" in html
    assert "http%3A%2F%2Flocalhost%2Fsessies%2Fslotsessie-2027" in html


def test_add_to_calendar_of_a_cancelled_session_offers_only_the_ics(app, make_meeting):
    meeting = make_meeting(slug="afgelast", status="cancelled")
    with app.test_request_context("/sessies/afgelast"):
        html = render_template_string(
            '{% include "calendar/_add_to_calendar.html" %}', meeting=meeting
        )
    assert 'href="/sessies/afgelast.ics"' in html
    assert "calendar.google.com" not in html


def test_add_to_calendar_never_leaks_the_online_link(app, make_meeting):
    meeting = make_meeting(slug="online", online_url=ONLINE_URL, body="Online sessie.")
    with app.test_request_context("/sessies/online"):
        html = render_template_string(
            '{% include "calendar/_add_to_calendar.html" %}', meeting=meeting
        )
    assert "zwartekat" not in html


# --- invitations for mails ---------------------------------------------------------------


def test_invite_request_and_cancel_share_the_feeds_uid(app, client, make_user, make_meeting):
    user = make_user(name="An Peeters", email="an@example.be")
    meeting = make_meeting(slug="kick-off", online_url=ONLINE_URL, sequence=3)
    feed_uid = parse(client.get("/sessies/kick-off.ics")).walk("VEVENT")[0]["UID"]

    request = Calendar.from_ical(
        ics.build_invite(meeting, "REQUEST", attendee=user, registration_status="confirmed")
    )
    assert request["METHOD"] == "REQUEST"
    (vevent,) = request.walk("VEVENT")
    assert vevent["UID"] == feed_uid
    assert vevent["SEQUENCE"] == 3
    assert str(vevent["ORGANIZER"]) == "mailto:noreply@lerend-netwerk.example"
    attendee = vevent["ATTENDEE"]
    assert str(attendee) == "mailto:an@example.be"
    assert attendee.params["CN"] == "An Peeters"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert ONLINE_URL in str(vevent["DESCRIPTION"])
    assert request.walk("VTIMEZONE")

    cancel = Calendar.from_ical(ics.build_invite(meeting, "CANCEL", attendee="an@example.be"))
    assert cancel["METHOD"] == "CANCEL"
    (vevent,) = cancel.walk("VEVENT")
    assert vevent["UID"] == feed_uid
    assert vevent["STATUS"] == "CANCELLED"

    with pytest.raises(ValueError):
        ics.build_invite(meeting, "PUBLISH")


def test_build_feed_is_deterministic_for_a_given_stamp(app, make_meeting):
    meeting = make_meeting()
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    first = ics.build_feed([meeting], name="X", site_url="https://a.example", stamp=stamp)
    second = ics.build_feed([meeting], name="X", site_url="https://a.example", stamp=stamp)
    assert first == second
    assert b"DTSTAMP:20260101T000000Z" in first


def test_last_modified_header_is_an_http_date(client, make_meeting):
    meeting = make_meeting()
    response = client.get("/agenda.ics")
    expected = format_datetime(meeting.updated_at.replace(microsecond=0), usegmt=True)
    assert response.headers["Last-Modified"] == expected


def test_add_to_calendar_of_an_online_session_carries_the_link_for_a_seat(
    client, make_meeting, make_user
):
    from urllib.parse import parse_qs, urlsplit

    from lerend_netwerk.agenda import registrations as agenda_registrations

    meeting = make_meeting(
        slug="webinar",
        kind="webinar",
        online_url=ONLINE_URL,
        body="Lees vooraf [het verslag](https://voorbeeld.be/verslag-2026).",
        capacity=1,
    )

    def web_calendar_links(html: str) -> list[dict[str, list[str]]]:
        found = []
        for prefix in ("https://calendar.google.com/", "https://outlook.live.com/"):
            start = html.index(f'href="{prefix}') + len('href="')
            url = html[start : html.index('"', start)].replace("&amp;", "&")
            found.append(parse_qs(urlsplit(url).query))
        return found

    member, waiting = make_user(), make_user()
    agenda_registrations.register(meeting, member)
    agenda_registrations.register(meeting, waiting)
    db.session.commit()
    login(client, member)
    for query in web_calendar_links(client.get("/sessies/webinar").get_data(as_text=True)):
        details = (query.get("details") or query["body"])[0]
        assert query["location"] == [ONLINE_URL]
        assert f"Online deelnemen: {ONLINE_URL}" in details
        assert "het verslag (https://voorbeeld.be/verslag-2026)" in details
    post_form(client, "/logout")
    login(client, waiting)
    html = client.get("/sessies/webinar").get_data(as_text=True)
    assert "zwartekat" not in html
    for query in web_calendar_links(html):
        assert query["location"] == ["Online"]


def test_markdown_links_keep_their_address_in_the_feed_description(client, make_meeting):
    make_meeting(body="Zie [de leidraad](https://voorbeeld.be/leidraad.pdf) en <https://x.be>.")
    (vevent,) = parse(client.get("/agenda.ics")).walk("VEVENT")
    description = str(vevent["DESCRIPTION"])
    assert "de leidraad (https://voorbeeld.be/leidraad.pdf) en https://x.be." in description


def test_feeds_are_gzipped_when_asked_and_304_still_works(client, make_meeting, make_user):
    import gzip

    for n in range(30):
        make_meeting(slug=f"sessie-gzip-{n}", body="Een sessie over werkplekleren. " * 20)
    user = make_user()
    for url in ("/agenda.ics", "/sessies/sessie-gzip-1.ics", feed_url(user)):
        plain = client.get(url)
        assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
        assert "Accept-Encoding" in plain.headers["Vary"]
        packed = client.get(url, headers={"Accept-Encoding": "gzip, deflate"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert gzip.decompress(packed.data) == plain.data
        assert packed.headers["ETag"] == plain.headers["ETag"]
        assert int(packed.headers["Content-Length"]) == len(packed.data)
        if url == "/agenda.ics":
            assert len(packed.data) * 5 < len(plain.data)
        refused = client.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
        assert "Content-Encoding" not in refused.headers and refused.data == plain.data
        again = client.get(
            url, headers={"Accept-Encoding": "gzip", "If-None-Match": packed.headers["ETag"]}
        )
        assert again.status_code == 304 and "Accept-Encoding" in again.headers["Vary"]


# --- the public feed from cached events ---------------------------------------------------


@pytest.fixture
def count_events(monkeypatch):
    built: list[str] = []
    original = ics.event_bytes

    def counting(meeting, **kwargs):
        built.append(meeting.slug)
        return original(meeting, **kwargs)

    monkeypatch.setattr(calendar_service.ics, "event_bytes", counting)
    return built


def test_a_change_rebuilds_only_the_changed_event(client, make_meeting, count_events):
    meetings = [make_meeting(starts_at=soon(day + 1)) for day in range(6)]
    first = client.get("/agenda.ics")
    assert len(parse(first).walk("VEVENT")) == 6
    assert sorted(count_events) == sorted(m.slug for m in meetings)
    count_events.clear()
    meetings[2].title = "Nieuwe titel"
    db.session.commit()
    second = client.get("/agenda.ics")
    assert count_events == [meetings[2].slug]
    summaries = [str(e["SUMMARY"]) for e in parse(second).walk("VEVENT")]
    assert summaries[2] == "Nieuwe titel"
    assert len(summaries) == 6


def test_a_renamed_theme_rebuilds_its_events(client, make_meeting, make_theme, count_events):
    theme = make_theme(title="Mentoring")
    tagged = make_meeting(starts_at=soon(2))
    tagged.themes.append(theme)
    make_meeting(starts_at=soon(3))
    db.session.commit()
    client.get("/agenda.ics")
    count_events.clear()
    theme.title = "Mentorschap"
    db.session.commit()
    body = client.get("/agenda.ics").data
    assert b"Mentorschap" in body
    assert count_events == [tagged.slug]


def test_the_assembled_feed_equals_a_whole_build(app, client, make_meeting):
    for day in range(4):
        make_meeting(starts_at=soon(day + 1), location=f"Zaal {day}")
    served = parse(client.get("/agenda.ics"))
    with app.test_request_context():
        meetings = calendar_service._meetings(calendar_service._public_filter(None))
        whole = Calendar.from_ical(ics.build_feed(meetings, name="Lerend netwerk duaal leren"))
    assert [e["UID"] for e in served.walk("VEVENT")] == [e["UID"] for e in whole.walk("VEVENT")]
    assert [e["LOCATION"] for e in served.walk("VEVENT")] == [
        e["LOCATION"] for e in whole.walk("VEVENT")
    ]
    assert len(served.walk("VTIMEZONE")) == 1


def test_a_feed_of_ordinary_size_is_answered_whole_even_past_the_time_budget(
    client, make_meeting, monkeypatch
):
    for day in range(12):
        make_meeting(starts_at=soon(day + 1))
    # A busy machine: the budget is spent before the first event.
    monkeypatch.setattr(calendar_service, "FEED_BUILD_BUDGET_SECONDS", -1.0)
    response = client.get("/agenda.ics")
    assert response.status_code == 200
    assert len(parse(response).walk("VEVENT")) == 12


def test_a_feed_too_big_for_one_request_is_finished_in_the_background(
    client, make_meeting, monkeypatch
):
    import time

    for day in range(12):
        make_meeting(starts_at=soon(day + 1))
    monkeypatch.setattr(calendar_service, "FEED_BUILD_BUDGET_SECONDS", -1.0)
    monkeypatch.setattr(calendar_service, "FEED_BUILD_ALWAYS_EVENTS", 3)
    monkeypatch.setattr(calendar_service, "EVENT_CHUNK", 5)
    busy = client.get("/agenda.ics")
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == "10"
    deadline = time.monotonic() + 30
    while True:
        response = client.get("/agenda.ics")
        if response.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert response.status_code == 200
    assert len(parse(response).walk("VEVENT")) == 12
