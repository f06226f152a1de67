"""Bringing the index up to date from the outbox; rebuilding it from scratch.

sync_index() is safe to run anywhere and at any time, by any number of processes:
- it reads the sync state from the index and the outbox rows above it (and in the
  gaps it still expects) without a lock; nothing to do means no lock, no write;
- otherwise it takes the Whoosh writer lock, retrying on LockError with backoff,
  re-reads state and rows under the lock, re-reads the current documents from the
  database and writes them (or deletes them), and commits the new state in the same
  Whoosh commit. A crash before that commit leaves state and documents as they were;
  the next sync applies the same rows again (applying is idempotent: a document is
  always rebuilt from the database as it is now);
- when the lock stays taken past the deadline it gives up and says so: the rows stay
  in the outbox for the next sync.

Each pass first reads the text of a bounded batch of attached files that wait for it
(files/text.py), outside the Whoosh lock, each in a short database transaction; the
outbox rows that writes of the text record are applied in the same pass.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask
from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session
from whoosh.writing import CLEAR

from lerend_netwerk.config import DefaultConfig, setting
from lerend_netwerk.extensions import db
from lerend_netwerk.search.documents import (
    SearchDocument,
    iter_documents,
    load_documents,
    search_files,
    type_labels,
)
from lerend_netwerk.search.index import (
    SCHEMA_VERSION,
    TITLE_REPEAT,
    IndexHandle,
    SyncState,
    get_handle,
    upgrade_schema,
    write_state,
)
from lerend_netwerk.search.models import SearchChange

log = logging.getLogger(__name__)

REINDEX_LIMITMB = DefaultConfig.SEARCH_REINDEX_LIMITMB
# A fresh index expects the ids this far below the newest one that are missing to
# still be in flight (PostgreSQL hands out ids before commit).
FRESH_GAP_WINDOW = 10_000


# The start of each file's text is stored for its snippet; a match further in still finds
# the document, its snippet then shows the file's start.
FILE_SNIPPET_CHARS = 50_000


class IndexBusy(RuntimeError):
    """The writer lock stayed taken past the deadline."""


@dataclass
class SyncResult:
    applied: int = 0  # outbox rows applied
    documents: int = 0  # documents written or removed
    last_id: int = 0
    pending: int = 0  # rows still to apply (when the lock could not be had)
    locked: bool = False
    # The text read from attached files in this pass (files.text.ExtractionReport).
    files: Any = None

    @property
    def files_waiting(self) -> int:
        """Files whose text is due and still waits (a next pass reads them)."""
        return getattr(self.files, "waiting", 0)


def handle_for(app: Flask) -> IndexHandle:
    """The process-wide handle of the app's index."""
    return get_handle(app.config["SEARCH_INDEX_DIR"])


def whoosh_fields(doc: SearchDocument) -> dict[str, Any]:
    """The Whoosh fields of a search document."""
    # The type's name counts as a keyword: "goede praktijk" finds practices.
    keywords = f"{doc.keywords}\n{type_labels().get(doc.type, '')}"
    content = "\n".join([doc.title] * TITLE_REPEAT + [doc.body, keywords])
    fields: dict[str, Any] = {
        "key": doc.key,
        "type": doc.type,
        "slug": doc.slug,
        "url": doc.url,
        "title": doc.title,
        "body": doc.body,
        "content": content,
        "parts": content,
        "spell": _distinct_words(doc.title, doc.body, doc.keywords),
        "themes": " ".join(doc.themes),
        "audience": " ".join(doc.audiences),
        "fingerprint": doc.fingerprint,
    }
    if doc.level:
        fields["level"] = doc.level
    if doc.network:
        fields["network"] = doc.network
    if doc.files:
        file_text = "\n\n".join(f.text for f in doc.files)
        fields["files"] = file_text
        fields["fileparts"] = file_text
        fields["spell"] = _distinct_words(doc.title, doc.body, doc.keywords, file_text)
        fields["attached"] = [
            [f.attachment_id, f.filename, f.text[:FILE_SNIPPET_CHARS]] for f in doc.files
        ]
    return fields


def _distinct_words(*texts: str) -> str:
    """Each word once: the spelling/prefix field needs which words occur, not how often."""
    return " ".join(dict.fromkeys(" ".join(texts).split()))


def _pending_clause(state: SyncState) -> ColumnElement[bool]:
    clause: ColumnElement[bool] = SearchChange.id > state.last_id
    for lo, hi, _seen in state.gaps:
        clause = or_(clause, SearchChange.id.between(int(lo), int(hi)))
    return clause


def pending_count(session: Session, state: SyncState) -> int:
    """Outbox rows this index has not applied yet."""
    return session.scalar(select(func.count()).where(_pending_clause(state))) or 0


def _has_pending(session: Session, state: SyncState) -> bool:
    return (
        session.scalar(select(SearchChange.id).where(_pending_clause(state)).limit(1)) is not None
    )


def _fetch(session: Session, state: SyncState, limit: int) -> list[tuple[int, str, int]]:
    rows = session.execute(
        select(SearchChange.id, SearchChange.doc_type, SearchChange.doc_id)
        .where(_pending_clause(state))
        .order_by(SearchChange.id)
        .limit(limit)
    )
    return [(row[0], row[1], row[2]) for row in rows]


def sync_index(
    app: Flask,
    *,
    lock_timeout: float | None = None,
    batch_size: int | None = None,
) -> SyncResult:
    """Apply the outbox rows this index has not seen yet; see the module docstring."""
    handle = handle_for(app)
    if lock_timeout is None:
        lock_timeout = float(setting(app.config, "SEARCH_LOCK_TIMEOUT"))
    batch = batch_size or int(setting(app.config, "SEARCH_SYNC_BATCH"))
    gap_seconds = float(setting(app.config, "SEARCH_OUTBOX_GAP_SECONDS"))
    result = SyncResult()
    with Session(db.engine) as session:
        files = search_files()
        if files is not None:
            # Text read now changes its documents: the outbox gets their rows below.
            try:
                result.files = files.extract(app, session)
            except Exception:  # the files wait; the documents are brought up to date
                session.rollback()
                log.exception("reading the text of attached files failed")
        while True:
            state = handle.read_state()
            if state.schema_version != SCHEMA_VERSION:
                # A new index, or one built by an older version: rebuild from the
                # database instead of replaying the outbox.
                session.rollback()
                try:
                    reindex(app, lock_timeout=lock_timeout, if_stale=True)
                except IndexBusy:
                    result.locked = True
                    result.pending = pending_count(session, state)
                    return result
                continue
            result.last_id = state.last_id
            if not _has_pending(session, state):
                return result
            session.rollback()  # end the read snapshot (SQLite) before waiting
            writer = handle.acquire_writer(lock_timeout)
            if writer is None:
                result.locked = True
                result.pending = pending_count(session, handle.read_state())
                return result
            try:
                state = handle.read_state()  # another worker may have got here first
                rows = _fetch(session, state, batch)
                keys = list(dict.fromkeys((doc_type, doc_id) for _, doc_type, doc_id in rows))
                documents = load_documents(session, keys)
                for doc_type, doc_id in keys:
                    doc = documents.get((doc_type, doc_id))
                    if doc is None:
                        writer.delete_by_term("key", f"{doc_type}:{doc_id}")
                    else:
                        writer.update_document(**whoosh_fields(doc))
                new_state = state.advance([row[0] for row in rows], time.time(), gap_seconds)
                write_state(writer, new_state)
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            finally:
                session.rollback()
                session.expunge_all()
            result.applied += len(rows)
            result.documents += len(keys)
            result.last_id = new_state.last_id
            if len(rows) < batch:
                return result


def _fresh_state(session: Session) -> SyncState:
    """The state of an index built now: everything up to the newest row, minus ids in flight."""
    newest = session.scalar(select(func.max(SearchChange.id))) or 0
    floor = max(newest - FRESH_GAP_WINDOW, 0)
    present = [
        row[0]
        for row in session.execute(
            select(SearchChange.id).where(SearchChange.id > floor).order_by(SearchChange.id)
        )
    ]
    state = SyncState(last_id=floor, gaps=[])
    return state.advance(present, time.time(), float("inf"))


def reindex(
    app: Flask,
    *,
    progress: Callable[[int], None] | None = None,
    lock_timeout: float | None = None,
    if_stale: bool = False,
) -> int:
    """Rebuild the index from the database; returns the number of documents.

    The rebuild happens in one writer and replaces all segments in one commit (CLEAR),
    so searches see the old index until the new one is complete. Changes committed
    while it runs are applied by the sync that follows. With `if_stale`, nothing
    happens when (once the lock is ours) the index turns out to be current already.
    """
    handle = handle_for(app)
    if lock_timeout is None:
        lock_timeout = float(setting(app.config, "SEARCH_REINDEX_LOCK_TIMEOUT"))
    writer = handle.acquire_writer(
        lock_timeout, limitmb=int(setting(app.config, "SEARCH_REINDEX_LIMITMB"))
    )
    if writer is None:
        raise IndexBusy("the search index is being written by another process")
    count = 0
    try:
        old = handle.read_state()
        if if_stale and old.schema_version == SCHEMA_VERSION:
            writer.cancel()
            return 0
        upgrade_schema(writer)
        with Session(db.engine) as session:
            # Capture where the outbox stands BEFORE reading the documents.
            if old.schema_version:
                state = SyncState(last_id=old.last_id, gaps=old.gaps)
            else:
                state = _fresh_state(session)
            state.schema_version = SCHEMA_VERSION
            session.rollback()
            for doc in iter_documents(session):
                writer.add_document(**whoosh_fields(doc))
                count += 1
                if progress is not None:
                    progress(1)
        write_state(writer, state)
        writer.commit(mergetype=CLEAR)
    except BaseException:
        writer.cancel()
        raise
    handle.reset()
    sync_index(app, lock_timeout=lock_timeout)
    return count


class BackgroundSyncer:
    """One daemon thread per process and index that syncs after writes, until caught up.

    A web request only signals it (kick) and returns: the request never waits for
    Whoosh. The thread retries with growing pauses while the lock is taken or the
    database is away, and goes back to sleep when nothing is pending.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._workers: dict[str, _Worker] = {}

    def kick(self, app: Flask) -> None:
        """Ask for a sync soon."""
        key = app.config["SEARCH_INDEX_DIR"]
        with self._lock:
            worker = self._workers.get(key)
            if worker is None or worker.pid != os.getpid() or not worker.thread.is_alive():
                worker = _Worker(app)
                self._workers[key] = worker
                worker.thread.start()
            worker.idle.clear()
            worker.wake.set()

    def wait_idle(self, app: Flask, timeout: float) -> bool:
        """Wait until the app's sync thread has nothing left to do (for shutdown and tests)."""
        worker = self._workers.get(app.config["SEARCH_INDEX_DIR"])
        return worker is None or worker.idle.wait(timeout)


class _Worker:
    def __init__(self, app: Flask) -> None:
        self.app = app
        self.pid = os.getpid()
        self.wake = threading.Event()
        self.idle = threading.Event()
        self.thread = threading.Thread(target=self.run, name="search-sync", daemon=True)

    def run(self) -> None:
        while True:
            self.wake.wait()
            self.wake.clear()
            pause = 0.25
            while True:
                try:
                    with self.app.app_context():
                        result = sync_index(self.app)
                    if not result.locked and not result.files_waiting:
                        break
                    if not result.locked:
                        continue  # more files to read: the next batch at once
                except Exception:
                    log.exception("search index sync failed; retrying")
                time.sleep(pause)
                pause = min(pause * 2, 30.0)
            if not self.wake.is_set():
                self.idle.set()


background = BackgroundSyncer()
