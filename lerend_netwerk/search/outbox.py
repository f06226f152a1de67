"""The outbox: every change to searchable content records a row in the same transaction.

A SQLAlchemy session event looks at what a flush writes: new, changed and deleted
instances of an indexed model, and changes that alter other documents (a theme
renamed changes every document with that theme; a reply changes its thread; an
organisation renamed changes its proeftuinen; a proeftuin renamed changes its
reports, practices and hosted sessions; a recommendation changes the final report;
themes and organisations are documents themselves). For each affected document it inserts a
`search_change` row on the same connection, so the row commits or rolls back
together with the change. The index is brought up to date from these rows later
(search.sync), by whichever process gets the Whoosh writer lock.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import g, has_app_context
from sqlalchemy import event, inspect, select
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


def _doc_type(obj: Any) -> str | None:
    from lerend_netwerk.search.documents import TYPE_OF_MODEL

    return TYPE_OF_MODEL.get(type(obj))


def _related_keys(session: Session, obj: Any) -> set[Key]:
    """Documents whose indexed text includes something of `obj` (not obj itself)."""
    from lerend_netwerk.agenda.models import Meeting, meeting_themes
    from lerend_netwerk.practices.models import Practice, practice_themes
    from lerend_netwerk.proeftuinen.models import (
        Organisation,
        Proeftuin,
        VisitReport,
        proeftuin_organisations,
        proeftuin_themes,
    )
    from lerend_netwerk.recommendations.models import Post, Recommendation
    from lerend_netwerk.search.documents import FINAL_REPORT_ID
    from lerend_netwerk.themes.models import Theme

    connection = session.connection()

    def ids(query) -> list[int]:
        return [row[0] for row in connection.execute(query)]

    keys: set[Key] = set()
    if isinstance(obj, Recommendation):
        # The final report names the accepted threads.
        keys.add(("final_report", FINAL_REPORT_ID))
    if isinstance(obj, Post):
        rec_id = obj.recommendation_id
        if rec_id is None and obj.recommendation is not None:
            rec_id = obj.recommendation.id
        if rec_id is not None:
            keys.add(("recommendation", rec_id))
    elif isinstance(obj, Theme) and obj.id is not None:
        tid = obj.id
        keys |= {
            ("session", i)
            for i in ids(
                select(meeting_themes.c.meeting_id).where(meeting_themes.c.theme_id == tid)
            )
        }
        proeftuin_ids = ids(
            select(proeftuin_themes.c.proeftuin_id).where(proeftuin_themes.c.theme_id == tid)
        )
        keys |= {("proeftuin", i) for i in proeftuin_ids}
        if proeftuin_ids:
            keys |= {
                ("report", i)
                for i in ids(
                    select(VisitReport.id).where(VisitReport.proeftuin_id.in_(proeftuin_ids))
                )
            }
        keys |= {
            ("practice", i)
            for i in ids(
                select(practice_themes.c.practice_id).where(practice_themes.c.theme_id == tid)
            )
        }
        keys |= {
            ("recommendation", i)
            for i in ids(select(Recommendation.id).where(Recommendation.theme_id == tid))
        }
    elif isinstance(obj, Organisation) and obj.id is not None:
        keys |= {
            ("proeftuin", i)
            for i in ids(
                select(proeftuin_organisations.c.proeftuin_id).where(
                    proeftuin_organisations.c.organisation_id == obj.id
                )
            )
        }
    elif isinstance(obj, Proeftuin) and obj.id is not None:
        pid = obj.id
        keys |= {
            ("report", i)
            for i in ids(select(VisitReport.id).where(VisitReport.proeftuin_id == pid))
        }
        keys |= {
            ("practice", i) for i in ids(select(Practice.id).where(Practice.proeftuin_id == pid))
        }
        keys |= {("session", i) for i in ids(select(Meeting.id).where(Meeting.host_id == pid))}
    return keys


def _keys_for(session: Session, obj: Any) -> set[Key]:
    from lerend_netwerk.search.documents import SESSION_REPORT

    keys = _related_keys(session, obj)
    doc_type = _doc_type(obj)
    if doc_type is not None:
        identity = inspect(obj).identity
        doc_id = identity[0] if identity else getattr(obj, "id", None)
        if doc_id is not None:
            keys.add((doc_type, doc_id))
    # A session's verslag is indexed apart, and changes with the session.
    keys |= {(SESSION_REPORT, doc_id) for kind, doc_id in keys if kind == "session"}
    return keys


def _interesting(obj: Any) -> bool:
    from lerend_netwerk.proeftuinen.models import Organisation
    from lerend_netwerk.recommendations.models import Post
    from lerend_netwerk.themes.models import Theme

    return _doc_type(obj) is not None or isinstance(obj, Post | Theme | Organisation)


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
