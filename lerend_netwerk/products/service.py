"""The rules of the productenmarkt: listing with filters, one product, coordinators' edits."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.core.audit import record_audit
from lerend_netwerk.core.errors import FieldError, NotFoundError, one_or_not_found
from lerend_netwerk.core.listing import read_filters, titled_in
from lerend_netwerk.core.publication import publish_document
from lerend_netwerk.core.slugs import chosen_slug, is_slug
from lerend_netwerk.extensions import db
from lerend_netwerk.levels import LEVEL_LABELS, LEVELS, level_label
from lerend_netwerk.networks.access import check_coordinates
from lerend_netwerk.networks.context import network_facet, scoped_list
from lerend_netwerk.products.models import PRODUCT_KIND_LABELS, PRODUCT_KINDS, Product
from lerend_netwerk.proeftuinen.models import Organisation, Proeftuin
from lerend_netwerk.themes.models import Theme
from lerend_netwerk.themes.service import related_on_themes
from lerend_netwerk.visibility import VISIBILITIES, can_see, visible_clause

PER_PAGE = 12
# The list's filters: query argument and allowed values (None: free text).
FILTERS = {
    "theme": ("thema", None),
    "level": ("niveau", LEVELS),
    "proeftuin": ("proeftuin", None),
    "kind": ("soort", PRODUCT_KINDS),
}
# Fixed pages under /producten/ that a product's slug may not take.
RESERVED_SLUGS = frozenset({"nieuw"})


class ProductError(FieldError):
    """A product that cannot be saved as asked."""


def _options() -> list[Any]:
    return [
        selectinload(Product.themes),
        selectinload(Product.proeftuin),
        selectinload(Product.organisation),
    ]


def _visible(user: Any) -> Select[tuple[Product]]:
    return select(Product).where(visible_clause(Product, user))


def _level():
    """A product's level: its own, or else its proeftuin's (an outer join on Proeftuin)."""
    return func.coalesce(Product.level, Proeftuin.level)


def list_products(
    user: Any,
    *,
    theme: str | None = None,
    level: str | None = None,
    proeftuin: str | None = None,
    kind: str | None = None,
    network_id: int | None = None,
    page: int = 1,
    per_page: int = PER_PAGE,
) -> Pagination:
    """One page of the products `user` may see, filtered by theme, level, proeftuin, kind."""
    query = (
        _visible(user)
        .outerjoin(Proeftuin, Product.proeftuin_id == Proeftuin.id)
        .options(*_options())
    )
    if theme:
        query = query.where(Product.themes.any(Theme.slug == theme))
    if level:
        query = query.where(_level() == level)
    if proeftuin:
        query = query.where(Proeftuin.slug == proeftuin)
    if kind:
        query = query.where(Product.kind == kind)
    if network_id is not None:
        query = query.where(Product.network_id == network_id)
    query = query.order_by(Product.title, Product.id)
    return db.paginate(query, page=max(page, 1), per_page=per_page, error_out=False)


def filter_options(user: Any) -> dict[str, Any]:
    """The choices of the filter form: only values that visible products have."""
    visible = visible_clause(Product, user)
    kinds = set(db.session.scalars(select(Product.kind).where(visible).distinct()))
    return {
        "themes": titled_in(Theme, select(Theme.id).join(Product.themes).where(visible)),
        "levels": LEVEL_LABELS,
        "proeftuinen": titled_in(Proeftuin, select(Product.proeftuin_id).where(visible)),
        "kinds": {key: label for key, label in PRODUCT_KIND_LABELS.items() if key in kinds},
        # The network facet: how many products each network shares with `user`.
        "networks": network_facet(Product, visible),
    }


def market(user: Any, args: Any) -> dict[str, Any]:
    """Everything /producten shows: the filters from `args`, one page, the filter choices.

    One network's products (the page's, or `?netwerk=<slug>`) or all of Flanders
    (`?netwerk=alle`), with a network facet.
    """
    filters = read_filters(args, FILTERS)
    return scoped_list(args, functools.partial(list_products, user), filters, filter_options(user))


def _by_slug(slug: str) -> Product:
    """The product with this slug, drafts too, with what its page shows (404: none)."""
    if not is_slug(slug):
        raise NotFoundError()
    return one_or_not_found(
        select(Product)
        .where(Product.slug == slug)
        .options(*_options(), selectinload(Product.sessions))
    )


def get_product(slug: str, user: Any) -> Product:
    """The product with this slug if `user` may see it; 404 otherwise (drafts, members-only)."""
    product = _by_slug(slug)
    if not can_see(user, product):
        raise NotFoundError()
    return product


def product_page(slug: str, user: Any) -> dict[str, Any]:
    """One product with the sessions `user` may see it was shown at, and more on its themes."""
    product = get_product(slug, user)
    return {
        "product": product,
        "level_label": level_label(product.effective_level),
        "sessions": [meeting for meeting in product.sessions if can_see(user, meeting)],
        "on_themes": related_on_themes(product.themes, user, exclude=product),
    }


# --- coordinators -------------------------------------------------------------------------


@dataclass
class ProductInput:
    """What the product form submits (validated for shape by the form)."""

    title: str
    summary: str
    kind: str
    body: str = ""
    slug: str | None = None
    level: str | None = None
    link: str | None = None
    proeftuin_slug: str | None = None
    organisation_slug: str | None = None
    theme_slugs: list[str] = field(default_factory=list)
    session_slugs: list[str] = field(default_factory=list)
    visibility: str = "public"


def get_product_for_edit(slug: str, user: Any = None) -> Product:
    """A product, draft or not, for a coordinator of its network: 404 when unknown or
    hidden from `user`, 403 for a coordinator of another network."""
    product = _by_slug(slug)
    if user is not None:
        if not can_see(user, product):
            raise NotFoundError()
        check_coordinates(user, product)
    return product


def choices() -> dict[str, list[tuple[str, str]]]:
    """The form's choices: proeftuinen, organisations, themes and sessions (newest first)."""
    return {
        "proeftuinen": [
            (p.slug, p.title)
            for p in db.session.scalars(select(Proeftuin).order_by(Proeftuin.title))
        ],
        "organisations": [
            (o.slug, o.title)
            for o in db.session.scalars(select(Organisation).order_by(Organisation.title))
        ],
        "themes": [
            (t.slug, t.title) for t in db.session.scalars(select(Theme).order_by(Theme.title))
        ],
        "sessions": [
            (m.slug, m.title)
            for m in db.session.scalars(select(Meeting).order_by(Meeting.starts_at.desc()))
        ],
    }


def _by_slugs(model: type, slugs: list[str], field_name: str, message: str) -> list[Any]:
    wanted = list(dict.fromkeys(slugs))
    if not wanted:
        return []
    found = {
        obj.slug: obj for obj in db.session.scalars(select(model).where(model.slug.in_(wanted)))
    }
    if len(found) != len(wanted):
        raise ProductError(field_name, message)
    return [found[slug] for slug in wanted]


def _one_by_slug(model: type, slug: str | None, field_name: str, message: str) -> Any:
    if not slug:
        return None
    obj = db.session.scalar(select(model).where(model.slug == slug))
    if obj is None:
        raise ProductError(field_name, message)
    return obj


def save_product(
    data: ProductInput, *, actor: Any, product: Product | None = None, publish: bool = False
) -> Product:
    """Create (as a draft) or update a product from the form; publish it if asked."""
    if data.kind not in PRODUCT_KINDS:
        raise ProductError("kind", "Kies een soort product uit de lijst.")
    if data.level and data.level not in LEVELS:
        raise ProductError("level", "Kies een niveau uit de lijst.")
    if data.visibility not in VISIBILITIES:
        raise ProductError("visibility", "Kies een geldige zichtbaarheid.")
    proeftuin = _one_by_slug(
        Proeftuin, data.proeftuin_slug, "proeftuin", "Kies een bestaande proeftuin."
    )
    organisation = _one_by_slug(
        Organisation, data.organisation_slug, "organisation", "Kies een bestaande organisatie."
    )
    themes = _by_slugs(Theme, data.theme_slugs, "themes", "Kies bestaande thema's.")
    sessions = _by_slugs(Meeting, data.session_slugs, "sessions", "Kies bestaande sessies.")
    slug = chosen_slug(
        Product,
        data.slug,
        current=product,
        title=data.title,
        reserved=RESERVED_SLUGS,
        taken="Er bestaat al een product met deze korte naam.",
        error=ProductError,
    )

    created = product is None
    if product is None:
        product = Product(status=Product.DRAFT)
        db.session.add(product)
    product.slug = slug
    product.title = data.title.strip()
    product.summary = data.summary.strip()
    product.body = (data.body or "").strip()
    product.kind = data.kind
    product.level = data.level or None
    product.link = (data.link or "").strip() or None
    product.proeftuin = proeftuin
    product.organisation = organisation
    product.themes = themes
    product.sessions = sessions
    product.visibility = data.visibility
    db.session.flush()
    if created:
        record_audit(actor, "product.created", product)
    if publish:
        publish_product(product, actor=actor)
    return product


def publish_product(product: Product, actor: Any = None) -> Product:
    """Put a product on the productenmarkt: status published, published_at now."""
    return publish_document(product, actor, "product")


def unpublish_product(product: Product, actor: Any = None) -> Product:
    """Take a product back to draft: only coordinators see it again."""
    if product.status != Product.DRAFT:
        product.status = Product.DRAFT
        record_audit(actor, "product.unpublished", product)
    db.session.flush()
    return product
