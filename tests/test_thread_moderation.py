"""Reports that hide a reply pending review, the coordinators' decision, and long threads
that page their replies while the tally counts all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.recommendations import moderation, reading, threads
from lerend_netwerk.recommendations.models import Flag, Post

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def reported(app, make_recommendation, make_user):
    """A reply by `author` in a public thread, and three members who may report it."""
    thread = make_recommendation(slug="draad", title="Draad")
    author = make_user(name="Auteur")
    post = Post(recommendation=thread, author=author, stance="oneens", body="Scheldwoorden.")
    db.session.add(post)
    db.session.commit()
    reporters = [make_user(password=None) for _ in range(3)]
    return thread, post, author, reporters


def report(post, user, reason="ongepast"):
    moderation.flag_post("draad", post.id, user, reason=reason)
    db.session.commit()


def test_the_third_report_hides_the_reply_and_tells_its_author(app, reported):
    _thread, post, author, reporters = reported
    report(post, reporters[0])
    report(post, reporters[1])
    db.session.refresh(post)
    assert not post.is_hidden
    report(post, reporters[2], "spam")
    db.session.refresh(post)
    assert post.is_hidden and post.hidden_by_id is None
    assert "Automatisch verborgen na 3 meldingen" in post.hidden_reason
    mails = list(
        db.session.scalars(select(OutgoingMail).where(OutgoingMail.kind == "reply_hidden"))
    )
    assert [mail.recipient for mail in mails] == [author.email]
    assert mails[0].subject == "Je reactie is verborgen: Draad"
    assert "Een coördinator bekijkt ze" in mails[0].body_text
    assert "http://localhost/aanbevelingen/draad" in mails[0].body_text


def test_the_threshold_is_a_setting_and_zero_turns_it_off(app, reported, make_user):
    _thread, post, _author, reporters = reported
    app.config["RECOMMENDATION_FLAG_THRESHOLD"] = 1
    report(post, reporters[0])
    db.session.refresh(post)
    assert post.is_hidden
    moderation.unhide_post("draad", post.id, make_user(role="coordinator", password=None))
    db.session.commit()
    app.config["RECOMMENDATION_FLAG_THRESHOLD"] = 0
    report(post, reporters[1])
    report(post, reporters[2])
    db.session.refresh(post)
    assert not post.is_hidden


def hidden_by_reports(reported):
    _thread, post, _author, reporters = reported
    for user in reporters:
        report(post, user)
    return post


def test_hidden_reply_waits_in_the_queue_and_the_coordinator_keeps_it_hidden(
    client, reported, make_user
):
    post = hidden_by_reports(reported)
    visitor_page = text_of(client.get("/aanbevelingen/draad"))
    assert "Scheldwoorden." not in visitor_page
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    queue = text_of(client.get("/aanbevelingen/moderatie"))
    waiting = queue[queue.index('id="wacht-titel"') : queue.index('id="verborgen-titel"')]
    assert "Scheldwoorden." in waiting and "3 meldingen" in waiting
    assert "Verborgen houden" in waiting
    response = post_form(
        client,
        f"/aanbevelingen/draad/reacties/{post.id}/verborgen-houden",
        {"terug": "moderatie"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/moderatie")
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert post.is_hidden and post.hidden_by_id == coordinator.id
    assert all(flag.resolved_at is not None for flag in post.flags)
    queue = text_of(client.get("/aanbevelingen/moderatie"))
    waiting = queue[queue.index('id="wacht-titel"') : queue.index('id="verborgen-titel"')]
    assert "Scheldwoorden." not in waiting
    assert "Scheldwoorden." in queue[queue.index('id="verborgen-titel"') :]
    again = post_form(client, f"/aanbevelingen/draad/reacties/{post.id}/verborgen-houden")
    assert again.status_code == 302
    assert "Er zijn geen open meldingen" in text_of(client.get("/aanbevelingen/draad"))


def test_the_coordinator_shows_it_again_and_the_reports_close(client, reported, make_user):
    post = hidden_by_reports(reported)
    login(client, make_user(role="coordinator"))
    response = post_form(client, f"/aanbevelingen/draad/reacties/{post.id}/tonen")
    assert response.status_code == 302
    db.session.expire_all()
    post = db.session.get(Post, post.id)
    assert not post.is_hidden
    open_flags = db.session.scalars(
        select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
    ).all()
    assert open_flags == []
    queue = text_of(client.get("/aanbevelingen/moderatie"))
    assert "Scheldwoorden." not in queue


def test_members_cannot_keep_a_reply_hidden(client, reported, make_user):
    post = hidden_by_reports(reported)
    login(client, make_user())
    response = post_form(client, f"/aanbevelingen/draad/reacties/{post.id}/verborgen-houden")
    assert response.status_code == 403


# --- paging ---------------------------------------------------------------------------


@pytest.fixture
def long_thread(app, make_recommendation, make_user):
    thread = make_recommendation(slug="lang", title="Lange draad")
    author = make_user(password=None)
    stances = ["eens", "oneens", "neutraal"]
    db.session.add_all(
        Post(
            recommendation=thread,
            author=author,
            stance=stances[i % 3],
            body=f"Reactie nummer {i:03d}.",
            created_at=T0 + timedelta(minutes=i),
        )
        for i in range(120)
    )
    db.session.add(
        Post(
            recommendation=thread,
            author=author,
            stance="eens",
            body="Verborgen reactie.",
            created_at=T0 + timedelta(minutes=200),
            hidden_at=T0,
        )
    )
    db.session.commit()
    return thread


def test_long_threads_show_50_replies_a_page_and_tally_all(client, long_thread):
    first = text_of(client.get("/aanbevelingen/lang"))
    assert "Reactie nummer 000." in first and "Reactie nummer 049." in first
    assert "Reactie nummer 050." not in first
    assert "Reacties (120)" in first and "Pagina 1 van 3" in first
    assert 'href="/aanbevelingen/lang?page=2"' in first
    third = text_of(client.get("/aanbevelingen/lang?page=3"))
    assert "Reactie nummer 100." in third and "Reactie nummer 119." in third
    assert "Reactie nummer 099." not in third and "Verborgen reactie." not in third
    page = reading.thread_page("lang", None, page=3)
    assert (page.tally.eens, page.tally.oneens, page.tally.neutraal) == (40, 40, 40)
    assert len(page.posts) == 20
    assert client.get("/aanbevelingen/lang?page=4").status_code == 404
    assert client.get("/aanbevelingen/lang?page=0").status_code == 404


def test_a_new_reply_on_a_later_page_is_shown_where_it_lands(client, long_thread, make_user):
    login(client, make_user())
    response = post_form(
        client, "/aanbevelingen/lang/reacties", {"body": "Laatste woord.", "stance": "eens"}
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post).where(Post.body == "Laatste woord."))
    assert response.headers["Location"].endswith(f"/aanbevelingen/lang?page=3#reactie-{post.id}")
    assert "Laatste woord." in text_of(client.get("/aanbevelingen/lang?page=3"))
    with client.application.test_request_context():
        assert threads.thread_url_path(long_thread, post).endswith(f"?page=3#reactie-{post.id}")
