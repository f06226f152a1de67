"""Full-text search across sessions, proeftuinen, reports, practices and recommendations."""

from __future__ import annotations

from flask import Flask, g

_IN_REQUEST = "search_in_request"


def init_search(app: Flask) -> None:
    """Record searchable changes in the outbox and let the index catch up after writes."""
    import click

    from lerend_netwerk.search import outbox

    outbox.install()

    @app.before_request
    def _mark_request() -> None:
        setattr(g, _IN_REQUEST, True)

    @app.teardown_appcontext
    def _sync_after_writes(_error: BaseException | None) -> None:
        if not g.pop(outbox.DIRTY_FLAG, False):
            return
        in_request = bool(g.pop(_IN_REQUEST, False))
        # Requests and CLI commands sync; other app contexts (scripts, test fixtures)
        # leave the rows for the next sync.
        if not in_request and click.get_current_context(silent=True) is None:
            return
        from lerend_netwerk.search.service import after_writes

        after_writes(app, in_request=in_request)
