"""The OpenAPI 3.1 description of the read-only JSON API (the contract's "JSON API")."""

from __future__ import annotations

from typing import Any

from lerend_netwerk.core.slugs import SLUG_PATTERN
from lerend_netwerk.levels import LEVELS
from lerend_netwerk.products.models import PRODUCT_KINDS
from lerend_netwerk.search.documents import doc_types

API_VERSION = "1.0.0"
# The search's document types (see docs/search.md): the registered content types' (the
# contract's five, the theme and organisation pages and the final report). Filled in
# when the document is made, once the content types are registered.
SEARCH_TYPES: list[str] = []

_datetime = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the UTC offset of Brussels local time.",
    "examples": ["2026-10-27T13:30:00+01:00"],
}

_page_links = {
    "type": "object",
    "description": "Absolute URLs of this, the first, the previous and the next "
    "page; `next` is absent on the last page, `prev` on the first.",
    "required": ["self", "first"],
    "properties": {
        rel: {"type": "string", "format": "uri"} for rel in ("self", "first", "prev", "next")
    },
}

SCHEMAS: dict[str, Any] = {
    "SessionSummary": {
        "type": "object",
        "required": [
            "slug",
            "title",
            "kind",
            "starts",
            "ends",
            "location",
            "seats_left",
            "url",
            "ics",
        ],
        "properties": {
            "slug": {"type": "string", "pattern": SLUG_PATTERN},
            "title": {"type": "string"},
            "kind": {
                "type": "string",
                "enum": [
                    "kick-off",
                    "intervisie",
                    "netwerkmoment",
                    "inspiratie",
                    "slotsessie",
                    "webinar",
                ],
            },
            "starts": _datetime,
            "ends": _datetime,
            "location": {"type": ["string", "null"]},
            "seats_left": {
                "type": ["integer", "null"],
                "minimum": 0,
                "description": (
                    "Seats still free (a guest's unconfirmed request holds one for a short "
                    "while); null when the session has no limit."
                ),
            },
            "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
            "themes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Slugs of the session's themes.",
            },
            "network": {
                "type": "string",
                "pattern": SLUG_PATTERN,
                "description": "Slug of the learning network the session belongs to.",
            },
            "url": {
                "type": "string",
                "format": "uri",
                "description": "The session's page, under its network's address.",
            },
            "ics": {
                "type": "string",
                "format": "uri",
                "description": "The session as an iCalendar file.",
            },
        },
    },
    "SessionDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/SessionSummary"},
            {
                "type": "object",
                "required": ["capacity", "confirmed", "waitlisted", "status"],
                "properties": {
                    "capacity": {
                        "type": ["integer", "null"],
                        "minimum": 0,
                        "description": "null = unlimited.",
                    },
                    "confirmed": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "Confirmed places, members and guests together.",
                    },
                    "waitlisted": {
                        "type": "integer",
                        "minimum": 0,
                        "description": "On the waiting list, members and guests together.",
                    },
                    "status": {"type": "string", "enum": ["scheduled", "cancelled"]},
                },
            },
        ]
    },
    "SessionList": {
        "type": "object",
        "required": ["sessions", "page", "per_page", "links"],
        "properties": {
            "sessions": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/SessionSummary"},
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "links": _page_links,
        },
    },
    "ProductSummary": {
        "type": "object",
        "required": [
            "slug",
            "title",
            "summary",
            "kind",
            "kind_label",
            "network",
            "level",
            "themes",
            "proeftuin",
            "organisation",
            "link",
            "sessions",
            "published",
            "url",
        ],
        "properties": {
            "slug": {"type": "string", "pattern": SLUG_PATTERN},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "kind": {"type": "string", "enum": list(PRODUCT_KINDS)},
            "kind_label": {"type": "string", "description": "The kind's Dutch name."},
            "network": {
                "type": "string",
                "pattern": SLUG_PATTERN,
                "description": "Slug of the learning network the product belongs to.",
            },
            "level": {
                "type": ["string", "null"],
                "enum": [*LEVELS, None],
                "description": "Its own level, or else its proeftuin's.",
            },
            "themes": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Slugs of the product's themes.",
            },
            "proeftuin": {
                "type": ["string", "null"],
                "description": "Slug of the proeftuin behind it (null: the network's own).",
            },
            "organisation": {"type": ["string", "null"], "description": "Organisation slug."},
            "link": {
                "type": ["string", "null"],
                "format": "uri",
                "description": "Where the product is online.",
            },
            "sessions": {
                "type": "array",
                "items": {"type": "string"},
                "description": "Slugs of the public sessions whose productenmarkt showed it.",
            },
            "published": {"type": "string", "format": "date"},
            "url": {"type": "string", "format": "uri", "description": "The product's page."},
        },
    },
    "ProductDetail": {
        "allOf": [
            {"$ref": "#/components/schemas/ProductSummary"},
            {
                "type": "object",
                "required": ["body"],
                "properties": {"body": {"type": "string", "description": "Markdown."}},
            },
        ]
    },
    "ProductList": {
        "type": "object",
        "required": ["products", "page", "per_page", "links"],
        "properties": {
            "products": {
                "type": "array",
                "items": {"$ref": "#/components/schemas/ProductSummary"},
            },
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
            "links": _page_links,
        },
    },
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


def _json(schema: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_not_found = _json("Error", "Unknown, or not public.")


def _query(name: str, description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
    }


PATHS: dict[str, Any] = {
    "/api/v1/sessions": {
        "get": {
            "operationId": "listSessions",
            "summary": "Upcoming public sessions, soonest first, one page at a time.",
            "tags": ["sessions"],
            "parameters": [
                {
                    "name": "page",
                    "in": "query",
                    "required": False,
                    "description": "Page number, from 1.",
                    "schema": {"type": "integer", "minimum": 1, "default": 1},
                },
                {
                    "name": "per_page",
                    "in": "query",
                    "required": False,
                    "description": "Sessions per page (at most 100).",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                },
                _query(
                    "network",
                    "Only the sessions of this network (its slug); without it, every network's.",
                    {"type": "string", "pattern": SLUG_PATTERN},
                ),
            ],
            "responses": {
                "200": _json("SessionList", "The upcoming public sessions."),
                "404": _json("Error", "No network with this slug."),
            },
        }
    },
    "/api/v1/sessions/{slug}": {
        "get": {
            "operationId": "getSession",
            "summary": "One public session with its registration counts.",
            "tags": ["sessions"],
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _json("SessionDetail", "The session."),
                "404": _not_found,
            },
        }
    },
    "/api/v1/products": {
        "get": {
            "operationId": "listProducts",
            "summary": "Published public products (the productenmarkt), by title.",
            "tags": ["products"],
            "parameters": [
                _query("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
                _query(
                    "per_page",
                    "Products per page (at most 100).",
                    {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                ),
            ],
            "responses": {"200": _json("ProductList", "The published public products.")},
        }
    },
    "/api/v1/products/{slug}": {
        "get": {
            "operationId": "getProduct",
            "summary": "One published public product with its description.",
            "tags": ["products"],
            "parameters": [
                {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {"200": _json("ProductDetail", "The product."), "404": _not_found},
        }
    },
    "/api/v1/search": {
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
    "/api/v1/openapi.json": {
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


def openapi_document(server_url: str, cookie_name: str = "session") -> dict[str, Any]:
    """The OpenAPI 3.1 document, with `server_url` (the site's root) as the server."""
    SEARCH_TYPES[:] = doc_types()
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
            {"name": "sessions", "description": "Sessions of the network."},
            {"name": "products", "description": "Products of the proeftuinen."},
            {"name": "search", "description": "Search across the site."},
            {"name": "meta", "description": "About the API."},
        ],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": cookie_name}
            },
        },
    }
