"""A new kind of content reaches search, import/export, the digest, the theme page and
the data export with one ContentType and one registration."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from lerend_netwerk.content_io.schema import TEXT, Field, Kind, kinds_by_name
from lerend_netwerk.core.content_types import ContentType, SearchIndexing, content_types
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.indicators.figures import Figure, Figures
from lerend_netwerk.search.documents import doc_types, document_of, load_documents, type_labels
from lerend_netwerk.themes.models import Theme


def _build(theme: Theme):
    return document_of(theme, "glossary", f"Begrip {theme.title}")


GLOSSARY = ContentType(
    name="glossary",
    # A stand-in model: any model with a slug and a title will do for the registry.
    model=Theme,
    search=(SearchIndexing("glossary", _build, model=Theme, label="Begrip"),),
    content=Kind("glossary", "term", Theme, (Field("title", TEXT, required=True),)),
    digest=lambda window: {"terms": ["een begrip"]},
    personal_data=lambda user: {"terms": [user.email]},
    theme_listing=lambda theme, user: {"terms": [theme.title]},
    indicators=lambda scope: {"terms_defined": 3},
    figures=(Figure("terms_defined", "Begrippen", "Begrippen in de woordenlijst.", order=700),),
)


@pytest.fixture
def glossary():
    content_types.register(GLOSSARY)
    yield GLOSSARY
    content_types.unregister(GLOSSARY.name)


def test_a_registered_kind_reaches_every_central_module(app, glossary, make_theme, make_user):
    from lerend_netwerk.auth.service import export_personal_data
    from lerend_netwerk.indicators.periods import academic_year
    from lerend_netwerk.indicators.service import build_report
    from lerend_netwerk.mail.digest import build_digest
    from lerend_netwerk.themes.service import theme_overview

    theme = make_theme(title="Duaal leren", slug="duaal-leren")
    user = make_user(email="lid@example.be")
    assert "glossary" in doc_types() and type_labels()["glossary"] == "Begrip"
    docs = load_documents(db.session, [("glossary", theme.id)])
    assert docs[("glossary", theme.id)].body == "Begrip Duaal leren"
    assert "glossary" in kinds_by_name()
    now = utcnow()
    assert build_digest(user, now, now + timedelta(days=1)).terms == ["een begrip"]
    assert export_personal_data(user)["terms"] == ["lid@example.be"]
    with app.test_request_context():
        assert theme_overview("duaal-leren", user)["terms"] == ["Duaal leren"]
    report = build_report(academic_year(2025), None, user)
    assert report.figures.terms_defined == 3
    rows = report.section("kerncijfers").table.rows
    assert rows[-1] == ["Begrippen", 3, "Begrippen in de woordenlijst."]


def test_an_unregistered_kind_is_gone_again(app):
    assert "glossary" not in doc_types()
    assert "glossary" not in kinds_by_name()
    assert "terms_defined" not in Figures().as_dict()


def test_search_addresses_are_the_pages_routes(app):
    """A result's address is its kind's page as the URL map builds it, and a page under
    a network redirects to the document's own network by the same routes."""
    from flask import url_for

    from lerend_netwerk.core.content_types import page_rule
    from lerend_netwerk.networks.context import _canonical_models
    from lerend_netwerk.search.documents import url_prefixes

    prefixes = url_prefixes()
    checked = set()
    with app.test_request_context():
        for content_type in content_types:
            for spec in content_type.search:
                if not spec.label:
                    continue
                rule = page_rule(app.url_map, content_type.endpoint)
                if "slug" in rule.arguments:
                    assert url_for(content_type.endpoint, slug="een-slug") == (
                        prefixes[spec.doc_type] + "een-slug"
                    )
                else:
                    page = url_for(content_type.endpoint)
                    assert page.startswith(prefixes[spec.doc_type])
                    assert "/" not in page.removeprefix(prefixes[spec.doc_type])
                checked.add(spec.doc_type)
        canonical = _canonical_models()
    assert checked == set(doc_types())
    assert prefixes["session"] == "/sessies/" and prefixes["final_report"] == "/aanbevelingen/"
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert "/sessies/<slug>" in canonical and set(canonical) <= rules


def test_a_kinds_menu_entry_shows_in_the_header_in_blueprint_order(app, client):
    """The main menu is the content types' `menu` entries, in the order the blueprints
    are registered, whatever the order of the content types."""
    glossary = ContentType(name="glossary", model=None, menu=("search.results", "Begrippen"))
    content_types.register(glossary)
    try:
        page = client.get("/").get_data(as_text=True)
    finally:
        content_types.unregister(glossary.name)
    menu = page[page.index('<nav class="main-nav"') : page.index("</nav>")]
    labels = re.findall(r">([^<>]+)</a>", menu)
    assert labels == [
        "Agenda",
        "Proeftuinen",
        "Goede praktijken",
        "Producten",
        "Aanbevelingen",
        "Begrippen",
    ]
    # Another order of the blueprints, another menu.
    assert content_types.menu(["recommendations", "agenda"])[:2] == [
        ("recommendations.index", "Aanbevelingen"),
        ("agenda.index", "Agenda"),
    ]


def test_a_kinds_part_of_the_api_is_served_and_described(make_app):
    """An ApiResource in a kind's ContentType gets its list and item routes under /api/v1
    and its part of the OpenAPI description, without a change to api/."""
    from lerend_netwerk.core.content_types import ApiPage, ApiResource

    def listing(page, per_page, args):
        if args.get("letter") == "x":
            raise LookupError("x")
        return ApiPage([{"term": "duaal leren"}], page, per_page, has_next=True)

    terms = ApiResource(
        name="terms",
        item_name="term",
        listing=listing,
        item=lambda slug: {"term": slug} if slug == "duaal-leren" else None,
        query=("letter",),
        tag=("terms", "Begrippen van het netwerk."),
        schemas={"Term": {"type": "object"}},
        list_operation={"operationId": "listTerms", "responses": {}},
        item_operation={"operationId": "getTerm", "responses": {}},
        max_age=30,
    )
    content_types.register(ContentType(name="glossary", model=None, api=terms))
    try:
        client = make_app().test_client()
        listed = client.get("/api/v1/terms?letter=d&per_page=5")
        one = client.get("/api/v1/terms/duaal-leren")
        missing = client.get("/api/v1/terms/iets-anders")
        unknown = client.get("/api/v1/terms?letter=x")
        document = client.get("/api/v1/openapi.json").get_json()
    finally:
        content_types.unregister("glossary")
    assert listed.status_code == 200 and listed.get_json()["terms"] == [{"term": "duaal leren"}]
    assert listed.get_json()["links"]["next"].endswith("/api/v1/terms?page=2&per_page=5&letter=d")
    assert listed.headers["Cache-Control"] == "public, max-age=30"
    assert one.get_json() == {"term": "duaal-leren"}
    assert missing.status_code == 404 and unknown.status_code == 404
    assert document["paths"]["/api/v1/terms"]["get"]["operationId"] == "listTerms"
    assert document["paths"]["/api/v1/terms/{slug}"]["get"]["operationId"] == "getTerm"
    assert "Term" in document["components"]["schemas"]
    assert {"name": "terms", "description": "Begrippen van het netwerk."} in document["tags"]


def test_every_kind_has_one_content_type_by_name(app):
    names = [content_type.name for content_type in content_types]
    assert len(names) == len(set(names))
    specs = [spec.doc_type for spec in content_types.searchable()]
    assert len(specs) == len(set(specs))


def test_a_kinds_sections_show_on_the_shared_pages_through_its_own_templates(
    app, client, make_theme, make_meeting, make_proeftuin
):
    from jinja2 import ChoiceLoader, DictLoader

    partials = {
        "glossary/_theme.html": "<p id='begrippen'>Begrippen: {{ terms|join(', ') }}</p>",
        "glossary/_session.html": "<p id='sessiebegrip'>{{ page.listing.words|join }}</p>",
        "glossary/_proeftuin.html": "<p id='tuinbegrip'>{{ words|join }}</p>",
    }
    kind = ContentType(
        name="glossary",
        model=Theme,
        theme_listing=lambda theme, user: {"terms": [theme.title.upper()]},
        session_listing=lambda meeting, user: {"words": [f"Begrip bij {meeting.title}"]},
        proeftuin_listing=lambda ids, user, past: {"words": [f"{len(ids)} proeftuin"]},
        templates={
            "theme": "glossary/_theme.html",
            "session": "glossary/_session.html",
            "proeftuin": "glossary/_proeftuin.html",
        },
    )
    loader = app.jinja_env.loader
    app.jinja_env.loader = ChoiceLoader([DictLoader(partials), loader])
    content_types.register(kind)
    try:
        make_theme(slug="duaal", title="Duaal")
        make_meeting(slug="intervisie", title="Intervisie")
        make_proeftuin(slug="tuin")
        assert "Begrippen: DUAAL</p>" in client.get("/themas/duaal").get_data(as_text=True)
        session = client.get("/sessies/intervisie").get_data(as_text=True)
        assert "<p id='sessiebegrip'>Begrip bij Intervisie</p>" in session
        assert "<p id='tuinbegrip'>1 proeftuin</p>" in client.get("/proeftuinen/tuin").get_data(
            as_text=True
        )
    finally:
        content_types.unregister(kind.name)
        app.jinja_env.loader = loader
