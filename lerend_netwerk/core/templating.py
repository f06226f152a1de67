"""Jinja filters and globals shared by every feature's templates."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from flask import Flask, current_app, request

from lerend_netwerk import timeutil
from lerend_netwerk.core.content_types import content_types
from lerend_netwerk.markdown import render_markdown
from lerend_netwerk.visibility import VISIBILITY_LABELS, can_coordinate


def url_with_args(**changes) -> str:
    """The current URL with some query arguments replaced (None removes one)."""
    args = request.args.to_dict(flat=False)
    for key, value in changes.items():
        if value is None or value == "":
            args.pop(key, None)
        else:
            args[key] = [str(value)]
    query = urlencode(args, doseq=True)
    return f"{request.path}?{query}" if query else request.path


def site_path(endpoint: str, **values) -> str:
    """The path of `endpoint` from the URL map, the same in a request, a mail or the CLI.

    Values that are not part of the route become the query string.
    """
    return current_app.url_map.bind("localhost").build(endpoint, values)


def absolute_url(endpoint: str, **values) -> str:
    """An absolute link built from SITE_URL, never from the request's Host header."""
    base = current_app.config["SITE_URL"].rstrip("/")
    return base + site_path(endpoint, **values)


def _once(format_function: Callable[..., str]) -> Callable[..., str]:
    """A date format computed once per value: Babel costs about 0.1 ms a call, and a list
    page formats the same few dates on every request. Values are immutable datetimes."""
    return functools.lru_cache(maxsize=4096)(format_function)


def _can_coordinate(doc: Any) -> bool:
    from flask_login import current_user

    return can_coordinate(current_user, doc)


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        markdown=render_markdown,
        # One date style per context, no format argument: `nl_date`/`nl_datetime` on
        # detail pages, `nl_date_short`/`nl_datetime_short` in lists (docs/look.md).
        nl_date=_once(timeutil.nl_date_long),
        nl_date_short=_once(timeutil.nl_date_short),
        nl_datetime=_once(timeutil.nl_datetime_long),
        nl_datetime_short=_once(timeutil.nl_datetime_short),
        nl_time=_once(timeutil.nl_time),
        visibility_label=lambda value: VISIBILITY_LABELS.get(value, value),
        # Documents as the (slug, title) choices of a filter (`_macros.filter_select`).
        slug_choices=lambda docs: [(doc.slug, doc.title) for doc in docs],
    )
    app.jinja_env.globals.update(
        # The header's main menu: the content types' `menu` entries.
        navigation=lambda: content_types.menu(list(app.blueprints)),
        content_templates=content_types.templates_for,
        url_with_args=url_with_args,
        absolute_url=absolute_url,
        nl_timespan=_once(timeutil.nl_timespan),
        nl_timespan_short=_once(timeutil.nl_timespan_short),
        # Whether the reader coordinates this document's network (its coordinator tools).
        can_coordinate=_can_coordinate,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    @app.context_processor
    def site_context() -> dict:
        return {
            "site_name": app.config["SITE_NAME"],
            "site_stylesheet": app.config["SITE_STYLESHEET"],
        }
