"""Visibility in search is absolute: a matrix of audiences x documents with unique words.

For each audience (visitor, member, coordinator) and each kind of restricted document
(draft, members-only, both), the document's unique word must appear in results, totals,
facets, snippets and suggestions exactly when visibility.can_see says so; through the
service, /zoeken and GET /api/v1/search (with a session cookie for members).
"""

from __future__ import annotations

import pytest

from conftest import login
from lerend_netwerk.search import service

# word -> (factory, fields, who may see it)
DOCUMENTS = {
    "publiekwoordje": ("practice", {}, {"visitor", "member", "coordinator"}),
    "conceptwoordje": ("practice", {"status": "draft"}, {"coordinator"}),
    "ledenwoordje": ("practice", {"visibility": "members"}, {"member", "coordinator"}),
    "ledenconceptje": (
        "practice",
        {"visibility": "members", "status": "draft"},
        {"coordinator"},
    ),
    "verslagwoordje": ("report", {}, {"member", "coordinator"}),  # reports: members by default
    "publiekverslagje": ("report", {"visibility": "public"}, {"visitor", "member", "coordinator"}),
    "verslagconceptje": ("report", {"status": "draft"}, {"coordinator"}),
    "ledensessietje": ("meeting", {"visibility": "members"}, {"member", "coordinator"}),
    "ledendraadje": ("recommendation", {"visibility": "members"}, {"member", "coordinator"}),
    # One product only: every document fits on the first page for coordinators.
    "ledenproductconceptje": (
        "product",
        {"visibility": "members", "status": "draft"},
        {"coordinator"},
    ),
}
AUDIENCES = ("visitor", "member", "coordinator")


THEMES = {word: f"onderwerp-{n}" for n, word in enumerate(DOCUMENTS)}


@pytest.fixture
def corpus(
    app,
    make_practice,
    make_report,
    make_meeting,
    make_recommendation,
    make_theme,
    make_proeftuin,
    make_product,
):
    """One document per unique word (and its own theme), all sharing 'gemeenschappelijk'."""
    factories = {
        "practice": lambda **kw: make_practice(summary=kw.pop("text"), **kw),
        "report": lambda **kw: make_report(body=kw.pop("text"), **kw),
        "meeting": lambda **kw: make_meeting(body=kw.pop("text"), **kw),
        "recommendation": lambda **kw: make_recommendation(body=kw.pop("text"), **kw),
        "product": lambda **kw: make_product(summary=kw.pop("text"), **kw),
    }
    for n, (word, (kind, fields, _who)) in enumerate(DOCUMENTS.items()):
        theme = make_theme(slug=THEMES[word], title=f"Onderwerp {n}")
        if kind == "recommendation":
            extra = {"theme": theme}
        elif kind == "report":
            extra = {"proeftuin": make_proeftuin(title=f"Proeftuin {n}", themes=[theme])}
        else:
            extra = {"themes": [theme]}
        factories[kind](
            title=f"Document {word}",
            text=f"Een gemeenschappelijk verhaal met het woord {word} erin.",
            **fields,
            **extra,
        )
    service.sync_index(app)


@pytest.fixture
def users(make_user):
    return {"visitor": None, "member": make_user(), "coordinator": make_user(role="coordinator")}


def misspell(word: str) -> str:
    """The word with one letter changed in the middle."""
    middle = len(word) // 2
    return word[:middle] + ("x" if word[middle] != "x" else "y") + word[middle + 1 :]


@pytest.mark.parametrize("who", AUDIENCES)
@pytest.mark.parametrize("word", list(DOCUMENTS))
def test_unique_word_found_only_by_who_may_see_it(app, corpus, users, who, word):
    visible = who in DOCUMENTS[word][2]
    found = service.search(word, users[who])
    assert found.total == (1 if visible else 0)
    assert [word in hit.title for hit in found.hits] == ([True] if visible else [])
    assert found.facets.get("theme") == ({THEMES[word]: 1} if visible else {})
    # A misspelling suggests the word only to whom may see it.
    typo = service.search(misspell(word), users[who])
    assert typo.total == 0
    assert typo.suggestion == (word if visible else None)


@pytest.mark.parametrize("who", AUDIENCES)
def test_shared_word_counts_facets_and_snippets_leak_nothing(app, corpus, users, who):
    allowed = {word for word, (_k, _f, audiences) in DOCUMENTS.items() if who in audiences}
    found = service.search("gemeenschappelijk", users[who])
    assert found.total == len(allowed)
    assert sum(found.facets["type"].values()) == len(allowed)
    assert found.facets["theme"] == {THEMES[word]: 1 for word in allowed}
    shown = " ".join(f"{hit.title} {hit.snippet}" for hit in found.hits)
    for word in DOCUMENTS:
        assert (word in shown) == (word in allowed), word
    # Prefixes of hidden words do not find their documents either.
    for word in set(DOCUMENTS) - allowed:
        assert service.search(word[:6], users[who]).total == sum(
            1 for w in allowed if w.startswith(word[:6])
        )


def _client_for(client, users, who):
    if users[who] is not None:
        login(client, users[who])
    return client


@pytest.mark.parametrize("who", AUDIENCES)
def test_pages_and_api_apply_the_same_rule(client, corpus, users, who):
    client = _client_for(client, users, who)
    allowed = {word for word, (_k, _f, audiences) in DOCUMENTS.items() if who in audiences}
    body = client.get("/api/v1/search?q=gemeenschappelijk").get_json()
    assert body["total"] == len(allowed)
    text = str(body)
    page = client.get("/zoeken?q=gemeenschappelijk").get_data(as_text=True)
    for word in DOCUMENTS:
        assert (word in text) == (word in allowed), word
        assert (word in page) == (word in allowed), word
    for word in set(DOCUMENTS) - allowed:
        typo = client.get("/api/v1/search", query_string={"q": misspell(word)}).get_json()
        assert typo["total"] == 0 and typo["suggestion"] is None
        assert word not in client.get("/zoeken", query_string={"q": misspell(word)}).get_data(
            as_text=True
        )


def test_filters_cannot_reach_hidden_documents(app, corpus, users):
    for name in ("type", "theme", "level"):
        for value in ("practice", THEMES["conceptwoordje"], "hoger-onderwijs"):
            found = service.search("conceptwoordje", None, **{name: value})
            assert found.total == 0
    assert service.search("", None, theme=THEMES["conceptwoordje"]).total == 0
    assert service.search("", None, theme=THEMES["ledenwoordje"]).total == 0
    assert service.search("", users["member"], theme=THEMES["ledenwoordje"]).total == 1
