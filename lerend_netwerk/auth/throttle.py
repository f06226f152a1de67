"""Throttling failed sign-ins and reset requests, counted in the shared database.

Every gunicorn worker and every host of an installation uses the same database, so a
count kept there holds across all of them without any extra service. Budgets are
Flask-Limiter style strings ("10 per 15 minutes"), read from the config:

- LOGIN_FAILURES_PER_ACCOUNT / LOGIN_FAILURES_PER_ADDRESS: wrong passwords per typed
  e-mail address and per client address. Successful sign-ins are not counted.
- PASSWORD_RESET_PER_ACCOUNT / PASSWORD_RESET_PER_ADDRESS: reset requests.
- GUEST_REQUESTS_PER_EMAIL / GUEST_REQUESTS_PER_ADDRESS: guests' registrations for a
  session (each one mails the typed address).

An attempt is recorded *before* it is judged and removed when it is refused (or, for a
sign-in, when it succeeds). Concurrent attempts therefore all see each other, and no
burst, however parallel, gets more than the budget through.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app, request
from limits import RateLimitItem, parse
from sqlalchemy import delete, func, select

from lerend_netwerk.auth.models import ThrottleEvent, User
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.sqlite import begin_write_transaction

LOGIN_ACCOUNT = "login-account"
LOGIN_ADDRESS = "login-address"
RESET_ACCOUNT = "reset-account"
RESET_ADDRESS = "reset-address"
GUEST_EMAIL = "guest-email"
GUEST_ADDRESS = "guest-address"

SETTINGS = {
    LOGIN_ACCOUNT: "LOGIN_FAILURES_PER_ACCOUNT",
    LOGIN_ADDRESS: "LOGIN_FAILURES_PER_ADDRESS",
    RESET_ACCOUNT: "PASSWORD_RESET_PER_ACCOUNT",
    RESET_ADDRESS: "PASSWORD_RESET_PER_ADDRESS",
    GUEST_EMAIL: "GUEST_REQUESTS_PER_EMAIL",
    GUEST_ADDRESS: "GUEST_REQUESTS_PER_ADDRESS",
}


def budget(scope: str) -> RateLimitItem:
    """The configured budget of a scope, parsed (the first one if several are given)."""
    return parse(current_app.config[SETTINGS[scope]])


def window(scope: str) -> timedelta:
    return timedelta(seconds=budget(scope).get_expiry())


def account_key(email: str) -> str:
    """A hash of the typed address: known and unknown addresses are counted alike."""
    return hashlib.sha256(User.normalise_email(email or "").encode()).hexdigest()


def client_address() -> str:
    """The client's address (behind PROXY_HOPS trusted proxies, the forwarded one)."""
    return (request.remote_addr or "unknown")[:64]


@dataclass
class Attempt:
    """The outcome of counting one attempt."""

    allowed: bool
    event_ids: list[int] = field(default_factory=list)
    refused_scope: str | None = None
    retry_after: int = 0  # seconds until the spent budget has room again

    @property
    def retry_minutes(self) -> int:
        return max(1, math.ceil(self.retry_after / 60))

    @property
    def message(self) -> str:
        """Why the attempt was refused and how long to wait, in Dutch."""
        minutes = self.retry_minutes
        wait = f"over {minutes} {'minuut' if minutes == 1 else 'minuten'}"
        return REFUSALS[self.refused_scope or LOGIN_ACCOUNT].format(wait=wait)


# Known and unknown addresses get the same words: a refusal tells nothing about accounts.
REFUSALS = {
    LOGIN_ACCOUNT: (
        "Er is te vaak een verkeerd wachtwoord ingegeven voor dit e-mailadres. Probeer het "
        "{wait} opnieuw, of vraag via ‘Wachtwoord vergeten?’ een nieuw wachtwoord aan."
    ),
    LOGIN_ADDRESS: (
        "Vanaf jouw netwerk is te vaak een verkeerd wachtwoord ingegeven. "
        "Probeer het {wait} opnieuw."
    ),
    RESET_ACCOUNT: "Je vroeg te vaak een nieuwe link aan. Probeer het {wait} opnieuw.",
    RESET_ADDRESS: "Je vroeg te vaak een nieuwe link aan. Probeer het {wait} opnieuw.",
    GUEST_EMAIL: "Voor dit e-mailadres werd te vaak ingeschreven. Probeer het {wait} opnieuw.",
    GUEST_ADDRESS: "Vanaf jouw netwerk werd te vaak ingeschreven. Probeer het {wait} opnieuw.",
}


def _count(scope: str, key: str, since: datetime) -> int:
    return db.session.scalar(
        select(func.count(ThrottleEvent.id)).where(
            ThrottleEvent.scope == scope,
            ThrottleEvent.key == key,
            ThrottleEvent.created_at > since,
        )
    )


def _oldest(scope: str, key: str, since: datetime) -> datetime | None:
    return db.session.scalar(
        select(func.min(ThrottleEvent.created_at)).where(
            ThrottleEvent.scope == scope,
            ThrottleEvent.key == key,
            ThrottleEvent.created_at > since,
        )
    )


def _commit_and_continue() -> None:
    """Commit so that other workers see the row, then hold SQLite's write lock again."""
    db.session.commit()
    begin_write_transaction(db.session)


def attempt(checks: list[tuple[str, str]]) -> Attempt:
    """Count one attempt against each (scope, key); refuse it if any budget is spent.

    Commits: the recorded rows must be visible to every other worker before judging.
    """
    now = utcnow()
    purge_expired({scope for scope, _ in checks}, now)
    events = [ThrottleEvent(scope=scope, key=key, created_at=now) for scope, key in checks]
    db.session.add_all(events)
    db.session.flush()
    ids = [event.id for event in events]
    _commit_and_continue()
    for scope, key in checks:
        limit = budget(scope)
        since = now - window(scope)
        if _count(scope, key, since) > limit.amount:
            oldest = _oldest(scope, key, since) or now
            retry = (oldest + window(scope) - utcnow()).total_seconds()
            forget(Attempt(True, ids))
            return Attempt(False, [], refused_scope=scope, retry_after=max(1, math.ceil(retry)))
    return Attempt(True, ids)


def purge_expired(scopes=SETTINGS, now: datetime | None = None) -> None:
    """Delete the rows older than their window: they count for nothing any more.

    Run with each attempt (its own scopes) and by every `mail send` round (all scopes),
    so that nothing is kept longer than its window even when no one signs in.
    """
    now = now or utcnow()
    for scope in scopes:
        db.session.execute(
            delete(ThrottleEvent).where(
                ThrottleEvent.scope == scope, ThrottleEvent.created_at <= now - window(scope)
            )
        )


def forget(result: Attempt) -> None:
    """Take the attempt's rows back (a successful sign-in, or a refused attempt)."""
    if result.event_ids:
        db.session.execute(delete(ThrottleEvent).where(ThrottleEvent.id.in_(result.event_ids)))
    _commit_and_continue()


def clear(scope: str, key: str) -> None:
    """Forget every counted attempt of one key (the account's owner signed in)."""
    db.session.execute(
        delete(ThrottleEvent).where(ThrottleEvent.scope == scope, ThrottleEvent.key == key)
    )


def log_refusal(result: Attempt) -> None:
    """The line a lock-out monitor (fail2ban, a log alert) watches for."""
    current_app.logger.warning(
        "rate limit exceeded on %s %s from %s (%s budget %s spent)",
        request.method,
        request.path,
        client_address(),
        result.refused_scope,
        current_app.config[SETTINGS[result.refused_scope or LOGIN_ACCOUNT]],
    )
