"""Search: Dutch analysis, ranking, phrases, prefixes, facets, pages, suggestions, safety.

Every test uses the real Whoosh index in the test's own directory (SEARCH_INDEX_DIR).
"""

from __future__ import annotations

import re

import pytest

from lerend_netwerk.extensions import db
from lerend_netwerk.networks.models import DEFAULT_NETWORK_SLUG
from lerend_netwerk.search import service
from lerend_netwerk.search.query import parse


def sync(app) -> None:
    result = service.sync_index(app)
    assert not result.locked


def titles(found) -> list[str]:
    return [hit.title for hit in found.hits]


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("mentor", "De mentoren op de werkplek krijgen een opleiding."),
        ("mentoren", "Elke mentor volgt drie avonden."),
        ("financiering", "Twee financieringen liepen af."),
        ("financieringen", "De financiering van de begeleiding."),
        ("financiele", "De financiële ruimte van studenten is klein."),
        ("financiële", "Financiele steun voor werkplekken."),
        ("WERKPLEKKEN", "Een gedeelde pool van werkplekken."),
        ("Leervergoeding", "Afspraken over leervergoedingen."),
    ],
)
def test_dutch_stems_accents_and_case(app, make_practice, query, text):
    make_practice(title="Een praktijk", summary=text)
    make_practice(title="Iets anders", summary="Over de agenda van het netwerk.")
    sync(app)
    found = service.search(query, None)
    assert titles(found) == ["Een praktijk"]


def test_dutch_stop_words_alone_find_nothing_and_do_not_error(app, make_practice):
    make_practice(summary="De mentor en het bedrijf.")
    sync(app)
    found = service.search("de het een", None)
    assert found.total == 0 and not found.searched


def test_title_matches_outrank_body_matches(app, make_practice):
    make_practice(
        title="Driehoeksgesprekken met de werkplek",
        summary="Een praktijk over evaluatie van werkplekleren, met intervisie en feedback "
        "van mentoren en een reflectie op de driehoeksgesprekken in de hogeschool.",
    )
    make_practice(title="Werkplekleren evalueren", summary="Korte beschrijving.")
    sync(app)
    found = service.search("werkplekleren", None)
    assert titles(found)[0] == "Werkplekleren evalueren"
    found = service.search("driehoeksgesprekken", None)
    assert titles(found)[0] == "Driehoeksgesprekken met de werkplek"


def test_phrase_queries_need_the_words_together_in_order(app, make_practice):
    make_practice(title="A", summary="Een opleiding in drie avonden voor mentoren.")
    make_practice(title="B", summary="Drie mentoren, vier avonden en een opleiding.")
    sync(app)
    assert sorted(titles(service.search("drie avonden", None))) == ["A", "B"]
    assert titles(service.search('"drie avonden"', None)) == ["A"]
    assert titles(service.search('"avonden drie"', None)) == []
    # An unterminated quote is still a phrase.
    assert titles(service.search('"drie avonden', None)) == ["A"]


def test_last_word_is_a_prefix_while_typing(app, make_practice):
    make_practice(title="Mentoropleiding in drie avonden", summary="Voor bedrijven.")
    make_practice(title="Andere praktijk", summary="Leerportfolio werkplekleren.")
    sync(app)
    assert titles(service.search("mentoropl", None)) == ["Mentoropleiding in drie avonden"]
    assert titles(service.search("bedrijven leerport", None)) == []
    assert titles(service.search("werkplekleren leerport", None)) == ["Andere praktijk"]
    # A finished word (followed by a space) is not a prefix any more.
    assert titles(service.search("mentoropl ", None)) == []
    assert parse("mentoropl").prefix == "mentoropl"
    assert parse("mentoropl ").prefix is None
    assert parse('"mentoropl"').prefix is None
    assert parse("me").prefix is None


def test_facets_count_per_type_theme_and_level_and_filters_narrow(
    app, make_practice, make_theme, make_proeftuin, make_meeting, make_recommendation
):
    mentors = make_theme(slug="mentoren", title="Mentoren")
    money = make_theme(slug="financiering", title="Financiering")
    make_practice(
        title="P1", summary="Kwaliteit van begeleiding.", themes=[mentors], level="secundair"
    )
    make_practice(
        title="P2",
        summary="Kwaliteit telt.",
        themes=[mentors, money],
        level="hoger-onderwijs",
    )
    make_proeftuin(title="Kwaliteit in de zorg", level="hoger-onderwijs", themes=[money])
    make_meeting(title="Intervisie kwaliteit", themes=[mentors])
    make_recommendation(title="Kwaliteit borgen", theme=money, level="volwassenenonderwijs")
    make_practice(title="Other", summary="Iets anders.", themes=[money])
    sync(app)

    found = service.search("kwaliteit", None)
    assert found.total == 5
    assert found.facets == {
        "type": {"practice": 2, "proeftuin": 1, "recommendation": 1, "session": 1},
        "theme": {"financiering": 3, "mentoren": 3},
        "level": {"hoger-onderwijs": 2, "secundair": 1, "volwassenenonderwijs": 1},
        # All in the default network (networks: tests/test_networks_pages.py).
        "network": {DEFAULT_NETWORK_SLUG: 5},
    }
    labels = {v.value: v.label for v in found.facet_values["theme"]}
    assert labels == {"financiering": "Financiering", "mentoren": "Mentoren"}

    narrowed = service.search("kwaliteit", None, type="practice")
    assert sorted(titles(narrowed)) == ["P1", "P2"]
    assert narrowed.facets["type"] == {"practice": 2}
    assert titles(service.search("kwaliteit", None, theme="financiering", type="practice")) == [
        "P2"
    ]
    assert titles(service.search("kwaliteit", None, level="secundair")) == ["P1"]
    # A filter alone (no words) lists what matches it.
    assert sorted(titles(service.search("", None, theme="financiering"))) == [
        "Kwaliteit borgen",
        "Kwaliteit in de zorg",
        "Other",
        "P2",
    ]
    # Unknown filter values are ignored, not an error.
    assert service.search("kwaliteit", None, type="bogus", level="x").total == 5


def test_pagination_is_complete_and_clamped(app, make_practice):
    for n in range(23):
        make_practice(title=f"Praktijk {n:02d}", summary="Over werkplekleren in bedrijven.")
    sync(app)
    seen = []
    for page in (1, 2, 3):
        found = service.search("werkplekleren", None, page=page)
        assert found.total == 23 and found.pages == 3 and found.page == page
        seen += titles(found)
    assert len(seen) == 23 and len(set(seen)) == 23
    assert len(service.search("werkplekleren", None, page=3).hits) == 3
    beyond = service.search("werkplekleren", None, page=99)
    assert beyond.page == 3 and len(beyond.hits) == 3
    assert service.search("werkplekleren", None, page=-4).page == 1


def test_pages_and_api_read_page_and_filters_from_the_query_string(client, app, make_practice):
    for n in range(12):
        make_practice(title=f"Praktijk {n:02d}", summary="Over werkplekleren.")
    sync(app)
    body = client.get("/api/v1/search?q=werkplekleren&page=2").get_json()
    assert body["page"] == 2 and body["total"] == 12 and len(body["results"]) == 2
    assert client.get("/api/v1/search?q=werkplekleren&page=abc").get_json()["page"] == 1
    page = client.get("/zoeken?q=werkplekleren&page=2").get_data(as_text=True)
    assert "pagina 2 van 2" in page
    assert 'rel="prev"' in page


def test_misspelled_query_gets_a_suggestion(app, make_practice):
    make_practice(
        title="Financieringsmodel", summary="De financiering van begeleiding op de werkvloer."
    )
    sync(app)
    found = service.search("financiring", None)
    assert found.total == 0 and found.suggestion == "financiering"
    found = service.search("begeleidng werkvloer", None)
    assert found.suggestion == "begeleiding werkvloer"
    assert service.search("financiering", None).suggestion is None
    assert service.search("xqzvwyk", None).suggestion is None


def test_suggestion_is_shown_as_a_link(client, app, make_practice):
    make_practice(title="Mentoren", summary="Een opleiding voor mentoren.")
    sync(app)
    page = client.get("/zoeken?q=mentozen").get_data(as_text=True)
    assert "Bedoelde je" in page and "/zoeken?q=mentoren" in page


@pytest.mark.parametrize(
    "query",
    [
        "AND(",
        '"',
        '""',
        "*",
        "mentor*",
        "title:",
        "title:mentor",
        "audience:coordinator",
        "[",
        "[a TO z]",
        "mentor^5",
        "(((",
        ")",
        "NOT",
        "OR mentor AND",
        "~",
        "mentor~2",
        "'",
        "\\",
        "%",
        "é" * 500,
        "a " * 300,
        "<script>alert(1)</script>",
    ],
)
def test_syntax_characters_never_error(client, app, make_practice, query):
    make_practice(title="Mentoren", summary="Een opleiding voor mentoren.", status="draft")
    sync(app)
    response = client.get("/zoeken", query_string={"q": query})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    api = client.get("/api/v1/search", query_string={"q": query})
    assert api.status_code == 200
    assert api.get_json()["total"] == 0  # the only document is a draft


def test_empty_and_nonsense_queries_get_helpful_pages(client, app, make_practice):
    make_practice(title="Mentoren", summary="Een opleiding voor mentoren.")
    sync(app)
    page = client.get("/zoeken").get_data(as_text=True)
    assert "Zo vind je wat je zoekt" in page
    page = client.get("/zoeken?q=").get_data(as_text=True)
    assert "Zo vind je wat je zoekt" in page
    page = client.get("/zoeken?q=qqxxzzy").get_data(as_text=True)
    assert "Geen resultaten voor “qqxxzzy”" in page
    assert "Meld je aan" in page
    body = client.get("/api/v1/search").get_json()
    assert body == {
        "query": "",
        "total": 0,
        "page": 1,
        "results": [],
        "facets": {},
        "suggestion": None,
    }


def test_api_has_the_contract_shape(client, app, make_practice, make_theme):
    theme = make_theme(slug="mentoren", title="Mentoren")
    make_practice(
        slug="mentoropleiding",
        title="Mentoropleiding",
        summary="Mentoren leren coachen.",
        themes=[theme],
        level="secundair",
    )
    sync(app)
    body = client.get("/api/v1/search?q=mentor&type=practice").get_json()
    assert set(body) == {"query", "total", "page", "results", "facets", "suggestion"}
    assert body["query"] == "mentor" and body["total"] == 1 and body["page"] == 1
    assert body["suggestion"] is None
    (result,) = body["results"]
    assert set(result) == {"type", "slug", "title", "url", "snippet"}
    assert result["type"] == "practice" and result["slug"] == "mentoropleiding"
    assert result["url"] == "http://localhost/praktijken/mentoropleiding"
    assert "<mark>Mentoren</mark>" in result["snippet"]
    assert body["facets"] == {
        "type": {"practice": 1},
        "theme": {"mentoren": 1},
        "level": {"secundair": 1},
        "network": {DEFAULT_NETWORK_SLUG: 1},
    }


def test_result_urls_lead_to_the_documents(
    client,
    app,
    make_practice,
    make_proeftuin,
    make_meeting,
    make_report,
    make_recommendation,
    make_user,
):
    make_practice(slug="p-zeldzaam", title="Zeldzaamheid p", summary="x")
    proeftuin = make_proeftuin(slug="pt-zeldzaam", title="Zeldzaamheid pt")
    make_meeting(slug="s-zeldzaam", title="Zeldzaamheid s")
    make_report(slug="r-zeldzaam", title="Zeldzaamheid r", proeftuin=proeftuin)
    make_recommendation(slug="a-zeldzaam", title="Zeldzaamheid a")
    coordinator = make_user(role="coordinator")
    sync(app)
    found = service.search("zeldzaamheid", coordinator)
    urls = {hit.type: hit.url for hit in found.hits}
    assert urls == {
        "practice": "/praktijken/p-zeldzaam",
        "proeftuin": "/proeftuinen/pt-zeldzaam",
        "session": "/sessies/s-zeldzaam",
        "report": "/verslagen/r-zeldzaam",
        "recommendation": "/aanbevelingen/a-zeldzaam",
    }


MARK_ONLY = re.compile(r"<(?!/?mark>)")


def test_snippets_are_safe_html_with_only_marks(client, app, make_practice):
    make_practice(
        title="Veilig",
        summary='Mentoren <img src=x onerror="alert(1)"> & <b>vet</b> "quote" \'enkel\'',
        body="Tekst met `<script>alert('mentor')</script>` en <a href=javascript:x>mentor</a>.",
    )
    sync(app)
    body = client.get("/api/v1/search?q=mentor").get_json()
    snippet = body["results"][0]["snippet"]
    assert "<mark>" in snippet
    assert not MARK_ONLY.search(snippet), snippet
    assert "&lt;" in snippet and "&amp;" in snippet
    page = client.get("/zoeken?q=mentor").get_data(as_text=True)
    assert "<img" not in page and "<script>alert" not in page


def test_search_form_is_a_get_form_without_csrf(client):
    page = client.get("/zoeken").get_data(as_text=True)
    form = page.split('<form class="search-form"')[1].split("</form>")[0]
    assert 'method="get"' in form
    assert "csrf_token" not in form
    assert '<label for="search-q">' in form


def test_reports_sessions_and_threads_are_searchable_with_their_context(
    app, make_proeftuin, make_report, make_meeting, make_recommendation, make_theme, make_user
):
    theme = make_theme(slug="werkplekken", title="Werkplekken")
    proeftuin = make_proeftuin(title="Graduaat Logistiek Schelde", themes=[theme])
    make_report(
        title="Bezoek november", proeftuin=proeftuin, body="## Observaties\n\nVeel stapelaars."
    )
    make_meeting(title="Netwerkmoment", location="Campus Oostende", host=proeftuin)
    db.session.commit()
    member = make_user()
    sync(app)
    assert titles(service.search("stapelaars", member)) == ["Bezoek november"]
    # The report carries its proeftuin's name and themes, the session its place and host.
    found = service.search("logistiek schelde", member)
    assert sorted(titles(found)) == [
        "Bezoek november",
        "Graduaat Logistiek Schelde",
        "Netwerkmoment",
    ]
    assert titles(service.search("oostende", member)) == ["Netwerkmoment"]
    assert service.search("stapelaars", member).facets["theme"] == {"werkplekken": 1}
