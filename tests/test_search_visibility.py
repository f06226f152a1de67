"""Visibility in search is absolute: a matrix of audiences x documents with unique words.

For each audience (visitor, member and coordinator of the default network A, member and
coordinator of network B) and each kind of restricted document (draft, members-only,
network-only, in A or in B), the document's unique word must appear in results, totals,
facets, snippets and suggestions exactly when visibility.can_see says so; through the
service, /zoeken and GET /api/v1/search (with a session cookie for members).
"""

from __future__ import annotations

import pytest

from conftest import login
from lerend_netwerk.search import service

# Everybody signed in to a network, and the people of each network.
MEMBERS = {"member", "coordinator", "member_b", "coordinator_b"}
ALL = {"visitor", *MEMBERS}
IN_A = {"member", "coordinator"}
IN_B = {"member_b", "coordinator_b"}

# word -> (factory, fields, who may see it); "network": "b" puts it in network B.
DOCUMENTS = {
    "publiekwoordje": ("practice", {}, ALL),
    "conceptwoordje": ("practice", {"status": "draft"}, {"coordinator"}),
    "ledenwoordje": ("practice", {"visibility": "members"}, MEMBERS),
    "ledenconceptje": (
        "practice",
        {"visibility": "members", "status": "draft"},
        {"coordinator"},
    ),
    "verslagwoordje": ("report", {}, MEMBERS),  # reports: members by default
    "publiekverslagje": ("report", {"visibility": "public"}, ALL),
    "verslagconceptje": ("report", {"status": "draft"}, {"coordinator"}),
    "ledensessietje": ("meeting", {"visibility": "members"}, MEMBERS),
    "ledendraadje": ("recommendation", {"visibility": "members"}, MEMBERS),
    "kringpraktijkje": ("practice", {"visibility": "network"}, IN_A),
    "kringverslagje": ("report", {"visibility": "network"}, IN_A),
    "kringsessietje": ("meeting", {"visibility": "network"}, IN_A),
    "kringdraadje": ("recommendation", {"visibility": "network"}, IN_A),
    "anderpraktijkje": ("practice", {"visibility": "network", "network": "b"}, IN_B),
    "anderverslagje": ("report", {"visibility": "network", "network": "b"}, IN_B),
    "anderconceptje": ("practice", {"status": "draft", "network": "b"}, {"coordinator_b"}),
    "anderledenwoordje": ("practice", {"visibility": "members", "network": "b"}, MEMBERS),
    # One product only: every document fits on the first page for coordinators.
    "ledenproductconceptje": (
        "product",
        {"visibility": "members", "status": "draft"},
        {"coordinator"},
    ),
}
AUDIENCES = ("visitor", "member", "coordinator", "member_b", "coordinator_b")


THEMES = {word: f"onderwerp-{n}" for n, word in enumerate(DOCUMENTS)}


@pytest.fixture
def network_b(make_network):
    return make_network(slug="netwerk-b", title="Netwerk B")


@pytest.fixture
def corpus(
    app,
    make_practice,
    make_report,
    make_meeting,
    make_recommendation,
    make_theme,
    make_proeftuin,
    network_b,
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
        fields = dict(fields)
        network = {"network_id": network_b.id} if fields.pop("network", None) == "b" else {}
        theme = make_theme(slug=THEMES[word], title=f"Onderwerp {n}")
        if kind == "recommendation":
            extra = {"theme": theme, **network}
        elif kind == "report":
            extra = {"proeftuin": make_proeftuin(title=f"Proeftuin {n}", themes=[theme], **network)}
        else:
            extra = {"themes": [theme], **network}
        factories[kind](
            title=f"Document {word}",
            text=f"Een gemeenschappelijk verhaal met het woord {word} erin.",
            **fields,
            **extra,
        )
    service.sync_index(app)


@pytest.fixture
def users(make_user, network_b):
    return {
        "visitor": None,
        "member": make_user(),
        "coordinator": make_user(role="coordinator"),
        "member_b": make_user(network=network_b),
        "coordinator_b": make_user(role="coordinator", network=network_b),
    }


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
    found = service.search("gemeenschappelijk", users[who], per_page=50)
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
    # Every result, over both pages of ten.
    text = str(body) + str(client.get("/api/v1/search?q=gemeenschappelijk&page=2").get_json())
    page = client.get("/zoeken?q=gemeenschappelijk").get_data(as_text=True) + client.get(
        "/zoeken?q=gemeenschappelijk&page=2"
    ).get_data(as_text=True)
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
    # Another network's member or coordinator filters their way to nothing of A's own.
    for who in ("member_b", "coordinator_b"):
        for word in ("kringpraktijkje", "kringverslagje", "conceptwoordje"):
            # (A report's theme is its proeftuin's too: the public proeftuin is found.)
            kind = "report" if "verslag" in word else "practice"
            assert service.search("", users[who], theme=THEMES[word], type=kind).total == 0
            assert service.search(word, users[who], type=kind).total == 0
        assert service.search("", users[who], theme=THEMES["anderpraktijkje"]).total == 1
