"""An empty list says what to do next, with a link where there is one."""

from __future__ import annotations

from tests.conftest import login


def _page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def test_an_empty_library_and_a_filter_without_practices_say_what_to_do(
    client, make_practice, make_theme
):
    assert "Nog geen goede praktijken in de bibliotheek" in _page(client, "/praktijken")
    make_theme(slug="leeg", title="Leeg")
    make_practice(slug="iets", title="Iets")
    page = _page(client, "/praktijken?thema=leeg")
    assert "Geen goede praktijken voor deze filters" in page
    assert 'href="/praktijken">toon alle goede praktijken</a>' in page


def test_filters_without_proeftuinen_or_recommendations_offer_all_of_them(client, make_theme):
    make_theme(slug="leeg", title="Leeg")
    page = _page(client, "/proeftuinen?thema=leeg")
    assert 'Geen proeftuinen voor deze filters. <a href="/proeftuinen">' in page
    page = _page(client, "/aanbevelingen?thema=leeg")
    assert 'Geen aanbevelingen voor deze filters. <a href="/aanbevelingen">' in page
    assert "kom mee praten op een sessie" in _page(client, "/aanbevelingen")


def test_a_member_without_contributions_is_shown_where_to_send_one(
    client, make_user, make_proeftuin
):
    login(client, make_user(proeftuinen=[make_proeftuin()]))
    for path in ("/bijdragen", "/account"):
        page = _page(client, path)
        assert "Je stuurde nog geen bijdragen in" in page, path
        assert 'href="/bijdragen/nieuw">Stuur een goede praktijk' in page, path


def test_coordinator_tables_without_rows_say_what_to_do(client, make_user, make_meeting):
    make_meeting(slug="stil", title="Stille sessie")
    login(client, make_user(role="coordinator", name="Coördinator Co"))
    page = _page(client, "/sessies/stil/deelnemers")
    assert "Nog niemand ingeschreven" in page and 'href="/sessies/stil"' in page
    page = _page(client, "/beheer/accounts?q=niemand-heet-zo")
    assert "Geen accounts voor deze zoekopdracht" in page
    assert 'href="/beheer/uitnodigen"' in page


def test_a_proeftuin_without_reports_tells_coordinators_to_write_the_first(
    client, make_user, make_proeftuin
):
    make_proeftuin(slug="stil", title="Stille proeftuin")
    login(client, make_user())
    page = _page(client, "/proeftuinen/stil")
    assert "Er zijn nog geen bezoekverslagen van deze proeftuin." in page
    assert "Schrijf het eerste" not in page
    coordinator = client.application.test_client()
    login(coordinator, make_user(role="coordinator"))
    assert "Schrijf het eerste met ‘Nieuw bezoekverslag’" in _page(coordinator, "/proeftuinen/stil")
