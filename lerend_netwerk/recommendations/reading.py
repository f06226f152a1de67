"""Reading threads: the index with its counts, the followed threads' counts, one page
of a thread for one viewer, and a follower's visit."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import joinedload

from lerend_netwerk.core.errors import NotFoundError
from lerend_netwerk.core.paging import PageLinks
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.proeftuinen.models import LEVELS
from lerend_netwerk.recommendations.models import (
    RECOMMENDATION_STATUSES,
    STANCES,
    Endorsement,
    Flag,
    Post,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.recommendations.replies import edit_refusal
from lerend_netwerk.recommendations.threads import (
    TRANSITIONS,
    edit_window,
    get_thread,
    replies_per_page,
    visible_posts_clause,
)
from lerend_netwerk.sqlite import begin_write_transaction
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import can_coordinate, visible_clause


@dataclass
class Tally:
    """Stances of the visible replies of one thread."""

    eens: int = 0
    oneens: int = 0
    neutraal: int = 0

    @property
    def total(self) -> int:
        return self.eens + self.oneens + self.neutraal

    def add(self, stance: str, count: int = 1) -> None:
        if stance in STANCES:
            setattr(self, stance, getattr(self, stance) + count)


@dataclass
class ThreadSummary:
    """One line of the index: a thread with its counts."""

    thread: Recommendation
    tally: Tally
    supports: int
    new: int | None  # None: the viewer does not follow the thread

    @property
    def replies(self) -> int:
        return self.tally.total

    @property
    def excerpt(self) -> str:
        return first_paragraph(self.thread.body, limit=220)


@dataclass
class Pager(PageLinks):
    """Which page of a thread's replies is shown (read by the `pagination` macro)."""

    page: int
    pages: int
    total: int


@dataclass
class ThreadPage:
    """Everything the thread page shows, computed for one viewer."""

    thread: Recommendation
    posts: list[Post]
    tally: Tally
    supports: int
    endorsed: bool
    follow: ThreadFollow | None
    new_ids: set[int]
    flag_counts: dict[int, int]
    flagged_by_me: set[int]
    editable_ids: set[int]
    transitions: tuple[str, ...]
    is_coordinator: bool
    is_member: bool
    pager: Pager = field(default_factory=lambda: Pager(1, 1, 0))

    @property
    def following(self) -> bool:
        return self.follow is not None

    @property
    def can_reply(self) -> bool:
        return self.is_member and not self.thread.closed

    def find(self, post_id: int | None) -> Post | None:
        """The shown reply with this id, if any."""
        return next((post for post in self.posts if post.id == post_id), None)

    def excerpt(self, post: Post) -> str:
        """A short plain-text quote of a reply, for answers that refer to it."""
        return first_paragraph(post.body, limit=280)


def stance_tallies(thread_ids: list[int]) -> dict[int, Tally]:
    """Stance counts of the visible (not hidden) replies, per thread."""
    tallies: dict[int, Tally] = defaultdict(Tally)
    if not thread_ids:
        return tallies
    rows = db.session.execute(
        select(Post.recommendation_id, Post.stance, func.count(Post.id))
        .where(Post.recommendation_id.in_(thread_ids), Post.hidden_at.is_(None))
        .group_by(Post.recommendation_id, Post.stance)
    )
    for thread_id, stance, count in rows:
        tallies[thread_id].add(stance, count)
    return tallies


def support_counts(thread_ids: list[int]) -> dict[int, int]:
    """Supports per thread."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        select(Endorsement.recommendation_id, func.count(Endorsement.id))
        .where(Endorsement.recommendation_id.in_(thread_ids))
        .group_by(Endorsement.recommendation_id)
    )
    return dict(rows.all())


def new_counts(thread_ids: list[int], user: Any) -> dict[int, int]:
    """Per followed thread: visible replies by others since the follower's last visit."""
    if not thread_ids or not getattr(user, "is_authenticated", False):
        return {}
    followed = db.session.scalars(
        select(ThreadFollow.recommendation_id).where(
            ThreadFollow.user_id == user.id, ThreadFollow.recommendation_id.in_(thread_ids)
        )
    )
    counts = dict.fromkeys(followed, 0)
    rows = db.session.execute(
        select(Post.recommendation_id, func.count(Post.id))
        .join(
            ThreadFollow,
            and_(
                ThreadFollow.recommendation_id == Post.recommendation_id,
                ThreadFollow.user_id == user.id,
            ),
        )
        .where(
            Post.recommendation_id.in_(thread_ids),
            Post.created_at > ThreadFollow.last_seen_at,
            Post.hidden_at.is_(None),
            or_(Post.author_id.is_(None), Post.author_id != user.id),
        )
        .group_by(Post.recommendation_id)
    )
    for thread_id, count in rows:
        counts[thread_id] = count
    return counts


def first_paragraph(markdown_text: str, limit: int = 600) -> str:
    """The first paragraph of a reply as plain text, without quoted text, shortened."""
    own_lines = [line for line in markdown_text.splitlines() if not line.lstrip().startswith(">")]
    plain = markdown_to_text("\n".join(own_lines))
    paragraphs = [p for p in re.split(r"\n\s*\n", plain) if p.strip()]
    if not paragraphs:
        return ""
    text = " ".join(paragraphs[0].split())
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + " …"
    return text


def latest_threads(user: Any, limit: int = 4, network_id: int | None = None) -> list[Any]:
    """The threads `user` may see, most recently published first (of one network or all)."""
    published = func.coalesce(Recommendation.published_at, Recommendation.created_at)
    query = (
        select(Recommendation)
        .where(visible_clause(Recommendation, user))
        .order_by(published.desc(), Recommendation.id.desc())
        .limit(limit)
    )
    if network_id is not None:
        query = query.where(Recommendation.network_id == network_id)
    return list(db.session.scalars(query))


def list_threads(
    user: Any,
    *,
    theme: str | None = None,
    level: str | None = None,
    status: str | None = None,
    network_id: int | None = None,
) -> list[tuple[Theme, list[ThreadSummary]]]:
    """Visible threads grouped by theme, filtered by theme slug, level and status.

    A thread without a level concerns every level, so it shows under each level filter.
    """
    query = (
        select(Recommendation)
        .join(Recommendation.theme)
        .options(joinedload(Recommendation.theme))
        .where(visible_clause(Recommendation, user))
        .order_by(Theme.title, Recommendation.title)
    )
    if theme:
        query = query.where(Theme.slug == theme)
    if level in LEVELS:
        query = query.where(or_(Recommendation.level == level, Recommendation.level.is_(None)))
    if status in RECOMMENDATION_STATUSES:
        query = query.where(Recommendation.status == status)
    if network_id is not None:
        query = query.where(Recommendation.network_id == network_id)
    threads = list(db.session.scalars(query))
    ids = [thread.id for thread in threads]
    tallies, supports, new = stance_tallies(ids), support_counts(ids), new_counts(ids, user)
    groups: dict[int, tuple[Theme, list[ThreadSummary]]] = {}
    for thread in threads:
        summary = ThreadSummary(
            thread=thread,
            tally=tallies.get(thread.id, Tally()),
            supports=supports.get(thread.id, 0),
            new=new.get(thread.id),
        )
        groups.setdefault(thread.theme_id, (thread.theme, []))[1].append(summary)
    return list(groups.values())


def filter_themes(user: Any) -> list[Theme]:
    """Themes that have at least one thread the user may see."""
    query = (
        select(Theme)
        .where(
            Theme.id.in_(
                select(Recommendation.theme_id).where(visible_clause(Recommendation, user))
            )
        )
        .order_by(Theme.title)
    )
    return list(db.session.scalars(query))


def thread_page(slug: str, user: Any, now: datetime | None = None, page: int = 1) -> ThreadPage:
    """One page of the thread's replies with the tally over all of them, the supports and
    what is new for this viewer; 404 for a page past the last."""
    now = now or utcnow()
    thread = get_thread(slug, user)
    member = bool(getattr(user, "is_authenticated", False))
    coordinator = can_coordinate(user, thread)
    per_page = replies_per_page()
    total = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.recommendation_id == thread.id, visible_posts_clause(user, thread)
        )
    )
    pages = max(1, -(-total // per_page))
    if page < 1 or page > pages:
        raise NotFoundError()
    posts = list(
        db.session.scalars(
            select(Post)
            .options(
                joinedload(Post.author),
                joinedload(Post.parent).joinedload(Post.author),
                joinedload(Post.hidden_by),
            )
            .where(Post.recommendation_id == thread.id, visible_posts_clause(user, thread))
            .order_by(Post.created_at, Post.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).unique()
    )
    follow = endorsed = None
    flagged_by_me: set[int] = set()
    if member:
        follow = db.session.scalar(
            select(ThreadFollow).where(
                ThreadFollow.recommendation_id == thread.id, ThreadFollow.user_id == user.id
            )
        )
        endorsed = db.session.scalar(
            select(Endorsement.id).where(
                Endorsement.recommendation_id == thread.id, Endorsement.user_id == user.id
            )
        )
        flagged_by_me = set(
            db.session.scalars(
                select(Flag.post_id)
                .join(Post, Post.id == Flag.post_id)
                .where(Post.recommendation_id == thread.id, Flag.user_id == user.id)
            )
        )
    new_ids: set[int] = set()
    if follow is not None:
        new_ids = {
            post.id
            for post in posts
            if post.created_at > follow.last_seen_at
            and post.author_id != user.id
            and not post.is_hidden
        }
    flag_counts: dict[int, int] = {}
    if coordinator:
        rows = db.session.execute(
            select(Flag.post_id, func.count(Flag.id))
            .join(Post, Post.id == Flag.post_id)
            .where(Post.recommendation_id == thread.id)
            .group_by(Flag.post_id)
        )
        flag_counts = dict(rows.all())
    window = edit_window()
    editable = {
        post.id for post in posts if member and edit_refusal(post, user, now, window) is None
    }
    return ThreadPage(
        thread=thread,
        posts=posts,
        tally=stance_tallies([thread.id]).get(thread.id, Tally()),
        supports=support_counts([thread.id]).get(thread.id, 0),
        endorsed=endorsed is not None,
        follow=follow,
        new_ids=new_ids,
        flag_counts=flag_counts,
        flagged_by_me=flagged_by_me,
        editable_ids=editable,
        transitions=TRANSITIONS.get(thread.status, ()) if coordinator else (),
        is_coordinator=coordinator,
        is_member=member,
        pager=Pager(page, pages, total),
    )


def record_visit(page: ThreadPage, user: Any) -> None:
    """A follower has seen the thread now: later replies will be marked new."""
    if page.follow is None:
        return
    thread_id, user_id = page.thread.id, user.id
    newer = db.session.scalar(
        select(Post.id)
        .where(Post.recommendation_id == thread_id, Post.created_at > page.follow.last_seen_at)
        .limit(1)
    )
    if newer is None:
        # Nothing was posted since: the marks stay the same, so nothing is written (a
        # write would change the data version and empty every reader's cached pages).
        return
    # A GET reads first; take the SQLite write lock before writing (no-op on PostgreSQL).
    begin_write_transaction(db.session)
    db.session.execute(
        update(ThreadFollow)
        .where(ThreadFollow.recommendation_id == thread_id, ThreadFollow.user_id == user_id)
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )
