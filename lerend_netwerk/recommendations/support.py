"""Supporting a proposal and following a thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations.models import (
    Endorsement,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.recommendations.reading import (
    Tally,
    ThreadSummary,
    new_counts,
    stance_tallies,
    support_counts,
)
from lerend_netwerk.recommendations.threads import (
    RecommendationError,
    add_once,
    ensure_member,
    follow_query,
    get_thread,
)
from lerend_netwerk.visibility import visible_clause


def _toggle(existing: Any, new_row: Callable[[], Any]) -> bool:
    """Delete the member's row if there is one, else add it (once); True when added."""
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    add_once(new_row())
    return True


def toggle_endorsement(slug: str, user: Any) -> bool:
    """Support a proposal, or withdraw the support; True when the member now supports it."""
    ensure_member(user)
    thread = get_thread(slug, user)
    if thread.closed:
        raise RecommendationError("Deze draad is gesloten: de steun kan niet meer wijzigen.")
    existing = db.session.scalar(
        select(Endorsement).where(
            Endorsement.recommendation_id == thread.id, Endorsement.user_id == user.id
        )
    )
    return _toggle(existing, lambda: Endorsement(recommendation_id=thread.id, user_id=user.id))


def toggle_follow(slug: str, user: Any) -> bool:
    """Follow or unfollow a thread; True when the member now follows it."""
    ensure_member(user)
    thread = get_thread(slug, user)
    existing = db.session.scalar(follow_query(thread.id, user.id))
    return _toggle(existing, lambda: ThreadFollow(recommendation_id=thread.id, user_id=user.id))


def followed_threads(user: Any) -> list[ThreadSummary]:
    """The threads a member follows (still visible to them), with their new replies."""
    if not getattr(user, "is_authenticated", False):
        return []
    threads = list(
        db.session.scalars(
            select(Recommendation)
            .join(ThreadFollow, ThreadFollow.recommendation_id == Recommendation.id)
            .where(ThreadFollow.user_id == user.id, visible_clause(Recommendation, user))
            .order_by(Recommendation.title)
        )
    )
    ids = [thread.id for thread in threads]
    tallies, supports, new = stance_tallies(ids), support_counts(ids), new_counts(ids, user)
    return [
        ThreadSummary(t, tallies.get(t.id, Tally()), supports.get(t.id, 0), new.get(t.id, 0))
        for t in threads
    ]
