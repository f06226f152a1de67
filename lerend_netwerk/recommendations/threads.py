"""What every part of the recommendation threads shares: the error, the limits, the
configuration, finding a visible thread or reply, and the checks on who acts.

Every function takes the acting user (anonymous allowed where reading) and applies the
visibility rule of `lerend_netwerk.visibility`; services only flush, the view commits.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from lerend_netwerk.config import DefaultConfig, setting
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError, SignInRequired
from lerend_netwerk.core.templating import site_path
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.access import check_coordinates
from lerend_netwerk.recommendations.models import (
    Post,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.visibility import can_coordinate, can_see, is_coordinator

MAX_BODY_LENGTH = 20_000


# Paths under /aanbevelingen/ that are pages, not threads.
RESERVED_SLUGS = frozenset({"eindrapport", "nieuw", "moderatie", "ontvolgen"})


# Which status may follow which. A decision can be reopened for discussion, never
# swapped for the opposite decision without discussing it again.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("in-bespreking",),
    "in-bespreking": ("aanvaard", "verworpen", "open"),
    "aanvaard": ("in-bespreking",),
    "verworpen": ("in-bespreking",),
}


DECISIONS = frozenset({"aanvaard", "verworpen"})


class RecommendationError(ValueError):
    """A request about threads that cannot be honoured; the message is for people."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def replies_per_page() -> int:
    # 0 counts as unset, as it always did.
    value = setting(current_app.config, "RECOMMENDATION_REPLIES_PER_PAGE")
    return max(1, int(value or DefaultConfig.RECOMMENDATION_REPLIES_PER_PAGE))


def page_of_post(post_id: int, user: Any) -> int:
    """The page of its thread on which `user` finds this reply (1 when unknown)."""
    post = db.session.get(Post, post_id)
    if post is None:
        return 1
    before = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.recommendation_id == post.recommendation_id,
            visible_posts_clause(user, post.recommendation),
            or_(
                Post.created_at < post.created_at,
                and_(Post.created_at == post.created_at, Post.id < post.id),
            ),
        )
    )
    return before // replies_per_page() + 1


def edit_window() -> timedelta:
    """How long after writing an author may still edit a reply."""
    minutes = setting(current_app.config, "RECOMMENDATION_EDIT_WINDOW_MINUTES")
    return timedelta(minutes=int(minutes))


def ensure_member(user: Any) -> None:
    """Only signed-in users (the views redirect visitors to the login page first)."""
    if not getattr(user, "is_authenticated", False):
        raise SignInRequired()


def ensure_coordinator(user: Any) -> None:
    """Only coordinators and admins."""
    ensure_member(user)
    if not is_coordinator(user):
        raise ForbiddenError()


def ensure_coordinates(user: Any, doc: Any) -> None:
    """Only the coordinators of the network `doc` (a thread or a reply) belongs to."""
    ensure_coordinator(user)
    check_coordinates(user, doc)


def visible_posts_clause(user: Any, thread: Any):
    """Replies of `thread` a viewer may see: its network's coordinators also see hidden
    ones."""
    if can_coordinate(user, thread):
        return true()
    return Post.hidden_at.is_(None)


def add_once(obj: Any) -> bool:
    """Insert a row guarded by a unique constraint; False when it already existed."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
        return True
    except IntegrityError:
        return False


def get_thread(slug: str, user: Any) -> Recommendation:
    """The thread with this slug if `user` may see it; 404 otherwise."""
    thread = db.session.scalar(
        select(Recommendation)
        .options(joinedload(Recommendation.theme))
        .where(Recommendation.slug == slug)
    )
    if thread is None or not can_see(user, thread):
        raise NotFoundError()
    return thread


def get_post(slug: str, post_id: int, user: Any) -> Post:
    """A reply of a visible thread; hidden replies only for coordinators; 404 otherwise."""
    thread = get_thread(slug, user)
    post = db.session.get(Post, post_id)
    if post is None or post.recommendation_id != thread.id:
        raise NotFoundError()
    if post.is_hidden and not can_coordinate(user, thread):
        raise NotFoundError()
    return post


def coordinated_post(slug: str, post_id: int, user: Any) -> Post:
    """A reply (hidden ones too) for a coordinator of its thread's network: 401 for
    visitors, 403 for members and other networks' coordinators, 404 when not there."""
    ensure_coordinator(user)
    post = get_post(slug, post_id, user)
    ensure_coordinates(user, post)
    return post


def thread_url_path(thread: Recommendation, post: Post | None = None) -> str:
    """The site path of a thread, at one reply (on its page, as members see it) when given."""
    if post is None:
        return site_path("recommendations.detail", slug=thread.slug)
    page = page_of_post(post.id, None)
    pages = {"page": page} if page > 1 else {}
    return site_path("recommendations.detail", slug=thread.slug, **pages) + f"#reactie-{post.id}"


def follow_query(thread_id: int, user_id: int):
    """The follow row of one member for one thread."""
    return select(ThreadFollow).where(
        ThreadFollow.recommendation_id == thread_id, ThreadFollow.user_id == user_id
    )
