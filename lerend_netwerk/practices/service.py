"""The rules of the good-practice library."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.extensions import db
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.visibility import visible_clause


def latest_practices(user: Any, limit: int = 4) -> list[Practice]:
    """The most recently added practices that `user` may see."""
    query = (
        select(Practice)
        .where(visible_clause(Practice, user))
        .order_by(Practice.created_at.desc(), Practice.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
