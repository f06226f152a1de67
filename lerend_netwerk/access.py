"""View decorators for roles: visitors go to the login page, others without the role get 403."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user

from lerend_netwerk.extensions import login_manager
from lerend_netwerk.visibility import is_coordinator, is_member

F = TypeVar("F", bound=Callable[..., Any])


def _requires(check: Callable[[Any], bool]) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not is_member(current_user):
                return login_manager.unauthorized()
            if not check(current_user):
                abort(403)
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorator


member_required = _requires(lambda user: True)
coordinator_required = _requires(is_coordinator)
admin_required = _requires(lambda user: bool(getattr(user, "is_admin", False)))
