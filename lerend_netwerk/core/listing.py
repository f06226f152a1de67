"""The shared parts of a filtered list page: the filters read from the query string and
the choices a filter offers (only values that documents the reader may see have)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import select

from lerend_netwerk.extensions import db


def text_arg(args: Any, name: str) -> str | None:
    """A free-text or slug query argument, stripped (None when absent or blank)."""
    return (args.get(name) or "").strip() or None


def choice_arg(args: Any, name: str, allowed: Collection[str]) -> str | None:
    """A query argument that must be one of `allowed` (None otherwise)."""
    value = args.get(name)
    return value if value in allowed else None


def read_filters(
    args: Any, spec: Mapping[str, tuple[str, Collection[str] | None]]
) -> dict[str, str | None]:
    """A list's filters from the query string: `spec` names, per filter, its query argument
    and the values it allows (None: free text, see `text_arg`)."""
    return {
        name: text_arg(args, arg) if allowed is None else choice_arg(args, arg, allowed)
        for name, (arg, allowed) in spec.items()
    }


def titled_in(model: Any, ids: Any) -> list[Any]:
    """The rows of `model` (which has a `title`) whose id the subquery `ids` selects,
    by title: a filter's choices."""
    return list(db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.title)))
