"""What the kinds' parts of the read-only JSON API share (each an `ApiResource` in its
`content_type.py`, served by `lerend_netwerk.api`): the page bounds and the building
blocks of their OpenAPI description."""

from __future__ import annotations

from typing import Any

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


def page_bounds(page: int, per_page: int) -> tuple[int, int]:
    """The page number (from 1) and the page size (1 to MAX_PER_PAGE) a list answers."""
    return max(page, 1), min(max(per_page, 1), MAX_PER_PAGE)


DATETIME: dict[str, Any] = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the UTC offset of Brussels local time.",
    "examples": ["2026-10-27T13:30:00+01:00"],
}

PAGE_LINKS: dict[str, Any] = {
    "type": "object",
    "description": "Absolute URLs of this, the first, the previous and the next "
    "page; `next` is absent on the last page, `prev` on the first.",
    "required": ["self", "first"],
    "properties": {
        rel: {"type": "string", "format": "uri"} for rel in ("self", "first", "prev", "next")
    },
}


def list_schema(key: str, item_schema: str) -> dict[str, Any]:
    """A page of a list: its items under `key`, the page, its size and the links."""
    return {
        "type": "object",
        "required": [key, "page", "per_page", "links"],
        "properties": {
            key: {"type": "array", "items": {"$ref": f"#/components/schemas/{item_schema}"}},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "links": PAGE_LINKS,
        },
    }


def json_response(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


NOT_FOUND = json_response("Error", "Unknown, or not public.")


def query_parameter(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


SLUG_PARAMETER: dict[str, Any] = {
    "name": "slug",
    "in": "path",
    "required": True,
    "schema": {"type": "string"},
}
