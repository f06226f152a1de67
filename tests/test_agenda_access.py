"""Who may do what in the agenda: a matrix of roles x routes x session visibility."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.agenda import service
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.extensions import db

ROLES = ["anonymous", "member", "coordinator", "admin"]

# (method, path, form data). {slug} and {rid} are filled in per test.
COORDINATOR_ROUTES = [
    ("GET", "/sessies/{slug}/bewerken", None),
    ("POST", "/sessies/{slug}/bewerken", {"title": "Gekaapt"}),
    ("POST", "/sessies/{slug}/annuleren", {}),
    ("GET", "/sessies/{slug}/deelnemers", None),
    ("GET", "/sessies/{slug}/deelnemers.csv", None),
    ("POST", "/sessies/{slug}/deelnemers/{rid}/aanwezig", {"aanwezig": "ja"}),
    ("GET", "/sessies/{slug}/verslag/bewerken", None),
    ("POST", "/sessies/{slug}/verslag/bewerken", {"report": "Gekaapt"}),
]


@pytest.fixture
def as_role(client, make_user):
    """Sign the test client in with a role (or stay anonymous)."""

    def sign_in(role: str):
        if role != "anonymous":
            login(client, make_user(role=role))
        return client

    return sign_in


@pytest.fixture
def session_with_registration(make_meeting, make_user):
    """A started session (so the report form is open) with one registration."""

    def build(visibility: str):
        meeting = make_meeting(
            slug=f"sessie-{visibility}",
            visibility=visibility,
            starts_at=datetime.now(UTC) - timedelta(minutes=10),
            capacity=5,
        )
        member = make_user()
        registration = Registration(meeting_id=meeting.id, user_id=member.id, status="confirmed")
        db.session.add(registration)
        db.session.commit()
        return meeting, registration

    return build


def _request(client, method: str, url: str, data: dict | None):
    if method == "GET":
        return client.get(url)
    return post_form(client, url, data)


def _unchanged(meeting: Meeting, registration: Registration) -> bool:
    db.session.expire_all()
    fresh = db.session.get(Meeting, meeting.id)
    reg = db.session.get(Registration, registration.id)
    return (
        fresh.title == meeting.title
        and fresh.status == "scheduled"
        and fresh.report == ""
        and reg.checked_in_at is None
    )


@pytest.mark.parametrize("visibility", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method,path,data", COORDINATOR_ROUTES)
def test_coordinator_routes(
    as_role, session_with_registration, role, visibility, method, path, data
):
    meeting, registration = session_with_registration(visibility)
    title = meeting.title
    client = as_role(role)
    url = path.format(slug=meeting.slug, rid=registration.id)
    response = _request(client, method, url, data)
    if role == "anonymous" and visibility == "members":
        assert response.status_code == 404
    elif role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")
    elif role == "member":
        assert response.status_code == 403
    else:
        # Coordinators and admins: the page, or the action done (an incomplete edit form
        # is shown again).
        assert response.status_code in ((200,) if method == "GET" else (200, 302))
        return
    meeting.title = title
    assert _unchanged(meeting, registration)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_new_session_page(as_role, role, method):
    client = as_role(role)
    response = _request(client, method, "/sessies/nieuw", {"title": "Nieuw"})
    expected = {"anonymous": 302, "member": 403, "coordinator": 200, "admin": 200}[role]
    assert response.status_code == expected
    if role == "anonymous":
        assert response.headers["Location"].startswith("/login?next=")
    assert db.session.scalar(select(Meeting.id)) is None


@pytest.mark.parametrize("visibility", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
def test_session_page(as_role, make_meeting, role, visibility):
    meeting = make_meeting(slug="s", visibility=visibility)
    client = as_role(role)
    response = client.get(f"/sessies/{meeting.slug}")
    hidden = role == "anonymous" and visibility == "members"
    assert response.status_code == (404 if hidden else 200)
    listing = client.get("/sessies").get_data(as_text=True)
    assert (meeting.title in listing) is not hidden
    tools = "Voor coördinatoren" in response.get_data(as_text=True)
    assert tools is (role in ("coordinator", "admin"))


@pytest.mark.parametrize("visibility", ["public", "members"])
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", ["inschrijven", "uitschrijven"])
def test_register_and_cancel(as_role, make_meeting, role, visibility, action):
    meeting = make_meeting(slug="s", visibility=visibility, capacity=3)
    client = as_role(role)
    response = post_form(client, f"/sessies/s/{action}")
    if role == "anonymous" and visibility == "members":
        assert response.status_code == 404
    elif role == "anonymous":
        assert response.status_code == 302
        assert response.headers["Location"] == "/login?next=/sessies/s"
    else:
        # Every signed-in account may register; cancelling without a place is refused kindly.
        assert response.status_code == 302
        assert response.headers["Location"] == "/sessies/s"
    seats = service.seats(meeting)
    expected = 1 if action == "inschrijven" and role != "anonymous" else 0
    assert seats.confirmed == expected


def test_hidden_session_is_404_for_every_agenda_route_when_anonymous(client, make_meeting):
    make_meeting(slug="geheim", visibility="members")
    for path in ("/sessies/geheim", "/sessies/geheim/bewerken", "/sessies/geheim/deelnemers"):
        assert client.get(path).status_code == 404, path
    assert client.get("/sessies/bestaat-niet/bewerken").status_code == 404
