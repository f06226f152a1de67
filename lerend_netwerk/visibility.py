"""Who may see what: one rule, applied by pages, search, feeds, the API and exports.

A document is seen by
- everybody, when it is public and not a draft;
- signed-in members, when it is members-only and not a draft;
- coordinators and admins, always (drafts included).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, true

VISIBILITIES = ("public", "members")
VISIBILITY_LABELS = {"public": "Openbaar", "members": "Enkel leden"}


def is_member(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


def is_coordinator(user: Any) -> bool:
    return is_member(user) and bool(getattr(user, "is_coordinator", False))


def is_admin(user: Any) -> bool:
    return is_member(user) and bool(getattr(user, "is_admin", False))


def can_see_member(viewer: Any, member: Any) -> bool:
    """A member's profile: active and listed in the directory; coordinators see unlisted ones."""
    return bool(member.active) and (bool(member.listed_in_directory) or is_coordinator(viewer))


def may_see_online_link(user: Any, registration_status: str | None) -> bool:
    """The one rule for a session's online link, on the page, in feeds, invites and mails.

    Coordinators, and members with a confirmed place. A place on the waiting list is no
    seat: the link comes with the mail that says you moved up.
    """
    return is_coordinator(user) or registration_status == "confirmed"


def audience(user: Any) -> str:
    """'public', 'member' or 'coordinator': the three ways of seeing content."""
    if is_coordinator(user):
        return "coordinator"
    if is_member(user):
        return "member"
    return "public"


def _is_draft(doc: Any) -> bool:
    draft = getattr(type(doc), "DRAFT", None)
    return draft is not None and getattr(doc, "status", None) == draft


def can_see(user: Any, doc: Any) -> bool:
    """Whether `user` (anonymous allowed) may see `doc`."""
    who = audience(user)
    if who == "coordinator":
        return True
    if _is_draft(doc):
        return False
    if getattr(doc, "visibility", "public") == "members":
        return who == "member"
    return True


def visible_clause(model: Any, user: Any) -> ColumnElement[bool]:
    """SQL filter with the same meaning as `can_see`, for queries over `model`."""
    who = audience(user)
    if who == "coordinator":
        return true()
    conditions = []
    draft = getattr(model, "DRAFT", None)
    if draft is not None:
        conditions.append(model.status != draft)
    if who == "public" and hasattr(model, "__table__") and "visibility" in model.__table__.c:
        conditions.append(model.visibility == "public")
    return and_(true(), *conditions)


__all__ = [
    "VISIBILITIES",
    "VISIBILITY_LABELS",
    "audience",
    "can_see",
    "can_see_member",
    "is_admin",
    "is_coordinator",
    "is_member",
    "visible_clause",
]
