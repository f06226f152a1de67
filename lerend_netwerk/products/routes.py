"""The productenmarkt: what the proeftuinen made, and the coordinators' product form."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from lerend_netwerk.access import coordinator_required
from lerend_netwerk.core.pagecache import cacheable
from lerend_netwerk.core.publication import add_publication_routes, save_from_form
from lerend_netwerk.products import service
from lerend_netwerk.products.forms import ProductForm
from lerend_netwerk.products.models import Product

bp = Blueprint("products", __name__, template_folder="templates")


@bp.get("/producten")
@cacheable
def index():
    """The products the visitor may see, filtered by theme, level, proeftuin and kind."""
    return render_template("products/index.html", **service.market(current_user, request.args))


@bp.get("/producten/<slug>")
@cacheable
def detail(slug: str):
    """One product: description, link, proeftuin, themes, sessions and its files."""
    return render_template("products/detail.html", **service.product_page(slug, current_user))


@bp.route("/producten/nieuw", methods=["GET", "POST"])
@coordinator_required
def create():
    """Coordinators: add a product (saved as a draft unless published at once)."""
    form = ProductForm(proeftuin=request.args.get("proeftuin"))
    return _product_form(form, None)


@bp.route("/producten/<slug>/bewerken", methods=["GET", "POST"])
@coordinator_required
def edit(slug: str):
    """Coordinators: change a product, draft or published."""
    product = service.get_product_for_edit(slug, current_user)
    form = ProductForm(
        data={
            "title": product.title,
            "summary": product.summary,
            "kind": product.kind,
            "proeftuin": product.proeftuin.slug if product.proeftuin else "",
            "organisation": product.organisation.slug if product.organisation else "",
            "level": product.level or "",
            "themes": [theme.slug for theme in product.themes],
            "sessions": [meeting.slug for meeting in product.sessions],
            "link": product.link or "",
            "body": product.body,
            "visibility": product.visibility,
            "slug": product.slug,
        }
    )
    return _product_form(form, product)


def _product_form(form: ProductForm, product: Product | None):
    """Render or save the product form (shared by new and edit)."""
    form.set_choices(service.choices())
    if form.validate_on_submit():
        data = service.ProductInput(
            title=form.title.data,
            summary=form.summary.data,
            kind=form.kind.data,
            body=form.body.data or "",
            slug=form.slug.data,
            level=form.level.data or None,
            link=form.link.data,
            proeftuin_slug=form.proeftuin.data or None,
            organisation_slug=form.organisation.data or None,
            theme_slugs=list(form.themes.data or []),
            session_slugs=list(form.sessions.data or []),
            visibility=form.visibility.data,
        )
        saved = save_from_form(
            form,
            lambda: service.save_product(
                data, actor=current_user, product=product, publish=bool(form.publish.data)
            ),
            detail="products.detail",
            published="Het product is opgeslagen en staat op de productenmarkt.",
            draft="Het product is opgeslagen als concept.",
        )
        if saved is not None:
            return saved
    status = 400 if form.is_submitted() else 200
    return render_template("products/form.html", form=form, product=product), status


add_publication_routes(
    bp,
    "/producten/<slug>",
    find=service.get_product_for_edit,
    publish=service.publish_product,
    unpublish=service.unpublish_product,
    detail="products.detail",
    noun="Het product",
)
