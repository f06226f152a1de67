"""What the central modules know of attached files: search reads the text inside them,
and a member's data export lists the files they uploaded."""

from __future__ import annotations

from lerend_netwerk.core.content_types import ContentType, SearchFiles
from lerend_netwerk.files import service, text
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob

ATTACHMENT_TEXT = ContentType(
    name="attachment_text",
    model=Attachment,
    search_files=SearchFiles(
        watches=(Attachment, AttachmentVersion, FileBlob),
        related=text.related,
        texts=text.texts,
        extract=text.extract_waiting,
        counts=text.counts,
        problems=text.problems,
    ),
    personal_data=service.uploads_of,
)
