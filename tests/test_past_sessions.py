"""A session that has ended: what its page shows, and who reads and finds its verslag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from conftest import login, post_form
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.extensions import db
from lerend_netwerk.search import service as search


def ago(**kw) -> datetime:
    return datetime.now(UTC) - timedelta(**kw)


@pytest.fixture
def past(make_meeting, make_user):
    """An online intervisie of last month for 60, with 3 registrations of which 2 came."""
    meeting = make_meeting(
        slug="intervisie-mentoren",
        title="Intervisie mentoren",
        starts_at=ago(days=30),
        capacity=60,
        online_url="https://meet.example/intervisie",
        registration_deadline=ago(days=32),
        report="## Afspraken\n\nMentoren delen hun **kijkwijzer**.",
    )
    people = [make_user(name=f"Deelnemer {n}") for n in range(3)]
    for n, person in enumerate(people):
        db.session.add(
            Registration(
                meeting=meeting,
                user=person,
                status="confirmed",
                registered_at=ago(days=40),
                confirmed_at=ago(days=40),
                checked_in_at=ago(days=30) if n < 2 else None,
            )
        )
    db.session.commit()
    return meeting, people


def html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["visitor", "member", "registered", "coordinator"])
def test_past_session_page_shows_who_took_part_not_free_seats(client, past, make_user, who):
    _meeting, people = past
    user = {
        "visitor": None,
        "member": make_user(),
        "registered": people[0],
        "coordinator": make_user(role="coordinator"),
    }[who]
    if user is not None:
        login(client, user)
    page = html(client, "/sessies/intervisie-mentoren")
    assert "vrij" not in page
    assert "zodra je ingeschreven bent" not in page
    assert "Inschrijven" not in page and "Meld je aan om je in te schrijven" not in page
    assert "/sessies/intervisie-mentoren/inschrijven" not in page
    assert "2 aanwezig (van 3 ingeschreven)" in page
    if who == "visitor":
        assert "kijkwijzer" not in page and "gedeeld met de leden van het netwerk" in page
    else:
        assert "<strong>kijkwijzer</strong>" in page
    if who == "registered":
        assert "Je was erbij." in page


def test_without_recorded_attendance_the_page_shows_the_registrations(client, past):
    meeting, _ = past
    for registration in meeting.registrations:
        registration.checked_in_at = None
    db.session.commit()
    page = html(client, "/sessies/intervisie-mentoren")
    assert "aanwezig" not in page and "3 deelnemers" in page and "vrij" not in page


def test_upcoming_session_still_shows_free_seats_and_the_link_rule(client, make_meeting):
    make_meeting(slug="straks", capacity=60, online_url="https://meet.example/straks")
    page = html(client, "/sessies/straks")
    assert "nog 60 vrij" in page and "zodra je een plaats hebt" in page


def test_public_report_is_read_by_everybody_only_on_a_public_session(app, client, past, make_user):
    meeting, _ = past
    coordinator = make_user(role="coordinator")
    coordinator_client = app.test_client()
    login(coordinator_client, coordinator)
    response = post_form(
        coordinator_client,
        "/sessies/intervisie-mentoren/verslag/bewerken",
        {"report": meeting.report, "visibility": "public"},
    )
    assert response.status_code == 302
    assert db.session.get(Meeting, meeting.id).report_visibility == "public"
    assert "<strong>kijkwijzer</strong>" in html(client, "/sessies/intervisie-mentoren")

    # A members-only session keeps its verslag for members, whatever the setting.
    meeting = db.session.get(Meeting, meeting.id)
    meeting.visibility = "members"
    db.session.commit()
    assert client.get("/sessies/intervisie-mentoren").status_code == 404
    member = app.test_client()
    login(member, make_user())
    assert "<strong>kijkwijzer</strong>" in html(member, "/sessies/intervisie-mentoren")


def test_report_visibility_must_be_one_of_the_choices(app, past, make_user):
    meeting, _ = past
    client = app.test_client()
    login(client, make_user(role="coordinator"))
    post_form(
        client,
        "/sessies/intervisie-mentoren/verslag/bewerken",
        {"report": "Nieuw", "visibility": "iedereen"},
    )
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).report_visibility == "members"
    assert "kijkwijzer" in db.session.get(Meeting, meeting.id).report


def _found(word: str, user) -> list[str]:
    return [hit.url for hit in search.search(word, user).hits]


def test_report_is_found_by_search_as_far_as_its_audience_goes(app, past, make_user):
    meeting, _people = past
    search.sync_index(app)
    member, coordinator = make_user(), make_user(role="coordinator")
    report_url = "/sessies/intervisie-mentoren#verslag"
    # Members-only verslag of a public session: members and coordinators find it.
    assert _found("kijkwijzer", None) == []
    assert _found("kijkwijzer", member) == [report_url]
    assert _found("kijkwijzer", coordinator) == [report_url]
    # The session itself is still found by everybody, without the verslag's words.
    assert "/sessies/intervisie-mentoren" in _found("intervisie mentoren", None)
    hits = search.search("kijkwijzer", member).hits
    assert hits[0].type == "session" and hits[0].title == "Verslag: Intervisie mentoren"

    meeting.report_visibility = "public"
    db.session.commit()
    search.sync_index(app)
    assert _found("kijkwijzer", None) == [report_url]

    meeting.report = "Een ander verslag."
    db.session.commit()
    search.sync_index(app)
    assert _found("kijkwijzer", member) == []
