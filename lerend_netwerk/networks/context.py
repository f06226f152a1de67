"""The request's network: its URLs, its look, and the scope of lists.

Every page of a network lives under `/n/<network-slug>/`; the default network keeps the
URLs of a single-network installation (`/sessies`, `/agenda.ics`, …). The feature
blueprints whose pages belong to a network are registered once with the URL default
`network=<default slug>` and get a second rule per route under `/n/<network>`
(`init_network_urls`), so `url_for("agenda.index")` is `/sessies` and
`url_for("agenda.index", network="b")` is `/n/b/sessies`, with the same endpoints and
views (the views never see the `network` argument).

Before every view: an unknown network is a 404, `/n/<default slug>/…` a permanent
redirect to the default URL, and a document opened under another network than its own
a permanent redirect to its canonical URL (`network_url`).

The slug→network map is cached per worker and keyed on the data version
(`core/pagecache.py`): one primary-key read per request, none for the map.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from lerend_netwerk.core.errors import NotFoundError
from lerend_netwerk.core.paging import page_number
from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG, Network
from lerend_netwerk.visibility import can_see

NETWORK_ARG = "network"
# The folder of every network's pages but the default one's: `/n/<network>/…`.
NETWORK_PATH = "/n"
NETWORK_RULE = f"{NETWORK_PATH}/<{NETWORK_ARG}>"
# The query argument of lists that may show every network ("alle") or one ("<slug>").
SCOPE_ARG = "netwerk"
ALL_NETWORKS = "alle"
# Blueprints whose every page belongs to a network, and single endpoints elsewhere.
NETWORK_BLUEPRINTS = (
    "agenda",
    "agenda_tools",
    "practices",
    "products",
    "proeftuinen",
    "recommendations",
)
NETWORK_ENDPOINTS = ("calendar.public_feed", "calendar.session_feed")
# Only a colour of exactly this form reaches a page's CSS.
COLOUR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class NetworkInfo:
    """What pages, links and labels need of a network (a snapshot, no ORM object)."""

    id: int
    slug: str
    title: str
    summary: str
    region: str | None
    levels: tuple[str, ...]
    colour: str | None
    logo: str | None
    is_default: bool
    position: int

    @property
    def url_slug(self) -> str | None:
        """The `network` URL value: None for the default network (its plain URLs)."""
        return None if self.is_default else self.slug


@dataclass(frozen=True)
class NetworkMap:
    version: int
    by_slug: dict[str, NetworkInfo]
    by_id: dict[int, NetworkInfo]
    default: NetworkInfo | None

    @property
    def ordered(self) -> list[NetworkInfo]:
        return sorted(self.by_id.values(), key=lambda n: (not n.is_default, n.position, n.title))


# Per request (the WSGI environ: `g` lives as long as the app context, which a test
# or a CLI command may share between requests).
_MAP_KEY = "lerend_netwerk.network_map"
_INFO_KEY = "lerend_netwerk.network"
_REQUESTED_KEY = "lerend_netwerk.network_requested"

_lock = threading.Lock()
_maps: dict[str, NetworkMap] = {}


def safe_colour(value: str | None) -> str | None:
    """The colour if it is `#rrggbb`, else None (nothing else is written into CSS)."""
    return value.lower() if value and COLOUR.fullmatch(value) else None


def safe_logo(value: str | None) -> str | None:
    """A logo address of https://…, http://… or a path on the site, else None."""
    if not value:
        return None
    value = value.strip()
    if value.startswith(("https://", "http://")) or (
        value.startswith("/") and not value.startswith("//")
    ):
        return value
    return None


def _info(network: Network) -> NetworkInfo:
    return NetworkInfo(
        id=network.id,
        slug=network.slug,
        title=network.title,
        summary=network.summary or "",
        region=network.region,
        levels=tuple(network.levels or ()),
        colour=safe_colour(network.colour),
        logo=safe_logo(network.logo),
        is_default=bool(network.is_default),
        position=network.position or 0,
    )


def network_map() -> NetworkMap:
    """Every network by slug and id, read again only after a change of the data."""
    from lerend_netwerk.core.pagecache import current_version

    cached = request.environ.get(_MAP_KEY) if _in_request() else None
    if cached is not None:
        return cached
    version = current_version()
    key = str(db.engine.url)
    found = _maps.get(key)
    if found is None or found.version != version:
        rows = db.session.scalars(select(Network)).all()
        infos = [_info(row) for row in rows]
        default = next((n for n in infos if n.is_default), None)
        found = NetworkMap(
            version=version,
            by_slug={n.slug: n for n in infos},
            by_id={n.id: n for n in infos},
            default=default,
        )
        with _lock:
            _maps[key] = found
    if _in_request():
        request.environ[_MAP_KEY] = found
    return found


def _in_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def all_networks() -> list[NetworkInfo]:
    """Every network, the default first, then by position and title."""
    return network_map().ordered


def default_network_info() -> NetworkInfo:
    found = network_map().default
    if found is None:
        from lerend_netwerk.networks.service import default_network

        network = default_network()
        return _info(network)
    return found


def network_info(value: Any) -> NetworkInfo | None:
    """The network of an id, a slug, a Network or a document with a `network_id`."""
    if value is None:
        return None
    if isinstance(value, NetworkInfo):
        return value
    networks = network_map()
    if isinstance(value, str):
        return networks.by_slug.get(value)
    if isinstance(value, int):
        return networks.by_id.get(value)
    if isinstance(value, Network):
        return networks.by_id.get(value.id)
    network_id = getattr(value, "network_id", None)
    if network_id is None:
        # A visit report belongs to its proeftuin's network.
        parent = getattr(value, "proeftuin", None)
        network_id = getattr(parent, "network_id", None)
    return networks.by_id.get(network_id) if network_id is not None else None


def current_network_info() -> NetworkInfo:
    """The request's network as a snapshot (the default outside `/n/<slug>/`)."""
    found = request.environ.get(_INFO_KEY) if _in_request() else None
    return found or default_network_info()


def current_network() -> Network:
    """The request's network: from `/n/<slug>/`, or the default network."""
    info = current_network_info()
    network = db.session.get(Network, info.id)
    if network is None:
        raise NotFoundError()
    return network


def url_network(doc_or_network: Any) -> str | None:
    """The `network` URL value of a document or network (None: the default network)."""
    info = network_info(doc_or_network)
    return info.url_slug if info is not None else None


def network_slug(doc_or_network: Any) -> str | None:
    """The slug of the network a document belongs to (the default network's too)."""
    info = network_info(doc_or_network)
    return info.slug if info is not None else None


def network_url(endpoint: str, network: Any = None, **values: Any) -> str:
    """`url_for` with the URL under `network` (a document, network, id or slug).

    Without a network: the request's network. The default network's URLs have no prefix.
    """
    info = network_info(network) if network is not None else current_network_info()
    slug = info.url_slug if info is not None else None
    if slug is not None:
        values[NETWORK_ARG] = slug
    return url_for(endpoint, **values)


def doc_url(endpoint: str, doc: Any, **values: Any) -> str:
    """The canonical URL of a document's page: under its own network."""
    if isinstance(doc, Mapping):
        # Plain data (a frozen report's entry): its slug; the default URL redirects.
        values.setdefault("slug", doc["slug"])
        return url_for(endpoint, **values)
    values.setdefault("slug", doc.slug)
    return network_url(endpoint, doc, **values)


def here_url(endpoint: str, **values: Any) -> str:
    """A link to another page of the network the reader is in (menus, filters)."""
    return network_url(endpoint, None, **values)


def _network_doc_types() -> frozenset[str]:
    """The search document types whose pages live under a network's URLs."""
    from lerend_netwerk.core.content_types import content_types

    return frozenset(
        spec.doc_type
        for content_type in content_types
        if content_type.endpoint and content_type.endpoint.split(".")[0] in NETWORK_BLUEPRINTS
        for spec in content_type.search
    )


def hit_url_under_network(doc_type: str, path: str, network_id: str) -> str:
    """A search hit's site path under its network (`/n/<slug>/sessies/…`)."""
    if not network_id or doc_type not in _network_doc_types():
        return path
    info = network_map().by_id.get(int(network_id))
    if info is None or info.is_default:
        return path
    return f"{NETWORK_PATH}/{info.slug}{path}"


# --- lists: one network or all -------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """Which networks a list shows: one (`network`) or all (`network` None)."""

    network: NetworkInfo | None
    choice: str | None  # the `netwerk` value that chose it, or None

    @property
    def all(self) -> bool:
        return self.network is None

    @property
    def network_ids(self) -> set[int] | None:
        return None if self.network is None else {self.network.id}


def list_scope(args: Any) -> Scope:
    """`?netwerk=alle`: every network; `?netwerk=<slug>`: that one; else the page's."""
    value = (args.get(SCOPE_ARG) or "").strip()
    if value == ALL_NETWORKS:
        return Scope(None, ALL_NETWORKS)
    if value:
        found = network_map().by_slug.get(value)
        if found is not None:
            return Scope(found, value)
    return Scope(current_network_info(), None)


def scope_network_id(args: Any) -> int | None:
    """The one network a list shows (`list_scope`), or None for all of them."""
    network = list_scope(args).network
    return network.id if network is not None else None


def scope_clause(model: Any, scope: Scope) -> Any:
    """The SQL condition of a scope on a model with a `network_id` (None: no condition)."""
    if scope.network is None:
        return None
    return model.network_id == scope.network.id


def network_facet(model: Any, visible: Any) -> list[tuple[NetworkInfo, int]]:
    """A list's network filter: each network holding rows of `model` that the condition
    `visible` lets through, with how many (networks without any are left out)."""
    counts = dict(
        db.session.execute(  # type: ignore[arg-type]
            select(model.network_id, func.count(model.id)).where(visible).group_by(model.network_id)
        ).all()
    )
    return [(network, counts[network.id]) for network in all_networks() if counts.get(network.id)]


def scoped_list(
    args: Any, lister: Callable[..., Any], filters: dict[str, Any], options: dict[str, Any]
) -> dict[str, Any]:
    """A filtered list page of one network or all (`list_scope`): the page of
    `lister(page=…, network_id=…, **filters)` that `args` asks for, the filters, the scope
    and the filter choices (`options`)."""
    scope = list_scope(args)
    network_id = scope.network.id if scope.network else None
    return {
        "page": lister(page=page_number(args), network_id=network_id, **filters),
        "filters": filters,
        "scope": scope,
        "options": options,
    }


# --- the request hooks ---------------------------------------------------------------


def _canonical_models() -> dict[str, Any]:
    """Rule prefix (`/sessies/<slug>`) → model with a `network_id`: the route of each
    registered content type's page addressed by slug, read from the URL map."""
    from lerend_netwerk.core.content_types import content_types, page_rule

    found: dict[str, Any] = {}
    for content_type in content_types:
        model = content_type.model
        if model is None or not hasattr(model, "network_id"):
            continue
        rule = page_rule(current_app.url_map, content_type.endpoint)
        if rule is not None and rule.rule.endswith("/<slug>"):
            found[rule.rule] = model
    return found


def _pull_network(endpoint: str | None, values: dict[str, Any] | None) -> None:
    if values and NETWORK_ARG in values:
        request.environ[_REQUESTED_KEY] = values.pop(NETWORK_ARG)


# Pages of a network whose default-network version has another endpoint.
DEFAULT_ENDPOINTS = {"core.network_home": "core.home"}


def _redirect_to(network_slug: str | None):
    endpoint = request.endpoint or ""
    if network_slug is None:
        endpoint = DEFAULT_ENDPOINTS.get(endpoint, endpoint)
    values = dict(request.view_args or {})
    if network_slug is not None:
        values[NETWORK_ARG] = network_slug
    for key, items in request.args.lists():
        if key not in values:
            values[key] = items
    return redirect(url_for(endpoint, **values), code=301)


def _resolve_network():
    requested = request.environ.pop(_REQUESTED_KEY, None)
    if requested is None:
        return None
    rule = request.url_rule
    prefixed = rule is not None and rule.rule.startswith(NETWORK_RULE)
    networks = network_map()
    if not prefixed:
        info = networks.default or default_network_info()
    else:
        info = networks.by_slug.get(requested)
        if info is None:
            raise NotFoundError()
    request.environ[_INFO_KEY] = info
    if request.method not in ("GET", "HEAD"):
        return None
    if prefixed and info.is_default:
        return _redirect_to(None)
    slug = (request.view_args or {}).get("slug")
    if slug is None or rule is None:
        return None
    path = rule.rule[len(NETWORK_RULE) :] if prefixed else rule.rule
    for prefix, model in _canonical_models().items():
        if path == prefix or path.startswith(prefix + "/") or path.startswith(prefix + "."):
            doc = db.session.scalar(select(model).where(model.slug == slug))
            if doc is not None and doc.network_id != info.id:
                # A document the reader may not see is a 404 here too: the redirect would
                # tell that the slug exists, and in which network.
                if not can_see(current_user, doc):
                    raise NotFoundError()
                owner = networks.by_id.get(doc.network_id)
                if owner is not None:
                    return _redirect_to(owner.url_slug)
            break
    return None


def network_blueprint_options(name: str) -> dict[str, Any]:
    """Registration options of a feature blueprint: its URL default network."""
    if name in NETWORK_BLUEPRINTS or name == "calendar":
        return {"url_defaults": {NETWORK_ARG: DEFAULT_NETWORK_SLUG}}
    return {}


def init_network_urls(app: Flask) -> None:
    """After the blueprints: each network page's rule again under `/n/<network>`."""
    # The default network's /n/ URLs answer 301 here, not werkzeug's 308.
    app.url_map.redirect_defaults = False
    for rule in list(app.url_map.iter_rules()):
        blueprint = rule.endpoint.split(".")[0]
        if blueprint not in NETWORK_BLUEPRINTS and rule.endpoint not in NETWORK_ENDPOINTS:
            continue
        if rule.rule.startswith(f"{NETWORK_PATH}/"):
            continue
        defaults = {k: v for k, v in (rule.defaults or {}).items() if k != NETWORK_ARG}
        app.add_url_rule(
            f"{NETWORK_RULE}{rule.rule}",
            endpoint=rule.endpoint,
            methods=sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}),
            defaults=defaults or None,
            strict_slashes=rule.strict_slashes,
        )
    app.url_value_preprocessor(_pull_network)
    app.before_request(_resolve_network)

    @app.context_processor
    def network_context() -> dict[str, Any]:
        return {"network": current_network_info()}

    def network_styles_needed() -> bool:
        # Only where a network's colour shows: its own pages and the overview.
        return (not current_network_info().is_default) or request.endpoint == "core.networks"

    def network_styles_version() -> str:
        return str(network_map().version)

    app.jinja_env.globals.update(
        network_styles_needed=network_styles_needed,
        network_styles_version=network_styles_version,
        network_url=network_url,
        doc_url=doc_url,
        here_url=here_url,
        network_info=network_info,
        all_networks=all_networks,
        ALL_NETWORKS=ALL_NETWORKS,
    )
