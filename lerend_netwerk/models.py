"""Import every feature's models so the metadata (and Alembic) know all tables."""

from lerend_netwerk.agenda.models import Meeting, Registration
from lerend_netwerk.auth.models import User
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import Post, Recommendation
from lerend_netwerk.themes.models import Theme

__all__ = [
    "Meeting",
    "Organisation",
    "Post",
    "Practice",
    "Proeftuin",
    "Recommendation",
    "Registration",
    "Theme",
    "User",
    "VisitReport",
]
