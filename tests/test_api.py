"""The read-only JSON API: fields, visibility, counts, CORS and the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate as validate_openapi
from sqlalchemy import event

from conftest import login
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.agenda.service import seat_counts
from lerend_netwerk.extensions import db
from lerend_netwerk.timeutil import BRUSSELS

SECRET_WORD = "Kwartelkoningberaad"
ONLINE_URL = "https://meet.example/geheime-kamer-8812"
SUMMARY_FIELDS = {"slug", "title", "kind", "starts", "ends", "location", "seats_left", "url", "ics"}
DETAIL_FIELDS = SUMMARY_FIELDS | {"capacity", "confirmed", "waitlisted", "status"}
CONTRACT_PATHS = {
    "/api/v1/sessions",
    "/api/v1/sessions/{slug}",
    "/api/v1/products",
    "/api/v1/products/{slug}",
    "/api/v1/search",
    "/api/v1/openapi.json",
}


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BRUSSELS).astimezone(UTC)


def soon(days: int = 14) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)


def fill(meeting, make_user, confirmed: int = 0, waitlisted: int = 0, cancelled: int = 0):
    for status, count in (
        ("confirmed", confirmed),
        ("waitlisted", waitlisted),
        ("cancelled", cancelled),
    ):
        for _ in range(count):
            db.session.add(Registration(meeting=meeting, user=make_user(), status=status))
    db.session.commit()


@pytest.fixture
def document(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def schema_validator(document: dict, name: str) -> Draft202012Validator:
    """A validator for one of the document's component schemas (refs resolved in it)."""
    root = {**document, "$ref": f"#/components/schemas/{name}"}
    return Draft202012Validator(root, format_checker=FormatChecker())


# --- /api/v1/sessions --------------------------------------------------------------------


def test_sessions_lists_upcoming_public_sessions(client, make_meeting, make_user):
    make_meeting(slug="voorbij", starts_at=soon(-10))
    later = make_meeting(slug="later", starts_at=soon(30), capacity=20)
    first = make_meeting(slug="eerst", starts_at=soon(3), location="Gent")
    make_meeting(slug="besloten", starts_at=soon(5), visibility="members", title=SECRET_WORD)
    fill(later, make_user, confirmed=3, waitlisted=1)

    response = client.get("/api/v1/sessions")
    assert response.status_code == 200
    sessions = response.get_json()["sessions"]
    assert [s["slug"] for s in sessions] == ["eerst", "later"]
    assert all(set(s) >= SUMMARY_FIELDS for s in sessions)
    eerst, later_data = sessions
    assert eerst["title"] == first.title
    assert eerst["kind"] == "intervisie"
    assert eerst["location"] == "Gent"
    assert eerst["seats_left"] is None
    assert eerst["url"] == "http://localhost/sessies/eerst"
    assert eerst["ics"] == "http://localhost/sessies/eerst.ics"
    assert later_data["seats_left"] == 17
    assert later_data["location"] is None
    assert SECRET_WORD not in response.get_data(as_text=True)


def test_sessions_are_paginated_with_links(client, make_meeting):
    for n in range(7):
        make_meeting(slug=f"sessie-{n}", starts_at=soon(n + 1))
    first = client.get("/api/v1/sessions?per_page=3")
    data = first.get_json()
    assert [s["slug"] for s in data["sessions"]] == ["sessie-0", "sessie-1", "sessie-2"]
    assert data["page"] == 1
    assert data["per_page"] == 3
    assert "prev" not in data["links"]
    assert data["links"]["next"] == "http://localhost/api/v1/sessions?page=2&per_page=3"
    assert 'rel="next"' in first.headers["Link"]
    slugs = []
    url = data["links"]["first"]
    pages = 0
    while url:
        page = client.get(url.removeprefix("http://localhost")).get_json()
        slugs += [s["slug"] for s in page["sessions"]]
        url = page["links"].get("next")
        pages += 1
    assert pages == 3
    assert slugs == [f"sessie-{n}" for n in range(7)]
    last = client.get("/api/v1/sessions?page=3&per_page=3").get_json()
    assert last["links"]["prev"] == "http://localhost/api/v1/sessions?page=2&per_page=3"
    assert "next" not in last["links"]
    assert client.get("/api/v1/sessions?page=9").get_json()["sessions"] == []


def test_sessions_page_size_is_bounded(client, make_meeting):
    for n in range(3):
        make_meeting(slug=f"s-{n}", starts_at=soon(n + 1))
    assert client.get("/api/v1/sessions?per_page=100000").get_json()["per_page"] == 100
    assert client.get("/api/v1/sessions?per_page=0").get_json()["per_page"] == 1
    assert client.get("/api/v1/sessions?per_page=abc").get_json()["per_page"] == 50
    assert client.get("/api/v1/sessions?page=-1").get_json()["page"] == 1


def test_session_in_progress_is_still_upcoming(client, make_meeting):
    make_meeting(slug="bezig", starts_at=soon(0) - timedelta(hours=1))
    assert [s["slug"] for s in client.get("/api/v1/sessions").get_json()["sessions"]] == ["bezig"]


def test_times_are_brussels_local_with_offset(client, make_meeting):
    make_meeting(
        slug="winter", starts_at=local(2030, 1, 15, 13, 30), ends_at=local(2030, 1, 15, 16)
    )
    make_meeting(slug="zomer", starts_at=local(2030, 6, 15, 9, 0), ends_at=local(2030, 6, 15, 12))
    sessions = {s["slug"]: s for s in client.get("/api/v1/sessions").get_json()["sessions"]}
    assert sessions["winter"]["starts"] == "2030-01-15T13:30:00+01:00"
    assert sessions["winter"]["ends"] == "2030-01-15T16:00:00+01:00"
    assert sessions["zomer"]["starts"] == "2030-06-15T09:00:00+02:00"
    parsed = datetime.fromisoformat(sessions["zomer"]["starts"])
    assert parsed == local(2030, 6, 15, 9, 0)


@pytest.mark.parametrize("url", ["/api/v1/sessions", "/api/v1/sessions/webinar"])
@pytest.mark.parametrize("role", [None, "member", "coordinator"])
def test_api_never_shows_online_links(client, make_meeting, make_user, url, role):
    meeting = make_meeting(slug="webinar", kind="webinar", online_url=ONLINE_URL)
    if role:
        user = make_user(role=role)
        fill(meeting, make_user)
        db.session.add(Registration(meeting=meeting, user=user, status="confirmed"))
        db.session.commit()
        login(client, user)
    response = client.get(url)
    assert response.status_code == 200
    assert "geheime-kamer" not in response.get_data(as_text=True)
    assert "online_url" not in response.get_data(as_text=True)


# --- /api/v1/sessions/<slug> -------------------------------------------------------------


def test_session_detail_has_counts_and_status(client, make_meeting, make_user):
    meeting = make_meeting(slug="kick-off", kind="kick-off", capacity=4, location="Brussel")
    fill(meeting, make_user, confirmed=4, waitlisted=2, cancelled=3)
    response = client.get("/api/v1/sessions/kick-off")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) >= DETAIL_FIELDS
    assert data["capacity"] == 4
    assert data["confirmed"] == 4
    assert data["waitlisted"] == 2
    assert data["seats_left"] == 0
    assert data["status"] == "scheduled"
    assert data["kind"] == "kick-off"


def test_overbooked_session_never_has_negative_seats(client, make_meeting, make_user):
    meeting = make_meeting(slug="vol", capacity=1)
    fill(meeting, make_user, confirmed=2)
    assert client.get("/api/v1/sessions/vol").get_json()["seats_left"] == 0


def test_unlimited_session_has_null_capacity_and_seats(client, make_meeting):
    make_meeting(slug="open")
    data = client.get("/api/v1/sessions/open").get_json()
    assert data["capacity"] is None
    assert data["seats_left"] is None
    assert data["confirmed"] == 0 and data["waitlisted"] == 0


def test_cancelled_session_shows_its_status(client, make_meeting):
    make_meeting(slug="afgelast", status="cancelled")
    assert client.get("/api/v1/sessions/afgelast").get_json()["status"] == "cancelled"


def test_past_public_session_can_still_be_fetched(client, make_meeting):
    make_meeting(slug="vorige-maand", starts_at=soon(-30))
    assert client.get("/api/v1/sessions/vorige-maand").status_code == 200


@pytest.mark.parametrize("role", [None, "member", "coordinator", "admin"])
def test_members_only_session_is_404_for_everybody(client, make_meeting, make_user, role):
    make_meeting(slug="besloten", visibility="members", title=SECRET_WORD)
    if role:
        login(client, make_user(role=role))
    response = client.get("/api/v1/sessions/besloten")
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["status"] == 404
    assert SECRET_WORD not in response.get_data(as_text=True)


@pytest.mark.parametrize("slug", ["bestaat-niet", "%00", "x" * 300])
def test_unknown_session_is_json_404(client, slug):
    response = client.get(f"/api/v1/sessions/{slug}")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404
    assert response.headers["Access-Control-Allow-Origin"] == "*"


# --- headers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/api/v1/sessions", "/api/v1/sessions/s", "/api/v1/openapi.json", "/api/v1/nergens"]
)
def test_cors_and_cache_control_on_every_api_answer(client, make_meeting, url):
    make_meeting(slug="s")
    response = client.get(url)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cache-Control"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_public_answers_may_be_cached_briefly(client, make_meeting):
    make_meeting(slug="s")
    for url in ("/api/v1/sessions", "/api/v1/sessions/s"):
        cache_control = client.get(url).headers["Cache-Control"]
        assert "public" in cache_control and "max-age=60" in cache_control


def test_pages_outside_the_api_get_no_cors(client):
    assert "Access-Control-Allow-Origin" not in client.get("/").headers


# --- counting seats ----------------------------------------------------------------------


def test_seat_counts_use_one_grouped_query(app, make_meeting, make_user):
    a = make_meeting()
    b = make_meeting()
    c = make_meeting()
    fill(a, make_user, confirmed=2, waitlisted=1, cancelled=1)
    fill(b, make_user, waitlisted=3)
    a_id, b_id, c_id = a.id, b.id, c.id
    meetings = [a, b, c]
    for meeting in meetings:
        db.session.refresh(meeting)  # loaded before counting starts
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        counts = seat_counts(meetings)
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    assert len(statements) == 1
    assert "GROUP BY" in statements[0].upper()
    assert (counts[a_id].confirmed, counts[a_id].waitlisted) == (2, 1)
    assert (counts[b_id].confirmed, counts[b_id].waitlisted) == (0, 3)
    assert (counts[c_id].confirmed, counts[c_id].waitlisted) == (0, 0)
    assert seat_counts([]) == {}


# --- OpenAPI -----------------------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1_with_every_path(document):
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)
    assert set(document["paths"]) == CONTRACT_PATHS
    search = document["paths"]["/api/v1/search"]["get"]
    assert {p["name"] for p in search["parameters"]} == {
        "q",
        "type",
        "theme",
        "level",
        "network",
        "page",
    }
    result_types = document["components"]["schemas"]["SearchResult"]["properties"]["type"]
    assert set(result_types["enum"]) == {
        "session",
        "proeftuin",
        "report",
        "practice",
        "recommendation",
        "theme",
        "organisation",
        "final_report",
        "product",
    }


def test_answers_match_the_documented_schemas(client, document, make_meeting, make_user):
    meeting = make_meeting(slug="s", capacity=10, location="Leuven")
    make_meeting(slug="t")
    fill(meeting, make_user, confirmed=1)
    sessions = client.get("/api/v1/sessions").get_json()
    schema_validator(document, "SessionList").validate(sessions)
    schema_validator(document, "SessionDetail").validate(
        client.get("/api/v1/sessions/s").get_json()
    )
    schema_validator(document, "SessionDetail").validate(
        client.get("/api/v1/sessions/t").get_json()
    )
    schema_validator(document, "Error").validate(client.get("/api/v1/sessions/x").get_json())


def test_schemas_reject_what_breaks_the_contract(document):
    validator = schema_validator(document, "SessionDetail")
    good = {
        "slug": "s",
        "title": "T",
        "kind": "webinar",
        "starts": "2030-01-01T10:00:00+01:00",
        "ends": "2030-01-01T12:00:00+01:00",
        "location": None,
        "seats_left": None,
        "url": "http://localhost/sessies/s",
        "ics": "http://localhost/sessies/s.ics",
        "capacity": None,
        "confirmed": 0,
        "waitlisted": 0,
        "status": "scheduled",
    }
    validator.validate(good)
    assert not validator.is_valid({k: v for k, v in good.items() if k != "seats_left"})
    assert not validator.is_valid({**good, "starts": "morgen"})
    search = schema_validator(document, "SearchResponse")
    search.validate(
        {
            "query": "mentor",
            "total": 1,
            "page": 1,
            "results": [
                {"type": "practice", "slug": "p", "title": "P", "url": "/p", "snippet": "…"}
            ],
            "facets": {"type": {"practice": 1}},
            "suggestion": None,
        }
    )
    assert not search.is_valid({"query": "x", "total": 0, "page": 1, "results": []})


def test_search_answer_matches_the_documented_schema(client, document, make_practice):
    make_practice(slug="mentoropleiding", title="Mentoropleiding", summary="Mentoren opleiden.")
    response = client.get("/api/v1/search?q=mentoren")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    data = response.get_json()
    schema_validator(document, "SearchResponse").validate(data)
    assert [r["slug"] for r in data["results"]] == ["mentoropleiding"]
