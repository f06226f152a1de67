"""Structured logs: one JSON object per line when LOG_FORMAT is "json"."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request


class JSONFormatter(logging.Formatter):
    """Render a record as JSON with the request's method, path and remote address."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if has_request_context():
            entry.update(
                method=request.method,
                path=request.path,
                remote_addr=request.remote_addr,
                request_id=getattr(g, "request_id", None),
            )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def init_logging(app: Flask) -> None:
    """Log at LOG_LEVEL; as JSON lines when LOG_FORMAT is "json" (production)."""
    level = getattr(logging, str(app.config.get("LOG_LEVEL", "INFO")).upper(), logging.INFO)
    app.logger.setLevel(level)
    if app.config.get("LOG_FORMAT") == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JSONFormatter())
        app.logger.handlers[:] = [handler]
        app.logger.propagate = False
