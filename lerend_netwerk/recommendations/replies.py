"""Replies: writing one, editing it within the edit window, and its history."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from lerend_netwerk.core.errors import ForbiddenError
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations.models import (
    STANCES,
    Post,
    PostRevision,
    ThreadFollow,
)
from lerend_netwerk.recommendations.threads import (
    MAX_BODY_LENGTH,
    RecommendationError,
    add_once,
    coordinated_post,
    edit_window,
    ensure_member,
    follow_query,
    get_post,
    get_thread,
)
from lerend_netwerk.signals import reply_posted


def _checked_reply(body: str, stance: str) -> str:
    """The reply's text, stripped, if it and the stance may be posted."""
    body = (body or "").strip()
    if not body:
        raise RecommendationError("Schrijf een reactie.", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise RecommendationError(
            f"Een reactie telt hoogstens {MAX_BODY_LENGTH} tekens.", field="body"
        )
    if stance not in STANCES:
        raise RecommendationError("Kies eens, oneens of neutraal.", field="stance")
    return body


def add_reply(
    slug: str, user: Any, *, body: str, stance: str, parent_id: int | None = None
) -> Post:
    """A member replies with a stance, optionally answering another visible reply."""
    ensure_member(user)
    thread = get_thread(slug, user)
    if thread.closed:
        raise RecommendationError(
            "Deze draad is gesloten: er kunnen geen nieuwe reacties meer bij."
        )
    body = _checked_reply(body, stance)
    parent = None
    if parent_id is not None:
        parent = db.session.get(Post, parent_id)
        if parent is None or parent.recommendation_id != thread.id or parent.is_hidden:
            raise RecommendationError(
                "Je kan enkel antwoorden op een zichtbare reactie in deze draad.",
                field="parent_id",
            )
    post = Post(recommendation=thread, author_id=user.id, parent=parent, stance=stance, body=body)
    db.session.add(post)
    db.session.flush()
    # Whoever takes part follows the thread (as on Discourse); what they saw stays seen.
    if db.session.scalar(follow_query(thread.id, user.id)) is None:
        add_once(ThreadFollow(recommendation_id=thread.id, user_id=user.id))
    reply_posted.send(post)
    return post


def edit_refusal(post: Post, user: Any, now: datetime, window: timedelta) -> str | None:
    """Why `user` may not edit `post` now, or None when they may."""
    if not getattr(user, "is_authenticated", False) or post.author_id != user.id:
        return "Je kan enkel je eigen reacties bewerken."
    if post.is_hidden:
        return "Deze reactie werd verborgen door de moderatie en kan niet meer bewerkt worden."
    if post.recommendation.closed:
        return "Deze draad is gesloten: reacties kunnen niet meer bewerkt worden."
    if now > post.created_at + window:
        minutes = int(window.total_seconds() // 60)
        return f"Een reactie kan enkel bewerkt worden tot {minutes} minuten na het plaatsen."
    return None


def editable_post(slug: str, post_id: int, user: Any, now: datetime | None = None) -> Post:
    """The user's own reply if it may still be edited (403 for others' replies)."""
    ensure_member(user)
    post = get_post(slug, post_id, user)
    if post.author_id != user.id:
        raise ForbiddenError()
    refusal = edit_refusal(post, user, now or utcnow(), edit_window())
    if refusal:
        raise RecommendationError(refusal)
    return post


def edit_reply(
    slug: str, post_id: int, user: Any, *, body: str, stance: str, now: datetime | None = None
) -> Post:
    """The author edits a reply within the edit window; the old version is kept."""
    now = now or utcnow()
    post = editable_post(slug, post_id, user, now)
    body = _checked_reply(body, stance)
    if body == post.body and stance == post.stance:
        return post
    db.session.add(
        PostRevision(
            post=post,
            body=post.body,
            stance=post.stance,
            written_at=post.edited_at or post.created_at,
            created_at=now,
            editor_id=user.id,
        )
    )
    post.body, post.stance, post.edited_at = body, stance, now
    db.session.flush()
    return post


def post_history(slug: str, post_id: int, user: Any) -> tuple[Post, list[PostRevision]]:
    """A reply and its earlier versions, oldest first (coordinators)."""
    post = coordinated_post(slug, post_id, user)
    revisions = list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at, PostRevision.id)
        )
    )
    return post, revisions
