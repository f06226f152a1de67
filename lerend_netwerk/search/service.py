"""Search: the index's health (the rest of the module follows)."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask


def index_health(app: Flask) -> dict[str, Any]:
    """Whether the search index directory is usable."""
    index_dir = app.config["SEARCH_INDEX_DIR"]
    try:
        os.makedirs(index_dir, exist_ok=True)
    except OSError as error:
        return {"status": "error", "reason": f"index directory not usable: {error}"}
    return {"status": "ok", "directory": index_dir}
