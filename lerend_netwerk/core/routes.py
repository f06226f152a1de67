"""Home page, health check and static information pages."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    render_template,
    request,
    send_from_directory,
)
from flask_login import current_user

from lerend_netwerk.access import member_required
from lerend_netwerk.core import service
from lerend_netwerk.core.forms import MarkdownPreviewForm
from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.extensions import limiter
from lerend_netwerk.markdown import render_markdown
from lerend_netwerk.visibility import is_coordinator

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
@cacheable
def home():
    """The front page: what's next, what's new."""
    return render_template("core/home.html", **service.home_overview(current_user))


@bp.get("/netwerken")
@cacheable
def networks():
    """Every learning network of the installation, with region, levels and summary."""
    return render_template("core/networks.html", **service.networks_overview())


@bp.get("/netwerken.css")
def network_styles():
    """Each network's accent colour as CSS (validated #rrggbb only; no inline styles)."""
    response = current_app.response_class(
        service.network_stylesheet(), content_type="text/css; charset=utf-8"
    )
    response.cache_control.public = True
    response.cache_control.max_age = 86400 if request.args.get("v") else 300
    return response


@bp.get("/n/<network>/")
@cacheable
def network_home():
    """A network's home: its next sessions, newest practices, threads and coordinators.

    The default network's home is the front page (`/n/<default>/` redirects there).
    """
    return render_template("core/network_home.html", **service.network_home(current_user))


@bp.get("/privacy")
@cacheable
def privacy():
    """What the platform keeps about members, and why."""
    return render_template("core/privacy.html")


def _preview_rate_limit() -> str:
    return current_app.config["MARKDOWN_PREVIEW_RATE_LIMIT"]


def _member_or_address() -> str:
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"addr:{request.remote_addr}"


@bp.post("/markdown/voorbeeld")
@member_required
@limiter.limit(_preview_rate_limit, key_func=_member_or_address)
def markdown_preview():
    """The sanitised HTML of a Markdown text, for the editors' "Voorbeeld" button."""
    form = MarkdownPreviewForm()
    if not form.validate_on_submit():
        abort(400)
    response = Response(render_markdown(form.text.data), mimetype="text/html")
    response.cache_control.no_store = True
    return response


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for /favicon.ico whatever the page's <link rel=icon>."""
    return send_from_directory(
        current_app.static_folder,
        "favicon.ico",
        mimetype="image/vnd.microsoft.icon",
        max_age=604800,
    )


@bp.get("/healthz")
def healthz():
    """Database and search index usable: 200; otherwise 503 (the reason for coordinators)."""
    report = service.health_report(current_app)
    code = 200 if report["status"] == "ok" else 503
    if not is_coordinator(current_user):
        report = service.public_health(report)
    return jsonify(report), code
