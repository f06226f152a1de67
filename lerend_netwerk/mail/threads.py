"""Mail to the followers of a thread: a new reply or a new status, now or in an overview.

Every member chooses once (`User.thread_mail`) how they hear about the threads they
follow: "direct" (a mail per reply or status change), "dagelijks" or "wekelijks" (one
overview mail) or "nooit". Each mail links to the reply and carries a signed link that
unfollows that one thread, also as RFC 8058 one-click List-Unsubscribe. Mails go through
the outbox in the transaction of the change, with a dedupe key so nothing is sent twice.

Settings: MAIL_DIGEST_HOUR (8, Brussels time) and MAIL_DIGEST_WEEKDAY (0 = Monday), shared
with the weekly digest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.calendar.links import site_url
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.messages import queue_rendered, render_mail
from lerend_netwerk.mail.outbox import queue_mail
from lerend_netwerk.mail.scheduled import _existing_keys
from lerend_netwerk.recommendations.following import thread_url, unfollow_url
from lerend_netwerk.recommendations.models import Post, Recommendation, ThreadFollow
from lerend_netwerk.timeutil import BRUSSELS, nl_date
from lerend_netwerk.visibility import can_see

DIGEST_FREQUENCIES = {"dagelijks": timedelta(days=1), "wekelijks": timedelta(days=7)}


def _headers(user: Any, thread: Recommendation) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unfollow_url(user, thread)}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


# --- right away -----------------------------------------------------------------------


def _followers(thread: Recommendation, *, preference: str, exclude: int | None) -> list[Any]:
    """Active followers with this preference who may still see the thread."""
    from lerend_netwerk.auth.models import User

    users = db.session.scalars(
        select(User)
        .join(ThreadFollow, ThreadFollow.user_id == User.id)
        .where(
            ThreadFollow.recommendation_id == thread.id,
            User.active.is_(True),
            User.thread_mail == preference,
            or_(exclude is None, User.id != exclude),
        )
        .order_by(User.id)
    )
    return [user for user in users if can_see(user, thread)]


def _mail_direct_followers(
    thread: Recommendation,
    *,
    exclude: int | None,
    template: str,
    subject: str,
    dedupe: str,
    **context: Any,
) -> int:
    """Queue `template` for every follower who wants each change right away, except
    `exclude` (who caused it); how many mails were queued."""
    queued = 0
    for user in _followers(thread, preference="direct", exclude=exclude):
        queued += queue_rendered(
            user,
            subject,
            template,
            unsubscribe_url=unfollow_url(user, thread),
            headers=_headers(user, thread),
            dedupe_key=f"{dedupe}:{user.id}",
            thread=thread,
            **context,
        )
    return queued


def notify_reply(post: Post) -> int:
    """Mail the followers who want every reply; how many mails were queued."""
    thread = post.recommendation
    return _mail_direct_followers(
        thread,
        exclude=post.author_id,
        template="thread_reply",
        subject=f"Nieuwe reactie: {thread.title}",
        dedupe=f"thread-reply:{post.id}",
        post=post,
        author=post.author.name if post.author else "Een lid",
        reply_url=thread_url(thread, post),
    )


def notify_status(thread: Recommendation, actor: Any) -> int:
    """Mail the followers who want every change that the thread's status changed."""
    changed = thread.status_changed_at or utcnow()
    return _mail_direct_followers(
        thread,
        exclude=getattr(actor, "id", None),
        template="thread_status",
        subject=f"Nieuwe status ‘{thread.status_label}’: {thread.title}",
        dedupe=f"thread-status:{thread.id}:{int(changed.timestamp())}",
        thread_link=thread_url(thread),
    )


# --- in an overview -------------------------------------------------------------------


@dataclass
class ThreadNews:
    """What changed in one followed thread during the period."""

    thread: Recommendation
    replies: list[Post] = field(default_factory=list)
    status_changed: bool = False
    unfollow_url: str = ""


def _setting(name: str, default: int) -> int:
    value = current_app.config.get(name)
    return default if value is None else int(value)


def overview_moment(now: datetime, frequency: str) -> datetime:
    """The latest daily or weekly moment at or before `now` (08:00 in Brussels)."""
    local = now.astimezone(BRUSSELS)
    hour = time(_setting("MAIL_DIGEST_HOUR", 8))
    day = local.date()
    if frequency == "wekelijks":
        day = (
            day
            - timedelta(days=local.weekday())
            + timedelta(days=_setting("MAIL_DIGEST_WEEKDAY", 0))
        )
    moment = datetime.combine(day, hour, tzinfo=BRUSSELS)
    if moment > local:
        moment -= DIGEST_FREQUENCIES[frequency]
    return moment


def thread_news(user: Any, start: datetime, end: datetime) -> list[ThreadNews]:
    """New visible replies by others and status changes in the threads `user` follows."""
    threads = [
        thread
        for thread in db.session.scalars(
            select(Recommendation)
            .join(ThreadFollow, ThreadFollow.recommendation_id == Recommendation.id)
            .where(ThreadFollow.user_id == user.id)
            .order_by(Recommendation.title)
        )
        if can_see(user, thread)
    ]
    news: list[ThreadNews] = []
    for thread in threads:
        replies = list(
            db.session.scalars(
                select(Post)
                .options(selectinload(Post.author))
                .where(
                    Post.recommendation_id == thread.id,
                    Post.hidden_at.is_(None),
                    Post.created_at >= start,
                    Post.created_at < end,
                    or_(Post.author_id.is_(None), Post.author_id != user.id),
                )
                .order_by(Post.created_at, Post.id)
            )
        )
        changed = thread.status_changed_at is not None and start <= thread.status_changed_at < end
        if replies or changed:
            news.append(ThreadNews(thread, replies, changed, unfollow_url(user, thread)))
    return news


def queue_due_thread_overviews(now: datetime | None = None) -> int:
    """Queue the daily and weekly overviews that are due; idempotent per period."""
    from lerend_netwerk.auth.models import User

    now = now or utcnow()
    queued = 0
    for frequency, length in DIGEST_FREQUENCIES.items():
        moment = overview_moment(now, frequency)
        start = moment - length
        users = list(
            db.session.scalars(
                select(User)
                .where(User.active.is_(True), User.thread_mail == frequency)
                .order_by(User.id)
            )
        )
        stamp = moment.date().isoformat()
        keys = {user.id: f"thread-overview:{frequency}:{user.id}:{stamp}" for user in users}
        existing = _existing_keys(list(keys.values()))
        for user in users:
            if keys[user.id] in existing:
                continue
            news = thread_news(user, start, moment)
            if not news:
                continue
            text, html = render_mail(
                "thread_overview",
                user=user,
                news=news,
                frequency=frequency,
                period_start=start,
                thread_url=thread_url,
                unsubscribe_url=f"{site_url()}/account#voorkeuren",
            )
            mail = queue_mail(
                user,
                f"Gevolgde aanbevelingen: nieuws sinds {nl_date(start, 'd MMMM')}",
                text,
                html=html,
                kind="thread_overview",
                dedupe_key=keys[user.id],
            )
            queued += mail is not None
    return queued


# --- to the author of a reply that was hidden -----------------------------------------


def tell_author_reply_hidden(post: Post) -> None:
    """The author hears that the reply is hidden and that a coordinator will look at it."""
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
