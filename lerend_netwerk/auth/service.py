"""Accounts: creating them, checking passwords, loading the signed-in user."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from lerend_netwerk.auth.models import ROLES, User
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db

MIN_PASSWORD_LENGTH = 10

# A wrong e-mail costs as much as a wrong password: no timing hint about who has an account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message is for people."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == User.normalise_email(email))
    )


def create_user(
    *,
    email: str,
    name: str,
    role: str = "member",
    password: str | None = None,
    organisation=None,
) -> User:
    """Create an account; the e-mail must be new (case-insensitively)."""
    email = User.normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if not email or "@" not in email:
        raise AccountError(f"invalid e-mail address {email!r}")
    if not name.strip():
        raise AccountError("a name is required")
    if find_user_by_email(email) is not None:
        raise AccountError(f"an account with e-mail {email} already exists")
    if password is not None:
        check_password_rules(password)
    user = User(email=email, name=name.strip(), role=role, organisation=organisation)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


def email_fingerprint(email: str) -> str:
    """A short stable hash of an e-mail address: log lines link failures without the address."""
    import hashlib

    digest = hashlib.sha256(User.normalise_email(email or "").encode()).hexdigest()
    return f"email#{digest[:12]}"


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def authenticate(email: str, password: str) -> User | None:
    """The active user with this e-mail and password, or None (same cost either way)."""
    user = find_user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the id carries the session version (see User.get_id)."""
    try:
        raw_id, raw_version = user_id.split(":", 1)
        ident, version = int(raw_id), int(raw_version)
    except ValueError:
        return None
    user = db.session.get(User, ident)
    if user is None or user.session_version != version or not user.active:
        return None
    return user


def renew_calendar_token(user: User) -> str:
    """Give the user a new personal feed token; the old feed URL stops working."""
    user.renew_calendar_token()
    db.session.flush()
    return user.calendar_token


def touch(user: User, when: datetime | None = None) -> None:
    user.updated_at = when or utcnow()
