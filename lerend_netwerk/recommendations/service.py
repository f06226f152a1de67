"""The rules of recommendation threads: replies, supports, follows, workflow, moderation.

Every function takes the acting user (anonymous allowed where reading) and applies the
visibility rule of `lerend_netwerk.visibility`; services only flush, the view commits.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import and_, func, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError, SignInRequired
from lerend_netwerk.core.paging import PageLinks
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.proeftuinen.models import LEVEL_LABELS, LEVELS, Proeftuin
from lerend_netwerk.recommendations.models import (
    FLAG_REASONS,
    RECOMMENDATION_STATUS_LABELS,
    RECOMMENDATION_STATUSES,
    STANCES,
    Endorsement,
    Flag,
    Post,
    PostRevision,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.sqlite import begin_write_transaction
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import VISIBILITIES, can_see, is_coordinator, visible_clause

DEFAULT_EDIT_WINDOW_MINUTES = 30
MAX_BODY_LENGTH = 20_000
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
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


# --- small value objects the templates read -------------------------------------------


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


ARGUMENT_HEADINGS = (
    ("eens", "Argumenten voor"),
    ("oneens", "Argumenten tegen"),
    ("neutraal", "Nuances"),
)


# --- helpers --------------------------------------------------------------------------


DEFAULT_REPLIES_PER_PAGE = 50


def replies_per_page() -> int:
    value = current_app.config.get("RECOMMENDATION_REPLIES_PER_PAGE")
    return max(1, int(value or DEFAULT_REPLIES_PER_PAGE))


def page_of_post(post_id: int, user: Any) -> int:
    """The page of its thread on which `user` finds this reply (1 when unknown)."""
    post = db.session.get(Post, post_id)
    if post is None:
        return 1
    before = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.recommendation_id == post.recommendation_id,
            _visible_posts_clause(user),
            or_(
                Post.created_at < post.created_at,
                and_(Post.created_at == post.created_at, Post.id < post.id),
            ),
        )
    )
    return before // replies_per_page() + 1


def edit_window() -> timedelta:
    """How long after writing an author may still edit a reply."""
    minutes = current_app.config.get(
        "RECOMMENDATION_EDIT_WINDOW_MINUTES", DEFAULT_EDIT_WINDOW_MINUTES
    )
    return timedelta(minutes=int(minutes))


def _require_member(user: Any) -> None:
    """Only signed-in users (the views redirect visitors to the login page first)."""
    if not getattr(user, "is_authenticated", False):
        raise SignInRequired()


def _require_coordinator(user: Any) -> None:
    """Only coordinators and admins."""
    _require_member(user)
    if not is_coordinator(user):
        raise ForbiddenError()


def _visible_posts_clause(user: Any):
    """Replies a viewer may see: coordinators also see hidden ones."""
    if is_coordinator(user):
        return true()
    return Post.hidden_at.is_(None)


def _add_once(obj: Any) -> bool:
    """Insert a row guarded by a unique constraint; False when it already existed."""
    try:
        with db.session.begin_nested():
            db.session.add(obj)
        return True
    except IntegrityError:
        return False


def _tallies(thread_ids: list[int]) -> dict[int, Tally]:
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


def _support_counts(thread_ids: list[int]) -> dict[int, int]:
    """Supports per thread."""
    if not thread_ids:
        return {}
    rows = db.session.execute(
        select(Endorsement.recommendation_id, func.count(Endorsement.id))
        .where(Endorsement.recommendation_id.in_(thread_ids))
        .group_by(Endorsement.recommendation_id)
    )
    return dict(rows.all())


def _new_counts(thread_ids: list[int], user: Any) -> dict[int, int]:
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
    if post.is_hidden and not is_coordinator(user):
        raise NotFoundError()
    return post


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


def demote_headings(markdown_text: str, levels: int = 2) -> str:
    """Move ATX headings down so a body fits under the report's own headings."""
    out: list[str] = []
    fenced = False
    for line in markdown_text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
        elif not fenced and re.match(r"^#{1,6}\s", line):
            hashes = len(line) - len(line.lstrip("#"))
            line = "#" * min(6, hashes + levels) + line[hashes:]
        out.append(line)
    return "\n".join(out)


def markdown_escape(text: str) -> str:
    """Plain text that Markdown renders literally (no markup, no raw HTML)."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = re.sub(r"([\\`*_\[\]{}#|!])", r"\\\1", text)
    # What would start a list item at the beginning of a line stays text.
    text = re.sub(r"^([-+])", r"\\\1", text)
    return re.sub(r"^(\d+)([.)])", r"\1\\\2", text)


# --- reading --------------------------------------------------------------------------


def list_threads(
    user: Any,
    *,
    theme: str | None = None,
    level: str | None = None,
    status: str | None = None,
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
    threads = list(db.session.scalars(query))
    ids = [thread.id for thread in threads]
    tallies, supports, new = _tallies(ids), _support_counts(ids), _new_counts(ids, user)
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
    coordinator = is_coordinator(user)
    per_page = replies_per_page()
    total = db.session.scalar(
        select(func.count(Post.id)).where(
            Post.recommendation_id == thread.id, _visible_posts_clause(user)
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
            .where(Post.recommendation_id == thread.id, _visible_posts_clause(user))
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
        post.id for post in posts if member and _edit_refusal(post, user, now, window) is None
    }
    return ThreadPage(
        thread=thread,
        posts=posts,
        tally=_tallies([thread.id]).get(thread.id, Tally()),
        supports=_support_counts([thread.id]).get(thread.id, 0),
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
    # A GET reads first; take the SQLite write lock before writing (no-op on PostgreSQL).
    begin_write_transaction(db.session)
    db.session.execute(
        update(ThreadFollow)
        .where(ThreadFollow.recommendation_id == thread_id, ThreadFollow.user_id == user_id)
        .values(last_seen_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- replies --------------------------------------------------------------------------


def add_reply(
    slug: str, user: Any, *, body: str, stance: str, parent_id: int | None = None
) -> Post:
    """A member replies with a stance, optionally answering another visible reply."""
    _require_member(user)
    thread = get_thread(slug, user)
    if thread.closed:
        raise RecommendationError(
            "Deze draad is gesloten: er kunnen geen nieuwe reacties meer bij."
        )
    body = (body or "").strip()
    if not body:
        raise RecommendationError("Schrijf een reactie.", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise RecommendationError(
            f"Een reactie telt hoogstens {MAX_BODY_LENGTH} tekens.", field="body"
        )
    if stance not in STANCES:
        raise RecommendationError("Kies eens, oneens of neutraal.", field="stance")
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
    if db.session.scalar(_follow_query(thread.id, user.id)) is None:
        _add_once(ThreadFollow(recommendation_id=thread.id, user_id=user.id))
    from lerend_netwerk.recommendations.notify import notify_reply

    notify_reply(post)
    return post


def thread_url_path(thread: Recommendation, post: Post | None = None) -> str:
    """The site path of a thread, at one reply (on its page, as members see it) when given."""
    path = f"/aanbevelingen/{thread.slug}"
    if post is None:
        return path
    page = page_of_post(post.id, None)
    return f"{path}?page={page}#reactie-{post.id}" if page > 1 else f"{path}#reactie-{post.id}"


def _follow_query(thread_id: int, user_id: int):
    """The follow row of one member for one thread."""
    return select(ThreadFollow).where(
        ThreadFollow.recommendation_id == thread_id, ThreadFollow.user_id == user_id
    )


def _edit_refusal(post: Post, user: Any, now: datetime, window: timedelta) -> str | None:
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
    _require_member(user)
    post = get_post(slug, post_id, user)
    if post.author_id != user.id:
        raise ForbiddenError()
    refusal = _edit_refusal(post, user, now or utcnow(), edit_window())
    if refusal:
        raise RecommendationError(refusal)
    return post


def edit_reply(
    slug: str, post_id: int, user: Any, *, body: str, stance: str, now: datetime | None = None
) -> Post:
    """The author edits a reply within the edit window; the old version is kept."""
    now = now or utcnow()
    post = editable_post(slug, post_id, user, now)
    body = (body or "").strip()
    if not body:
        raise RecommendationError("Schrijf een reactie.", field="body")
    if len(body) > MAX_BODY_LENGTH:
        raise RecommendationError(
            f"Een reactie telt hoogstens {MAX_BODY_LENGTH} tekens.", field="body"
        )
    if stance not in STANCES:
        raise RecommendationError("Kies eens, oneens of neutraal.", field="stance")
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
    _require_coordinator(user)
    post = get_post(slug, post_id, user)
    revisions = list(
        db.session.scalars(
            select(PostRevision)
            .where(PostRevision.post_id == post.id)
            .order_by(PostRevision.created_at, PostRevision.id)
        )
    )
    return post, revisions


# --- supports and follows -------------------------------------------------------------


def toggle_endorsement(slug: str, user: Any) -> bool:
    """Support a proposal, or withdraw the support; True when the member now supports it."""
    _require_member(user)
    thread = get_thread(slug, user)
    if thread.closed:
        raise RecommendationError("Deze draad is gesloten: de steun kan niet meer wijzigen.")
    existing = db.session.scalar(
        select(Endorsement).where(
            Endorsement.recommendation_id == thread.id, Endorsement.user_id == user.id
        )
    )
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    _add_once(Endorsement(recommendation_id=thread.id, user_id=user.id))
    return True


def toggle_follow(slug: str, user: Any) -> bool:
    """Follow or unfollow a thread; True when the member now follows it."""
    _require_member(user)
    thread = get_thread(slug, user)
    existing = db.session.scalar(_follow_query(thread.id, user.id))
    if existing is not None:
        db.session.delete(existing)
        db.session.flush()
        return False
    _add_once(ThreadFollow(recommendation_id=thread.id, user_id=user.id))
    return True


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
    tallies, supports, new = _tallies(ids), _support_counts(ids), _new_counts(ids, user)
    return [
        ThreadSummary(t, tallies.get(t.id, Tally()), supports.get(t.id, 0), new.get(t.id, 0))
        for t in threads
    ]


# --- workflow (coordinators) ----------------------------------------------------------


def allowed_transitions(status: str) -> tuple[str, ...]:
    """The statuses a thread in `status` may move to."""
    return TRANSITIONS.get(status, ())


def change_status(
    slug: str, user: Any, new_status: str, reason: str, now: datetime | None = None
) -> Recommendation:
    """Move a thread along the workflow; a decision needs a reason."""
    _require_coordinator(user)
    thread = get_thread(slug, user)
    if new_status not in allowed_transitions(thread.status):
        old = RECOMMENDATION_STATUS_LABELS.get(thread.status, thread.status)
        new = RECOMMENDATION_STATUS_LABELS.get(new_status, new_status)
        raise RecommendationError(
            f"Een aanbeveling met status ‘{old}’ kan niet naar ‘{new}’.", field="status"
        )
    reason = (reason or "").strip()
    if new_status in DECISIONS and not reason:
        raise RecommendationError(
            "Geef een reden: die komt bij de beslissing en in het eindrapport.", field="reason"
        )
    record_audit(user, "recommendation.status_changed", thread, f"{thread.status} → {new_status}")
    thread.status = new_status
    thread.status_reason = reason
    thread.status_changed_at = now or utcnow()
    db.session.flush()
    from lerend_netwerk.recommendations.notify import notify_status

    notify_status(thread, user)
    return thread


def set_closed(slug: str, user: Any, closed: bool) -> Recommendation:
    """Close a thread for new replies, or reopen it."""
    _require_coordinator(user)
    thread = get_thread(slug, user)
    if thread.closed == closed:
        raise RecommendationError(
            "Deze draad is al gesloten." if closed else "Deze draad is al open voor reacties."
        )
    thread.closed = closed
    record_audit(user, "recommendation.closed" if closed else "recommendation.reopened", thread)
    db.session.flush()
    return thread


def _apply_thread_fields(thread: Recommendation, data: dict[str, Any]) -> None:
    """Check every field of the thread form first, then set them all."""
    title = (data.get("title") or "").strip()
    slug = (data.get("slug") or "").strip()
    if not title:
        raise RecommendationError("Geef een titel.", field="title")
    if not SLUG_RE.match(slug):
        raise RecommendationError(
            "Enkel kleine letters, cijfers en koppeltekens (bv. extra-financiering).",
            field="slug",
        )
    if slug in RESERVED_SLUGS:
        raise RecommendationError("Dit webadres is voorbehouden; kies een ander.", field="slug")
    same_slug = select(Recommendation.id).where(Recommendation.slug == slug)
    if thread.id is not None:
        same_slug = same_slug.where(Recommendation.id != thread.id)
    taken = db.session.scalar(same_slug)
    if taken is not None:
        raise RecommendationError("Er is al een aanbeveling met dit webadres.", field="slug")
    theme = db.session.get(Theme, data.get("theme_id") or 0)
    if theme is None:
        raise RecommendationError("Kies een thema.", field="theme_id")
    level = data.get("level") or None
    if level is not None and level not in LEVELS:
        raise RecommendationError("Kies een niveau uit de lijst.", field="level")
    visibility = data.get("visibility") or "public"
    if visibility not in VISIBILITIES:
        raise RecommendationError("Kies openbaar of enkel leden.", field="visibility")
    proeftuin_ids = [int(i) for i in data.get("proeftuin_ids") or []]
    proeftuinen = (
        list(db.session.scalars(select(Proeftuin).where(Proeftuin.id.in_(proeftuin_ids))))
        if proeftuin_ids
        else []
    )
    if len(proeftuinen) != len(set(proeftuin_ids)):
        raise RecommendationError("Kies proeftuinen uit de lijst.", field="proeftuin_ids")
    thread.title, thread.slug, thread.theme = title, slug, theme
    thread.proeftuinen = sorted(proeftuinen, key=lambda p: p.title)
    thread.level, thread.visibility = level, visibility
    thread.body = (data.get("body") or "").strip()


def create_thread(user: Any, data: dict[str, Any]) -> Recommendation:
    """A coordinator opens a new thread with a proposal text."""
    _require_coordinator(user)
    thread = Recommendation(status="open", author_id=user.id, status_reason="", closed=False)
    _apply_thread_fields(thread, data)
    db.session.add(thread)
    db.session.flush()
    return thread


def update_thread(slug: str, user: Any, data: dict[str, Any]) -> Recommendation:
    """A coordinator edits a thread's title, address, theme, level, visibility and text."""
    _require_coordinator(user)
    thread = get_thread(slug, user)
    _apply_thread_fields(thread, data)
    db.session.flush()
    return thread


def theme_choices() -> list[tuple[int, str]]:
    """Themes for the thread form."""
    return [(t.id, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.title))]


def proeftuin_choices() -> list[tuple[int, str]]:
    """Proeftuinen for the thread form."""
    return [
        (p.id, p.title) for p in db.session.scalars(select(Proeftuin).order_by(Proeftuin.title))
    ]


def level_choices() -> list[tuple[str, str]]:
    """Levels for the thread form; empty means every level."""
    return [("", "Alle niveaus"), *LEVEL_LABELS.items()]


# --- moderation -----------------------------------------------------------------------


def flaggable_post(slug: str, post_id: int, user: Any) -> Post:
    """A reply the member may still report: not hidden, not their own, not reported yet."""
    _require_member(user)
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
    if not _add_once(flag):
        raise RecommendationError("Je meldde deze reactie al; de moderatoren bekijken ze.")
    from lerend_netwerk.recommendations.moderation import hide_when_flagged_enough

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
    _require_coordinator(user)
    post = get_post(slug, post_id, user)
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
    _require_coordinator(user)
    post = get_post(slug, post_id, user)
    if not post.is_hidden:
        raise RecommendationError("Deze reactie is niet verborgen.")
    post.hidden_at, post.hidden_reason, post.hidden_by_id = None, "", None
    # Showing it again is the coordinator's judgement on any report still open.
    _resolve_flags(post, utcnow())
    record_audit(user, "reply.unhidden", post, f"reactie #{post.id} in {slug}")
    db.session.flush()
    return post


def dismiss_flags(slug: str, post_id: int, user: Any) -> int:
    """A coordinator judges the reports unfounded: the reply stays, it leaves the queue."""
    _require_coordinator(user)
    post = get_post(slug, post_id, user)
    count = _resolve_flags(post, utcnow())
    if not count:
        raise RecommendationError("Er zijn geen open meldingen voor deze reactie.")
    db.session.flush()
    return count


def moderation_queue(user: Any) -> dict[str, list[Post]]:
    """Replies with open reports (most reported first), replies hidden by their reports
    awaiting review, and the other hidden replies."""
    _require_coordinator(user)
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
            .where(Post.flags.any(Flag.resolved_at.is_(None)), Post.hidden_at.is_(None))
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
            .where(Post.hidden_at.is_not(None))
            .order_by(Post.hidden_at.desc())
        ).unique()
    )
    # Hidden by the reports themselves, waiting for a coordinator's decision.
    pending = [post for post in hidden if any(f.resolved_at is None for f in post.flags)]
    hidden = [post for post in hidden if post not in pending]
    return {"flagged": flagged, "pending": pending, "hidden": hidden}
