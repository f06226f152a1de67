"""The text of attached files for search: which documents a change touches, the text of
a document's files, and extracting what is still waiting.

Extraction never happens in the upload request. A stored file starts `pending`; the
index sync (search/sync.py) calls `extract_waiting` at the start of every pass: a
bounded batch of the files that are the current content of an attachment and still
wait, each read by `extract.extract_text` outside any transaction, its outcome written
in a short write transaction of its own. Writing the text changes the `FileBlob`, which
the search outbox watches (through `related`), so the documents the file is on are
indexed again with it.

A file that fails (corrupt, or the storage could not be read) is logged and tried
again after FILES_TEXT_RETRY_MINUTES, doubling each time; after FILES_TEXT_MAX_ATTEMPTS
it stays `failed` with its error (`lerend-netwerk search files` lists them). An
encrypted PDF, or an office file that would unpack too far, is `none`: no text, no
retry. Two processes that extract the same file at once write the same outcome.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import and_, exists, func, inspect, or_, select
from sqlalchemy.orm import Session

from lerend_netwerk.config import setting
from lerend_netwerk.core.content_types import FileText, Key, content_types
from lerend_netwerk.db import utcnow
from lerend_netwerk.files.extract import Limits, extract_text
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.sqlite import begin_write_transaction

log = logging.getLogger(__name__)


# Which search documents a change touches -----------------------------------------------


def _parent_key(session: Session, parent_type: str | None, parent_id: int | None) -> Key | None:
    """The search document that carries the files of this parent (its search_key)."""
    if parent_type not in content_types or parent_id is None:
        return None
    content_type = content_types[parent_type]
    host = content_type.attachments
    if host is None or host.search_key is None:
        return None
    with session.no_autoflush:
        if content_type.model is not None:
            parent = session.get(content_type.model, parent_id)
        else:
            parent = host.load(parent_id)
    return None if parent is None else host.search_key(parent)


def _attachment_parents(obj: Attachment) -> set[tuple[str, int]]:
    """Where the attachment is, and was before this flush (a file moved to another parent)."""
    parents = {(obj.parent_type, obj.parent_id)}
    state = inspect(obj)
    old_types = state.attrs.parent_type.history.deleted or [obj.parent_type]
    old_ids = state.attrs.parent_id.history.deleted or [obj.parent_id]
    parents |= {(t, i) for t in old_types for i in old_ids}
    return parents


def related(session: Session, obj: Any) -> set[Key]:
    """The search documents whose files `obj` (an attachment, version or file) changes."""
    parents: set[tuple[str, int]] = set()
    if isinstance(obj, Attachment):
        parents = _attachment_parents(obj)
    elif isinstance(obj, AttachmentVersion):
        attachment_id = obj.attachment_id
        if attachment_id is None and obj.attachment is not None:
            attachment_id = obj.attachment.id
        if attachment_id is not None:
            rows = session.connection().execute(
                select(Attachment.parent_type, Attachment.parent_id).where(
                    Attachment.id == attachment_id
                )
            )
            parents = {(row[0], row[1]) for row in rows}
    elif isinstance(obj, FileBlob):
        state = inspect(obj)
        changed = any(state.attrs[name].history.has_changes() for name in ("text", "text_status"))
        if obj.id is None or not changed:
            return set()
        rows = session.connection().execute(
            select(Attachment.parent_type, Attachment.parent_id).where(Attachment.blob_id == obj.id)
        )
        parents = {(row[0], row[1]) for row in rows}
    keys = {_parent_key(session, parent_type, parent_id) for parent_type, parent_id in parents}
    keys.discard(None)
    return keys  # type: ignore[return-value]


# The text of a document's files ---------------------------------------------------------


def texts(
    session: Session, parents: list[tuple[str, int]], chunk: int = 500
) -> dict[tuple[str, int], list[FileText]]:
    """(content type name, id) -> the text of its files, in their order on the page."""
    found: dict[tuple[str, int], list[FileText]] = {}
    by_type: dict[str, list[int]] = {}
    for parent_type, parent_id in parents:
        by_type.setdefault(parent_type, []).append(parent_id)
    for parent_type, ids in by_type.items():
        for start in range(0, len(ids), chunk):
            rows = session.execute(
                select(Attachment.parent_id, Attachment.id, Attachment.filename, FileBlob.text)
                .join(FileBlob, FileBlob.id == Attachment.blob_id)
                .where(
                    Attachment.parent_type == parent_type,
                    Attachment.parent_id.in_(ids[start : start + chunk]),
                    FileBlob.text_status == FileBlob.DONE,
                    FileBlob.text.is_not(None),
                )
                .order_by(Attachment.parent_id, Attachment.position, Attachment.id)
            )
            for parent_id, attachment_id, filename, text in rows:
                found.setdefault((parent_type, parent_id), []).append(
                    FileText(attachment_id, filename, text)
                )
    return found


# Extracting what waits -----------------------------------------------------------------


@dataclass
class ExtractionReport:
    extracted: int = 0  # files with text now
    without_text: int = 0  # nothing to read, or not to be read (encrypted)
    failed: int = 0  # failed this time (retried later, or given up)
    waiting: int = 0  # still due after this batch (the next pass takes them)
    seconds: float = 0.0
    errors: list[str] = field(default_factory=list)


def _due(now: Any, max_attempts: int) -> Any:
    current = exists().where(Attachment.blob_id == FileBlob.id)
    retry = and_(
        FileBlob.text_status == FileBlob.FAILED,
        FileBlob.text_attempts < max_attempts,
        or_(FileBlob.text_retry_at.is_(None), FileBlob.text_retry_at <= now),
    )
    return and_(current, or_(FileBlob.text_status == FileBlob.PENDING, retry))


def waiting_count(session: Session, app: Flask) -> int:
    max_attempts = int(setting(app.config, "FILES_TEXT_MAX_ATTEMPTS"))
    query = select(func.count()).select_from(FileBlob).where(_due(utcnow(), max_attempts))
    return session.scalar(query) or 0


def _read(app: Flask, sha256: str) -> bytes:
    with app.extensions["file_storage"].open(sha256) as stored:
        return stored.read()


def extract_waiting(app: Flask, session: Session, limit: int | None = None) -> ExtractionReport:
    """Extract the text of up to `limit` waiting files (FILES_TEXT_BATCH); commits each."""
    report = ExtractionReport()
    limit = int(setting(app.config, "FILES_TEXT_BATCH")) if limit is None else limit
    max_attempts = int(setting(app.config, "FILES_TEXT_MAX_ATTEMPTS"))
    retry_minutes = float(setting(app.config, "FILES_TEXT_RETRY_MINUTES"))
    limits = Limits.from_config(app.config)
    started = time.perf_counter()
    due = session.execute(
        select(FileBlob.id, FileBlob.sha256, FileBlob.mimetype, FileBlob.text_attempts)
        .where(_due(utcnow(), max_attempts))
        .order_by(FileBlob.id)
        .limit(limit + 1)
    ).all()
    session.rollback()  # no snapshot held while reading files
    for blob_id, sha256, mimetype, attempts in due[:limit]:
        try:
            outcome = extract_text(_read(app, sha256), mimetype, limits)
        except OSError as error:  # the storage is away, or the file is missing
            outcome = None
            message = f"{type(error).__name__}: {error}"[:500]
        begin_write_transaction(session)
        blob = session.get(FileBlob, blob_id, with_for_update=True)
        if blob is None or blob.text_attempts != attempts or blob.text_status == FileBlob.DONE:
            session.rollback()  # another process got there first
            continue
        blob.text_attempts = attempts + 1
        if outcome is not None and outcome.status != FileBlob.FAILED:
            blob.text = outcome.text
            blob.text_status = outcome.status
            blob.text_error = outcome.error
            blob.text_retry_at = None
            if outcome.status == FileBlob.DONE:
                report.extracted += 1
            else:
                report.without_text += 1
        else:
            if outcome is not None:
                message = outcome.error or "onbekende fout"
            blob.text = None
            blob.text_status = FileBlob.FAILED
            blob.text_error = message
            if blob.text_attempts < max_attempts:
                delay = retry_minutes * 2 ** (blob.text_attempts - 1)
                blob.text_retry_at = utcnow() + timedelta(minutes=delay)
            else:
                blob.text_retry_at = None
            report.failed += 1
            report.errors.append(f"{sha256[:12]}: {message}")
            log.warning(
                "text of file %s (%s) not read, attempt %d of %d: %s",
                sha256,
                mimetype,
                blob.text_attempts,
                max_attempts,
                message,
            )
        session.commit()
    if len(due) > limit:
        report.waiting = waiting_count(session, app)
        session.rollback()
    report.seconds = time.perf_counter() - started
    return report


def counts(session: Session) -> dict[str, int]:
    """How many stored files are in which text state (given up: failed for good)."""
    rows = session.execute(
        select(FileBlob.text_status, func.count()).group_by(FileBlob.text_status)
    ).all()
    found: dict[str, int] = dict(rows)  # type: ignore[arg-type]
    return {
        FileBlob.PENDING: found.get(FileBlob.PENDING, 0),
        FileBlob.DONE: found.get(FileBlob.DONE, 0),
        FileBlob.NO_TEXT: found.get(FileBlob.NO_TEXT, 0),
        FileBlob.FAILED: found.get(FileBlob.FAILED, 0),
    }


def text_state(blob: FileBlob, max_attempts: int) -> str:
    """What a coordinator reads beside a file about its text in search (Dutch)."""
    if blob.text_status == FileBlob.DONE:
        note = blob.text_error.rstrip(".").lower() if blob.text_error else ""
        return f"Doorzoekbaar ({note})" if note else "Doorzoekbaar"
    if blob.text_status == FileBlob.PENDING:
        return "Wordt doorzoekbaar gemaakt"
    if blob.text_status == FileBlob.NO_TEXT:
        return "Niet doorzoekbaar" + (f": {blob.text_error}" if blob.text_error else "")
    if blob.text_attempts >= max_attempts:
        return f"Tekst lezen mislukt na {blob.text_attempts} pogingen: {blob.text_error}"
    tried = f"{blob.text_attempts} van {max_attempts}"
    return f"Tekst lezen mislukt, wordt opnieuw geprobeerd ({tried}): {blob.text_error}"


def problems(session: Session) -> list[str]:
    """A line per attached file whose text could not be read (failed, or refused)."""
    rows = session.execute(
        select(Attachment.parent_type, Attachment.parent_id, Attachment.filename, FileBlob)
        .join(FileBlob, FileBlob.id == Attachment.blob_id)
        .where(
            or_(
                FileBlob.text_status == FileBlob.FAILED,
                and_(FileBlob.text_status == FileBlob.NO_TEXT, FileBlob.text_error.is_not(None)),
            )
        )
        .order_by(Attachment.parent_type, Attachment.parent_id, Attachment.filename)
    ).all()
    from flask import current_app

    max_attempts = int(setting(current_app.config, "FILES_TEXT_MAX_ATTEMPTS"))
    return [
        f"{parent_type} {parent_id} · {filename}: {text_state(blob, max_attempts)}"
        for parent_type, parent_id, filename, blob in rows
    ]
