"""The outbox: every change to searchable content records a row in the same transaction.

A SQLAlchemy session event looks at what a flush writes: new, changed and deleted
instances of an indexed model, and changes that alter other documents (a theme
renamed changes every document with that theme; a reply changes its thread; an
organisation renamed changes its proeftuinen; a proeftuin renamed changes its
reports, practices and hosted sessions; a recommendation changes the final report;
a file attached, replaced, renamed or removed, or its text read, changes the document
it is on).
Which models each kind of document watches, and how, each content type declares
(`SearchIndexing.watches` and `related`). For each affected document it inserts a
`search_change` row on the same connection, so the row commits or rolls back
together with the change. The index is brought up to date from these rows later
(search.sync), by whichever process gets the Whoosh writer lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_app_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from lerend_netwerk.db import utcnow

_PENDING = "search_outbox_pending"
_RECORDED = "search_outbox_recorded"
_WRITTEN = "search_outbox_written"
DIRTY_FLAG = "search_outbox_dirty"

Key = tuple[str, int]


def install() -> None:
    """Listen on every ORM session (once per process)."""
    if event.contains(Session, "before_flush", _before_flush):
        return
    event.listen(Session, "before_flush", _before_flush)
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_rollback", _after_rollback)


def _keys_for(session: Session, obj: Any) -> set[Key]:
    """The documents `obj` is (a session and its verslag) and those whose indexed text
    includes something of it (the `watches` and `related` of each content type)."""
    from lerend_netwerk.search.documents import indexings, search_files

    keys: set[Key] = set()
    connection = None
    files = search_files()
    if files is not None and isinstance(obj, files.watches):
        keys |= files.related(session, obj)
    for spec in indexings().values():
        if spec.model is type(obj) and spec.singleton is None:
            identity = inspect(obj).identity
            doc_id = identity[0] if identity else getattr(obj, "id", None)
            if doc_id is not None:
                keys.add((spec.doc_type, doc_id))
        if spec.related is not None and isinstance(obj, spec.watches):
            connection = connection or session.connection()
            keys |= spec.related(connection, obj)
    return keys


def _interesting(obj: Any) -> bool:
    from lerend_netwerk.search.documents import indexings, search_files

    files = search_files()
    if files is not None and isinstance(obj, files.watches):
        return True
    return any(
        spec.model is type(obj) or isinstance(obj, spec.watches) for spec in indexings().values()
    )


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Changed and deleted objects: their ids (and related rows) are known now."""
    pending: set[Key] = session.info.setdefault(_PENDING, set())
    for obj in list(session.dirty):
        if _interesting(obj) and session.is_modified(obj):
            pending |= _keys_for(session, obj)
    for obj in list(session.deleted):
        if _interesting(obj):
            pending |= _keys_for(session, obj)


def _after_flush(session: Session, flush_context: Any) -> None:
    """New objects have ids now; write one outbox row per affected document."""
    from lerend_netwerk.search.models import SearchChange

    keys: set[Key] = session.info.pop(_PENDING, set())
    for obj in list(session.new):
        if _interesting(obj):
            keys |= _keys_for(session, obj)
    if not keys:
        return
    transaction = session.get_nested_transaction() or session.get_transaction()
    recorded = session.info.get(_RECORDED)
    if recorded is None or recorded[0] is not transaction:
        recorded = (transaction, set())
        session.info[_RECORDED] = recorded
    fresh = sorted(keys - recorded[1])
    if not fresh:
        return
    now = utcnow()
    session.connection().execute(
        SearchChange.__table__.insert(),
        [{"doc_type": t, "doc_id": i, "created_at": now} for t, i in fresh],
    )
    recorded[1].update(fresh)
    session.info[_WRITTEN] = True


def _after_commit(session: Session) -> None:
    """Tell the app context that the outbox got rows: the index should catch up."""
    session.info.pop(_RECORDED, None)
    if session.info.pop(_WRITTEN, False) and has_app_context():
        setattr(g, DIRTY_FLAG, True)


def _after_rollback(session: Session) -> None:
    """Rows of a rolled-back transaction are gone: forget what was recorded."""
    session.info.pop(_PENDING, None)
    session.info.pop(_RECORDED, None)
    session.info.pop(_WRITTEN, None)


def record(session: Session, keys: Iterable[Key]) -> None:
    """Record changes by hand (for writes that bypass the ORM, such as bulk updates)."""
    from lerend_netwerk.search.models import SearchChange

    rows = [{"doc_type": t, "doc_id": i, "created_at": utcnow()} for t, i in sorted(set(keys))]
    if rows:
        session.connection().execute(SearchChange.__table__.insert(), rows)
        session.info[_WRITTEN] = True
