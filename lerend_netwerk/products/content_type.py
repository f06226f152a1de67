"""Products (the productenmarkt) as a content type."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.content_io import schema
from lerend_netwerk.content_io.schema import Field, Kind
from lerend_netwerk.core.content_types import ContentType, SearchIndexing, document_files
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure
from lerend_netwerk.levels import LEVELS, level_label
from lerend_netwerk.markdown import markdown_to_text
from lerend_netwerk.products.api import PRODUCTS_API
from lerend_netwerk.products.models import PRODUCT_KINDS, Product
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
from lerend_netwerk.search.documents import (
    SearchDocument,
    document_of,
    ids_with,
    join_text,
    related_by,
    theme_titles,
)
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.visibility import is_coordinator, visible_clause


def build_product(product: Product) -> SearchDocument:
    """A product: summary and body, its kind, themes, level, proeftuin and organisation."""
    return document_of(
        product,
        "product",
        join_text(product.summary, markdown_to_text(product.body)),
        keywords=[
            product.kind_label,
            level_label(product.effective_level),
            product.proeftuin.title if product.proeftuin else None,
            product.organisation.title if product.organisation else None,
            *theme_titles(product.themes),
        ],
        themes=product.themes,
        level=product.effective_level,
    )


# A product shows the titles of its themes, proeftuin and organisation.
_related = related_by(
    ("product",),
    {
        Theme: ids_with(Product.themes),
        Proeftuin: ids_with(Product.proeftuin_id),
        Organisation: ids_with(Product.organisation_id),
    },
)


def _load_options() -> list[Any]:
    return [
        selectinload(Product.themes),
        selectinload(Product.proeftuin),
        selectinload(Product.organisation),
    ]


def _details(hits: list[Any]) -> dict[str, str]:
    """Kind · proeftuin (or organisation) · level, per result."""
    slugs = [hit.slug for hit in hits if hit.type == "product"]
    details: dict[str, str] = {}
    if not slugs:
        return details
    query = select(Product).where(Product.slug.in_(slugs)).options(*_load_options())
    for product in db.session.scalars(query):
        maker = product.proeftuin or product.organisation
        parts = [
            product.kind_label,
            maker.title if maker else "",
            level_label(product.effective_level) or "",
        ]
        details["/producten/" + product.slug] = " · ".join(filter(None, parts))
    return details


def _visible(user: Any) -> Any:
    return (
        select(Product)
        .where(visible_clause(Product, user))
        .options(selectinload(Product.proeftuin), selectinload(Product.organisation))
    )


def _listed(user: Any, condition: Any) -> dict[str, list[Any]]:
    """The products `user` may see that meet `condition`, by title, for a shared page."""
    query = _visible(user).where(condition).order_by(Product.title, Product.id)
    return {"products": list(db.session.scalars(query))}


def _theme_listing(theme: Theme, user: Any) -> dict[str, list[Any]]:
    return _listed(user, Product.themes.any(Theme.id == theme.id))


def _related_products(ids: list[int], user: Any, exclude: Any, limit: int) -> list[Any]:
    others = [Product.id != exclude.id] if isinstance(exclude, Product) else []
    published = func.coalesce(Product.published_at, Product.created_at)
    return list(
        db.session.scalars(
            _visible(user)
            .where(Product.themes.any(Theme.id.in_(ids)), *others)
            .order_by(published.desc(), Product.id.desc())
            .limit(limit)
        )
    )


def _proeftuin_products(ids: list[int], user: Any, past_limit: int | None) -> dict[str, list[Any]]:
    return _listed(user, Product.proeftuin_id.in_(ids))


def _session_products(meeting: Any, user: Any) -> dict[str, list[Any]]:
    """The products shown at this session's productenmarkt."""
    return _listed(user, Product.sessions.any(Meeting.id == meeting.id))


def _indicators(scope: Any) -> dict[str, int]:
    """Products published in the period, at their own level or their proeftuin's."""
    period = scope.period
    product_date = func.coalesce(Product.published_at, Product.created_at)
    query = (
        select(func.count())
        .select_from(Product)
        .outerjoin(Proeftuin, Product.proeftuin_id == Proeftuin.id)
        .where(
            Product.status == Product.PUBLISHED,
            product_date >= period.starts,
            product_date < period.ends,
            visible_clause(Product, scope.viewer),
        )
    )
    if scope.level:
        query = query.where(func.coalesce(Product.level, Proeftuin.level) == scope.level)
    if scope.network_id is not None:
        query = query.where(Product.network_id == scope.network_id)
    return {"products_published": db.session.scalar(query)}


PRODUCT = ContentType(
    name="product",
    model=Product,
    endpoint="products.detail",
    menu=("products.index", "Producten"),
    api=PRODUCTS_API,
    search=(
        SearchIndexing(
            "product",
            build_product,
            model=Product,
            label="Product",
            names=("product", "producten", "productenmarkt", "productenbib", "tool", "toolkit"),
            load_options=_load_options,
            watches=(Theme, Proeftuin, Organisation),
            related=_related,
            details=_details,
        ),
    ),
    content=Kind(
        "products",
        "product",
        Product,
        (
            Field("title", schema.TEXT, required=True),
            Field("summary", schema.TEXT, required=True, multiline=True),
            Field("kind", schema.CHOICE, required=True, choices=PRODUCT_KINDS),
            schema.network_field(),
            schema.themes_field(),
            Field("level", schema.CHOICE, choices=LEVELS),
            Field("proeftuin", schema.REF, ref="proeftuinen"),
            Field("organisation", schema.REF, ref="organisations"),
            Field("link", schema.TEXT, url=True),
            Field("sessions", schema.REFS, ref="sessions"),
            schema.status_field(Product.PUBLISHED, (Product.PUBLISHED, Product.DRAFT)),
            schema.visibility_field(),
            schema.published_field(),
        ),
    ),
    digest=lambda window: {"products": window.published(Product)},
    indicators=_indicators,
    figures=(
        Figure(
            "products_published",
            "Producten gepubliceerd",
            "Producten (productenmarkt) gepubliceerd in de periode; concepten tellen niet.",
            order=400,
            output=True,
        ),
    ),
    theme_listing=_theme_listing,
    theme_related={"products": _related_products},
    proeftuin_listing=_proeftuin_products,
    session_listing=_session_products,
    templates={
        "theme": "products/_theme.html",
        "proeftuin": "products/_proeftuin.html",
        "organisation": "products/_organisation.html",
        "session": "products/_session.html",
        "related": "products/_related.html",
        "digest_html": "products/_digest.html",
        "digest_text": "products/_digest.txt",
    },
    attachments=document_files(Product, "product", lambda user, product: is_coordinator(user)),
)
