"""The session a view works on, found and checked the same way by every agenda view."""

from __future__ import annotations

from flask_login import current_user

from lerend_netwerk.access import require_coordinator_of
from lerend_netwerk.agenda import service
from lerend_netwerk.agenda.models import Meeting


def coordinator_meeting(slug: str) -> Meeting:
    """The session for a coordinator page: 404 where hidden, login, then 403 for members
    and for coordinators of another network."""
    meeting = service.get_visible_meeting(slug, current_user)
    require_coordinator_of(meeting)
    return meeting
