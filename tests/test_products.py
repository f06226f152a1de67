"""The productenmarkt: list, filters, paging, one product, visibility everywhere it shows
(list, page, search, API, theme, proeftuin, organisation and session pages), the
coordinators' form, publishing, the digest and the indicator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.core.audit import AuditEvent
from lerend_netwerk.extensions import db
from lerend_netwerk.products.models import Product
from lerend_netwerk.search import service as search

ROLES = ("anonymous", "member", "coordinator", "admin")
VISIBILITY = [
    # (fields, who sees it)
    ({}, {"anonymous", "member", "coordinator", "admin"}),
    ({"visibility": "members"}, {"member", "coordinator", "admin"}),
    ({"status": "draft"}, {"coordinator", "admin"}),
    ({"status": "draft", "visibility": "members"}, {"coordinator", "admin"}),
]


@pytest.fixture
def users(make_user):
    return {
        "anonymous": None,
        "member": make_user(),
        "coordinator": make_user(role="coordinator"),
        "admin": make_user(role="admin"),
    }


def as_(client, users, who):
    if users[who] is not None:
        login(client, users[who])
    return client


@pytest.fixture
def world(make_theme, make_organisation, make_proeftuin, make_meeting, make_practice):
    theme = make_theme(slug="mentoren", title="Mentoren")
    organisation = make_organisation(slug="hogeschool-west", title="Hogeschool West")
    proeftuin = make_proeftuin(
        slug="verpleegkunde-west",
        title="Bachelor Verpleegkunde",
        level="hoger-onderwijs",
        organisations=[organisation],
    )
    slotsessie = make_meeting(
        slug="slotsessie",
        title="Slotsessie met productenmarkt",
        kind="slotsessie",
        starts_at=datetime(2023, 10, 25, 11, 0, tzinfo=UTC),
        ends_at=datetime(2023, 10, 25, 15, 30, tzinfo=UTC),
        themes=[theme],
    )
    practice = make_practice(slug="mentoropleiding", title="Mentoropleiding", themes=[theme])
    return {
        "theme": theme,
        "organisation": organisation,
        "proeftuin": proeftuin,
        "session": slotsessie,
        "practice": practice,
    }


# --- visibility ---------------------------------------------------------------------------


@pytest.mark.parametrize("who", ROLES)
@pytest.mark.parametrize(("fields", "seen_by"), VISIBILITY)
def test_who_sees_a_product_on_every_page_that_lists_it(
    app, client, make_product, users, world, who, fields, seen_by
):
    make_product(
        slug="het-product",
        title="Zichtbaarheidstoolkit",
        summary="Een unieke kwartelwachter voor mentoren.",
        themes=[world["theme"]],
        proeftuin=world["proeftuin"],
        sessions=[world["session"]],
        **fields,
    )
    search.sync_index(app)
    visible = who in seen_by
    client = as_(client, users, who)

    def shows(url: str) -> bool:
        response = client.get(url)
        assert response.status_code == 200, url
        return "Zichtbaarheidstoolkit" in response.get_data(as_text=True)

    assert shows("/producten") == visible
    assert client.get("/producten/het-product").status_code == (200 if visible else 404)
    assert shows("/themas/mentoren") == visible
    assert shows("/proeftuinen/verpleegkunde-west") == visible
    assert shows("/organisaties/hogeschool-west") == visible
    assert shows("/sessies/slotsessie") == visible
    # "Ook over dit thema" on a practice with the same theme.
    assert shows("/praktijken/mentoropleiding") == visible
    assert shows("/zoeken?q=kwartelwachter") == visible
    found = client.get("/api/v1/search?q=kwartelwachter").get_json()
    assert found["total"] == (1 if visible else 0)
    # The product API is public data only: members-only and drafts are never in it.
    public = not fields
    listed = client.get("/api/v1/products").get_json()["products"]
    assert [p["slug"] for p in listed] == (["het-product"] if public else [])
    assert client.get("/api/v1/products/het-product").status_code == (200 if public else 404)


def test_unknown_or_malformed_product_is_404(client):
    assert client.get("/producten/bestaat-niet").status_code == 404
    assert client.get("/producten/Geen_Slug").status_code == 404
    assert client.get("/producten/" + "x" * 300).status_code == 404


def test_the_session_page_shows_its_productenmarkt_only_when_it_has_products(
    client, make_product, make_meeting, world
):
    other = make_meeting(slug="intervisie", title="Intervisie")
    make_product(
        title="Draaiboek mentoropleiding", kind="vormingspakket", sessions=[world["session"]]
    )
    make_product(title="Film voor werkgevers", kind="film", sessions=[world["session"], other])
    make_product(title="Nergens getoond")
    page = client.get("/sessies/slotsessie").get_data(as_text=True)
    assert 'id="productenmarkt-titel">Productenmarkt</h2>' in page
    assert "Draaiboek mentoropleiding" in page and "Film voor werkgevers" in page
    assert "Vormingspakket" in page and "Nergens getoond" not in page
    intervisie = client.get("/sessies/intervisie").get_data(as_text=True)
    assert "Film voor werkgevers" in intervisie and "Draaiboek" not in intervisie
    plain = make_meeting(slug="zonder", title="Zonder producten")
    assert "Productenmarkt" not in client.get(f"/sessies/{plain.slug}").get_data(as_text=True)


# --- the list -----------------------------------------------------------------------------


def test_filters_by_theme_level_proeftuin_and_kind(
    client, make_product, make_theme, make_proeftuin
):
    mentors = make_theme(slug="mentoren", title="Mentoren")
    money = make_theme(slug="financiering", title="Financiering")
    cvo = make_proeftuin(slug="zorgkundige", title="Zorgkundige", level="volwassenenonderwijs")
    hs = make_proeftuin(slug="chemie", title="Chemie", level="hoger-onderwijs")
    make_product(title="Alfa", kind="toolkit", themes=[mentors], proeftuin=cvo)
    # Its own level counts before its proeftuin's.
    make_product(title="Beta", kind="film", themes=[money], proeftuin=cvo, level="secundair")
    make_product(title="Gamma", kind="sjabloon", themes=[mentors, money], proeftuin=hs)
    make_product(title="Delta", kind="brochure")
    make_product(title="Verborgen", kind="handleiding", themes=[mentors], status="draft")

    def shown(query: str) -> list[str]:
        page = client.get(f"/producten{query}").get_data(as_text=True)
        return [t for t in ("Alfa", "Beta", "Gamma", "Delta", "Verborgen") if f">{t}</a>" in page]

    assert shown("") == ["Alfa", "Beta", "Gamma", "Delta"]
    assert shown("?thema=mentoren") == ["Alfa", "Gamma"]
    assert shown("?thema=financiering&niveau=secundair") == ["Beta"]
    assert shown("?niveau=volwassenenonderwijs") == ["Alfa"]
    assert shown("?niveau=hoger-onderwijs") == ["Gamma"]
    assert shown("?proeftuin=zorgkundige") == ["Alfa", "Beta"]
    assert shown("?soort=film") == ["Beta"]
    assert shown("?soort=sjabloon&thema=mentoren") == ["Gamma"]
    # Unknown values of a fixed list are ignored; an unknown slug finds nothing.
    assert shown("?niveau=onbekend&soort=poster") == ["Alfa", "Beta", "Gamma", "Delta"]
    assert shown("?thema=bestaat-niet") == []
    page = client.get("/producten").get_data(as_text=True)
    # The choices only offer what visible products have.
    assert '<option value="film"' in page and '<option value="handleiding"' not in page
    assert '<option value="zorgkundige"' in page and '<label for="f-soort">Soort</label>' in page
    empty = client.get("/producten?thema=bestaat-niet").get_data(as_text=True)
    assert "Geen producten voor deze filters" in empty


def test_pagination(client, make_product):
    for n in range(15):
        make_product(title=f"Product {n:02d}")
    first = client.get("/producten").get_data(as_text=True)
    second = client.get("/producten?page=2").get_data(as_text=True)
    assert first.count('<li class="card">') == 12 and second.count('<li class="card">') == 3
    assert "15 producten" in first and "pagina 1 van 2" in first
    assert "Product 14" in second and "Product 14" not in first
    assert client.get("/producten?page=abc").status_code == 200
    assert client.get("/producten?page=99").status_code == 200


def test_an_empty_market_says_so(client):
    page = client.get("/producten").get_data(as_text=True)
    assert "Nog geen producten op de productenmarkt" in page and "0 producten" in page


def test_the_header_links_to_the_products(client):
    page = client.get("/").get_data(as_text=True)
    assert '<a href="/producten"' in page
    assert 'href="/producten" aria-current="page"' in client.get("/producten").get_data(
        as_text=True
    )


# --- one product --------------------------------------------------------------------------


def test_the_product_page_shows_description_link_maker_themes_and_sessions(
    client, make_product, make_meeting, world
):
    hidden = make_meeting(slug="besloten", title="Besloten sessie", visibility="members")
    make_product(
        slug="toolkit",
        title="Toolkit matchingdag",
        summary="Alles voor een matchingdag.",
        kind="toolkit",
        body="## In de toolkit\n\n- een **planning**\n<script>alert(1)</script>",
        link="https://toolkit.example/matchingdag?x=1&y=2",
        themes=[world["theme"]],
        proeftuin=world["proeftuin"],
        organisation=world["organisation"],
        sessions=[world["session"], hidden],
        published_at=datetime(2023, 10, 25, 10, tzinfo=UTC),
    )
    page = client.get("/producten/toolkit").get_data(as_text=True)
    assert "<h1>Toolkit matchingdag</h1>" in page and "Alles voor een matchingdag." in page
    assert '<span class="badge">Toolkit</span>' in page
    assert 'href="https://toolkit.example/matchingdag?x=1&amp;y=2" rel="noopener nofollow"' in page
    assert 'href="/proeftuinen/verpleegkunde-west"' in page
    assert 'href="/organisaties/hogeschool-west"' in page
    assert 'href="/producten?thema=mentoren"' in page
    # Level: the proeftuin's, as it has none of its own.
    assert "<dd>Hoger onderwijs</dd>" in page
    assert 'href="/sessies/slotsessie"' in page and "Besloten sessie" not in page
    assert "25 oktober 2023" in page
    assert "<strong>planning</strong>" in page and "<script>alert" not in page
    # Visitors get no coordinator tools.
    assert "/producten/toolkit/bewerken" not in page


# --- the coordinators' form ---------------------------------------------------------------

GOOD = {
    "title": "Sjabloon leerportfolio",
    "summary": "Het portfolio als invulbaar sjabloon.",
    "kind": "sjabloon",
    "link": "https://portfolio.example/sjabloon",
    "body": "## Inhoud\n\nTwintig opdrachten.",
    "visibility": "public",
    "level": "",
    "proeftuin": "",
    "organisation": "",
    "slug": "",
}


def test_a_coordinator_adds_a_draft_and_publishes_it(client, make_user, world):
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    form = client.get("/producten/nieuw?proeftuin=verpleegkunde-west").get_data(as_text=True)
    assert '<option selected value="verpleegkunde-west">' in form
    response = post_form(
        client,
        "/producten/nieuw",
        {
            **GOOD,
            "proeftuin": "verpleegkunde-west",
            "organisation": "hogeschool-west",
            "themes": ["mentoren"],
            "sessions": ["slotsessie"],
            "save": "Opslaan als concept",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/producten/sjabloon-leerportfolio")
    product = db.session.scalar(select(Product).where(Product.slug == "sjabloon-leerportfolio"))
    assert product.status == "draft" and product.published_at is None
    assert product.proeftuin.slug == "verpleegkunde-west"
    assert product.organisation.slug == "hogeschool-west"
    assert [t.slug for t in product.themes] == ["mentoren"]
    assert [m.slug for m in product.sessions] == ["slotsessie"]
    assert product.link == "https://portfolio.example/sjabloon"
    assert "Het product is opgeslagen als concept." in client.get(
        response.headers["Location"]
    ).get_data(as_text=True)
    edit = client.get("/producten/sjabloon-leerportfolio/bewerken").get_data(as_text=True)
    assert 'id="theme-mentoren" name="themes" value="mentoren" checked' in edit
    assert 'id="session-slotsessie" name="sessions" value="slotsessie" checked' in edit
    assert '<option selected value="hogeschool-west">' in edit

    client.post("/logout", data={"csrf_token": ""})
    with client.session_transaction() as session:
        session.clear()
    assert client.get("/producten/sjabloon-leerportfolio").status_code == 404
    login(client, coordinator)

    response = post_form(client, "/producten/sjabloon-leerportfolio/publiceren")
    assert response.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.status == "published" and product.published_at is not None
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.target_type == "Product"))
    assert {(e.action, e.target_id) for e in events} == {
        ("product.created", product.id),
        ("product.published", product.id),
    }

    response = post_form(client, "/producten/sjabloon-leerportfolio/depubliceren")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Product, product.id).status == "draft"


def test_publishing_at_once_and_editing_keeps_the_product_published(
    client, make_user, make_product, world
):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/producten/nieuw", {**GOOD, "publish": "Opslaan en publiceren"})
    assert response.status_code == 302
    product = db.session.scalar(select(Product).where(Product.slug == "sjabloon-leerportfolio"))
    assert product.status == "published"
    edit = client.get("/producten/sjabloon-leerportfolio/bewerken").get_data(as_text=True)
    assert 'value="Sjabloon leerportfolio"' in edit and "Twintig opdrachten." in edit
    response = post_form(
        client,
        "/producten/sjabloon-leerportfolio/bewerken",
        {
            **GOOD,
            "title": "Sjabloon leerportfolio (versie 2)",
            "slug": "sjabloon-leerportfolio",
            "kind": "toolkit",
            "level": "volwassenenonderwijs",
            "link": "",
            "visibility": "members",
            "save": "Opslaan",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    product = db.session.get(Product, product.id)
    assert product.title == "Sjabloon leerportfolio (versie 2)"
    assert (product.kind, product.level, product.link, product.visibility) == (
        "toolkit",
        "volwassenenonderwijs",
        None,
        "members",
    )
    assert product.status == "published"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": ""}, "Dit veld is vereist."),
        ({"summary": ""}, "Dit veld is vereist."),
        ({"kind": ""}, "Kies een soort product."),
        ({"kind": "poster"}, "Ongeldige keuze."),
        ({"link": "ftp://films.example/a"}, "Geef een volledige link die begint met https://"),
        ({"link": "javascript:alert(1)"}, "Geef een volledige link die begint met https://"),
        ({"link": "https://"}, "Geef een volledige link die begint met https://"),
        ({"slug": "Met Spaties"}, "Enkel kleine letters, cijfers en koppeltekens"),
        ({"slug": "nieuw"}, "Deze korte naam is voorbehouden"),
        ({"slug": "bestaand"}, "Er bestaat al een product met deze korte naam."),
        ({"proeftuin": "bestaat-niet"}, "Ongeldige keuze."),
        ({"themes": ["bestaat-niet"]}, "is een ongeldige keuze voor dit veld"),
        ({"title": "Twee\nregels"}, "Gebruik één regel"),
    ],
)
def test_bad_input_gets_a_dutch_error_and_loses_nothing(
    client, make_user, make_product, world, changes, message
):
    make_product(slug="bestaand", title="Al bestaand")
    login(client, make_user(role="coordinator"))
    before = db.session.scalar(select(db.func.count()).select_from(Product))
    data = {**GOOD, "body": "Mijn lange tekst die niet verloren mag gaan.", **changes}
    response = post_form(client, "/producten/nieuw", {**data, "save": "Opslaan als concept"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message.lower() in page.lower()
    assert "Het product is nog niet opgeslagen" in page
    assert "Mijn lange tekst die niet verloren mag gaan." in page
    assert db.session.scalar(select(db.func.count()).select_from(Product)) == before


def test_a_form_without_csrf_token_is_refused(client, make_user):
    login(client, make_user(role="coordinator"))
    response = client.post("/producten/nieuw", data={**GOOD, "save": "Opslaan als concept"})
    assert response.status_code == 400
    assert db.session.scalar(select(Product.id)) is None


def test_coordinators_see_drafts_and_the_tools(client, make_user, make_product):
    make_product(slug="concept", title="Conceptproduct", status="draft")
    login(client, make_user(role="coordinator"))
    listing = client.get("/producten").get_data(as_text=True)
    assert "Conceptproduct" in listing and "badge-warn" in listing
    assert 'href="/producten/nieuw"' in listing
    page = client.get("/producten/concept").get_data(as_text=True)
    assert 'href="/producten/concept/bewerken"' in page
    assert 'action="/producten/concept/publiceren"' in page


# --- search, digest, indicators, API ------------------------------------------------------


def test_search_knows_products_by_their_names_with_a_details_line(
    app, make_product, make_proeftuin
):
    tuin = make_proeftuin(
        slug="zorgkundige", title="Zorgkundige duaal", level="volwassenenonderwijs"
    )
    make_product(
        slug="screening",
        title="Screeningsinstrument arbeidsrijpheid",
        summary="Gesprek, vragenlijst en proefdag.",
        kind="screeningsinstrument",
        proeftuin=tuin,
    )
    search.sync_index(app)
    found = search.search("productenmarkt", None)
    assert [hit.slug for hit in found.hits] == ["screening"]
    assert found.facets["type"] == {"product": 1}
    assert found.details["/producten/screening"] == (
        "Screeningsinstrument · Zorgkundige duaal · Volwassenenonderwijs"
    )
    for name in ("productenbib", "toolkit", "tool", "producten"):
        assert search.search(name, None).total == 1, name
    assert search.search("vragenlijst", None, type="product").total == 1
    facets = search.search("proefdag", None).facet_values["type"]
    assert [(f.value, f.label, f.count) for f in facets] == [("product", "Product", 1)]


def test_the_api_pages_public_products_with_links(client, make_product, make_theme):
    theme = make_theme(slug="mentoren")
    for n in range(3):
        make_product(slug=f"p-{n}", title=f"P {n}", themes=[theme], link="https://p.example")
    first = client.get("/api/v1/products?per_page=2")
    body = first.get_json()
    assert [p["slug"] for p in body["products"]] == ["p-0", "p-1"]
    assert body["links"]["next"].endswith("/api/v1/products?page=2&per_page=2")
    assert 'rel="next"' in first.headers["Link"]
    assert first.headers["Access-Control-Allow-Origin"] == "*"
    second = client.get(body["links"]["next"]).get_json()
    assert [p["slug"] for p in second["products"]] == ["p-2"] and "next" not in second["links"]
    detail = client.get("/api/v1/products/p-2").get_json()
    assert detail["themes"] == ["mentoren"] and detail["kind"] == "toolkit"
    assert detail["url"].endswith("/producten/p-2") and detail["body"] == ""


def test_the_api_answers_match_the_openapi_schemas(client, make_product, world):
    from jsonschema import Draft202012Validator, FormatChecker

    document = client.get("/api/v1/openapi.json").get_json()

    def validator(name):
        root = {**document, "$ref": f"#/components/schemas/{name}"}
        return Draft202012Validator(root, format_checker=FormatChecker())

    make_product(
        slug="vol",
        title="Volledig",
        proeftuin=world["proeftuin"],
        organisation=world["organisation"],
        themes=[world["theme"]],
        sessions=[world["session"]],
        link="https://vol.example/",
        body="## Tekst",
    )
    make_product(slug="kaal", title="Kaal")
    validator("ProductList").validate(client.get("/api/v1/products").get_json())
    validator("ProductDetail").validate(client.get("/api/v1/products/vol").get_json())
    validator("ProductDetail").validate(client.get("/api/v1/products/kaal").get_json())
    validator("Error").validate(client.get("/api/v1/products/nergens").get_json())
    assert client.get("/api/v1/products/vol").get_json()["sessions"] == ["slotsessie"]
    assert client.get("/api/v1/products/vol").get_json()["level"] == "hoger-onderwijs"


def test_the_digest_announces_new_products(app, make_user, make_product):
    from lerend_netwerk.db import utcnow
    from lerend_netwerk.mail.digest import build_digest, digest_moment, queue_due_digests
    from lerend_netwerk.mail.models import OutgoingMail

    now = utcnow()
    moment = digest_moment(now)
    reader = make_user(wants_digest=True)
    make_product(
        slug="nieuw-product",
        title="Nieuwe brochure",
        kind="brochure",
        published_at=moment - timedelta(days=2),
    )
    make_product(title="Oude film", kind="film", published_at=moment - timedelta(days=30))
    make_product(title="Concept", status="draft", published_at=moment - timedelta(days=1))
    assert [p.title for p in build_digest(reader, now, moment).products] == ["Nieuwe brochure"]
    assert queue_due_digests(now) == 1
    db.session.commit()
    mail = db.session.scalar(select(OutgoingMail).where(OutgoingMail.kind == "digest"))
    assert "Nieuw op de productenmarkt" in mail.body_text
    assert "/producten/nieuw-product" in mail.body_text
    assert "Nieuwe brochure</a> (brochure)" in mail.body_html
    for body in (mail.body_text, mail.body_html):
        assert "Oude film" not in body and "Concept" not in body


def test_the_indicators_count_published_products_by_level(
    app, make_user, make_product, make_proeftuin
):
    from lerend_netwerk.indicators.periods import academic_year
    from lerend_netwerk.indicators.service import build_report

    coordinator = make_user(role="coordinator")
    tuin = make_proeftuin(level="volwassenenonderwijs")
    inside = datetime(2023, 10, 25, 10, tzinfo=UTC)
    make_product(proeftuin=tuin, published_at=inside)
    make_product(level="hoger-onderwijs", published_at=inside)
    make_product(status="draft", published_at=inside)
    make_product(published_at=datetime(2021, 1, 5, tzinfo=UTC))
    period = academic_year(2023)
    assert build_report(period, None, coordinator).figures.products_published == 2
    adult = build_report(period, "volwassenenonderwijs", coordinator)
    assert adult.figures.products_published == 1
    output = adult.section("output").table.rows
    assert ["Producten gepubliceerd", 1] in output


def test_visitors_get_cached_pages_that_follow_every_change(client, make_product, make_meeting):
    session = make_meeting(slug="slotsessie", title="Slotsessie")
    product = make_product(slug="film", title="Film voor werkgevers", kind="film")
    for path in ("/producten", "/producten/film", "/api/v1/products", "/sessies/slotsessie"):
        assert client.get(path).headers["X-Page-Cache"] == "miss", path
        assert client.get(path).headers["X-Page-Cache"] == "hit", path
    product.title = "Film voor bedrijven"
    product.sessions = [session]
    db.session.commit()
    for path in ("/producten", "/producten/film", "/api/v1/products", "/sessies/slotsessie"):
        response = client.get(path)
        assert response.headers["X-Page-Cache"] == "miss", path
        assert "Film voor bedrijven" in response.get_data(as_text=True), path
