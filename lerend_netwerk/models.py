"""Import every feature's models so the metadata (and Alembic) know all tables."""

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import (
    Endorsement,
    Flag,
    Post,
    PostRevision,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.themes.models import Theme

__all__ = [
    "Endorsement",
    "Flag",
    "Meeting",
    "Organisation",
    "Post",
    "PostRevision",
    "Practice",
    "Proeftuin",
    "Recommendation",
    "Registration",
    "Theme",
    "ThreadFollow",
    "User",
    "VisitReport",
]
