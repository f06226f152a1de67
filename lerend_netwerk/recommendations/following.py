"""Following a thread: the mail preference, and the signed link in every mail that
unfollows one thread (also RFC 8058 one-click List-Unsubscribe). The mails themselves are
the mail package's (`mail/threads.py`), sent when the threads announce a reply, a status
or a hidden reply (`signals.py`).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from lerend_netwerk.calendar.links import site_url
from lerend_netwerk.core.templating import site_path
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations.models import Post, Recommendation, ThreadFollow

THREAD_MAIL_CHOICES = {
    "direct": "Meteen: een mail bij elke nieuwe reactie of status",
    "dagelijks": "Eén keer per dag een overzicht",
    "wekelijks": "Eén keer per week een overzicht",
    "nooit": "Geen mails over gevolgde aanbevelingen",
}


# --- the one-click unfollow link ------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="thread-unfollow")


def unfollow_token(user: Any, thread: Recommendation) -> str:
    return _serializer().dumps([user.id, thread.id])


def unfollow_url(user: Any, thread: Recommendation) -> str:
    token = unfollow_token(user, thread)
    return site_url() + site_path("recommendations.unfollow_link", token=token)


def read_unfollow_token(token: str) -> tuple[int, int] | None:
    """(user id, thread id) of a valid link; None for anything tampered with."""
    try:
        value = _serializer().loads(token)
    except BadSignature:
        return None
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
    ):
        return value[0], value[1]
    return None


def thread_url(thread: Recommendation, post: Post | None = None) -> str:
    from lerend_netwerk.recommendations.threads import thread_url_path

    return f"{site_url()}{thread_url_path(thread, post)}"


# --- unfollowing from a mail ----------------------------------------------------------


def resolve_unfollow(token: str) -> tuple[Any, Recommendation] | None:
    """The member and thread of an unfollow link; None when it is invalid or stale."""
    from lerend_netwerk.auth.models import User

    found = read_unfollow_token(token)
    if found is None:
        return None
    user, thread = db.session.get(User, found[0]), db.session.get(Recommendation, found[1])
    if user is None or thread is None:
        return None
    return user, thread


def unfollow(user: Any, thread: Recommendation) -> bool:
    """Stop following; False when the member no longer followed the thread."""
    follow = db.session.scalar(
        select(ThreadFollow).where(
            ThreadFollow.recommendation_id == thread.id, ThreadFollow.user_id == user.id
        )
    )
    if follow is None:
        return False
    db.session.delete(follow)
    db.session.flush()
    return True


def set_thread_mail(user: Any, preference: str) -> None:
    if preference not in THREAD_MAIL_CHOICES:
        raise ValueError(preference)
    user.thread_mail = preference
    db.session.flush()
