"""A document that can be a draft: publishing it, and the coordinators' two buttons
(publish, back to draft), whose views are the same for every such kind."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from lerend_netwerk.access import coordinator_required
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import FieldError
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db


def publish_document(doc: Any, actor: Any, audit_name: str) -> Any:
    """Status published and published_at now (kept when already published; set when it
    was missing), audited as `<audit_name>.published` when the status changes."""
    if doc.status != "published":
        doc.status = "published"
        doc.published_at = utcnow()
        record_audit(actor, f"{audit_name}.published", doc)
    elif doc.published_at is None:
        doc.published_at = utcnow()
    db.session.flush()
    return doc


def save_from_form(
    form: Any, save: Callable[[], Any], *, detail: str, published: str, draft: str
) -> Response | None:
    """Save a document that can be a draft from its form: a `FieldError` is shown at its
    field (None: show the form again); else commit, say `published` or `draft` as it now
    is, and go to its page (endpoint `detail`)."""
    try:
        saved = save()
    except FieldError as error:
        db.session.rollback()
        form[error.field].errors = [*form[error.field].errors, error.message]
        return None
    db.session.commit()
    flash(published if saved.status == "published" else draft, "success")
    return redirect(url_for(detail, slug=saved.slug))


def add_publication_routes(
    bp: Blueprint,
    rule: str,
    *,
    find: Callable[[str, Any], Any],
    publish: Callable[..., Any],
    unpublish: Callable[..., Any],
    detail: str,
    noun: str,
    suffix: str = "",
) -> None:
    """POST `<rule>/publiceren` (endpoint `publish<suffix>`) and `<rule>/depubliceren`
    (`unpublish<suffix>`) for coordinators: `find(slug, user)` is the document as its
    editors get it (404/403 otherwise), `publish`/`unpublish(doc, actor=…)` change it;
    then back to its page (endpoint `detail`), saying so of "`noun`" ("Het product")."""

    def change(action: Callable[..., Any], message: str, category: str) -> Callable[..., Any]:
        def view(slug: str):
            doc = action(find(slug, current_user), actor=current_user)
            db.session.commit()
            flash(message, category)
            return redirect(url_for(detail, slug=doc.slug))

        return coordinator_required(view)

    bp.add_url_rule(
        f"{rule}/publiceren",
        f"publish{suffix}",
        change(publish, f"{noun} is gepubliceerd.", "success"),
        methods=["POST"],
    )
    bp.add_url_rule(
        f"{rule}/depubliceren",
        f"unpublish{suffix}",
        change(unpublish, f"{noun} is terug een concept: enkel coördinatoren zien het.", "info"),
        methods=["POST"],
    )
