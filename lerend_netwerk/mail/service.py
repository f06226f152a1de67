"""The rules behind the mail pages: preferences and unsubscribing from a link."""

from __future__ import annotations

from dataclasses import dataclass

from lerend_netwerk.auth.models import User
from lerend_netwerk.extensions import db
from lerend_netwerk.mail.tokens import PURPOSES, read_unsubscribe_token

PURPOSE_LABELS = {
    "reminders": "herinneringen voor sessies",
    "digest": "het wekelijkse overzicht",
}


@dataclass(frozen=True)
class Unsubscription:
    user: User
    purpose: str

    @property
    def label(self) -> str:
        return PURPOSE_LABELS[self.purpose]

    @property
    def subscribed(self) -> bool:
        return bool(getattr(self.user, PURPOSES[self.purpose]))


def resolve_unsubscribe(token: str) -> Unsubscription | None:
    """Who and what an unsubscribe link is for; None when the link is invalid."""
    found = read_unsubscribe_token(token)
    if found is None:
        return None
    user_id, purpose = found
    user = db.session.get(User, user_id)
    if user is None:
        return None
    return Unsubscription(user=user, purpose=purpose)


def unsubscribe(subscription: Unsubscription) -> None:
    """Turn off the preference the link is about (flush only)."""
    setattr(subscription.user, PURPOSES[subscription.purpose], False)
    db.session.flush()


def set_preferences(user: User, *, wants_reminders: bool, wants_digest: bool) -> None:
    """Save the member's mail preferences (flush only)."""
    user.wants_reminders = bool(wants_reminders)
    user.wants_digest = bool(wants_digest)
    db.session.flush()
