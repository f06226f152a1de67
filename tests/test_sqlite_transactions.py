"""Services only flush: whatever they do, a rollback undoes the whole transaction.

On SQLite the services that need the write lock (`lock_meeting`, `record_visit`) take
it without committing what the transaction already did.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from lerend_netwerk.agenda import registrations as agenda
from lerend_netwerk.agenda.models import Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations import reading
from lerend_netwerk.recommendations.models import ThreadFollow
from lerend_netwerk.sqlite import begin_write_transaction, holds_write_lock


def _name_in_database(user_id: int) -> str:
    db.session.rollback()
    return db.session.scalar(select(User.name).where(User.id == user_id))


def test_rollback_after_register_leaves_nothing_behind(app, make_user, make_meeting):
    meeting = make_meeting(capacity=5)
    user = make_user()
    user_id, before = user.id, user.name
    user.name = "Niet bewaard"
    db.session.flush()
    agenda.register(meeting, user)
    db.session.rollback()
    assert _name_in_database(user_id) == before
    assert db.session.scalar(select(func.count(Registration.id))) == 0


def test_rollback_after_record_visit_leaves_nothing_behind(app, make_user, make_recommendation):
    from lerend_netwerk.recommendations.models import Post

    thread = make_recommendation()
    user = make_user()
    seen = utcnow() - timedelta(days=3)
    db.session.add(ThreadFollow(recommendation_id=thread.id, user_id=user.id, last_seen_at=seen))
    db.session.commit()
    # Something new since the last visit, so the visit is recorded.
    db.session.add(
        Post(
            recommendation=thread,
            author=make_user(),
            stance="eens",
            body="Nieuw.",
            created_at=seen + timedelta(days=1),
        )
    )
    db.session.commit()
    user_id, before = user.id, user.name
    page = reading.thread_page(thread.slug, user)
    user.name = "Niet bewaard"
    db.session.flush()
    reading.record_visit(page, user)
    db.session.rollback()
    assert _name_in_database(user_id) == before
    follow = db.session.scalar(select(ThreadFollow).where(ThreadFollow.user_id == user_id))
    assert abs(follow.last_seen_at.replace(tzinfo=None) - seen.replace(tzinfo=None)) < timedelta(
        seconds=1
    )


def test_a_read_only_transaction_is_ended_for_the_write_lock(app, make_user):
    user = make_user()
    db.session.rollback()
    db.session.get(User, user.id)  # a read: a deferred transaction without the lock
    if db.engine.dialect.name == "sqlite":
        assert not holds_write_lock(db.session)
    begin_write_transaction(db.session)
    if db.engine.dialect.name == "sqlite":
        assert holds_write_lock(db.session)
    db.session.rollback()


def test_a_transaction_that_wrote_keeps_its_changes_and_the_lock(app, make_user):
    user = make_user()
    user_id = user.id
    user.name = "Gewijzigd"
    begin_write_transaction(db.session)  # flushes the pending change, commits nothing
    if db.engine.dialect.name == "sqlite":
        assert holds_write_lock(db.session)
    assert db.session.scalar(select(User.name).where(User.id == user_id)) == "Gewijzigd"
    db.session.commit()
    assert _name_in_database(user_id) == "Gewijzigd"
