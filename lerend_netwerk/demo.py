"""The embedded demo: content from content/ and two demo accounts."""

from __future__ import annotations

import secrets
from pathlib import Path

from lerend_netwerk.auth.models import User
from lerend_netwerk.auth.service import create_user, find_user_by_email
from lerend_netwerk.extensions import db

DEMO_ACCOUNTS = (
    ("coordinator", "coordinator@lerend-netwerk.example", "Demo Coördinator"),
    ("member", "lid@lerend-netwerk.example", "Demo Lid"),
)


def prepare_demo(content_dir: Path) -> list[tuple[str, str, str]]:
    """Import the demo content and (re)set demo accounts; return (role, email, password)."""
    if content_dir.is_dir():
        from lerend_netwerk.content_io.service import import_directory

        import_directory(content_dir)
    accounts = []
    for role, email, name in DEMO_ACCOUNTS:
        password = secrets.token_urlsafe(9)
        user: User | None = find_user_by_email(email)
        if user is None:
            user = create_user(email=email, name=name, role=role, password=password)
        else:
            user.set_password(password)
        accounts.append((role, email, password))
    if content_dir.is_dir():
        from lerend_netwerk.demo_activity import seed_activity

        seed_activity()
    db.session.commit()
    # Build the search index now rather than on the first search.
    from lerend_netwerk.search.service import sync_index

    sync_index()
    return accounts
