"""Who may send input for a proeftuin (role decorators live in lerend_netwerk.access)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select

from lerend_netwerk.auth.models import proeftuin_members
from lerend_netwerk.extensions import db
from lerend_netwerk.visibility import can_coordinate, is_member


def is_proeftuin_member(user: Any, proeftuin: Any) -> bool:
    """Whether `user` is one of the proeftuin's members (Proeftuin.members)."""
    if not is_member(user) or proeftuin is None:
        return False
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    proeftuin_members.c.user_id == user.id,
                    proeftuin_members.c.proeftuin_id == proeftuin.id,
                )
            )
        )
    )


def can_contribute(user: Any, proeftuin: Any) -> bool:
    """Members of the proeftuin, its network's coordinators and admins may send input."""
    return can_coordinate(user, proeftuin) or is_proeftuin_member(user, proeftuin)
