"""Signed unsubscribe links: one salt per purpose, so a reminder link cannot stop the digest."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from lerend_netwerk.calendar.links import site_url

# purpose -> the User preference it turns off
PURPOSES = {"reminders": "wants_reminders", "digest": "wants_digest"}


def _serializer(purpose: str) -> URLSafeSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown unsubscribe purpose {purpose!r}")
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"mail-unsubscribe-{purpose}")


def unsubscribe_token(user: Any, purpose: str) -> str:
    """A token that identifies the user and the mail they want no more of."""
    return _serializer(purpose).dumps(user.id)


def unsubscribe_url(user: Any, purpose: str) -> str:
    """Absolute URL of the unsubscribe page for this user and purpose."""
    return f"{site_url()}/afmelden/{unsubscribe_token(user, purpose)}"


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, purpose) of a valid token, None for anything tampered with or unknown."""
    for purpose in PURPOSES:
        try:
            user_id = _serializer(purpose).loads(token)
        except BadSignature:
            continue
        if isinstance(user_id, int) and not isinstance(user_id, bool):
            return user_id, purpose
    return None
