"""Reports that hide a reply by themselves: after RECOMMENDATION_FLAG_THRESHOLD open reports
(default 3, 0 turns it off) a reply is hidden pending review and its author is told.

The reply stays in the moderation queue with its open reports until a coordinator decides:
keep it hidden (`keep_hidden`) or show it again (`unhide_post`); both close the
reports.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, select
from sqlalchemy.orm import joinedload, selectinload

from lerend_netwerk.config import setting
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.access import coordinated_networks, network_column_in
from lerend_netwerk.recommendations.models import FLAG_REASONS, Flag, Post
from lerend_netwerk.recommendations.threads import (
    RecommendationError,
    add_once,
    coordinated_post,
    ensure_coordinator,
    ensure_member,
    get_post,
)
from lerend_netwerk.signals import reply_hidden


def flag_threshold() -> int:
    return int(setting(current_app.config, "RECOMMENDATION_FLAG_THRESHOLD"))


def auto_hidden_reason(count: int) -> str:
    return (
        f"Automatisch verborgen na {count} meldingen, in afwachting van de beoordeling "
        "door een coördinator"
    )


def hide_when_flagged_enough(post: Post) -> bool:
    """Hide the reply when its open reports reach the threshold; True when it was hidden."""
    threshold = flag_threshold()
    if threshold <= 0 or post.is_hidden:
        return False
    count = db.session.scalar(
        select(func.count(Flag.id)).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
    )
    if count < threshold:
        return False
    post.hidden_at, post.hidden_reason, post.hidden_by_id = (
        utcnow(),
        auto_hidden_reason(count),
        None,
    )
    record_audit(None, "reply.auto_hidden", post, f"reactie #{post.id}: {count} meldingen")
    db.session.flush()
    reply_hidden.send(post)
    return True


def _hidden_post(slug: str, post_id: int, user: Any) -> Post:
    """A hidden reply, for a coordinator's decision on it."""
    post = coordinated_post(slug, post_id, user)
    if not post.is_hidden:
        raise RecommendationError("Deze reactie is niet verborgen.")
    return post


def keep_hidden(slug: str, post_id: int, user: Any) -> Post:
    """A coordinator agrees with the reports: the reply stays hidden, the reports close."""
    post = _hidden_post(slug, post_id, user)
    if not _resolve_flags(post, utcnow()):
        raise RecommendationError("Er zijn geen open meldingen voor deze reactie.")
    post.hidden_by_id = user.id
    record_audit(user, "reply.kept_hidden", post, f"reactie #{post.id} in {slug}")
    db.session.flush()
    return post


# --- reports and hiding by coordinators ---------------------------------------------


def flaggable_post(slug: str, post_id: int, user: Any) -> Post:
    """A reply the member may still report: not hidden, not their own, not reported yet."""
    ensure_member(user)
    post = get_post(slug, post_id, user)
    if post.is_hidden:
        raise RecommendationError("Deze reactie is al verborgen.")
    if post.author_id == user.id:
        raise RecommendationError("Je kan je eigen reactie niet melden.")
    already = db.session.scalar(
        select(Flag.id).where(Flag.post_id == post.id, Flag.user_id == user.id)
    )
    if already is not None:
        raise RecommendationError("Je meldde deze reactie al; de moderatoren bekijken ze.")
    return post


def flag_post(slug: str, post_id: int, user: Any, *, reason: str, details: str = "") -> Flag:
    """A member reports a reply to the moderators, once."""
    post = flaggable_post(slug, post_id, user)
    if reason not in FLAG_REASONS:
        raise RecommendationError("Kies een reden.", field="reason")
    flag = Flag(post_id=post.id, user_id=user.id, reason=reason, details=(details or "").strip())
    if not add_once(flag):
        raise RecommendationError("Je meldde deze reactie al; de moderatoren bekijken ze.")
    hide_when_flagged_enough(post)
    return flag


def _resolve_flags(post: Post, now: datetime) -> int:
    """Take the open reports on a reply out of the queue; how many there were."""
    open_flags = [flag for flag in post.flags if flag.resolved_at is None]
    for flag in open_flags:
        flag.resolved_at = now
    return len(open_flags)


def hideable_post(slug: str, post_id: int, user: Any) -> Post:
    """A visible reply a coordinator may hide."""
    post = coordinated_post(slug, post_id, user)
    if post.is_hidden:
        raise RecommendationError("Deze reactie is al verborgen.")
    return post


def hide_post(slug: str, post_id: int, user: Any, reason: str) -> Post:
    """A coordinator hides a reply with a reason; it stays in the database."""
    post = hideable_post(slug, post_id, user)
    reason = (reason or "").strip()
    if not reason:
        raise RecommendationError("Geef een reden om de reactie te verbergen.", field="reason")
    now = utcnow()
    post.hidden_at, post.hidden_reason, post.hidden_by_id = now, reason, user.id
    record_audit(user, "reply.hidden", post, f"reactie #{post.id} in {slug}: {reason}")
    _resolve_flags(post, now)
    db.session.flush()
    return post


def unhide_post(slug: str, post_id: int, user: Any) -> Post:
    """A coordinator shows a hidden reply again."""
    post = _hidden_post(slug, post_id, user)
    post.hidden_at, post.hidden_reason, post.hidden_by_id = None, "", None
    # Showing it again is the coordinator's judgement on any report still open.
    _resolve_flags(post, utcnow())
    record_audit(user, "reply.unhidden", post, f"reactie #{post.id} in {slug}")
    db.session.flush()
    return post


def dismiss_flags(slug: str, post_id: int, user: Any) -> int:
    """A coordinator judges the reports unfounded: the reply stays, it leaves the queue."""
    post = coordinated_post(slug, post_id, user)
    count = _resolve_flags(post, utcnow())
    if not count:
        raise RecommendationError("Er zijn geen open meldingen voor deze reactie.")
    db.session.flush()
    return count


def moderation_queue(user: Any) -> dict[str, list[Post]]:
    """Replies with open reports (most reported first), replies hidden by their reports
    awaiting review, and the other hidden replies."""
    ensure_coordinator(user)
    open_flag = and_(Flag.post_id == Post.id, Flag.resolved_at.is_(None))
    open_count = select(func.count(Flag.id)).where(open_flag).correlate(Post).scalar_subquery()
    flagged = list(
        db.session.scalars(
            select(Post)
            .options(
                selectinload(Post.flags).joinedload(Flag.user),
                joinedload(Post.recommendation),
                joinedload(Post.author),
            )
            .where(
                Post.flags.any(Flag.resolved_at.is_(None)),
                Post.hidden_at.is_(None),
                network_column_in(Post, coordinated_networks(user)),
            )
            .order_by(open_count.desc(), Post.created_at)
        ).unique()
    )
    hidden = list(
        db.session.scalars(
            select(Post)
            .options(
                selectinload(Post.flags),
                joinedload(Post.recommendation),
                joinedload(Post.author),
                joinedload(Post.hidden_by),
            )
            .where(
                Post.hidden_at.is_not(None),
                network_column_in(Post, coordinated_networks(user)),
            )
            .order_by(Post.hidden_at.desc())
        ).unique()
    )
    # Hidden by the reports themselves, waiting for a coordinator's decision.
    pending = [post for post in hidden if any(f.resolved_at is None for f in post.flags)]
    hidden = [post for post in hidden if post not in pending]
    return {"flagged": flagged, "pending": pending, "hidden": hidden}
