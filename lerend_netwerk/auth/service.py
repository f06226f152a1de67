"""Accounts: creating and inviting them, passwords and resets, profiles, privacy."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app, render_template
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from lerend_netwerk.auth.models import (
    ROLES,
    AccountToken,
    LoginSession,
    PasswordResetRequest,
    User,
)
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.pagecache import read_row
from lerend_netwerk.core.templating import absolute_url
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.membership import join
from lerend_netwerk.signals import account_mail

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
INVITATION_VALIDITY = timedelta(days=14)
RESET_VALIDITY = timedelta(hours=2)

# A wrong e-mail costs as much as a wrong password: no timing hint about who has an account.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class AccountError(ValueError):
    """A request about accounts that cannot be honoured; the message is for people."""


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(
        select(User).where(func.lower(User.email) == User.normalise_email(email))
    )


def email_problem(email: str) -> str | None:
    """Why mail to this address can never be delivered (in Dutch), or None.

    Letters with accents before the @ need SMTPUTF8 on every server on the way (the
    relay and the recipient's); where one lacks it, every mail fails for good. Such
    addresses are refused at entry instead. An internationalised domain is fine: it is
    stored in its ASCII (IDNA) form.
    """
    value = (email or "").strip()
    if not value:
        return "Vul een e-mailadres in."
    local = value.rpartition("@")[0]
    if not local.isascii():
        odd = " ".join(sorted({char for char in local if not char.isascii()}))
        return (
            f"Naar ‘{value}’ kunnen we niet mailen: vóór de @ staan tekens die veel "
            f"mailservers niet aanvaarden ({odd}). Gebruik een adres met enkel letters "
            "zonder accent, cijfers en . _ - + vóór de @."
        )
    try:
        validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return f"‘{value}’ is geen geldig e-mailadres."
    return None


def create_user(
    *,
    email: str,
    name: str,
    role: str = "member",
    password: str | None = None,
    organisation=None,
    network_id: int | None = None,
) -> User:
    """Create an account; the e-mail must be new (case-insensitively).

    The account belongs to `network_id` (the default network when None): as coordinator
    there when `role` is coordinator or admin, else as member.
    """
    email = User.normalise_email(email)
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    problem = email_problem(email)
    if problem:
        raise AccountError(problem)
    if not name.strip():
        raise AccountError("a name is required")
    if find_user_by_email(email) is not None:
        raise AccountError(f"an account with e-mail {email} already exists")
    if password is not None:
        check_password_rules(password, email=email)
    user = User(email=email, name=name.strip(), role=role, organisation=organisation)
    if password is not None:
        user.set_password(password)
    db.session.add(user)
    db.session.flush()
    join(user, network_id, "member" if role == "member" else "coordinator")
    return user


@cache
def _common_passwords() -> frozenset[str]:
    text = (
        resources.files("lerend_netwerk.auth")
        .joinpath("common_passwords.txt")
        .read_text(encoding="utf-8")
    )
    return frozenset(
        line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")
    )


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why a password is refused (in Dutch), or None.

    Follows current guidance (NIST SP 800-63B): a minimum length, no composition
    rules, no forced rotation, and no passwords that are known to be common.
    """
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Kies een wachtwoord van minstens {MIN_PASSWORD_LENGTH} tekens."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Een wachtwoord mag hoogstens {MAX_PASSWORD_LENGTH} tekens lang zijn."
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(password)) < 4:
        return (
            "Dit wachtwoord is te voorspelbaar. Kies iets dat niet in lijsten van "
            "veelgebruikte wachtwoorden staat."
        )
    local_part = email.split("@", 1)[0].lower()
    if local_part and len(local_part) >= 4 and local_part in lowered:
        return "Je wachtwoord mag je e-mailadres niet bevatten."
    return None


def check_password_rules(password: str, *, email: str = "") -> None:
    problem = password_problem(password, email=email)
    if problem:
        raise AccountError(problem)


def email_fingerprint(email: str) -> str:
    """A short stable hash of an e-mail address: log lines link failures without the address."""
    digest = hashlib.sha256(User.normalise_email(email or "").encode()).hexdigest()
    return f"email#{digest[:12]}"


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
    """Flask-Login's loader: the id names a login session (see User.get_id)."""
    raw_id, _, token = user_id.partition(":")
    if not token or not raw_id.isdigit():
        return None
    # The member's networks come along: nearly every page asks for them (menu, access).
    record = (
        db.session.scalars(
            select(LoginSession)
            .options(joinedload(LoginSession.user).joinedload(User.network_memberships))
            .where(LoginSession.token_hash == _hash_token(token))
        )
        .unique()
        .one_or_none()
    )
    if record is None or str(record.user_id) != raw_id or record.expires_at <= utcnow():
        return None
    user = record.user
    if not user.active:
        return None
    user.login_token = token
    return user


LIVE_SESSION_SQL = (
    'SELECT login_session.user_id, login_session.expires_at, "user".active '
    'FROM login_session JOIN "user" ON "user".id = login_session.user_id '
    "WHERE login_session.token_hash = ?"
)


def live_reader_key(user_id: str) -> str | None:
    """For the page cache: a key naming this signed-in browser while load_user would
    accept `user_id` (Flask-Login's id in the session), else None.

    The same checks as load_user in one indexed read below the ORM: a cached page is
    served only while its login session lives and its account is active.
    """
    raw_id, _, token = user_id.partition(":")
    if not token or not raw_id.isdigit():
        return None
    token_hash = _hash_token(token)
    row = read_row(LIVE_SESSION_SQL, (token_hash,))
    if row is None:
        return None
    owner, expires_at, active = row
    if isinstance(expires_at, str):  # SQLite hands back the stored text
        expires_at = datetime.fromisoformat(expires_at)
    if expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    if str(owner) != raw_id or expires_at <= utcnow() or not active:
        return None
    return f"{raw_id}:{token_hash[:32]}"


def _lifetime(setting: str) -> timedelta:
    value = current_app.config[setting]
    return value if isinstance(value, timedelta) else timedelta(seconds=int(value))


def start_login_session(user: User, *, remember: bool = False) -> None:
    """Record a new signed-in browser for `user`; its cookies will carry the token.

    It lasts as long as the remember-me cookie, or PERMANENT_SESSION_LIFETIME without.
    """
    now = utcnow()
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, LoginSession.expires_at <= now)
    )
    token = secrets.token_urlsafe(32)
    lifetime = _lifetime("REMEMBER_COOKIE_DURATION" if remember else "PERMANENT_SESSION_LIFETIME")
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=_hash_token(token),
            remember=remember,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    user.login_token = token


def _current_session_clause(user: User):
    return LoginSession.token_hash == _hash_token(user.login_token or "")


def current_session_remembers(user: User) -> bool:
    return bool(
        db.session.scalar(
            select(LoginSession.remember).where(
                LoginSession.user_id == user.id, _current_session_clause(user)
            )
        )
    )


def end_login_session(user: User) -> None:
    """Sign this browser out: its session and remember-me cookies stop working."""
    db.session.execute(
        delete(LoginSession).where(LoginSession.user_id == user.id, _current_session_clause(user))
    )
    user.login_token = None


def end_all_login_sessions(user: User) -> int:
    """Sign the member out on every device; returns how many sessions ended."""
    result = db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    user.login_token = None
    return result.rowcount or 0


def count_login_sessions(user: User) -> int:
    return db.session.scalar(
        select(func.count(LoginSession.id)).where(
            LoginSession.user_id == user.id, LoginSession.expires_at > utcnow()
        )
    )


def renew_calendar_token(user: User) -> str:
    """Give the user a new personal feed token; the old feed URL stops working."""
    user.renew_calendar_token()
    db.session.flush()
    return user.calendar_token


def change_password(user: User, new_password: str) -> None:
    """Set a new password and end every other session of this user."""
    check_password_rules(new_password, email=user.email)
    user.set_password(new_password)
    end_all_login_sessions(user)
    db.session.flush()


# --- single-use links: invitations and password resets ---------------------------------


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user: User, purpose: str, validity: timedelta) -> str:
    """A new single-use link token for `user`; earlier unused ones for the purpose lapse."""
    for old in db.session.scalars(
        select(AccountToken).where(
            AccountToken.user_id == user.id,
            AccountToken.purpose == purpose,
            AccountToken.used_at.is_(None),
        )
    ):
        old.used_at = utcnow()
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            user=user,
            purpose=purpose,
            token_hash=_hash_token(token),
            expires_at=utcnow() + validity,
        )
    )
    db.session.flush()
    return token


def valid_token(token: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token record for this link, or None."""
    digest = _hash_token(token)
    record = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == digest, AccountToken.purpose == purpose
        )
    )
    if record is None or not hmac.compare_digest(record.token_hash, digest):
        return None
    if record.used_at is not None or record.expires_at <= utcnow() or not record.user.active:
        return None
    return record


def use_token(record: AccountToken, new_password: str, name: str | None = None) -> User:
    """Redeem an invitation or reset link: set the password; the link cannot be used again."""
    user = record.user
    if name:
        user.name = name.strip()
    change_password(user, new_password)
    record.used_at = utcnow()
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Queue a reset request; the mail worker decides whether a link goes out.

    The request does the same work for every address, so that neither the answer nor
    its timing tells whether an account exists.
    """
    db.session.add(PasswordResetRequest(email=User.normalise_email(email or "")[:254]))
    db.session.flush()


def send_requested_resets() -> int:
    """Turn queued reset requests into reset mails (for active accounts); commits.

    Run by `mail send` before each round, which also drops expired throttle rows.
    Returns how many requests were handled.
    """
    from lerend_netwerk.auth.throttle import purge_expired
    from lerend_netwerk.sqlite import begin_write_transaction

    begin_write_transaction(db.session)
    pending_requests = db.session.scalars(
        select(PasswordResetRequest)
        .order_by(PasswordResetRequest.id)
        .with_for_update(skip_locked=True)
    ).all()
    for pending in pending_requests:
        db.session.delete(pending)
        user = find_user_by_email(pending.email)
        if user is None or not user.active:
            current_app.logger.info(
                "password reset asked for unknown %s", email_fingerprint(pending.email)
            )
            continue
        token = issue_token(user, "reset", RESET_VALIDITY)
        # Outside a request: the link is built from SITE_URL alone.
        link = absolute_url("auth.reset_password", token=token)
        text = render_template("auth/mail/reset.txt", user=user, link=link, hours=2)
        account_mail.send(
            user, subject="Je wachtwoord opnieuw instellen", text=text, kind="password-reset"
        )
    purge_expired()
    db.session.commit()
    return len(pending_requests)


def invite(
    *,
    inviter: User,
    email: str,
    name: str,
    role: str = "member",
    organisation=None,
    proeftuinen=(),
    network_id: int | None = None,
) -> User:
    """Create an account without a password and mail a link to choose one; the account
    belongs to `network_id` (the default network when None)."""

    if role != "member" and not inviter.is_admin:
        raise AccountError("Enkel beheerders kunnen coördinatoren of beheerders uitnodigen.")
    user = create_user(
        email=email,
        name=name or email.split("@")[0],
        role=role,
        organisation=organisation,
        network_id=network_id,
    )
    user.proeftuinen = list(proeftuinen)
    token = issue_token(user, "invite", INVITATION_VALIDITY)
    link = absolute_url("auth.accept_invitation", token=token)
    text = render_template(
        "auth/mail/invitation.txt",
        user=user,
        inviter=inviter,
        link=link,
        days=INVITATION_VALIDITY.days,
    )
    account_mail.send(
        user,
        subject="Uitnodiging voor het lerend netwerk duaal leren",
        text=text,
        kind="invitation",
    )
    record_audit(inviter, "user.invited", user, f"rol {role}")
    return user


# --- profile, privacy -------------------------------------------------------------------

PROFILE_FIELDS = (
    "name",
    "function",
    "bio",
    "phone",
    "listed_in_directory",
    "show_email",
    "show_phone",
)


def update_profile(user: User, *, expertise: list, **fields: Any) -> None:
    """Save the directory profile; empty optional fields are stored as NULL."""
    for name in PROFILE_FIELDS:
        if name in fields:
            value = fields[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(user, name, value if value != "" or name in ("bio", "name") else None)
    user.expertise = list(expertise)
    db.session.flush()


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about `user`, as JSON-ready data: the account, then
    what each content type holds of them (its `personal_data`)."""
    from lerend_netwerk.core.content_types import content_types

    def iso(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    data: dict[str, Any] = {
        "account": {
            "email": user.email,
            "name": user.name,
            "role": user.role,
            "organisation": user.organisation.title if user.organisation else None,
            "function": user.function,
            "phone": user.phone,
            "bio": user.bio,
            "show_email": user.show_email,
            "show_phone": user.show_phone,
            "listed_in_directory": user.listed_in_directory,
            "wants_reminders": user.wants_reminders,
            "wants_digest": user.wants_digest,
            "created_at": iso(user.created_at),
            "last_login_at": iso(user.last_login_at),
            "proeftuinen": [p.slug for p in user.proeftuinen],
            "expertise": [t.slug for t in user.expertise],
        },
    }
    for content_type in content_types.with_hook("personal_data"):
        data.update(content_type.personal_data(user))
    return data


def delete_account(user: User, *, actor: User | None = None) -> None:
    """Delete the account and personal data; public contributions remain, authorless.

    Registrations go with the account (the waiting list moves up); replies, threads and
    reports keep their text and show "voormalig lid" (their author_id becomes NULL).
    """
    from lerend_netwerk.core.content_types import content_types
    from lerend_netwerk.core.models import AuditEvent

    # Each content type removes what is the user's (registrations, queued mail); log
    # lines keep what happened, not who the deleted member was.
    for content_type in content_types.with_hook("delete_account"):
        content_type.delete_account(user)
    record_audit(actor or user, "user.deleted", None, f"account #{user.id}")
    db.session.flush()
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.actor_id == user.id)
        .values(actor_label=f"voormalig lid #{user.id}")
    )
    db.session.delete(user)
    db.session.flush()
