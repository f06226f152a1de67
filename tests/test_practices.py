"""The good-practice library: listing, filters, pages, one practice, related ones, visibility."""

from __future__ import annotations

import pytest

from conftest import login
from lerend_netwerk.practices import service

BODY = """Een opleiding in drie avonden.

## Aanpak

Mentoren oefenen **feedbackgesprekken**. <script>alert("x")</script>

## Contact

Opleidingshoofd, [mail](mailto:info@example.be).

### Bereikbaarheid

Elke dinsdag.

## Resultaten

Tevreden mentoren.
"""


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


VISIBILITY = [
    # (fields, who sees it)
    ({}, {"anonymous", "member", "coordinator", "admin"}),
    ({"visibility": "members"}, {"member", "coordinator", "admin"}),
    ({"status": "draft"}, {"coordinator", "admin"}),
    ({"status": "draft", "visibility": "members"}, {"coordinator", "admin"}),
]


@pytest.mark.parametrize("who", ["anonymous", "member", "coordinator", "admin"])
@pytest.mark.parametrize(("fields", "seen_by"), VISIBILITY)
def test_visibility_matrix_for_list_and_detail(client, make_practice, users, who, fields, seen_by):
    make_practice(slug="de-praktijk", title="Zichtbaarheidsproef", **fields)
    client = as_(client, users, who)
    listing = client.get("/praktijken").get_data(as_text=True)
    detail = client.get("/praktijken/de-praktijk")
    if who in seen_by:
        assert "Zichtbaarheidsproef" in listing
        assert detail.status_code == 200
    else:
        assert "Zichtbaarheidsproef" not in listing
        assert detail.status_code == 404
    home = client.get("/").get_data(as_text=True)
    assert ("Zichtbaarheidsproef" in home) == (who in seen_by)


def test_unknown_practice_is_404(client):
    assert client.get("/praktijken/bestaat-niet").status_code == 404


def test_filters_by_theme_level_sector_and_proeftuin(
    client, make_practice, make_theme, make_proeftuin
):
    mentors = make_theme(slug="mentoren", title="Mentoren")
    money = make_theme(slug="financiering", title="Financiering")
    tuin = make_proeftuin(slug="graduaat-logistiek", title="Graduaat Logistiek")
    make_practice(title="Alfa", themes=[mentors], level="hoger-onderwijs", sector="Zorg")
    make_practice(
        title="Beta", themes=[money], level="secundair", sector="logistiek", proeftuin=tuin
    )
    make_practice(title="Gamma", themes=[mentors, money], level="secundair", sector="Bouw")
    make_practice(title="Verborgen", themes=[mentors], sector="Geheimesector", status="draft")

    def shown(query: str) -> list[str]:
        page = client.get(f"/praktijken{query}").get_data(as_text=True)
        return [t for t in ("Alfa", "Beta", "Gamma", "Verborgen") if f">{t}</a>" in page]

    assert shown("") == ["Alfa", "Beta", "Gamma"]
    assert shown("?thema=mentoren") == ["Alfa", "Gamma"]
    assert shown("?thema=financiering&niveau=secundair") == ["Beta", "Gamma"]
    assert shown("?niveau=hoger-onderwijs") == ["Alfa"]
    assert shown("?sector=LOGISTIEK") == ["Beta"]
    assert shown("?proeftuin=graduaat-logistiek") == ["Beta"]
    assert shown("?niveau=onbekend") == ["Alfa", "Beta", "Gamma"]
    assert shown("?thema=bestaat-niet") == []
    # The choices only offer what visible practices have.
    page = client.get("/praktijken").get_data(as_text=True)
    assert '<option value="Zorg"' in page and "Geheimesector" not in page
    assert '<option value="graduaat-logistiek"' in page
    assert '<label for="f-thema">Thema</label>' in page


def test_pagination(client, make_practice):
    for n in range(15):
        make_practice(title=f"Praktijk {n:02d}")
    first = client.get("/praktijken").get_data(as_text=True)
    second = client.get("/praktijken?page=2").get_data(as_text=True)
    assert first.count('<li class="card">') == 12 and second.count('<li class="card">') == 3
    assert "15 goede praktijken" in first and "pagina 1 van 2" in first
    assert "Praktijk 14" in second and "Praktijk 14" not in first
    assert client.get("/praktijken?page=abc").status_code == 200
    assert client.get("/praktijken?page=99").status_code == 200


def test_cards_show_summary_themes_and_level(client, make_practice, make_theme):
    theme = make_theme(slug="werkplekken", title="Werkplekken")
    make_practice(
        slug="pool",
        title="Gedeelde werkplekpool",
        summary="Twee centra delen hun werkplekken.",
        themes=[theme],
        level="volwassenenonderwijs",
        sector="Zorg",
    )
    page = client.get("/praktijken").get_data(as_text=True)
    assert 'href="/praktijken/pool"' in page
    assert "Twee centra delen hun werkplekken." in page
    assert "Volwassenenonderwijs" in page and ">Werkplekken</a>" in page


def test_detail_shows_facts_body_and_contact_apart(
    client, make_practice, make_theme, make_proeftuin
):
    theme = make_theme(slug="mentoren", title="Mentoren")
    tuin = make_proeftuin(slug="mentoren-kmo", title="Mentoren in kmo's")
    make_practice(
        slug="mentoropleiding",
        title="Mentoropleiding in drie avonden",
        summary="Korte opleiding voor mentoren.",
        body=BODY,
        themes=[theme],
        level="hoger-onderwijs",
        sector="Zorg",
        proeftuin=tuin,
    )
    page = client.get("/praktijken/mentoropleiding").get_data(as_text=True)
    assert "<h1>Mentoropleiding in drie avonden</h1>" in page
    assert "Korte opleiding voor mentoren." in page
    assert "Hoger onderwijs" in page and "Zorg" in page
    assert 'href="/proeftuinen/mentoren-kmo"' in page
    assert 'href="/praktijken?thema=mentoren"' in page
    assert "<strong>feedbackgesprekken</strong>" in page
    assert "<script>alert" not in page
    prose = page.split('<div class="prose">')[1].split("</div>")[0]
    contact = page.split('<aside class="practice-contact"')[1].split("</aside>")[0]
    assert "Opleidingshoofd" in contact and "Elke dinsdag" in contact
    assert 'href="mailto:info@example.be"' in contact
    assert "Opleidingshoofd" not in prose and "Tevreden mentoren" in prose


def test_related_practices_share_themes_or_level_and_are_visible(client, make_practice, make_theme):
    mentors = make_theme(slug="mentoren", title="Mentoren")
    money = make_theme(slug="geld", title="Geld")
    make_practice(slug="hier", title="Hier", themes=[mentors, money], level="secundair")
    make_practice(slug="twee", title="Twee gedeeld", themes=[mentors, money])
    make_practice(slug="een", title="Een gedeeld", themes=[money])
    make_practice(slug="niveau", title="Zelfde niveau", level="secundair")
    make_practice(slug="los", title="Niets gemeen", level="hoger-onderwijs")
    make_practice(slug="concept", title="Verwant concept", themes=[mentors], status="draft")
    page = client.get("/praktijken/hier").get_data(as_text=True)
    related = page.split('<section class="related"')[1]
    order = [t for t in ("Twee gedeeld", "Een gedeeld", "Zelfde niveau") if t in related]
    assert order == ["Twee gedeeld", "Een gedeeld", "Zelfde niveau"]
    assert (
        related.index("Twee gedeeld")
        < related.index("Een gedeeld")
        < related.index("Zelfde niveau")
    )
    assert "Niets gemeen" not in related and "Verwant concept" not in related


@pytest.mark.parametrize(
    ("body", "main", "contact"),
    [
        ("Tekst.", "Tekst.", None),
        ("Tekst.\n\n## Contact\n\nAn.", "Tekst.", "An."),
        ("## Contactgegevens\nAn.\n## Verder\nMeer.", "## Verder\nMeer.", "An."),
        ("# Titel\n\n### contactpersoon\nAn.\n\n#### Sub\nB.\n\n## Slot\nC.", None, None),
        ("## Contact\n", "", None),
        ("", "", None),
        (None, "", None),
    ],
)
def test_split_contact(body, main, contact):
    rest, found = service.split_contact(body)
    if main is None:
        assert found == "An.\n\n#### Sub\nB." and rest.startswith("# Titel") and "## Slot" in rest
        return
    assert (rest, found) == (main, contact)


def test_latest_practices_for_the_home_page(app, make_practice, users):
    make_practice(title="Oud")
    make_practice(title="Nieuw")
    make_practice(title="Concept", status="draft")
    assert [p.title for p in service.latest_practices(users["anonymous"], limit=2)] == [
        "Nieuw",
        "Oud",
    ]
    assert "Concept" in [p.title for p in service.latest_practices(users["coordinator"])]
