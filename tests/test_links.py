"""Links between related things: a theme page and a proeftuin page lead to everything on them
that the reader may see, and nothing else."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from tests.conftest import login


def _links(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_theme_page_links_everything_on_the_theme(
    client,
    make_theme,
    make_meeting,
    make_practice,
    make_recommendation,
    make_proeftuin,
    make_report,
    make_user,
):
    theme = make_theme(slug="mentoren", title="Mentoren")
    other = make_theme(slug="financiering", title="Financiering")
    past = datetime.now(UTC) - timedelta(days=30)
    make_meeting(slug="intervisie-mentoren", title="Intervisie mentoren", themes=[theme])
    make_meeting(slug="terugblik-mentoren", title="Terugblik", starts_at=past, themes=[theme])
    make_meeting(slug="enkel-leden", title="Ledensessie", visibility="members", themes=[theme])
    make_meeting(slug="ander-thema", title="Over geld", themes=[other])
    proeftuin = make_proeftuin(slug="graduaat-mentoren", title="Graduaat mentoren", themes=[theme])
    make_practice(
        slug="mentoropleiding", title="Mentoropleiding", themes=[theme], proeftuin=proeftuin
    )
    make_practice(slug="concept", title="Nog een concept", themes=[theme], status="draft")
    make_recommendation(slug="mentoruren", title="Mentoruren erkennen", theme=theme)
    make_report(slug="bezoek-mentoren", title="Bezoek bij de mentoren", proeftuin=proeftuin)

    page = _links(client, "/themas/mentoren")
    assert 'href="/sessies/intervisie-mentoren"' in page
    assert 'href="/sessies/terugblik-mentoren"' in page
    upcoming, _, _ = page.partition("Voorbije sessies")
    assert "/sessies/terugblik-mentoren" not in upcoming, "a past session under Komende sessies"
    assert "/sessies/ander-thema" not in page
    assert "/sessies/enkel-leden" not in page
    assert 'href="/praktijken/mentoropleiding"' in page
    assert "Graduaat mentoren" in page
    assert "/praktijken/concept" not in page
    assert 'href="/aanbevelingen/mentoruren"' in page
    assert 'href="/proeftuinen/graduaat-mentoren"' in page
    # Visit reports are for members: a visitor is told so and gets no link.
    assert "/verslagen/bezoek-mentoren" not in page
    assert "Bezoekverslagen zijn enkel zichtbaar voor leden" in page

    login(client, make_user())
    page = _links(client, "/themas/mentoren")
    assert 'href="/verslagen/bezoek-mentoren"' in page
    assert 'href="/sessies/enkel-leden"' in page


def test_theme_page_without_content_says_what_to_do(client, make_theme):
    make_theme(slug="leeg", title="Leeg thema")
    page = _links(client, "/themas/leeg")
    assert "Nog geen sessies gepland over dit thema" in page
    assert "Nog geen goede praktijken over dit thema" in page
    assert "Nog geen aanbevelingen over dit thema" in page


def test_proeftuin_page_lists_its_sessions_and_practices(
    client, make_proeftuin, make_meeting, make_practice, make_user
):
    proeftuin = make_proeftuin(slug="logistiek", title="Graduaat logistiek")
    elsewhere = make_proeftuin(slug="zorg", title="Zorg")
    past = datetime.now(UTC) - timedelta(days=60)
    make_meeting(slug="netwerkmoment-logistiek", title="Netwerkmoment", host=proeftuin)
    make_meeting(slug="vorig-jaar", title="Vorig jaar", starts_at=past, host=proeftuin)
    make_meeting(slug="intern", title="Intern", host=proeftuin, visibility="members")
    make_meeting(slug="bij-de-zorg", title="Bij de zorg", host=elsewhere)
    make_practice(
        slug="werkplekpool", title="Werkplekpool", proeftuin=proeftuin, sector="Logistiek"
    )
    make_practice(slug="concept-logistiek", title="Concept", proeftuin=proeftuin, status="draft")
    make_practice(slug="zorgpraktijk", title="Zorgpraktijk", proeftuin=elsewhere)

    page = _links(client, "/proeftuinen/logistiek")
    assert 'href="/sessies/netwerkmoment-logistiek"' in page
    assert 'href="/sessies/vorig-jaar"' in page
    upcoming, _, _ = page.partition("Voorbije sessies")
    assert "/sessies/vorig-jaar" not in upcoming
    assert "/sessies/bij-de-zorg" not in page
    assert "/sessies/intern" not in page
    assert 'href="/praktijken/werkplekpool"' in page
    assert "/praktijken/concept-logistiek" not in page
    assert "/praktijken/zorgpraktijk" not in page
    assert 'href="/praktijken?proeftuin=logistiek"' in page

    login(client, make_user())
    assert 'href="/sessies/intern"' in _links(client, "/proeftuinen/logistiek")


def test_proeftuin_page_without_sessions_points_to_the_agenda(client, make_proeftuin):
    make_proeftuin(slug="stil", title="Stille proeftuin", level="volwassenenonderwijs")
    page = _links(client, "/proeftuinen/stil")
    assert "Geen sessies gepland bij deze proeftuin" in page
    assert 'href="/sessies?niveau=volwassenenonderwijs"' in page
    assert "Nog geen goede praktijken uit deze proeftuin" in page


def test_list_dates_are_compact_with_the_weekday():
    from lerend_netwerk.timeutil import nl_date_short

    assert nl_date_short(date(2026, 12, 10)) == "do 10 dec 2026"
    # 23:30 UTC on a Wednesday is already Thursday in Brussels.
    assert nl_date_short(datetime(2026, 12, 9, 23, 30, tzinfo=UTC)) == "do 10 dec 2026"


def test_session_page_suggests_practices_and_threads_on_its_themes(
    client, make_theme, make_meeting, make_practice, make_recommendation
):
    theme = make_theme(slug="werving", title="Werving")
    other = make_theme(slug="geld", title="Geld")
    make_meeting(slug="werving-intervisie", title="Werving in de praktijk", themes=[theme])
    make_meeting(slug="zonder-thema", title="Zonder thema")
    make_practice(slug="wervingsdag", title="Wervingsdag", themes=[theme])
    make_practice(slug="geldpraktijk", title="Geldpraktijk", themes=[other])
    make_practice(slug="wervingsconcept", title="Concept", themes=[theme], status="draft")
    make_recommendation(slug="wervingssteun", title="Steun voor werving", theme=theme)
    make_recommendation(slug="meer-geld", title="Meer geld", theme=other)

    page = _links(client, "/sessies/werving-intervisie")
    related = page[page.index('id="related-themes-title"') :]
    assert "Ook over dit thema" in related
    assert 'href="/praktijken/wervingsdag"' in related
    assert 'href="/aanbevelingen/wervingssteun"' in related
    assert "/praktijken/geldpraktijk" not in related
    assert "/praktijken/wervingsconcept" not in related
    assert "/aanbevelingen/meer-geld" not in related
    # No themes, nothing to suggest: no empty box either.
    assert 'id="related-themes-title"' not in _links(client, "/sessies/zonder-thema")


def test_practice_page_suggests_upcoming_sessions_on_its_themes(
    client, make_theme, make_meeting, make_practice
):
    theme = make_theme(slug="evaluatie", title="Evaluatie")
    past = datetime.now(UTC) - timedelta(days=10)
    make_practice(slug="driehoeksgesprek", title="Driehoeksgesprek", themes=[theme])
    make_meeting(
        slug="evaluatie-webinar", title="Webinar evaluatie", themes=[theme], location="Gent"
    )
    make_meeting(slug="evaluatie-voorbij", title="Voorbij", themes=[theme], starts_at=past)
    make_meeting(slug="evaluatie-af", title="Afgelast", themes=[theme], status="cancelled")
    make_meeting(slug="ander", title="Ander thema")

    page = _links(client, "/praktijken/driehoeksgesprek")
    related = page[page.index('id="related-themes-title"') :]
    assert 'href="/sessies/evaluatie-webinar"' in related
    assert "Gent" in related
    for slug in ("evaluatie-voorbij", "evaluatie-af", "ander"):
        assert f"/sessies/{slug}" not in related


def test_another_network_brings_its_own_logo_and_colours(app, client):
    """SITE_STYLESHEET changes colours and logo without touching a template."""
    page = _links(client, "/")
    assert 'class="brand-mark"' in page
    assert "networks/" not in page
    app.config.update(SITE_STYLESHEET="networks/zorg.css")
    page = _links(client, "/")
    # After site.css, so that its variables and its logo win.
    assert page.index("/static/site.css") < page.index('href="/static/networks/zorg.css"')
    # The default logo is site.css's, a file in the repository.
    static = Path(app.static_folder)
    assert 'url("logo.svg")' in (static / "site.css").read_text(encoding="utf-8")
    assert (static / "logo.svg").read_text(encoding="utf-8").startswith("<svg")


def test_organisation_page_lists_its_proeftuinen_sessions_and_practices(
    client, make_organisation, make_proeftuin, make_meeting, make_practice
):
    school = make_organisation(slug="hogeschool-noord", title="Hogeschool Noord")
    make_organisation(slug="zonder-proeftuin", title="Nog niet actief")
    mine = make_proeftuin(slug="bachelor-chemie", title="Bachelor chemie", organisations=[school])
    other = make_proeftuin(slug="elders", title="Elders")
    make_meeting(slug="chemie-netwerkmoment", title="Netwerkmoment chemie", host=mine)
    make_meeting(slug="elders-sessie", title="Elders", host=other)
    make_meeting(slug="chemie-intern", title="Intern", host=mine, visibility="members")
    make_practice(slug="labo-mentor", title="Labomentor", proeftuin=mine)
    make_practice(slug="elders-praktijk", title="Elders", proeftuin=other)

    page = _links(client, "/organisaties/hogeschool-noord")
    assert 'href="/proeftuinen/bachelor-chemie"' in page
    assert 'href="/sessies/chemie-netwerkmoment"' in page
    assert 'href="/praktijken/labo-mentor"' in page
    for absent in ("/proeftuinen/elders", "/sessies/elders-sessie", "/sessies/chemie-intern"):
        assert absent not in page
    assert "/praktijken/elders-praktijk" not in page
    # The list of organisations and the proeftuin page lead here.
    assert 'href="/organisaties/hogeschool-noord"' in _links(client, "/organisaties")
    assert 'href="/organisaties/hogeschool-noord"' in _links(client, "/proeftuinen/bachelor-chemie")
    assert "neemt (nog) niet deel aan een proeftuin" in _links(
        client, "/organisaties/zonder-proeftuin"
    )
    assert client.get("/organisaties/bestaat-niet").status_code == 404


def test_search_results_show_what_a_person_needs_to_choose(
    client, app, make_meeting, make_practice, make_proeftuin, make_recommendation, make_user
):
    from lerend_netwerk.extensions import db
    from lerend_netwerk.recommendations.models import Post
    from lerend_netwerk.search import service

    starts = datetime(2031, 3, 13, 12, 30, tzinfo=UTC)  # a Thursday, 13:30 in Brussels
    make_meeting(
        slug="zeldzaam-sessie",
        title="Zeldzaamheid sessie",
        starts_at=starts,
        location="Hogeschool Leie, campus Gent",
    )
    proeftuin = make_proeftuin(title="Graduaat zeldzaamheid")
    make_practice(
        slug="zeldzaam-praktijk",
        title="Zeldzaamheid praktijk",
        proeftuin=proeftuin,
        level="volwassenenonderwijs",
    )
    thread = make_recommendation(
        slug="zeldzaam-draad", title="Zeldzaamheid draad", status="in-bespreking"
    )
    author = make_user()
    db.session.add_all(
        [
            Post(recommendation=thread, author=author, stance="eens", body="Ja."),
            Post(recommendation=thread, author=author, stance="eens", body="Ja!"),
            Post(recommendation=thread, author=author, stance="oneens", body="Nee."),
        ]
    )
    db.session.commit()
    assert not service.sync_index(app).locked

    page = _links(client, "/zoeken?q=zeldzaamheid")
    assert "do 13 mrt 2031, 13:30 · Hogeschool Leie, campus Gent" in page
    assert "Graduaat zeldzaamheid · Volwassenenonderwijs" in page
    assert "In bespreking · 2 eens, 1 oneens, 0 neutraal" in page


def test_a_thread_without_replies_invites_the_first_one(client, make_recommendation):
    make_recommendation(slug="stil-debat", title="Nog niemand reageerde")
    make_recommendation(slug="gesloten-debat", title="Gesloten", closed=True)
    page = _links(client, "/aanbevelingen/stil-debat")
    assert "Nog geen reacties — wees de eerste" in page
    assert 'href="#reageren"' in page
    closed = _links(client, "/aanbevelingen/gesloten-debat")
    assert "wees de eerste" not in closed
    assert "Er kwamen geen reacties op deze draad." in closed


def test_session_lists_share_one_macro():
    """Theme, proeftuin and organisation pages render their sessions with `session_item`
    (directly, or through `session_lists`, which renders upcoming and past with it)."""
    package = Path(__file__).resolve().parent.parent / "lerend_netwerk"
    for name in (
        "themes/templates/themes/detail.html",
        "themes/templates/themes/_related.html",
        "proeftuinen/templates/proeftuinen/detail.html",
        "proeftuinen/templates/proeftuinen/organisation.html",
    ):
        text = (package / name).read_text(encoding="utf-8")
        assert "session_item(m" in text or "session_lists(" in text, name
        assert "url_for('agenda.detail', slug=m.slug)" not in text, name
    macros = (package / "templates/_macros.html").read_text(encoding="utf-8")
    lists = macros[macros.index("{% macro session_lists") :]
    assert "session_item(m)" in lists[: lists.index("endmacro")]


def test_session_item_shows_kind_date_place_and_cancellation(
    client, make_theme, make_meeting, make_practice
):
    theme = make_theme(slug="mentoren", title="Mentoren")
    starts = datetime(2031, 3, 13, 12, 30, tzinfo=UTC)
    make_meeting(
        slug="in-gent", title="In Gent", starts_at=starts, location="Campus Gent", themes=[theme]
    )
    make_meeting(
        slug="afgelast", title="Afgelast", starts_at=starts, themes=[theme], status="cancelled"
    )
    make_practice(slug="p", title="P", themes=[theme])
    page = _links(client, "/themas/mentoren")
    assert "Intervisie · do 13 mrt 2031</span>" in page
    assert "Geannuleerd" in page
    # The place is shown where a session is suggested from a practice.
    assert "Intervisie · do 13 mrt 2031 · Campus Gent" in _links(client, "/praktijken/p")
