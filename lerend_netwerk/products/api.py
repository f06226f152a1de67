"""The products in the read-only JSON API (`/api/v1/products`): the published public
products (the productenmarkt) as plain data, and their OpenAPI description."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.core.api import (
    DEFAULT_PER_PAGE,
    MAX_PER_PAGE,
    NOT_FOUND,
    SLUG_PARAMETER,
    json_response,
    list_schema,
    page_bounds,
    query_parameter,
)
from lerend_netwerk.core.content_types import ApiPage, ApiResource
from lerend_netwerk.core.slugs import SLUG_PATTERN, is_slug
from lerend_netwerk.core.templating import absolute_url
from lerend_netwerk.extensions import db
from lerend_netwerk.levels import LEVELS
from lerend_netwerk.networks.context import network_slug
from lerend_netwerk.products.models import PRODUCT_KINDS, Product
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import can_see, visible_clause


def _product(product: Product) -> dict[str, Any]:
    maker = product.proeftuin
    return {
        "slug": product.slug,
        "title": product.title,
        "summary": product.summary,
        "kind": product.kind,
        "kind_label": product.kind_label,
        "network": network_slug(product),
        "level": product.effective_level,
        "themes": [theme.slug for theme in product.themes],
        "proeftuin": maker.slug if maker else None,
        "organisation": product.organisation.slug if product.organisation else None,
        "link": product.link,
        "sessions": [meeting.slug for meeting in product.sessions if can_see(None, meeting)],
        "published": to_local(product.published_at or product.created_at).date().isoformat(),
        "url": absolute_url("products.detail", slug=product.slug),
    }


def _public_products() -> Any:
    return (
        select(Product)
        .where(visible_clause(Product, None))
        .options(
            selectinload(Product.themes),
            selectinload(Product.proeftuin),
            selectinload(Product.organisation),
            selectinload(Product.sessions),
        )
    )


def public_products(page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> ApiPage:
    """One page of the published public products, by title, as API objects (one row more
    than the page is read to know whether another page follows)."""
    page, per_page = page_bounds(page, per_page)
    products = list(
        db.session.scalars(
            _public_products()
            .order_by(Product.title, Product.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return ApiPage(
        items=[_product(product) for product in products[:per_page]],
        page=page,
        per_page=per_page,
        has_next=len(products) > per_page,
    )


def public_product(slug: str) -> dict[str, Any] | None:
    """One published public product with its body; None when unknown or not public."""
    if not is_slug(slug):
        return None
    product = db.session.scalar(_public_products().where(Product.slug == slug))
    if product is None:
        return None
    return {**_product(product), "body": product.body}


SCHEMAS: dict[str, Any] = {
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
    "ProductList": list_schema("products", "ProductSummary"),
}

PRODUCTS_API = ApiResource(
    name="products",
    item_name="product",
    listing=lambda page, per_page, args: public_products(page, per_page),
    item=public_product,
    tag=("products", "Products of the proeftuinen."),
    schemas=SCHEMAS,
    list_operation={
        "operationId": "listProducts",
        "summary": "Published public products (the productenmarkt), by title.",
        "tags": ["products"],
        "parameters": [
            query_parameter("page", "Page number, from 1.", {"type": "integer", "minimum": 1}),
            query_parameter(
                "per_page",
                f"Products per page (at most {MAX_PER_PAGE}).",
                {
                    "type": "integer",
                    "minimum": 1,
                    "maximum": MAX_PER_PAGE,
                    "default": DEFAULT_PER_PAGE,
                },
            ),
        ],
        "responses": {"200": json_response("ProductList", "The published public products.")},
    },
    item_operation={
        "operationId": "getProduct",
        "summary": "One published public product with its description.",
        "tags": ["products"],
        "parameters": [SLUG_PARAMETER],
        "responses": {"200": json_response("ProductDetail", "The product."), "404": NOT_FOUND},
    },
)
