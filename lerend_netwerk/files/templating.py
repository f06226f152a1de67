"""What the templates use of files: the file list of a document and sizes in Dutch."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app
from flask_login import current_user

from lerend_netwerk.config import setting
from lerend_netwerk.files import extract, service, text, validation


def file_panel(parent_type: str, parent: Any) -> service.Panel:
    """The files on `parent` and what the current user may do with them."""
    return service.panel(parent_type, parent, current_user)


def filesize(size: int | None) -> str:
    """1 B, 12 kB, 3,4 MB, 25 MB: a size as people read it (decimal comma)."""
    if size is None:
        return ""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{round(size / 1024)} kB"
    megabytes = size / (1024 * 1024)
    if megabytes >= 10 or megabytes == int(megabytes):
        return f"{round(megabytes)} MB"
    return f"{megabytes:.1f} MB".replace(".", ",")


def file_text_state(blob: Any) -> str:
    """For coordinators: whether the file's text is searchable, and if not why (Dutch);
    empty for a type without text (an image)."""
    if blob.mimetype.split(";")[0] not in extract.SEARCHED_TYPES:
        return ""
    return text.text_state(blob, int(setting(current_app.config, "FILES_TEXT_MAX_ATTEMPTS")))


def init_files_templating(app: Flask) -> None:
    app.jinja_env.globals.update(file_panel=file_panel)
    app.jinja_env.filters.update(
        filesize=filesize, file_type=validation.type_label, file_text_state=file_text_state
    )
