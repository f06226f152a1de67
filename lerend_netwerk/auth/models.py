"""Accounts and roles."""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

import idna
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from lerend_netwerk.db import Base, TimestampMixin, link_table, utcnow

if TYPE_CHECKING:
    from lerend_netwerk.networks.models import NetworkMembership
    from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
    from lerend_netwerk.themes.models import Theme

ROLES = ("member", "coordinator", "admin")
ROLE_LABELS = {"member": "lid", "coordinator": "coördinator", "admin": "beheerder"}

proeftuin_members = link_table("proeftuin_member", "user", "proeftuin")


user_themes = link_table("user_theme", "user", "theme")

FUNCTIONS = {
    "projectleider": "Projectleider",
    "mentor": "Mentor",
    "trajectbegeleider": "Trajectbegeleider",
    "coordinator": "Coördinator",
    "docent": "Docent of lector",
    "beleid": "Beleidsmedewerker",
    "andere": "Andere",
}


def new_calendar_token() -> str:
    # 32 random bytes: 256 bits, URL-safe.
    return secrets.token_urlsafe(32)


class User(UserMixin, TimestampMixin, Base):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default="member")
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    active: Mapped[bool] = mapped_column(default=True)
    function: Mapped[str | None] = mapped_column(String(100))
    calendar_token: Mapped[str] = mapped_column(String(64), unique=True, default=new_calendar_token)
    last_login_at: Mapped[datetime | None]
    wants_reminders: Mapped[bool] = mapped_column(default=True)
    wants_digest: Mapped[bool] = mapped_column(default=False)
    # Mail about followed threads: "direct", "dagelijks", "wekelijks" or "nooit".
    thread_mail: Mapped[str] = mapped_column(String(20), default="direct")
    # Directory profile: contact details are shown only where the member opted in.
    phone: Mapped[str | None] = mapped_column(String(50))
    bio: Mapped[str] = mapped_column(Text, default="")
    show_email: Mapped[bool] = mapped_column(default=False)
    show_phone: Mapped[bool] = mapped_column(default=False)
    listed_in_directory: Mapped[bool] = mapped_column(default=True)

    organisation: Mapped[Organisation | None] = relationship(lazy="joined")
    proeftuinen: Mapped[list[Proeftuin]] = relationship(
        secondary=proeftuin_members, back_populates="members", order_by="Proeftuin.title"
    )
    expertise: Mapped[list[Theme]] = relationship(secondary=user_themes, order_by="Theme.title")
    # The networks this person belongs to, with a role in each: loaded once per request
    # (the request's user is loaded per request) and read by `networks.access`.
    network_memberships: Mapped[list[NetworkMembership]] = relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="NetworkMembership.id",
    )

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

    @staticmethod
    def normalise_email(email: str) -> str:
        """Trimmed and lower-case; an internationalised domain in its ASCII (IDNA) form,
        which every mail server accepts (jan@exämple.be -> jan@xn--exmple-cua.be)."""
        email = email.strip()
        local, at, domain = email.rpartition("@")
        if at and not domain.isascii():
            # Not a domain at all: left as typed, and validation says so.
            with contextlib.suppress(idna.IDNAError):
                email = f"{local}@{idna.encode(domain, uts46=True).decode('ascii')}"
        return email.lower()

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    # Not a column: the login session this request was authenticated with, set by the
    # auth service (a plain attribute, so the ORM leaves it alone).
    login_token = None

    def get_id(self) -> str:
        # Flask-Login keeps this in the session and remember-me cookies: the token names
        # a LoginSession row, so deleting that row signs the cookies out.
        return f"{self.id}:{self.login_token or ''}"

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.active

    @property
    def network_roles(self) -> dict[int, str]:
        """network id -> "member" or "coordinator" (`networks.access` reads this)."""
        return {m.network_id: m.role for m in self.network_memberships}

    @property
    def is_coordinator(self) -> bool:
        """Coordinators of at least one network, and admins: they run sessions, write
        reports and moderate (`networks.access.can_coordinate` says which documents)."""
        return self.role == "admin" or any(
            m.role == "coordinator" for m in self.network_memberships
        )

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def function_label(self) -> str:
        return FUNCTIONS.get(self.function or "", self.function or "")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def renew_calendar_token(self) -> None:
        self.calendar_token = new_calendar_token()


class AccountToken(Base):
    """A single-use, expiring link for an invitation or a password reset.

    Only a hash of the token is stored: a leaked database does not leak usable links.
    """

    __tablename__ = "account_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(20))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """One signed-in browser. Its cookies carry the token; signing out deletes the row.

    Only a hash of the token is stored, as for AccountToken.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class ThrottleEvent(Base):
    """A counted attempt (a failed sign-in, a reset request) for the shared throttle.

    Rows live in the database so that every worker and host counts together.
    `key` is a client address or a hash of an e-mail address, never the address itself.
    """

    __tablename__ = "throttle_event"
    __table_args__ = (
        Index("ix_throttle_event_scope_key_created_at", "scope", "key", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(30))
    key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordResetRequest(Base):
    """A reset link asked for, waiting for the mail worker (known or not: same work)."""

    __tablename__ = "password_reset_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
