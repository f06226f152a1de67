"""A page's queries do not grow with its data: the same count for few and for many items."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event

from conftest import csrf_token, login
from lerend_netwerk.extensions import db


@pytest.fixture
def app_config(app_config):
    # Count what rendering costs, not what the page cache saves.
    return {**app_config, "PAGE_CACHE_ENABLED": False}


@pytest.fixture
def statements(app) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


def _count(client, statements: list[str], path: str) -> int:
    client.get(path)  # warm-up: first-use lookups (search index, caches) are not counted
    statements.clear()
    response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def _soon(days: int) -> datetime:
    return datetime.now(UTC) + timedelta(days=days)


def _flat(
    client, statements: list[str], path: str | Callable[[], str], grow: Callable[[int], None]
):
    """The query count of `path` with a few items and with many."""
    grow(2)
    few = _count(client, statements, path() if callable(path) else path)
    grow(13)
    many = _count(client, statements, path() if callable(path) else path)
    assert many == few, f"{path}: {few} queries with few items, {many} with many"


@pytest.mark.parametrize("role", [None, "member"])
def test_agenda_queries_are_flat(app, make_meeting, make_theme, make_user, statements, role):
    client = app.test_client()
    if role:
        login(client, make_user(role=role))

    def grow(count: int) -> None:
        for day in range(count):
            theme = make_theme()
            meeting = make_meeting(starts_at=_soon(day + 1))
            meeting.themes.append(theme)
        db.session.commit()

    _flat(client, statements, "/sessies", grow)


@pytest.mark.parametrize("role", [None, "member"])
def test_session_page_queries_are_flat(app, make_meeting, make_user, make_theme, statements, role):
    from lerend_netwerk.agenda.models import Registration

    client = app.test_client()
    if role:
        login(client, make_user(role=role))
    theme = make_theme()
    meeting = make_meeting(capacity=100)
    meeting.themes.append(theme)
    db.session.commit()

    def grow(count: int) -> None:
        for day in range(count):
            # Registrations and sessions on the same theme (the "related" list) both grow.
            user = make_user()
            db.session.add(Registration(meeting=meeting, user=user, status="confirmed"))
            related = make_meeting(starts_at=_soon(day + 2))
            related.themes.append(theme)
        db.session.commit()

    _flat(client, statements, f"/sessies/{meeting.slug}", grow)


def test_practices_list_queries_are_flat(app, make_practice, make_theme, statements):
    client = app.test_client()

    def grow(count: int) -> None:
        for _ in range(count):
            theme = make_theme()
            practice = make_practice()
            practice.themes.append(theme)
        db.session.commit()

    _flat(client, statements, "/praktijken", grow)


@pytest.mark.parametrize("path", ["/producten", "/api/v1/products", "/sessies/slotsessie"])
def test_product_lists_queries_are_flat(
    app, make_product, make_meeting, make_theme, make_proeftuin, make_organisation, statements, path
):
    """The market, the API and a session's productenmarkt: themes, proeftuin, organisation and
    sessions of every product are loaded in a fixed number of queries."""
    client = app.test_client()
    slotsessie = make_meeting(slug="slotsessie")

    def grow(count: int) -> None:
        for _ in range(count):
            make_product(
                themes=[make_theme()],
                proeftuin=make_proeftuin(),
                organisation=make_organisation(),
                sessions=[slotsessie, make_meeting()],
            )

    _flat(client, statements, path, grow)


def test_thread_page_queries_are_flat(app, make_recommendation, make_user, statements):
    from lerend_netwerk.recommendations.models import Post

    client = app.test_client()
    thread = make_recommendation()

    def grow(count: int) -> None:
        authors = [make_user() for _ in range(count)]
        for n in range(count):
            db.session.add(
                Post(
                    recommendation=thread,
                    author=authors[n],
                    stance="eens" if n % 2 else "oneens",
                    body=f"Reactie {n}",
                )
            )
        db.session.commit()

    _flat(client, statements, f"/aanbevelingen/{thread.slug}", grow)


def test_api_queries_are_flat(app, make_meeting, make_theme, statements):
    client = app.test_client()

    def grow(count: int) -> None:
        for day in range(count):
            theme = make_theme()
            meeting = make_meeting(starts_at=_soon(day + 1), capacity=10)
            meeting.themes.append(theme)
        db.session.commit()

    _flat(client, statements, "/api/v1/sessions", grow)


def test_a_thread_with_many_replies_pages(app, make_recommendation, make_user):
    from lerend_netwerk.recommendations.models import Post

    app.config["RECOMMENDATION_REPLIES_PER_PAGE"] = 10
    thread = make_recommendation()
    author = make_user()
    for n in range(35):
        db.session.add(Post(recommendation=thread, author=author, stance="eens", body=f"R{n:03d}"))
    db.session.commit()
    client = app.test_client()
    first = client.get(f"/aanbevelingen/{thread.slug}").get_data(as_text=True)
    assert "R000" in first
    assert "R034" not in first
    assert first.count("<article") <= 12
    last = client.get(f"/aanbevelingen/{thread.slug}?page=4").get_data(as_text=True)
    assert "R034" in last
    assert "R000" not in last


@pytest.mark.parametrize("role", [None, "coordinator"])
def test_a_documents_file_list_queries_are_flat(app, make_practice, make_user, statements, role):
    from file_samples import pdf
    from lerend_netwerk.files import service

    client = app.test_client()
    if role:
        login(client, make_user(role=role))
    practice = make_practice(slug="met-bestanden")
    added = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            added[0] += 1
            attachment = service.attach("practice", practice, "bijlage.pdf", pdf(added[0]), None)
            # Every file with an older version: the coordinators' list shows both.
            service.replace(attachment, "bijlage.pdf", pdf(100 + added[0]), None)
        db.session.commit()

    _flat(client, statements, "/praktijken/met-bestanden", grow)


def test_a_registration_takes_the_same_few_statements_on_a_full_session(
    app, make_meeting, make_user, statements
):
    """The seat decision reads the member's place and the seat counts once each, and the
    request writes the place, its mail (rendered later by the sender) and the version."""
    from lerend_netwerk.agenda.models import Registration

    meeting = make_meeting(capacity=40, themes=[])
    for _ in range(30):
        db.session.add(
            Registration(meeting_id=meeting.id, user_id=make_user().id, status="confirmed")
        )
    db.session.commit()

    def register() -> int:
        client = app.test_client()
        login(client, make_user())
        token = csrf_token(client, f"/sessies/{meeting.slug}")
        statements.clear()
        response = client.post(
            f"/sessies/{meeting.slug}/inschrijven", data={"csrf_token": token, "remark": ""}
        )
        assert response.status_code == 302
        return len(statements)

    counts = [register() for _ in range(3)]
    assert counts[0] == counts[1] == counts[2], counts
    assert counts[0] <= 10, statements
    rows = db.session.query(Registration).filter_by(meeting_id=meeting.id, status="confirmed")
    assert rows.count() == 33
