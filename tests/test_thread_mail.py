"""Followers of a thread hear of replies and status changes through the outbox, as they chose:
right away, in a daily or weekly overview, or not at all; one link stops one thread."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.mail import threads as notify
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.mail.sender import build_message
from lerend_netwerk.recommendations import following
from lerend_netwerk.recommendations.models import Post, ThreadFollow


def mails(**where) -> list[OutgoingMail]:
    query = select(OutgoingMail).order_by(OutgoingMail.id)
    for name, value in where.items():
        query = query.where(getattr(OutgoingMail, name) == value)
    db.session.expire_all()
    return list(db.session.scalars(query))


def follow(thread, *users) -> None:
    db.session.add_all(ThreadFollow(recommendation=thread, user=user) for user in users)
    db.session.commit()


@pytest.fixture
def thread(make_recommendation):
    return make_recommendation(title="Leervergoeding", slug="leervergoeding", status="open")


def test_a_reply_mails_the_followers_who_want_it_now_with_a_link_to_it(client, thread, make_user):
    now, daily, never = (
        make_user(name="Nu", thread_mail="direct"),
        make_user(thread_mail="dagelijks"),
        make_user(thread_mail="nooit"),
    )
    inactive = make_user(thread_mail="direct", active=False)
    author = make_user(name="Schrijver", thread_mail="direct")
    follow(thread, now, daily, never, inactive, author)
    login(client, author)
    response = post_form(
        client,
        "/aanbevelingen/leervergoeding/reacties",
        {"body": "Ik ben **akkoord**.", "stance": "eens"},
    )
    assert response.status_code == 302
    post = db.session.scalar(select(Post))
    sent = mails(kind="thread_reply")
    assert [mail.recipient for mail in sent] == [now.email]
    mail = sent[0]
    assert mail.subject == "Nieuwe reactie: Leervergoeding"
    link = f"http://localhost/aanbevelingen/leervergoeding#reactie-{post.id}"
    assert link in mail.body_text and "Schrijver reageerde (eens)" in mail.body_text
    assert "Ik ben akkoord." in mail.body_text
    assert link in mail.body_html
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unfollow = mail.headers["List-Unsubscribe"].strip("<>")
    assert unfollow.startswith("http://localhost/aanbevelingen/ontvolgen/")
    assert unfollow in mail.body_text
    message = build_message(mail)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_members_only_thread_mails_no_one_who_may_no_longer_see_it(
    app, make_recommendation, make_user
):
    hidden = make_recommendation(visibility="members")
    reader = make_user(thread_mail="direct")
    follow(hidden, reader)
    post = Post(recommendation=hidden, author=None, stance="eens", body="Intern.")
    db.session.add(post)
    db.session.flush()
    assert notify.notify_reply(post) == 1  # members see members-only threads
    reader.active = False
    db.session.flush()
    db.session.add(p2 := Post(recommendation=hidden, author=None, stance="eens", body="Nog."))
    db.session.flush()
    assert notify.notify_reply(p2) == 0


def test_a_status_change_mails_the_followers_but_not_the_coordinator_who_made_it(
    client, thread, make_user
):
    coordinator = make_user(role="coordinator", thread_mail="direct")
    reader = make_user(thread_mail="direct")
    follow(thread, coordinator, reader)
    login(client, coordinator)
    response = post_form(
        client, "/aanbevelingen/leervergoeding/status", {"status": "in-bespreking", "reason": ""}
    )
    assert response.status_code == 302
    sent = mails(kind="thread_status")
    assert [mail.recipient for mail in sent] == [reader.email]
    assert sent[0].subject == "Nieuwe status ‘In bespreking’: Leervergoeding"
    assert "http://localhost/aanbevelingen/leervergoeding" in sent[0].body_text


def test_daily_and_weekly_overviews_collect_what_is_new_once_per_period(
    app, thread, make_user, make_recommendation
):
    daily, weekly, direct = (
        make_user(name="Dag", thread_mail="dagelijks"),
        make_user(name="Week", thread_mail="wekelijks"),
        make_user(thread_mail="direct"),
    )
    quiet = make_recommendation(title="Stille draad")
    follow(thread, daily, weekly, direct)
    follow(quiet, daily)
    # Wednesday 2 December 2026, 09:00 in Brussels: the daily moment was 08:00 today,
    # the weekly one Monday 30 November 08:00 (a week from 23 November).
    now = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
    other = make_user(name="Ander")
    recent = Post(
        recommendation=thread,
        author=other,
        stance="oneens",
        body="Te duur.",
        created_at=now - timedelta(hours=3),
    )
    older = Post(
        recommendation=thread,
        author=other,
        stance="eens",
        body="Vorige week.",
        created_at=now - timedelta(days=3),
    )
    own = Post(
        recommendation=thread,
        author=daily,
        stance="eens",
        body="Mijn eigen reactie.",
        created_at=now - timedelta(hours=2),
    )
    db.session.add_all([recent, older, own])
    db.session.commit()
    assert notify.queue_due_thread_overviews(now) == 2
    db.session.commit()
    by_user = {mail.user_id: mail for mail in mails(kind="thread_overview")}
    assert set(by_user) == {daily.id, weekly.id}
    day = by_user[daily.id].body_text
    assert "Te duur." in day and "Vorige week." not in day
    assert "Mijn eigen reactie." not in day and "Stille draad" not in day
    assert f"http://localhost/aanbevelingen/leervergoeding#reactie-{recent.id}" in day
    assert "Niet meer volgen: http://localhost/aanbevelingen/ontvolgen/" in day
    week = by_user[weekly.id].body_text
    assert "Vorige week." in week
    assert "Te duur." not in week  # after this week's moment: next week's overview
    # Run again: nothing twice.
    assert notify.queue_due_thread_overviews(now) == 0


def test_weekly_overview_covers_the_seven_days_before_its_moment(app, thread, make_user):
    weekly = make_user(thread_mail="wekelijks")
    follow(thread, weekly)
    moment = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Brussels
    inside = Post(
        recommendation=thread,
        author=None,
        stance="eens",
        body="Binnen.",
        created_at=moment - timedelta(days=6),
    )
    outside = Post(
        recommendation=thread,
        author=None,
        stance="eens",
        body="Buiten.",
        created_at=moment - timedelta(days=8),
    )
    thread.status, thread.status_changed_at = "in-bespreking", moment - timedelta(days=1)
    db.session.add_all([inside, outside])
    db.session.commit()
    assert notify.queue_due_thread_overviews(moment + timedelta(hours=1)) == 1
    text = mails(kind="thread_overview")[0].body_text
    assert "Binnen." in text and "Buiten." not in text
    assert "Nieuwe status: In bespreking" in text


def test_the_unfollow_link_stops_one_thread_in_one_click(
    app, client, thread, make_user, make_recommendation
):
    other = make_recommendation()
    reader = make_user()
    follow(thread, reader)
    follow(other, reader)
    with app.test_request_context():
        url = following.unfollow_url(reader, thread).removeprefix("http://localhost")
    page = client.get(url)
    assert page.status_code == 200 and "Niet meer volgen" in page.get_data(as_text=True)
    # A mail client's one-click POST (RFC 8058) carries no form token and no session.
    response = client.post(url, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "volgt deze aanbeveling niet meer" in response.get_data(as_text=True)
    db.session.expire_all()
    followed = db.session.scalars(
        select(ThreadFollow.recommendation_id).where(ThreadFollow.user_id == reader.id)
    ).all()
    assert followed == [other.id]
    assert client.post(url).status_code == 200  # twice is fine
    assert client.get(url[:-3] + "xyz").status_code == 404


def test_preferences_save_the_thread_mail_choice(client, make_user):
    user = make_user()
    assert user.thread_mail == "direct"
    login(client, user)
    page = client.get("/account").get_data(as_text=True)
    assert 'name="thread_mail" value="direct" checked' in page
    response = post_form(client, "/account/voorkeuren", {"thread_mail": "wekelijks"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.thread_mail == "wekelijks"
    # The older form without the choice leaves it as it is.
    post_form(client, "/account/voorkeuren", {"wants_digest": "y"})
    db.session.refresh(user)
    assert user.thread_mail == "wekelijks"
    bad = post_form(client, "/account/voorkeuren", {"thread_mail": "elk-uur"})
    assert bad.status_code == 400
    db.session.refresh(user)
    assert user.thread_mail == "wekelijks"
