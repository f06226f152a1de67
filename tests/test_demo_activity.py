"""The demo is a believable network year: people, attendance, replies, support."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import login
from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.content_io.service import export_directory, import_directory
from lerend_netwerk.db import utcnow
from lerend_netwerk.demo import prepare_demo
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators import periods, service
from lerend_netwerk.recommendations.models import (
    Endorsement,
    FinalReport,
    Post,
    Recommendation,
)

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"


def counts() -> dict[str, int]:
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, Registration, Post, Endorsement, FinalReport)
    }


@pytest.fixture
def demo(app):
    accounts = prepare_demo(CONTENT_DIR)
    return {role: (email, password) for role, email, password in accounts}


def test_every_past_session_has_participants_and_most_were_there(app, demo):
    now = utcnow()
    past = list(
        db.session.scalars(
            select(Meeting).where(Meeting.ends_at < now, Meeting.status != "cancelled")
        )
    )
    assert len(past) >= 10
    for meeting in past:
        confirmed = [r for r in meeting.registrations if r.status == "confirmed"]
        present = [r for r in confirmed if r.checked_in_at is not None]
        assert len(confirmed) >= 4, meeting.slug
        assert len(present) >= len(confirmed) // 2, meeting.slug
        assert all(r.checked_in_at >= meeting.starts_at for r in present)
        if meeting.capacity is not None:
            assert len(confirmed) <= meeting.capacity


def test_indicators_of_the_first_cycle_are_not_empty(app, demo):
    coordinator = db.session.scalar(select(User).where(User.role == "coordinator"))
    figures = service.build_report(periods.academic_year(2022), None, coordinator).figures
    assert figures.sessions_held >= 5
    assert figures.registrations_confirmed >= 50
    assert 0 < figures.checked_in < figures.confirmed_past
    assert figures.unique_participants >= 15 and figures.unique_organisations >= 10
    assert figures.reports_published >= 5 and figures.practices_published >= 8
    assert figures.recommendations >= 3
    # The second cycle: what is to come is planned, not held.
    later = service.build_report(periods.academic_year(2026), None, coordinator).figures
    assert later.sessions_held >= 1 and later.sessions_planned >= 10


def test_threads_have_replies_with_stances_and_support(app, demo):
    threads = list(db.session.scalars(select(Recommendation)))
    assert threads
    for thread in threads:
        posts = list(thread.posts)
        assert len(posts) >= 3, thread.slug
        assert len({post.stance for post in posts}) >= 2, thread.slug
        published = thread.published_at
        assert all(post.created_at >= published for post in posts), thread.slug
        supporters = db.session.scalar(
            select(func.count()).where(Endorsement.recommendation_id == thread.id)
        )
        assert supporters >= 5, thread.slug
    assert any(post.parent_id for thread in threads for post in thread.posts)


def test_running_the_demo_again_adds_nothing(app, demo):
    before = counts()
    prepare_demo(CONTENT_DIR)
    assert counts() == before


def test_the_first_visit_shows_people_threads_and_a_past_session(app, client, demo):
    email, password = demo["member"]
    member = db.session.scalar(select(User).where(User.email == email))
    login(client, member, password)
    directory = client.get("/leden").get_data(as_text=True)
    assert directory.count("/leden/") >= 15
    found = client.get("/leden?q=Wouters").get_data(as_text=True)
    assert "Lien Wouters" in found and "Schelderijn" in found
    thread = client.get("/aanbevelingen/leervergoeding-studenten-hoger-onderwijs")
    text = thread.get_data(as_text=True)
    assert "Koen Willems" in text and "Oneens" in text and "Eens" in text
    session = client.get("/sessies/intervisie-mentoren-2023").get_data(as_text=True)
    assert "aanwezig" in session and "vrij" not in session
    assert "Standaard of maatwerk?" in session


def test_a_visitor_finds_a_frozen_final_report_with_key_arguments(app, client, demo):
    page = client.get("/aanbevelingen/eindrapport")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Tussentijds rapport" in text
    marked = db.session.scalar(select(func.count()).where(Post.key_argument.is_(True)))
    assert marked and marked >= db.session.scalar(
        select(func.count(func.distinct(Post.recommendation_id)))
    )
    pdf = client.get("/aanbevelingen/eindrapport.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")


def test_content_round_trip_still_holds_after_the_demo(app, demo, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    export_directory(first)
    result = import_directory(first)
    assert all(c.created == c.updated == 0 for c in result.counts.values())
    export_directory(second)
    files = list(first.rglob("*.md"))
    assert len(files) == len(list(CONTENT_DIR.rglob("*.md")))
    for path in files:
        assert (second / path.relative_to(first)).read_bytes() == path.read_bytes()
