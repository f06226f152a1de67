"""Import every feature's models so the metadata (and Alembic) know all tables."""

from lerend_netwerk.agenda.models import Meeting, MeetingMessage, Registration
from lerend_netwerk.auth.models import (
    AccountToken,
    LoginSession,
    PasswordResetRequest,
    ThrottleEvent,
    User,
)
from lerend_netwerk.contributions.models import Contribution
from lerend_netwerk.core.models import AuditEvent, DataVersion
from lerend_netwerk.evaluations.models import Evaluation
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.mail.models import OutgoingMail
from lerend_netwerk.networks.models import Network, NetworkMembership
from lerend_netwerk.practices.models import Practice
from lerend_netwerk.products.models import Product
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin, VisitReport
from lerend_netwerk.recommendations.models import (
    Endorsement,
    FinalReport,
    Flag,
    Post,
    PostRevision,
    Recommendation,
    ThreadFollow,
)
from lerend_netwerk.search.models import Abbreviation, SearchChange
from lerend_netwerk.themes.models import Theme

__all__ = [
    "Abbreviation",
    "AccountToken",
    "Attachment",
    "AttachmentVersion",
    "AuditEvent",
    "Contribution",
    "DataVersion",
    "Endorsement",
    "Evaluation",
    "FileBlob",
    "FinalReport",
    "Flag",
    "LoginSession",
    "Meeting",
    "MeetingMessage",
    "Network",
    "NetworkMembership",
    "Organisation",
    "OutgoingMail",
    "PasswordResetRequest",
    "Post",
    "PostRevision",
    "Practice",
    "Product",
    "Proeftuin",
    "Recommendation",
    "Registration",
    "SearchChange",
    "Theme",
    "ThreadFollow",
    "ThrottleEvent",
    "User",
    "VisitReport",
]
