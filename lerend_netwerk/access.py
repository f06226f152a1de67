"""Who may open a view: the one access-check pattern of every blueprint.

Views use the decorators (`member_required`, `coordinator_required`, `admin_required`);
a view that must first look its object up (a hidden one is a 404 before any sign-in)
calls `require_member`/`require_coordinator` after the lookup, and one that acts on one
network's document `require_coordinator_of(doc)`: a coordinator of another network gets
403. Visitors go to the
login page, signed-in users without the role get 403. What a user may see or do with
one object is a rule of `lerend_netwerk.visibility`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from lerend_netwerk.extensions import login_manager
from lerend_netwerk.visibility import can_coordinate, is_admin, is_coordinator, is_member

F = TypeVar("F", bound=Callable[..., Any])


def _require(check: Callable[[Any], bool]) -> None:
    if not is_member(current_user):
        abort(login_manager.unauthorized())
    if not check(current_user):
        abort(403)


def require_member() -> None:
    """Visitors go to the login page (and come back afterwards)."""
    _require(is_member)


def require_coordinator() -> None:
    """Coordinators and admins only: visitors sign in first, members get 403."""
    _require(is_coordinator)


def _requires(check: Callable[[Any], bool]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _require(check)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


def require_coordinator_of(doc: Any) -> None:
    """A coordinator of `doc`'s network (or an admin): visitors sign in first, members
    and coordinators of other networks get 403."""
    _require(lambda user: can_coordinate(user, doc))


member_required = _requires(is_member)
coordinator_required = _requires(is_coordinator)
admin_required = _requires(is_admin)
