"""The OpenAPI 3.1 description of the read-only JSON API (the contract's "JSON API"):
each registered kind's part (its `ApiResource`), the search and this description."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.core.api import json_response as _json
from lerend_netwerk.core.api import query_parameter as _query
from lerend_netwerk.core.content_types import ApiResource, content_types
from lerend_netwerk.search.documents import doc_types

API_VERSION = "1.0.0"
# Where the API lives (the blueprint's URL prefix).
API_ROOT = "/api/v1"
# The search's document types (see docs/search.md): the registered content types' (the
# contract's five, the theme and organisation pages and the final report). Filled in
# when the document is made, once the content types are registered.
SEARCH_TYPES: list[str] = []

SCHEMAS: dict[str, Any] = {
    "SearchResult": {
        "type": "object",
        "required": ["type", "slug", "title", "url", "snippet"],
        "properties": {
            "type": {"type": "string", "enum": SEARCH_TYPES},
            "slug": {"type": "string"},
            "title": {"type": "string"},
            "url": {
                "type": "string",
                "format": "uri",
                "description": "Absolute URL, under the document's network's address.",
            },
            "snippet": {
                "type": "string",
                "description": (
                    "Safe HTML: the best passages with the query's words in <mark>, "
                    "or the start of the text (escaped) when nothing is highlighted. "
                    'From an attached file, it starts with "In bijlage <name>: ".'
                ),
            },
            "file": {
                "type": "object",
                "description": (
                    "Only on a result found in an attached file: that file's name and link."
                ),
                "required": ["name", "url"],
                "properties": {
                    "name": {"type": "string"},
                    "url": {"type": "string", "format": "uri", "description": "Absolute URL."},
                },
            },
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["query", "total", "page", "results", "facets", "suggestion"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchResult"}},
            "facets": {
                "type": "object",
                "description": (
                    "Per facet (type, theme, level, network): the number of results for "
                    "each value (a type, a theme slug, a level, a network slug), largest "
                    "first."
                ),
                "additionalProperties": {"$ref": "#/components/schemas/FacetCounts"},
            },
            "suggestion": {
                "type": ["string", "null"],
                "description": "A spelling suggestion for the query, or null.",
            },
        },
    },
    "FacetCounts": {
        "type": "object",
        "additionalProperties": {"type": "integer", "minimum": 0},
        "examples": [{"practice": 12, "session": 3}],
    },
    "Error": {
        "type": "object",
        "required": ["error", "detail", "status"],
        "properties": {
            "error": {"type": "string"},
            "detail": {"type": "string"},
            "status": {"type": "integer"},
        },
    },
}


PATHS: dict[str, Any] = {
    f"{API_ROOT}/search": {
        "get": {
            "operationId": "search",
            "summary": "Search everything the caller may see.",
            "description": (
                "Anonymous callers only see public content; a signed-in member (session "
                "cookie) also sees members-only content, never drafts of others."
            ),
            "tags": ["search"],
            "security": [{}, {"sessionCookie": []}],
            "parameters": [
                _query("q", "The search words.", {"type": "string"}),
                _query("type", "Only this type.", {"type": "string", "enum": SEARCH_TYPES}),
                _query("theme", "Only results about this theme (its slug).", {"type": "string"}),
                _query(
                    "level",
                    "Only results of this level of education.",
                    {
                        "type": "string",
                        "enum": ["hoger-onderwijs", "volwassenenonderwijs", "secundair"],
                    },
                ),
                _query(
                    "network",
                    "Only results of this network (its slug); without it, every network "
                    "the caller may see.",
                    {"type": "string"},
                ),
                _query("page", "Page of results, from 1.", {"type": "integer", "minimum": 1}),
            ],
            "responses": {"200": _json("SearchResponse", "One page of results.")},
        }
    },
    f"{API_ROOT}/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This OpenAPI description.",
            "tags": ["meta"],
            "responses": {
                "200": {
                    "description": "An OpenAPI 3.1 document.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                }
            },
        }
    },
}


def api_resources() -> list[ApiResource]:
    """The registered kinds' parts of the API, in registration order."""
    return [content_type.api for content_type in content_types.with_hook("api")]


def openapi_document(server_url: str, cookie_name: str = "session") -> dict[str, Any]:
    """The OpenAPI 3.1 document, with `server_url` (the site's root) as the server."""
    SEARCH_TYPES[:] = doc_types()
    resources = api_resources()
    paths: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for resource in resources:
        paths[f"{API_ROOT}/{resource.name}"] = {"get": resource.list_operation}
        paths[f"{API_ROOT}/{resource.name}/{{slug}}"] = {"get": resource.item_operation}
        schemas.update(resource.schemas)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Lerend netwerk duaal leren API",
            "version": API_VERSION,
            "description": (
                "Read-only, public data of the learning network on dual learning: its "
                "sessions, products and search. Times are ISO 8601 in Brussels local time with "
                "their offset. Every answer allows any origin (CORS)."
            ),
            "license": {"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        },
        "servers": [{"url": server_url}],
        "tags": [
            *({"name": name, "description": text} for name, text in (r.tag for r in resources)),
            {"name": "search", "description": "Search across the site."},
            {"name": "meta", "description": "About the API."},
        ],
        "paths": {**paths, **PATHS},
        "components": {
            "schemas": {**schemas, **SCHEMAS},
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": cookie_name}
            },
        },
    }
