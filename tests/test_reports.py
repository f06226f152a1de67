"""Visit reports: the template sections, writing, preview, publishing, overview, access."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from conftest import login, post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.proeftuinen.models import REPORT_SECTIONS, VisitReport
from lerend_netwerk.proeftuinen.sections import (
    PREAMBLE,
    field_name,
    filled_sections,
    join_sections,
    split_sections,
)

CONTENT_REPORTS = Path(__file__).resolve().parent.parent / "content" / "reports"


def _body_of(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    _, _front, body = text.split("---\n", 2)
    return body.strip("\n")


# --- split_sections / join_sections -------------------------------------------------


def test_join_writes_sections_as_h2_in_template_order():
    body = join_sections({"Uitdagingen": "Krappe markt.", "Doelstellingen": "Meer studenten."})
    assert body == "## Doelstellingen\n\nMeer studenten.\n\n## Uitdagingen\n\nKrappe markt."


def test_split_of_canonical_body():
    body = "## Doelstellingen\n\nEen.\n\nTwee.\n\n## Perceptie regelgeving\n\n- kader\n- geld"
    assert split_sections(body) == {
        "Doelstellingen": "Een.\n\nTwee.",
        "Perceptie regelgeving": "- kader\n- geld",
    }


@pytest.mark.parametrize(
    "body",
    [
        "",
        "## Doelstellingen\n\nDoel.",
        "Inleiding vooraf.\n\n## Sterke punten\n\nVeel.",
        "Enkel een inleiding, geen onderdelen.",
        "## Doelstellingen\n\n## Sterke punten\n\nLeeg onderdeel hierboven.",
        "## Observaties\n\nTekst.\n\n## Conclusie\n\nGeen sjabloononderdeel: blijft tekst.",
        "## Uitdagingen\n\n```\n## Aanbevelingen\n```\n\nCode is geen kop."
        "\n\n## Aanbevelingen\n\nJa.",
        "## Uitdagingen\n\nEen.\n\n## Uitdagingen\n\nHerhaalde kop blijft tekst.",
        "## Doelstellingen\n\n    ingesprongen code\n\n### Subkop\n\nTekst.",
        "\n\n".join(f"## {name}\n\nTekst over {name.lower()}." for name in REPORT_SECTIONS),
    ],
)
def test_canonical_bodies_round_trip_exactly(body):
    assert join_sections(split_sections(body)) == body


@pytest.mark.parametrize("path", sorted(CONTENT_REPORTS.glob("*.md")), ids=lambda p: p.stem)
def test_demo_content_reports_round_trip_and_use_the_template(path):
    body = _body_of(path)
    parts = split_sections(body)
    assert join_sections(parts) == body
    assert set(parts) <= set(REPORT_SECTIONS)
    assert list(parts) == [name for name in REPORT_SECTIONS if name in parts]


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"Doelstellingen": "Doel."},
        {PREAMBLE: "Intro.", "Aanbevelingen": "- een\n- twee"},
        {name: f"Tekst {i}\n\nmet twee alinea's." for i, name in enumerate(REPORT_SECTIONS)},
        {"Observaties": ""},
    ],
)
def test_dicts_round_trip_exactly(values):
    assert split_sections(join_sections(values)) == values


def test_crlf_and_blank_padding_are_normalised():
    parts = filled_sections(
        {"Doelstellingen": "\r\n\r\nEen\r\nTwee  \r\n\r\n", "Uitdagingen": "  "}
    )
    assert parts == {"Doelstellingen": "Een\nTwee"}
    assert join_sections(parts) == "## Doelstellingen\n\nEen\nTwee"


def test_typographic_apostrophe_and_trailing_hashes_match_the_template():
    parts = split_sections("## Thema’s voor intervisie ##\n\nMentoren.")
    assert parts == {"Thema's voor intervisie": "Mentoren."}


def test_other_templates_use_their_own_sections():
    sections = ("Aanpak", "Wat werkte")
    body = join_sections({"Wat werkte": "Dit.", "Aanpak": "Zo."}, sections)
    assert body == "## Aanpak\n\nZo.\n\n## Wat werkte\n\nDit."
    assert split_sections(body, sections) == {"Aanpak": "Zo.", "Wat werkte": "Dit."}
    # Report headings mean nothing to another template: it is all introduction.
    assert split_sections("## Doelstellingen\n\nX", sections) == {
        PREAMBLE: "## Doelstellingen\n\nX"
    }


def test_field_names_are_identifiers():
    names = [field_name(s) for s in REPORT_SECTIONS]
    assert names[6] == "themas_voor_intervisie"
    assert all(n.isidentifier() for n in names)
    assert len(set(names)) == len(names)


# --- writing, preview, publishing ----------------------------------------------------


def _form(proeftuin, **overrides) -> dict:
    data = {
        "title": "Bezoek aan de proeftuin",
        "slug": "",
        "proeftuin": proeftuin.slug,
        "visited": "2022-11-14",
        "visibility": "members",
        "intro": "",
    }
    for name in REPORT_SECTIONS:
        data[field_name(name)] = ""
    data.update(overrides)
    return data


@pytest.fixture
def coordinator(client, make_user):
    user = make_user(role="coordinator", name="Coördinator Co")
    login(client, user)
    return user


def test_coordinator_saves_a_draft_with_sections_in_template_order(
    client, coordinator, make_proeftuin
):
    proeftuin = make_proeftuin()
    data = _form(
        proeftuin,
        save="Opslaan als concept",
        perceptie_regelgeving="Geen strikt kader.",
        doelstellingen="Meer duale trajecten.\r\n\r\nIn het derde jaar.",
        sterke_punten="- rubric\r\n- driehoeksgesprekken",
    )
    response = post_form(client, "/verslagen/nieuw", data)
    assert response.status_code == 302
    report = db.session.scalar(select(VisitReport))
    assert response.headers["Location"] == f"/verslagen/{report.slug}"
    assert report.slug == "bezoek-aan-de-proeftuin"
    assert report.status == "draft" and report.published_at is None
    assert report.visibility == "members"
    assert report.author_id == coordinator.id
    # Every template heading is written, so the report exports to a valid content file.
    assert report.body == (
        "## Doelstellingen\n\nMeer duale trajecten.\n\nIn het derde jaar.\n\n"
        "## Sterke punten\n\n- rubric\n- driehoeksgesprekken\n\n"
        "## Uitdagingen\n\n## Observaties\n\n## Aanbevelingen\n\n"
        "## Toekomstperspectieven\n\n## Thema's voor intervisie\n\n"
        "## Perceptie regelgeving\n\nGeen strikt kader."
    )
    from lerend_netwerk.content_io.document import parse_document, render_document
    from lerend_netwerk.content_io.schema import kinds_by_name, record_of

    kind = kinds_by_name()["reports"]
    assert parse_document(kind, render_document(kind, record_of(kind, report))).problems == []
    page = client.get(f"/verslagen/{report.slug}").get_data(as_text=True)
    assert "concept" in page
    assert "<h2" in page and "Sterke punten" in page and "<li>rubric</li>" in page
    assert page.index("Doelstellingen") < page.index("Sterke punten") < page.index("Perceptie")


def test_new_report_form_has_a_labelled_text_area_per_section(client, coordinator, make_proeftuin):
    proeftuin = make_proeftuin(title="Proeftuin Leie")
    page = client.get(f"/verslagen/nieuw?proeftuin={proeftuin.slug}").get_data(as_text=True)
    for name in REPORT_SECTIONS:
        fid, label = field_name(name), name.replace("'", "&#39;")
        assert f'<label for="{fid}">{label}</label>' in page
        assert re.search(f'<textarea [^>]*id="{fid}" [^>]*name="{fid}"', page)
    assert f'<option selected value="{proeftuin.slug}">' in page
    assert '<option selected value="members">' in page


def test_preview_renders_without_saving(client, coordinator, make_proeftuin):
    proeftuin = make_proeftuin()
    data = _form(
        proeftuin,
        preview="Voorbeeld",
        uitdagingen="**Krappe** arbeidsmarkt <script>alert(1)</script>",
    )
    response = post_form(client, "/verslagen/nieuw", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<strong>Krappe</strong> arbeidsmarkt" in page
    assert "<script>alert(1)</script>" not in page
    # The text stays in the form (escaped) so the coordinator can go on writing.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert db.session.scalar(select(func.count(VisitReport.id))) == 0


def test_save_and_publish_in_one_step(client, coordinator, make_proeftuin):
    proeftuin = make_proeftuin()
    data = _form(proeftuin, publish="Opslaan en publiceren", observaties="Gezien.")
    assert post_form(client, "/verslagen/nieuw", data).status_code == 302
    report = db.session.scalar(select(VisitReport))
    assert report.status == "published" and report.published_at is not None


def test_publish_and_unpublish(client, coordinator, make_report, make_user):
    report = make_report(status="draft", visibility="members", body="## Observaties\n\nX")
    response = post_form(client, f"/verslagen/{report.slug}/publiceren")
    assert response.status_code == 302
    db.session.refresh(report)
    assert report.status == "published" and report.published_at is not None

    member = make_user()
    other = client.application.test_client()
    login(other, member)
    assert other.get(f"/verslagen/{report.slug}").status_code == 200

    assert post_form(client, f"/verslagen/{report.slug}/depubliceren").status_code == 302
    db.session.refresh(report)
    assert report.status == "draft" and report.published_at is None
    assert other.get(f"/verslagen/{report.slug}").status_code == 404


def test_publish_requires_post_and_csrf(client, coordinator, make_report):
    report = make_report(status="draft")
    assert client.get(f"/verslagen/{report.slug}/publiceren").status_code == 405
    assert client.post(f"/verslagen/{report.slug}/publiceren").status_code == 400
    db.session.refresh(report)
    assert report.status == "draft"


def test_edit_prefills_sections_keeps_the_text_and_completes_the_template(
    client, coordinator, make_report
):
    body = (
        "Korte inleiding.\n\n## Doelstellingen\n\nDoel.\n\n## Uitdagingen\n\n## Conclusie\n\nExtra."
    )
    report = make_report(body=body, status="published", visibility="public")
    page = client.get(f"/verslagen/{report.slug}/bewerken").get_data(as_text=True)
    assert re.search(r'name="doelstellingen">\s*Doel\.</textarea>', page)
    assert "Korte inleiding.</textarea>" in page
    assert "## Conclusie" in page
    assert 'value="Opslaan"' in page and "Opslaan en publiceren" not in page

    data = _form(
        report.proeftuin,
        title=report.title,
        slug=report.slug,
        visibility="public",
        save="Opslaan",
        intro="Korte inleiding.",
        doelstellingen="Doel.",
        uitdagingen="## Conclusie\n\nExtra.",
    )
    assert post_form(client, f"/verslagen/{report.slug}/bewerken", data).status_code == 302
    db.session.refresh(report)
    assert report.status == "published"
    assert report.body == (
        "Korte inleiding.\n\n## Doelstellingen\n\nDoel.\n\n## Sterke punten\n\n"
        "## Uitdagingen\n\n## Conclusie\n\nExtra.\n\n## Observaties\n\n## Aanbevelingen\n\n"
        "## Toekomstperspectieven\n\n## Thema's voor intervisie\n\n## Perceptie regelgeving"
    )
    # Saving again changes nothing.
    assert post_form(client, f"/verslagen/{report.slug}/bewerken", data).status_code == 302
    completed = report.body
    db.session.refresh(report)
    assert report.body == completed


def test_slug_must_be_free_and_not_reserved(client, coordinator, make_report, make_proeftuin):
    make_report(slug="bezoek-leie")
    proeftuin = make_proeftuin()
    for slug, message in [("bezoek-leie", "bestaat al"), ("overzicht", "voorbehouden")]:
        response = post_form(
            client, "/verslagen/nieuw", _form(proeftuin, slug=slug, save="x", observaties="X")
        )
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    response = post_form(client, "/verslagen/nieuw", _form(proeftuin, slug="Met Spaties", save="x"))
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(VisitReport.id))) == 1


def test_generated_slugs_are_unique(client, coordinator, make_proeftuin):
    proeftuin = make_proeftuin()
    for _ in range(2):
        data = _form(proeftuin, title="Bezoek Café Élan", save="x", observaties="X")
        assert post_form(client, "/verslagen/nieuw", data).status_code == 302
    slugs = sorted(db.session.scalars(select(VisitReport.slug)))
    assert slugs == ["bezoek-cafe-elan", "bezoek-cafe-elan-2"]


def test_unknown_proeftuin_is_a_form_error(client, coordinator, make_proeftuin):
    make_proeftuin()
    data = _form(make_proeftuin(), save="x")
    data["proeftuin"] = "bestaat-niet"
    assert post_form(client, "/verslagen/nieuw", data).status_code == 400
    assert db.session.scalar(select(func.count(VisitReport.id))) == 0


def test_report_page_sanitises_markdown(client, make_report):
    report = make_report(
        visibility="public",
        body='## Observaties\n\n<script>x()</script><a href="javascript:evil()">klik</a> [ok](https://example.be)',
    )
    page = client.get(f"/verslagen/{report.slug}").get_data(as_text=True)
    assert "<script>x()</script>" not in page
    assert "javascript:" not in page
    assert 'href="https://example.be"' in page and 'rel="nofollow noopener"' in page


# --- the proeftuin page and the coordinators' links ----------------------------------


def test_proeftuin_page_lists_visible_reports_and_coordinator_links(
    client, make_user, make_proeftuin, make_report
):
    proeftuin = make_proeftuin()
    make_report(proeftuin=proeftuin, title="Gepubliceerd verslag", visibility="members")
    make_report(proeftuin=proeftuin, title="Conceptverslag", status="draft")
    member = make_user()
    login(client, member)
    page = client.get(f"/proeftuinen/{proeftuin.slug}").get_data(as_text=True)
    assert "Gepubliceerd verslag" in page and "Conceptverslag" not in page
    assert "/verslagen/nieuw" not in page and "/verslagen/overzicht" not in page

    coordinator = make_user(role="coordinator")
    client2 = client.application.test_client()
    login(client2, coordinator)
    page = client2.get(f"/proeftuinen/{proeftuin.slug}").get_data(as_text=True)
    assert "Gepubliceerd verslag" in page and "Conceptverslag" in page
    assert f"/verslagen/nieuw?proeftuin={proeftuin.slug}" in page
    assert "/verslagen/overzicht" in page and "/bijdragen/beoordelen" in page
    index = client2.get("/proeftuinen").get_data(as_text=True)
    assert "/verslagen/nieuw" in index and "/bijdragen/beoordelen" in index


# --- the overview --------------------------------------------------------------------


@pytest.fixture
def overview_world(make_proeftuin, make_report, make_theme):
    mentoren = make_theme(title="Mentoren", slug="mentoren")
    geld = make_theme(title="Financiering", slug="financiering")
    ho = make_proeftuin(title="Informatica Leie", level="hoger-onderwijs", themes=[mentoren])
    vo = make_proeftuin(title="Zorgkundige duaal", level="volwassenenonderwijs", themes=[geld])
    make_report(
        proeftuin=ho,
        title="Bezoek Leie",
        body="## Uitdagingen\n\nKrappe arbeidsmarkt.\n\n## Aanbevelingen\n\nMentorennetwerk.",
    )
    make_report(
        proeftuin=vo,
        title="Bezoek Zorg",
        status="draft",
        body="## Uitdagingen\n\nRoosters in de zorg.",
    )
    return {"ho": ho, "vo": vo}


def test_overview_shows_one_section_side_by_side(client, coordinator, overview_world):
    page = client.get("/verslagen/overzicht?sectie=Uitdagingen").get_data(as_text=True)
    assert "Krappe arbeidsmarkt." in page and "Roosters in de zorg." in page
    assert "Mentorennetwerk." not in page
    assert "Informatica Leie" in page and "Zorgkundige duaal" in page
    assert "/verslagen/" in page and "/proeftuinen/" in page
    assert "concept" in page


def test_overview_without_section_shows_every_section(client, coordinator, overview_world):
    page = client.get("/verslagen/overzicht").get_data(as_text=True)
    for name in REPORT_SECTIONS:
        assert name.replace("'", "&#39;") in page
    assert "Mentorennetwerk." in page and "Niet ingevuld." in page


@pytest.mark.parametrize(
    "query,present,absent",
    [
        ("niveau=hoger-onderwijs", "Krappe arbeidsmarkt.", "Roosters in de zorg."),
        ("niveau=volwassenenonderwijs", "Roosters in de zorg.", "Krappe arbeidsmarkt."),
        ("thema=financiering", "Roosters in de zorg.", "Krappe arbeidsmarkt."),
        ("thema=mentoren", "Krappe arbeidsmarkt.", "Roosters in de zorg."),
    ],
)
def test_overview_filters_by_level_and_theme(
    client, coordinator, overview_world, query, present, absent
):
    page = client.get(f"/verslagen/overzicht?sectie=Uitdagingen&{query}").get_data(as_text=True)
    assert present in page and absent not in page


def test_overview_filters_by_academic_year(client, coordinator, make_report):
    from datetime import date

    make_report(visited=date(2022, 11, 20), body="## Observaties\n\nEerste ronde.")
    make_report(visited=date(2024, 2, 1), body="## Observaties\n\nDerde ronde.")
    page = client.get("/verslagen/overzicht?jaar=2023-2024").get_data(as_text=True)
    assert "Derde ronde." in page and "Eerste ronde." not in page
    assert '<option value="2022-2023"' in page


def test_overview_is_printable(client, coordinator, overview_world):
    page = client.get("/verslagen/overzicht").get_data(as_text=True)
    assert 'href="/static/print.css" media="print"' in page
    assert 'class="filters overview-filters"' in page  # hidden by print.css


# --- authorisation matrix ------------------------------------------------------------

ROLES = ["anonymous", "member_this", "member_other", "coordinator", "admin"]


@pytest.fixture
def world(make_proeftuin, make_report):
    this = make_proeftuin(slug="deze-proeftuin")
    other = make_proeftuin(slug="andere-proeftuin")
    draft = make_report(
        proeftuin=this, slug="concept-verslag", status="draft", body="## Observaties\n\nGeheim."
    )
    members_only = make_report(
        proeftuin=this, slug="leden-verslag", visibility="members", body="## Observaties\n\nLeden."
    )
    return {"this": this, "other": other, "draft": draft, "members_only": members_only}


def sign_in_as(client, make_user, role, this, other):
    """Sign in as one of the matrix roles (only that user is created: hashing is slow)."""
    if role == "anonymous":
        return None
    if role == "member_this":
        user = make_user(proeftuinen=[this])
    elif role == "member_other":
        user = make_user(proeftuinen=[other])
    else:
        user = make_user(role=role)
    login(client, user)
    return user


LOGIN = "login"
MATRIX = {
    # action: expected per role (anonymous, member_this, member_other, coordinator, admin)
    "read_draft": (404, 404, 404, 200, 200),
    "read_members_only": (404, 200, 200, 200, 200),
    "edit_form": (LOGIN, 403, 403, 200, 200),
    "edit_post": (LOGIN, 403, 403, 302, 302),
    "publish": (LOGIN, 403, 403, 302, 302),
    "unpublish": (LOGIN, 403, 403, 302, 302),
    "new_report": (LOGIN, 403, 403, 200, 200),
    "overview": (LOGIN, 403, 403, 200, 200),
}


def _do(client, world, action):
    draft, members_only = world["draft"], world["members_only"]
    if action == "read_draft":
        return client.get(f"/verslagen/{draft.slug}")
    if action == "read_members_only":
        return client.get(f"/verslagen/{members_only.slug}")
    if action == "edit_form":
        return client.get(f"/verslagen/{draft.slug}/bewerken")
    if action == "edit_post":
        data = _form(world["this"], title="Gewijzigd", slug=draft.slug, save="x")
        return post_form(client, f"/verslagen/{draft.slug}/bewerken", data)
    if action == "publish":
        return post_form(client, f"/verslagen/{draft.slug}/publiceren")
    if action == "unpublish":
        return post_form(client, f"/verslagen/{members_only.slug}/depubliceren")
    if action == "new_report":
        return client.get("/verslagen/nieuw")
    if action == "overview":
        return client.get("/verslagen/overzicht")
    raise AssertionError(action)


@pytest.mark.parametrize("action", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_report_access_matrix(client, make_user, world, role, action):
    sign_in_as(client, make_user, role, world["this"], world["other"])
    response = _do(client, world, action)
    expected = MATRIX[action][ROLES.index(role)]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == expected
    if action in ("read_draft", "read_members_only") and expected == 200:
        assert "Geheim." in response.get_data(as_text=True) or "Leden." in response.get_data(
            as_text=True
        )

    # A refused write changed nothing.
    draft = db.session.get(VisitReport, world["draft"].id)
    members_only = db.session.get(VisitReport, world["members_only"].id)
    allowed = expected not in (LOGIN, 403, 404)
    if action == "publish":
        assert (draft.status == "published") is allowed
    if action == "unpublish":
        assert (members_only.status == "draft") is allowed
    if action == "edit_post":
        assert (draft.title == "Gewijzigd") is allowed
