"""Files on documents: the rules, callable with or without a request.

A document kind carries files when its `ContentType` has an `AttachmentHost`
(`core/content_types.py`): its `load`, `can_view` and `can_manage` decide everything
here. The functions other features call:

- `store_blob(data, filename="") -> FileBlob`: validate (`validation.check`), re-encode
  images, store the content once per SHA-256 and return its row (an existing one for
  bytes stored before).
- `attach(parent_type, parent, filename, data, user) -> Attachment`: a new file on a
  document, its name made safe and unique on that document (`name (2).pdf`).
- `replace(attachment, filename, data, user)`: a new version (the old ones are kept);
  `rename(attachment, filename)`; `remove(attachment)`.
- `attachments_of(parent_type, parent_id) -> list[Attachment]`, in their order.

They raise `FileRefused` (a Dutch message) for content that cannot be stored, and only
flush: the caller commits. A content is written to the storage before the row that
refers to it; a transaction that rolls back leaves at most a stored content no row
refers to, which `cleanup()` (`lerend-netwerk files cleanup`) removes after an hour.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, url_for
from flask_login import AnonymousUserMixin
from sqlalchemy import delete, exists, func, not_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from lerend_netwerk import config
from lerend_netwerk.core.content_types import AttachmentHost, content_types
from lerend_netwerk.core.errors import ForbiddenError, NotFoundError
from lerend_netwerk.core.templating import absolute_url
from lerend_netwerk.db import Base, utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.files import validation
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.files.names import safe_filename, split_extension, unique_filename
from lerend_netwerk.files.storage import sha256_of, storage
from lerend_netwerk.files.validation import FileRefused
from lerend_netwerk.visibility import can_coordinate, is_member

__all__ = [
    "FileRefused",
    "attach",
    "attach_many",
    "attachments_of",
    "cleanup",
    "remove",
    "rename",
    "replace",
    "store_blob",
]

# Stored contents younger than this are spared by the cleanup: their row may still be on
# its way (an upload in progress in another worker).
CLEANUP_GRACE = timedelta(hours=1)


# --- parents --------------------------------------------------------------------------


def host_of(parent_type: str) -> AttachmentHost:
    """The AttachmentHost of a kind; NotFoundError for a kind that carries no files."""
    if parent_type not in content_types:
        raise NotFoundError()
    host = content_types[parent_type].attachments
    if host is None:
        raise NotFoundError()
    return host


def visible_parent(parent_type: str, parent_id: int, user: Any) -> Any:
    """The document if `user` may see it; NotFoundError otherwise (never a 403)."""
    host = host_of(parent_type)
    parent = host.load(parent_id)
    if parent is None or not host.can_view(user, parent):
        raise NotFoundError()
    return parent


def managed_parent(parent_type: str, parent_id: int, user: Any) -> Any:
    """The document if `user` may change its files; 404 when hidden, 403 when only seen."""
    parent = visible_parent(parent_type, parent_id, user)
    ensure_may_manage(parent_type, parent, user)
    return parent


def ensure_may_manage(parent_type: str, parent: Any, user: Any) -> None:
    """ForbiddenError unless `user` may change the files of `parent` (which they see)."""
    if not may_manage(parent_type, parent, user):
        raise ForbiddenError()


def may_manage(parent_type: str, parent: Any, user: Any) -> bool:
    return is_member(user) and bool(host_of(parent_type).can_manage(user, parent))


def is_public(parent_type: str, parent: Any) -> bool:
    """Whether a visitor may see the document (and so its files)."""
    return bool(host_of(parent_type).can_view(AnonymousUserMixin(), parent))


def parent_url(parent_type: str, parent: Any) -> str:
    """The document's page, where its files are listed."""
    content_type = content_types[parent_type]
    host = host_of(parent_type)
    if host.url is not None:
        return host.url(parent)
    return url_for(content_type.endpoint, slug=host.slug(parent))


# --- contents -------------------------------------------------------------------------


def _limits() -> tuple[int, int]:
    app_config = current_app.config
    return (
        config.setting(app_config, "FILES_MAX_BYTES"),
        config.setting(app_config, "FILES_MAX_IMAGE_PIXELS"),
    )


def check(data: bytes, filename: str = "") -> validation.Checked:
    """The content as it would be stored, or FileRefused (nothing is stored)."""
    max_bytes, max_pixels = _limits()
    _, extension = split_extension(safe_filename(filename))
    return validation.check(data, extension=extension, max_bytes=max_bytes, max_pixels=max_pixels)


def _blob_of(checked: validation.Checked) -> FileBlob:
    sha256 = sha256_of(checked.data)
    found = db.session.scalar(select(FileBlob).where(FileBlob.sha256 == sha256))
    if found is not None:
        # The same bytes again: stored once. Touch it so the cleanup spares it.
        storage().put(checked.data)
        return found
    store = storage()
    store.put(checked.data)
    thumbnail = store.put(checked.thumbnail) if checked.thumbnail else None
    blob = FileBlob(
        sha256=sha256,
        size=len(checked.data),
        mimetype=checked.mimetype,
        width=checked.width,
        height=checked.height,
        thumbnail_sha256=thumbnail,
        text_status=checked.text_status,
        text_error=checked.text_error,
        text_attempts=0,
    )
    try:
        with db.session.begin_nested():
            db.session.add(blob)
    except IntegrityError:
        # Another upload of the same bytes committed first: use its row.
        found = db.session.scalar(select(FileBlob).where(FileBlob.sha256 == sha256))
        if found is None:
            raise
        return found
    return blob


def store_blob(data: bytes, filename: str = "") -> FileBlob:
    """Validate and store `data` (once per content); its row. FileRefused if refused."""
    return _blob_of(check(data, filename))


def _display_name(filename: str, checked: validation.Checked) -> str:
    """A safe name whose extension fits the content (a PDF called `x.exe` is `x.exe.pdf`)."""
    name = safe_filename(filename)
    _stem, extension = split_extension(name)
    known = validation.extensions_of(checked.mimetype)
    if extension in known:
        return name
    return safe_filename(f"{name}{checked.extension}")


def _taken_names(parent_type: str, parent_id: int, exclude: int | None = None) -> list[str]:
    query = select(Attachment.filename).where(
        Attachment.parent_type == parent_type, Attachment.parent_id == parent_id
    )
    if exclude is not None:
        query = query.where(Attachment.id != exclude)
    return list(db.session.scalars(query))


def _user_id(user: Any) -> int | None:
    return user.id if is_member(user) else None


def _add(
    parent_type: str, parent_id: int, filename: str, checked: validation.Checked, user: Any
) -> Attachment:
    blob = _blob_of(checked)
    name = unique_filename(_display_name(filename, checked), _taken_names(parent_type, parent_id))
    position = db.session.scalar(
        select(func.coalesce(func.max(Attachment.position), 0)).where(
            Attachment.parent_type == parent_type, Attachment.parent_id == parent_id
        )
    )
    attachment = Attachment(
        parent_type=parent_type,
        parent_id=parent_id,
        filename=name,
        position=(position or 0) + 1,
        blob=blob,
        uploaded_by_id=_user_id(user),
    )
    attachment.versions.append(
        AttachmentVersion(number=1, filename=name, blob=blob, uploaded_by_id=_user_id(user))
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attach(parent_type: str, parent: Any, filename: str, data: bytes, user: Any) -> Attachment:
    """A new file on `parent` (a document of kind `parent_type`); FileRefused if refused."""
    host_of(parent_type)
    return _add(parent_type, parent.id, filename, check(data, filename), user)


@dataclass
class Refusal:
    filename: str
    message: str


@dataclass
class UploadResult:
    attachments: list[Attachment] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def attach_many(
    parent_type: str, parent: Any, uploads: list[tuple[str, bytes]], user: Any
) -> UploadResult:
    """Several files at once, all or none: every file is checked before any is stored.

    With a refused file the result lists why for each and nothing is stored."""
    host_of(parent_type)
    if not uploads:
        raise FileRefused("Kies minstens één bestand.")
    checked: list[tuple[str, validation.Checked]] = []
    result = UploadResult()
    for filename, data in uploads:
        try:
            checked.append((filename, check(data, filename)))
        except FileRefused as error:
            result.refused.append(Refusal(safe_filename(filename), str(error)))
    if result.refused:
        return result
    for filename, content in checked:
        result.attachments.append(_add(parent_type, parent.id, filename, content, user))
    return result


def attachments_of(parent_type: str, parent_id: int) -> list[Attachment]:
    """The files on one document, in the order they were added."""
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.parent_type == parent_type, Attachment.parent_id == parent_id)
            .order_by(Attachment.position, Attachment.id)
            # The list shows each file's current version (its date) and, to coordinators,
            # all versions: one query for all of them.
            .options(selectinload(Attachment.versions))
        )
    )


def uploads_of(user: Any) -> dict[str, Any]:
    """Every version of a file `user` uploaded, for their data export: its name, size,
    type, when, the document it hangs on and its download link (which checks access as
    always; the bytes are not copied into the export)."""
    versions = db.session.scalars(
        select(AttachmentVersion)
        .where(AttachmentVersion.uploaded_by_id == user.id)
        .order_by(AttachmentVersion.id)
        .options(selectinload(AttachmentVersion.attachment).selectinload(Attachment.versions))
    )
    base = current_app.config["SITE_URL"].rstrip("/")
    uploads = []
    for version in versions:
        attachment = version.attachment
        current = version.number == max(v.number for v in attachment.versions)
        parent = host_of(attachment.parent_type).load(attachment.parent_id)
        if current:
            link = absolute_url(
                "files.download", attachment_id=attachment.id, filename=attachment.filename
            )
        else:
            link = absolute_url(
                "files.version",
                attachment_id=attachment.id,
                number=version.number,
                filename=version.filename,
            )
        uploads.append(
            {
                "filename": version.filename,
                "version": version.number,
                "current": current,
                "size": version.blob.size,
                "type": version.blob.mimetype,
                "uploaded_at": version.created_at.isoformat(),
                "kind": attachment.parent_type,
                "document": base + parent_url(attachment.parent_type, parent) if parent else None,
                "download": link,
            }
        )
    return {"files": uploads}


def replace(attachment: Attachment, filename: str, data: bytes, user: Any) -> Attachment:
    """A new version of the file; it keeps its name unless `filename` has another type.

    Uploading the very same content again adds no version."""
    checked = check(data, filename)
    blob = _blob_of(checked)
    if blob.id == attachment.blob_id:
        return attachment
    name = attachment.filename
    stem, extension = split_extension(name)
    if extension not in validation.extensions_of(checked.mimetype):
        name = unique_filename(
            safe_filename(f"{stem}{checked.extension}"),
            _taken_names(attachment.parent_type, attachment.parent_id, exclude=attachment.id),
        )
    number = max((version.number for version in attachment.versions), default=0) + 1
    attachment.versions.insert(
        0,
        AttachmentVersion(number=number, filename=name, blob=blob, uploaded_by_id=_user_id(user)),
    )
    attachment.blob = blob
    attachment.filename = name
    attachment.uploaded_by_id = _user_id(user)
    attachment.updated_at = utcnow()
    db.session.flush()
    return attachment


def rename(attachment: Attachment, filename: str) -> Attachment:
    """A new name (made safe, its extension kept, unique on the document)."""
    if not (filename or "").strip():
        raise FileRefused("Geef het bestand een naam.")
    name = safe_filename(filename)
    _stem, extension = split_extension(name)
    known = validation.extensions_of(attachment.blob.mimetype)
    if extension not in known:
        _, current = split_extension(attachment.filename)
        name = safe_filename(f"{name}{current if current in known else known[0]}")
    attachment.filename = unique_filename(
        name, _taken_names(attachment.parent_type, attachment.parent_id, exclude=attachment.id)
    )
    db.session.flush()
    return attachment


def remove(attachment: Attachment) -> None:
    """The file and all its versions off the document (the content goes with the cleanup)."""
    db.session.delete(attachment)
    db.session.flush()


# --- reading --------------------------------------------------------------------------


def visible_attachment(attachment_id: int, user: Any) -> tuple[Attachment, Any]:
    """The file and its document, if `user` may see the document; NotFoundError otherwise."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFoundError()
    parent = visible_parent(attachment.parent_type, attachment.parent_id, user)
    return attachment, parent


def managed_attachment(attachment_id: int, user: Any) -> tuple[Attachment, Any]:
    """The file and its document, if `user` may change the document's files."""
    attachment, parent = visible_attachment(attachment_id, user)
    ensure_may_manage(attachment.parent_type, parent, user)
    return attachment, parent


def old_version(attachment_id: int, number: int, user: Any) -> tuple[AttachmentVersion, Any]:
    """A version of a file, for the coordinators of the document's network (404 for
    hidden documents, 403 for members and coordinators of other networks)."""
    attachment, parent = visible_attachment(attachment_id, user)
    if not can_coordinate(user, parent):
        raise ForbiddenError()
    for version in attachment.versions:
        if version.number == number:
            return version, parent
    raise NotFoundError()


@dataclass(frozen=True)
class Panel:
    """What the file list on a document's page needs."""

    parent_type: str
    parent: Any
    attachments: list[Attachment]
    can_manage: bool
    show_versions: bool
    max_bytes: int
    max_request_bytes: int

    @property
    def accept(self) -> str:
        extensions = {ext for exts, _ in validation.TYPES.values() for ext in exts}
        return ",".join(sorted(extensions) + sorted(validation.TYPES))


def panel(parent_type: str, parent: Any, user: Any) -> Panel:
    app_config = current_app.config
    return Panel(
        parent_type=parent_type,
        parent=parent,
        attachments=attachments_of(parent_type, parent.id),
        can_manage=may_manage(parent_type, parent, user),
        show_versions=can_coordinate(user, parent),
        max_bytes=config.setting(app_config, "FILES_MAX_BYTES"),
        max_request_bytes=config.setting(app_config, "FILES_MAX_REQUEST_BYTES"),
    )


# --- cleanup --------------------------------------------------------------------------


@dataclass
class CleanupResult:
    rows: int = 0
    contents: int = 0
    temporaries: int = 0


def _references_to_blobs() -> list[Any]:
    """Every column of any table that refers to file_blob.id (attachments, versions and
    whatever other feature keeps a file)."""
    columns = []
    for table in Base.metadata.tables.values():
        for foreign_key in table.foreign_keys:
            if foreign_key.column.table.name == "file_blob" and foreign_key.column.name == "id":
                columns.append(foreign_key.parent)
    return columns


def cleanup_rows(before: datetime) -> int:
    """Delete the blob rows created before `before` that no attachment, version or other
    row refers to; how many. The caller commits before `cleanup_contents`."""
    unreferenced = [
        not_(exists().where(column == FileBlob.id)) for column in _references_to_blobs()
    ]
    statement = (
        delete(FileBlob)
        .where(FileBlob.created_at < before, *unreferenced)
        .execution_options(synchronize_session=False)
    )
    return db.session.execute(statement).rowcount or 0


def cleanup_contents(before: datetime) -> tuple[int, int]:
    """Delete the stored contents (and thumbnails) stored before `before` that no blob row
    names, and what an interrupted write left behind; (contents, temporaries)."""
    store = storage()
    removed = 0
    for sha256 in list(store.all()):
        if store.stored_at(sha256) >= before:
            continue
        named = db.session.scalar(
            select(
                exists().where(or_(FileBlob.sha256 == sha256, FileBlob.thumbnail_sha256 == sha256))
            )
        )
        if not named:
            store.delete(sha256)
            removed += 1
    return removed, store.delete_temporaries(before)


def cleanup(now: datetime | None = None, grace: timedelta = CLEANUP_GRACE) -> CleanupResult:
    """Remove what nothing refers to and is older than `grace` (`files cleanup`): the rows
    first, committed, then the contents, so a content is never gone under a row."""
    before = (now or utcnow()) - grace
    result = CleanupResult(rows=cleanup_rows(before))
    db.session.commit()
    result.contents, result.temporaries = cleanup_contents(before)
    return result


def storage_root() -> str:
    root = getattr(storage(), "root", None)
    return os.fspath(root) if root is not None else ""
