"""The final report: selection and order, key arguments, frozen versions, who reads what,
and the PDF, Word and Markdown files read back."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime

import docx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from conftest import login, post_form
from lerend_netwerk.extensions import db
from lerend_netwerk.recommendations import report
from lerend_netwerk.recommendations.models import Endorsement, FinalReport, Post

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def text_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def make_person(make_user):
    def factory(**kw):
        return make_user(password=None, **kw)

    return factory


@pytest.fixture
def make_post(app):
    def factory(thread, author, stance="eens", body="Een reactie.", **kw):
        post = Post(recommendation=thread, author=author, stance=stance, body=body, **kw)
        db.session.add(post)
        db.session.commit()
        return post

    return factory


@pytest.fixture
def threads(
    make_theme,
    make_organisation,
    make_recommendation,
    make_post,
    make_person,
    make_proeftuin,
):
    """Threads in every status over three themes, with replies, some chosen as key arguments."""
    financing = make_theme(title="Financiering", slug="financiering")
    mentors = make_theme(title="Mentoren", slug="mentoren")
    framework = make_theme(title="Kader hoger onderwijs", slug="kader")
    leie = make_organisation(title="Hogeschool Leie")
    ann = make_person(name="Ann", organisation=leie)
    bert = make_person(name="Bert")
    garden = make_proeftuin(title="Proeftuin Zorg Kortrijk", slug="zorg-kortrijk")
    money = make_recommendation(
        title="Leervergoeding voor elke duale lerende",
        slug="leervergoeding",
        theme=financing,
        status="in-bespreking",
        body="Een vergoeding per lerende.\n\n## Waarom\n\nDrempels weg.",
    )
    money.proeftuinen = [garden]
    premium = make_recommendation(
        title="Premie voor werkplekken",
        slug="premie",
        theme=financing,
        status="aanvaard",
        status_reason="Aanvaard op de slotsessie.",
    )
    mentor = make_recommendation(
        title="Mentorrol structureel verankeren",
        slug="mentorrol",
        theme=mentors,
        status="aanvaard",
        status_reason="Unaniem.",
    )
    make_recommendation(
        title="Kader voor het hoger onderwijs", slug="kader-ho", theme=framework, status="open"
    )
    make_recommendation(
        title="Alles centraal regelen",
        slug="centraal",
        theme=framework,
        status="verworpen",
        status_reason="Instellingen willen maatwerk.",
    )
    make_recommendation(
        title="Intern voorstel",
        slug="intern",
        theme=mentors,
        status="aanvaard",
        visibility="members",
    )
    make_post(money, ann, "eens", "Lerenden haken af zonder vergoeding.", key_argument=True)
    make_post(money, bert, "oneens", "> quote\n\nTe duur voor de sectoren.", key_argument=True)
    make_post(money, bert, "neutraal", "Niet gekozen als argument.")
    make_post(money, ann, "oneens", "Verborgen.", key_argument=True, hidden_at=T0)
    make_post(mentor, bert, "eens", "Mentoren vragen er zelf om.", key_argument=True)
    db.session.add(Endorsement(recommendation=money, user=ann))
    db.session.commit()
    return {"money": money, "premium": premium, "mentor": mentor}


def working(user):
    return report.working_document(user)


def titles(document) -> list[list[str]]:
    return [[e["title"] for e in chapter["entries"]] for chapter in document["chapters"]]


# --- the document ---------------------------------------------------------------------


def test_default_report_has_accepted_and_discussed_threads_per_theme_and_an_annex(
    app, threads, make_user
):
    document = working(make_user(role="coordinator"))
    assert [c["theme"] for c in document["chapters"]] == ["Financiering", "Mentoren"]
    assert titles(document) == [
        ["Leervergoeding voor elke duale lerende", "Premie voor werkplekken"],
        ["Intern voorstel", "Mentorrol structureel verankeren"],
    ]
    assert [e["title"] for e in document["annex"]] == ["Alles centraal regelen"]
    assert document["annex"][0]["reason"] == "Instellingen willen maatwerk."
    money = document["chapters"][0]["entries"][0]
    assert money["status_label"] == "In bespreking"
    assert money["tally"] == {"eens": 1, "oneens": 1, "neutraal": 1}
    assert money["supports"] == 1
    assert money["proeftuinen"] == [{"title": "Proeftuin Zorg Kortrijk", "slug": "zorg-kortrijk"}]
    assert money["arguments"]["eens"] == [
        {"text": "Lerenden haken af zonder vergoeding.", "organisation": "Hogeschool Leie"}
    ]
    # Quotes are not the argument; hidden replies never count, even when once chosen.
    assert money["arguments"]["oneens"] == [
        {"text": "Te duur voor de sectoren.", "organisation": None}
    ]
    assert money["arguments"]["neutraal"] == []
    assert "### Waarom" in money["body"]


def test_selection_and_order_decide_chapters_and_their_order(app, threads, make_user):
    coordinator = make_user(role="coordinator")
    ids = {key: thread.id for key, thread in threads.items()}
    report.save_working_version(
        coordinator,
        introduction="Waarom dit rapport.",
        closing="Tot slot.",
        chosen=[ids["money"], ids["mentor"], ids["premium"]],
        order={ids["mentor"]: 1, ids["premium"]: 2, ids["money"]: 3},
    )
    db.session.commit()
    document = working(coordinator)
    # Mentoren comes first because its thread comes first; the left-out ones are gone.
    assert [c["theme"] for c in document["chapters"]] == ["Mentoren", "Financiering"]
    assert titles(document) == [
        ["Mentorrol structureel verankeren"],
        ["Premie voor werkplekken", "Leervergoeding voor elke duale lerende"],
    ]
    assert document["annex"] == []
    assert document["introduction"] == "Waarom dit rapport."
    assert document["closing"] == "Tot slot."


def test_a_chosen_thread_that_goes_back_to_open_drops_out(app, threads, make_user):
    coordinator = make_user(role="coordinator")
    ids = [threads["money"].id, threads["premium"].id]
    report.save_working_version(coordinator, introduction="", closing="", chosen=ids, order={})
    threads["money"].status = "open"
    db.session.commit()
    assert titles(working(coordinator)) == [["Premie voor werkplekken"]]


def test_open_threads_cannot_be_chosen(app, threads, make_user):
    coordinator = make_user(role="coordinator")
    open_thread = db.session.scalar(
        select(type(threads["money"])).where(type(threads["money"]).slug == "kader-ho")
    )
    with pytest.raises(report.RecommendationError, match="aanvaard, in bespreking of verworpen"):
        report.save_working_version(
            coordinator, introduction="", closing="", chosen=[open_thread.id], order={}
        )


def test_markdown_of_the_document(app, threads, make_user):
    coordinator = make_user(role="coordinator")
    report.save_working_version(
        coordinator,
        introduction="Inleidende *tekst*.",
        closing="Slotwoord.",
        chosen=[threads["money"].id],
        order={},
    )
    document = working(coordinator)
    document["date"] = "2026-03-02"
    text = report.to_markdown(document)
    assert text.startswith("# Beleidsaanbevelingen\n\n*Werkversie · 2 maart 2026*\n")
    assert text.index("## Inleiding") < text.index("## Financiering") < text.index("## Slot")
    assert "Inleidende *tekst*." in text
    assert "**Status:** In bespreking" in text
    assert "**Proeftuinen:** Proeftuin Zorg Kortrijk" in text
    assert "#### Argumenten voor\n\n- Lerenden haken af zonder vergoeding. — *Hogeschool Leie*" in (
        text
    )
    assert "#### Nuances\n\nGeen." in text


# --- through the pages ----------------------------------------------------------------


def compose(client, data):
    return post_form(client, "/aanbevelingen/eindrapport/samenstellen", data)


def test_coordinator_composes_freezes_and_the_version_stays_as_it_was(client, threads, make_user):
    coordinator = make_user(role="coordinator")
    login(client, coordinator)
    ids = {key: thread.id for key, thread in threads.items()}
    form = client.get("/aanbevelingen/eindrapport/samenstellen")
    assert form.status_code == 200 and "Leervergoeding voor elke duale lerende" in text_of(form)
    response = compose(
        client,
        {
            "introduction": "De inleiding.",
            "closing": "Het slot.",
            "kies": [str(ids["premium"]), str(ids["money"])],
            f"volgorde-{ids['premium']}": "2",
            f"volgorde-{ids['money']}": "1",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get("/aanbevelingen/eindrapport"))
    assert "Werkversie" in page and "De inleiding." in page
    assert page.index("Leervergoeding voor elke") < page.index("Premie voor werkplekken")
    assert "Mentorrol structureel verankeren" not in page

    response = post_form(
        client,
        "/aanbevelingen/eindrapport/vastleggen",
        {"report_date": "2026-10-25", "label": "Versie voor het departement"},
    )
    assert response.status_code == 302
    version = db.session.scalar(select(FinalReport).where(FinalReport.frozen_at.is_not(None)))
    assert response.headers["Location"].endswith(f"/aanbevelingen/eindrapport/versies/{version.id}")
    assert version.report_date == date(2026, 10, 25)

    # Later changes to the threads and the working version leave the frozen one alone.
    threads["money"].title = "Nieuwe titel"
    db.session.add(
        Post(
            recommendation=threads["money"],
            author=coordinator,
            stance="eens",
            body="Later argument.",
            key_argument=True,
        )
    )
    db.session.commit()
    compose(
        client,
        {"introduction": "Een andere inleiding.", "closing": "", "kies": [str(ids["mentor"])]},
    )
    frozen = text_of(client.get(f"/aanbevelingen/eindrapport/versies/{version.id}"))
    assert "Versie voor het departement" in frozen and "25 oktober 2026" in frozen
    assert "Leervergoeding voor elke duale lerende" in frozen and "De inleiding." in frozen
    assert "Nieuwe titel" not in frozen and "Later argument." not in frozen
    assert "Mentorrol structureel verankeren" not in frozen
    assert "Een andere inleiding." in text_of(client.get("/aanbevelingen/eindrapport"))


def test_freezing_needs_a_date_and_a_chosen_thread(client, threads, make_user):
    login(client, make_user(role="coordinator"))
    response = post_form(client, "/aanbevelingen/eindrapport/vastleggen", {"report_date": ""})
    assert response.status_code == 302
    assert "Geef een datum." in text_of(client.get("/aanbevelingen/eindrapport"))
    compose(client, {"introduction": "", "closing": ""})  # nothing chosen
    post_form(client, "/aanbevelingen/eindrapport/vastleggen", {"report_date": "2026-10-25"})
    assert "Kies eerst minstens één aanbeveling" in text_of(
        client.get("/aanbevelingen/eindrapport")
    )
    assert db.session.scalar(select(FinalReport).where(FinalReport.frozen_at.is_not(None))) is None


def test_too_long_introduction_is_refused_and_kept_in_the_form(client, threads, make_user):
    login(client, make_user(role="coordinator"))
    long_text = "x" * (report.MAX_INTRO_LENGTH + 1)
    response = compose(client, {"introduction": long_text, "closing": "Slot blijft."})
    assert response.status_code == 400
    body = text_of(response)
    assert "De inleiding telt hoogstens" in body and "Slot blijft." in body
    assert report.working_version() is None or report.working_version().introduction == ""


def test_visitors_read_the_latest_frozen_version_without_members_only_threads(
    app, client, threads, make_user
):
    coordinator = make_user(role="coordinator")
    report.save_working_version(
        coordinator,
        introduction="Concepttekst die nog niet af is.",
        closing="",
        chosen=[threads["money"].id],
        order={},
    )
    db.session.commit()
    # Nothing frozen: visitors and members see no draft.
    member = app.test_client()
    login(member, make_user())
    for reader in (client, member):
        page = text_of(reader.get("/aanbevelingen/eindrapport"))
        assert "nog geen versie van het eindrapport vastgelegd" in page
        assert "Concepttekst" not in page
        assert reader.get("/aanbevelingen/eindrapport.md").status_code == 404
        assert reader.get("/aanbevelingen/eindrapport.pdf").status_code == 404
    report.save_working_version(
        coordinator,
        introduction="Definitieve inleiding.",
        closing="",
        chosen=[
            threads["mentor"].id,
            db.session.scalar(
                select(type(threads["mentor"]).id).where(type(threads["mentor"]).slug == "intern")
            ),
        ],
        order={},
    )
    first = report.freeze(coordinator, report_date=date(2026, 10, 1), label="")
    db.session.commit()
    assert first.label == "Versie 1"
    page = text_of(client.get("/aanbevelingen/eindrapport"))
    assert "Definitieve inleiding." in page and "Mentorrol structureel verankeren" in page
    assert "Intern voorstel" not in page
    assert "Intern voorstel" not in text_of(client.get("/aanbevelingen/eindrapport.md"))
    assert "Intern voorstel" in text_of(member.get("/aanbevelingen/eindrapport"))


def test_unknown_version_and_the_working_version_id_are_not_found(client, threads, make_user):
    coordinator = make_user(role="coordinator")
    draft = report.working_version(create=True)
    db.session.commit()
    login(client, coordinator)
    assert client.get(f"/aanbevelingen/eindrapport/versies/{draft.id}").status_code == 404
    assert client.get("/aanbevelingen/eindrapport/versies/999.pdf").status_code == 404


def test_coordinator_marks_a_reply_as_key_argument(client, threads, make_user, make_post):
    coordinator = make_user(role="coordinator")
    post = make_post(threads["premium"], make_user(), "neutraal", "Hangt af van de sector.")
    login(client, coordinator)
    page = text_of(client.get("/aanbevelingen/premie"))
    assert f"/aanbevelingen/premie/reacties/{post.id}/kernargument" in page
    response = post_form(client, f"/aanbevelingen/premie/reacties/{post.id}/kernargument")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).key_argument is True
    document = working(coordinator)
    premium = document["chapters"][0]["entries"][1]
    assert premium["arguments"]["neutraal"][0]["text"] == "Hangt af van de sector."
    post_form(client, f"/aanbevelingen/premie/reacties/{post.id}/kernargument", {"kies": "nee"})
    db.session.expire_all()
    assert db.session.get(Post, post.id).key_argument is False


def test_hidden_reply_cannot_become_a_key_argument(client, threads, make_user, make_post):
    post = make_post(threads["premium"], make_user(), "eens", "Weg.", hidden_at=T0)
    login(client, make_user(role="coordinator"))
    response = post_form(client, f"/aanbevelingen/premie/reacties/{post.id}/kernargument")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Post, post.id).key_argument is False


def test_thread_form_links_proeftuinen(client, make_user, make_theme, make_proeftuin):
    theme = make_theme()
    one, two = make_proeftuin(title="B-tuin"), make_proeftuin(title="A-tuin")
    login(client, make_user(role="coordinator"))
    response = post_form(
        client,
        "/aanbevelingen/nieuw",
        {
            "title": "Met proeftuinen",
            "slug": "met-proeftuinen",
            "theme_id": theme.id,
            "visibility": "public",
            "body": "",
            "proeftuin_ids": [one.id, two.id],
        },
    )
    assert response.status_code == 302
    from lerend_netwerk.recommendations.models import Recommendation

    thread = db.session.scalar(
        select(Recommendation).where(Recommendation.slug == "met-proeftuinen")
    )
    assert [p.title for p in thread.proeftuinen] == ["A-tuin", "B-tuin"]
    bad = post_form(
        client,
        "/aanbevelingen/met-proeftuinen/bewerken",
        {"title": "X", "slug": "met-proeftuinen", "theme_id": theme.id, "proeftuin_ids": [99999]},
    )
    assert bad.status_code == 400 and "Kies proeftuinen uit de lijst." in text_of(bad)


# --- the files ------------------------------------------------------------------------


@pytest.fixture
def frozen(app, threads, make_user):
    coordinator = make_user(role="coordinator")
    report.save_working_version(
        coordinator,
        introduction="Dit rapport bundelt de aanbevelingen.",
        closing="Met dank aan alle proeftuinen.",
        chosen=[],
        order={},
    )
    draft = report.working_version()
    draft.selection = None  # the default: every candidate
    version = report.freeze(coordinator, report_date=date(2026, 10, 25), label="Eindversie")
    db.session.commit()
    return version


def test_pdf_has_title_page_contents_themes_and_page_numbers(client, frozen):
    response = client.get(f"/aanbevelingen/eindrapport/versies/{frozen.id}.pdf")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert (
        'filename="beleidsaanbevelingen-2026-10-25.pdf"' in response.headers["Content-Disposition"]
    )
    pdf = PdfReader(io.BytesIO(response.data))
    pages = [page.extract_text() for page in pdf.pages]
    # Title page, contents, introduction, two themes, closing, annex.
    assert len(pages) >= 7
    assert "Beleidsaanbevelingen" in pages[0] and "Eindversie · 25 oktober 2026" in pages[0]
    assert not re.search(r"^\s*1\s*$", pages[0], re.M)  # no number on the title page
    assert "Inhoud" in pages[1]
    for heading in ("Inleiding", "Financiering", "Mentoren", "Slot", "Bijlage"):
        assert heading in pages[1]
    # The contents give the page each theme starts on.
    outline = {item.title: pdf.get_destination_page_number(item) for item in _flat(pdf.outline)}
    assert {"Financiering", "Mentoren", "Inleiding", "Slot"} <= set(outline)
    start = outline["Financiering"] + 1
    assert re.search(rf"Financiering\W*{start}\b", pages[1].replace("\n", " "))
    assert "Financiering" in pages[start - 1]
    for number, text in enumerate(pages[1:], start=2):
        assert re.search(rf"(^|\n)\s*{number}\s*$", text), f"no page number on page {number}"
    everything = "\n".join(pages)
    assert "Lerenden haken af zonder vergoeding." in everything
    assert "Proeftuin Zorg Kortrijk" in everything
    assert "Instellingen willen maatwerk." in everything
    assert everything.index("Mentorrol structureel") < everything.index("Alles centraal regelen")


def _flat(outline):
    for item in outline:
        if isinstance(item, list):
            yield from _flat(item)
        else:
            yield item


def test_docx_has_title_contents_field_headings_per_theme_and_page_numbers(client, frozen):
    response = client.get(f"/aanbevelingen/eindrapport/versies/{frozen.id}.docx")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml"
    )
    document = docx.Document(io.BytesIO(response.data))
    paragraphs = document.paragraphs
    title = next(p for p in paragraphs if p.style.name == "Title")
    assert title.text == "Beleidsaanbevelingen"
    assert any(p.style.name == "Subtitle" and "25 oktober 2026" in p.text for p in paragraphs)
    headings = [(p.style.name, p.text) for p in paragraphs if p.style.name.startswith("Heading")]
    level1 = [text for style, text in headings if style == "Heading 1"]
    assert level1 == [
        "Inleiding",
        "Financiering",
        "Mentoren",
        "Slot",
        "Bijlage: verworpen aanbevelingen",
    ]
    level2 = [text for style, text in headings if style == "Heading 2"]
    assert level2[:2] == ["Leervergoeding voor elke duale lerende", "Premie voor werkplekken"]
    assert "Argumenten voor" in [text for style, text in headings if style == "Heading 3"]
    body_xml = document.element.body.xml
    assert 'TOC \\o "1-2"' in body_xml
    footer_xml = document.sections[0].footer._element.xml
    assert "PAGE" in footer_xml
    assert document.sections[0].different_first_page_header_footer
    assert document.styles["Heading 1"].paragraph_format.page_break_before
    assert b"updateFields" in _part(response.data, "word/settings.xml")
    text = "\n".join(p.text for p in paragraphs)
    assert "Lerenden haken af zonder vergoeding. — Hogeschool Leie" in text
    assert "Proeftuinen: Proeftuin Zorg Kortrijk" in text


def _part(data: bytes, name: str) -> bytes:
    import zipfile

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read(name)


def test_markdown_download_of_a_version(client, frozen):
    response = client.get(f"/aanbevelingen/eindrapport/versies/{frozen.id}.md")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/markdown; charset=utf-8"
    text = text_of(response)
    assert text.startswith("# Beleidsaanbevelingen\n\n*Eindversie · 25 oktober 2026*")
    assert "## Bijlage: verworpen aanbevelingen" in text


def test_working_version_downloads_for_coordinators(client, threads, make_user):
    login(client, make_user(role="coordinator"))
    for suffix, kind in (("pdf", "application/pdf"), ("docx", "application/vnd"), ("md", "text")):
        response = client.get(f"/aanbevelingen/eindrapport.{suffix}")
        assert response.status_code == 200, suffix
        assert response.headers["Content-Type"].startswith(kind)
