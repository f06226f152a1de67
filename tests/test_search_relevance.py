"""Relevance: realistic Dutch queries must put an expected document in the top 3.

Two sets, each imported into its own SQLite database and indexed with the platform's
own code: the relevance test set (tests/relevance/: documents written for it, queries
covering type names, theme and organisation pages, stop words, stemming, compounds,
abbreviations and apostrophe plurals), and the demo content/, where the search for
every type name, theme name and abbreviation must give a sensible first page.
benchmarks/relevance.py prints the same score.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from lerend_netwerk import create_app
from lerend_netwerk.content_io.service import import_directory
from lerend_netwerk.extensions import db
from lerend_netwerk.search import relevance, service
from lerend_netwerk.search.documents import type_labels

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = Path(__file__).resolve().parent / "relevance"
QUERY_SET = relevance.load_set(FIXTURE / "queries.json")


def _indexed_app(content: Path, directory: Path) -> Iterator[Flask]:
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "relevance",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{directory / 'db.sqlite'}",
            "SEARCH_INDEX_DIR": str(directory / "index"),
            "SITE_URL": "http://localhost",
            "SERVER_NAME": None,
        }
    )
    with app.app_context():
        db.create_all()
        import_directory(content)
        db.session.commit()
        service.reindex(app)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def fixture_app(tmp_path_factory) -> Iterator[Flask]:
    yield from _indexed_app(FIXTURE / "content", tmp_path_factory.mktemp("relevance"))


@pytest.fixture(scope="module")
def demo_app(tmp_path_factory) -> Iterator[Flask]:
    yield from _indexed_app(ROOT / "content", tmp_path_factory.mktemp("demo"))


def test_the_set_is_large_and_covers_every_phenomenon():
    queries = QUERY_SET["queries"]
    assert len(queries) >= 40
    covers = " ".join(item["covers"] for item in queries)
    for phenomenon in (
        "type name",
        "theme page",
        "organisation page",
        "final report",
        "stop word",
        "stemming",
        "exception",
        "compound",
        "split form",
        "exact match outranks",
        "abbreviation",
        "apostrophe plural",
    ):
        assert phenomenon in covers, phenomenon


@pytest.mark.parametrize("item", QUERY_SET["queries"], ids=lambda item: item["q"])
def test_query_finds_an_expected_document_in_the_top_3(fixture_app, item):
    (judged,) = relevance.judge({"audience": QUERY_SET["audience"], "queries": [item]})
    assert judged.ok, f"{item['q']!r} ({item['covers']}): got {judged.got}"


def test_exact_words_outrank_compound_parts(fixture_app):
    found = service.search("portfolio", relevance.VIEWERS["member"])
    keys = [f"{hit.type}:{hit.slug}" for hit in found.hits]
    # The report says "portfolio"; the practice only "leerportfolio".
    assert keys.index("report:bezoek-graduaat-bouw") < keys.index("practice:leerportfolio")


def test_highlighting_marks_whole_apostrophe_plurals_and_compounds(fixture_app):
    member = relevance.VIEWERS["member"]
    (hit,) = [h for h in service.search("kmo's", member).hits if h.slug == "netwerk-voor-kmos"]
    assert "<mark>kmo&#39;s</mark>" in hit.snippet
    (hit,) = service.search("werkgevers", member).hits
    assert "<mark>werkgeversbetrokkenheid</mark>" in hit.snippet


# The demo content ---------------------------------------------------------------------


def _content_text() -> str:
    paths = (ROOT / "content").rglob("*.md")
    return " ".join(p.read_text("utf-8") for p in paths if p.parent.name != "abbreviations")


def _front(path: Path, key: str) -> str:
    match = re.search(rf"^{key}: *\"?(.*?)\"?$", path.read_text("utf-8"), re.M)
    assert match, (path, key)
    return match.group(1)


TYPE_LABELS = type_labels()


@pytest.mark.parametrize("doc_type", sorted(TYPE_LABELS))
def test_demo_type_names_list_that_type_first(demo_app, doc_type):
    found = service.search(TYPE_LABELS[doc_type], relevance.VIEWERS["member"])
    assert found.hits, doc_type
    assert found.hits[0].type == doc_type
    if doc_type != "final_report":
        assert sum(hit.type == doc_type for hit in found.hits) >= min(3, len(found.hits))


@pytest.mark.parametrize("path", sorted((ROOT / "content" / "themes").glob("*.md")), ids=str)
def test_demo_theme_names_find_the_theme_page(demo_app, path):
    found = service.search(_front(path, "title"), None)
    assert ("theme", path.stem) in [(hit.type, hit.slug) for hit in found.hits[:3]]


@pytest.mark.parametrize(
    "path", sorted((ROOT / "content" / "abbreviations").glob("*.md")), ids=lambda p: p.stem
)
def test_demo_abbreviations_find_their_documents_and_are_never_corrected(demo_app, path):
    abbreviation, meaning = _front(path, "title"), _front(path, "meaning")
    found = service.search(abbreviation, relevance.VIEWERS["member"])
    assert found.suggestion is None
    text = _content_text()
    mentioned = re.search(rf"\b{re.escape(abbreviation)}\b", text, re.I) or (
        meaning.lower() in text.lower()
    )
    if mentioned:
        assert found.hits, abbreviation
        words = {abbreviation.lower(), *meaning.lower().split()}
        first = f"{found.hits[0].title} {found.hits[0].snippet}".lower()
        assert any(word in first for word in words), (abbreviation, found.hits[0].title)
    else:
        assert found.total == 0
