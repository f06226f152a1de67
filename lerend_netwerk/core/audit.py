"""Record and list audit events; callers record inside their own transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from lerend_netwerk.core.models import AuditEvent
from lerend_netwerk.extensions import db


def record_audit(actor: Any, action: str, target: Any = None, summary: str = "") -> AuditEvent:
    """Add an audit event (e.g. "report.published", "user.role_changed") to the session."""
    actor_id = getattr(actor, "id", None) if getattr(actor, "is_authenticated", False) else None
    label = f"{actor.name} <{actor.email}>" if actor_id else "systeem"
    event = AuditEvent(
        actor_id=actor_id,
        actor_label=label,
        action=action,
        target_type=type(target).__name__ if target is not None else None,
        target_id=getattr(target, "id", None),
        target_label=str(getattr(target, "title", None) or getattr(target, "email", "") or ""),
        summary=summary,
    )
    db.session.add(event)
    return event


def audit_events(*, action: str | None = None, page: int = 1, per_page: int = 50):
    """Newest events first, optionally for one action."""
    query = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
