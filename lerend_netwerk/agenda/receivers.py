"""What the agenda does when other features announce something (see lerend_netwerk.signals)."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.signals import account_activated


def on_account_activated(user: Any, **_extra: Any) -> None:
    """An accepted invitation: the guest places of that address become the member's."""
    from lerend_netwerk.agenda.guests import adopt_guest_places

    adopt_guest_places(user)


def connect() -> None:
    """Subscribe (idempotent); called by the app factory."""
    account_activated.connect(on_account_activated)
