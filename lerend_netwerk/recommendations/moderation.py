"""Reports that hide a reply by themselves: after RECOMMENDATION_FLAG_THRESHOLD open reports
(default 3, 0 turns it off) a reply is hidden pending review and its author is told.

The reply stays in the moderation queue with its open reports until a coordinator decides:
keep it hidden (`keep_hidden`) or show it again (`service.unhide_post`); both close the
reports.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations.models import Flag, Post

DEFAULT_FLAG_THRESHOLD = 3


def flag_threshold() -> int:
    value = current_app.config.get("RECOMMENDATION_FLAG_THRESHOLD")
    return DEFAULT_FLAG_THRESHOLD if value is None else int(value)


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
    _tell_author(post)
    return True


def _tell_author(post: Post) -> None:
    """The author hears that the reply is hidden and that a coordinator will look at it."""
    from lerend_netwerk.mail.messages import render_mail
    from lerend_netwerk.mail.outbox import queue_mail
    from lerend_netwerk.recommendations.notify import thread_url

    author = post.author
    if author is None or not author.active:
        return
    thread = post.recommendation
    text, html = render_mail(
        "reply_hidden", user=author, thread=thread, post=post, thread_link=thread_url(thread)
    )
    queue_mail(
        author,
        f"Je reactie is verborgen: {thread.title}",
        text,
        html=html,
        kind="reply_hidden",
        dedupe_key=f"reply-hidden:{post.id}:{int(post.hidden_at.timestamp())}",
    )


def keep_hidden(slug: str, post_id: int, user: Any) -> Post:
    """A coordinator agrees with the reports: the reply stays hidden, the reports close."""
    from lerend_netwerk.recommendations.service import (
        RecommendationError,
        _require_coordinator,
        _resolve_flags,
        get_post,
    )

    _require_coordinator(user)
    post = get_post(slug, post_id, user)
    if not post.is_hidden:
        raise RecommendationError("Deze reactie is niet verborgen.")
    if not _resolve_flags(post, utcnow()):
        raise RecommendationError("Er zijn geen open meldingen voor deze reactie.")
    post.hidden_by_id = user.id
    record_audit(user, "reply.kept_hidden", post, f"reactie #{post.id} in {slug}")
    db.session.flush()
    return post
