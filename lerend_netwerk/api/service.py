"""The read-only JSON API: public sessions (seats from the agenda) and public products as
plain data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lerend_netwerk.agenda.models import Meeting
from lerend_netwerk.agenda.service import Seats, seat_counts, seats
from lerend_netwerk.calendar import links
from lerend_netwerk.core.slugs import is_slug
from lerend_netwerk.core.templating import site_path
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.context import network_info
from lerend_netwerk.products.models import Product
from lerend_netwerk.timeutil import to_local
from lerend_netwerk.visibility import can_see, visible_clause

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 100


@dataclass
class SessionPage:
    sessions: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool


def _iso(value) -> str:
    return to_local(value).isoformat(timespec="seconds")


def _summary(meeting: Meeting, seats: Seats) -> dict[str, Any]:
    # Never the online link: the API is public.
    return {
        "slug": meeting.slug,
        "title": meeting.title,
        "kind": meeting.kind,
        "starts": _iso(meeting.starts_at),
        "ends": _iso(meeting.ends_at),
        "location": meeting.location,
        "seats_left": seats.left,
        "status": meeting.status,
        "themes": [theme.slug for theme in meeting.themes],
        "network": network_slug(meeting),
        "url": links.session_url(meeting),
        "ics": links.session_ics_url(meeting),
    }


def network_slug(doc: Any) -> str | None:
    """The slug of the network a document belongs to."""
    info = network_info(doc)
    return info.slug if info is not None else None


class UnknownNetwork(LookupError):
    """`network=` names no network."""


def network_id_of(slug: str | None) -> int | None:
    """The id of the network `slug` (None: every network); UnknownNetwork otherwise."""
    if not slug:
        return None
    info = network_info(slug) if is_slug(slug) else None
    if info is None:
        raise UnknownNetwork(slug)
    return info.id


def _public() -> Any:
    return visible_clause(Meeting, None)


def upcoming_public_sessions(
    page: int = 1, per_page: int = DEFAULT_PER_PAGE, network_id: int | None = None
) -> SessionPage:
    """One page of the public sessions that have not ended, soonest first, as API objects
    (of every network, or of one).

    One row more than the page is read to know whether another page follows: no count
    over every upcoming session, so a page costs the same however many there are.
    """
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    conditions = [_public(), Meeting.ends_at >= utcnow()]
    if network_id is not None:
        conditions.append(Meeting.network_id == network_id)
    meetings = list(
        db.session.scalars(
            select(Meeting)
            .where(*conditions)
            .order_by(Meeting.starts_at, Meeting.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
            .options(selectinload(Meeting.themes))
        )
    )
    has_next = len(meetings) > per_page
    meetings = meetings[:per_page]
    counts = seat_counts(meetings)
    return SessionPage(
        sessions=[_summary(meeting, counts[meeting.id]) for meeting in meetings],
        page=page,
        per_page=per_page,
        has_next=has_next,
    )


def public_session(slug: str) -> dict[str, Any] | None:
    """One public session with its counts; None when unknown or members-only."""
    if not is_slug(slug):
        return None
    meeting = db.session.scalar(
        select(Meeting).where(Meeting.slug == slug, _public()).options(selectinload(Meeting.themes))
    )
    if meeting is None:
        return None
    counts = seats(meeting)
    data = _summary(meeting, counts)
    data.update(capacity=meeting.capacity, confirmed=counts.confirmed, waitlisted=counts.waitlisted)
    return data


@dataclass
class ProductPage:
    products: list[dict[str, Any]]
    page: int
    per_page: int
    has_next: bool


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
        "url": links.site_url() + site_path("products.detail", slug=product.slug),
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


def public_products(page: int = 1, per_page: int = DEFAULT_PER_PAGE) -> ProductPage:
    """One page of the published public products, by title, as API objects (one row more
    than the page is read to know whether another page follows)."""
    page = max(page, 1)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    products = list(
        db.session.scalars(
            _public_products()
            .order_by(Product.title, Product.id)
            .offset((page - 1) * per_page)
            .limit(per_page + 1)
        )
    )
    return ProductPage(
        products=[_product(product) for product in products[:per_page]],
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
