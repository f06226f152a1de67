"""The final report as files: PDF (WeasyPrint) and Word (python-docx).

Both have a title page, a table of contents, a heading per theme and per recommendation,
and page numbers. The PDF is the print template rendered by WeasyPrint (which needs
Debian's pango); the Word file carries a real TOC field that Word fills in with page
numbers when it opens the file, and already lists the headings before that.
"""

from __future__ import annotations

import io
from typing import Any

from docx import Document as new_docx
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.paragraph import Paragraph
from flask import current_app, render_template
from lxml import html as lxml_html

from lerend_netwerk.markdown import render_markdown
from lerend_netwerk.recommendations.report import ARGUMENT_HEADINGS, document_date
from lerend_netwerk.timeutil import nl_date

ANNEX_TITLE = "Bijlage: verworpen aanbevelingen"
ACCENT = RGBColor(0x1F, 0x4E, 0x79)


def toc_items(document: dict[str, Any]) -> list[tuple[int, str, str]]:
    """(level, title, anchor) of every heading the table of contents lists."""
    items: list[tuple[int, str, str]] = []
    if document["introduction"].strip():
        items.append((1, "Inleiding", "inleiding"))
    for chapter in document["chapters"]:
        items.append((1, chapter["theme"], f"thema-{chapter['slug']}"))
        items += [(2, e["title"], f"aanbeveling-{e['slug']}") for e in chapter["entries"]]
    if document["closing"].strip():
        items.append((1, "Slot", "slot"))
    if document["annex"]:
        items.append((1, ANNEX_TITLE, "bijlage"))
        items += [(2, e["title"], f"aanbeveling-{e['slug']}") for e in document["annex"]]
    return items


def subtitle(document: dict[str, Any]) -> str:
    when = document_date(document)
    return f"{document['label']} · {nl_date(when)}" if when else document["label"]


# --- PDF ------------------------------------------------------------------------------


def to_pdf(document: dict[str, Any]) -> bytes:
    """The report as a PDF: title page, contents with page numbers, numbered pages."""
    from weasyprint import HTML  # imported here: loading pango takes a moment

    page = render_template(
        "recommendations/report_print.html",
        document=document,
        toc=toc_items(document),
        subtitle=subtitle(document),
        headings=ARGUMENT_HEADINGS,
        annex_title=ANNEX_TITLE,
        site_name=current_app.config["SITE_NAME"],
    )
    return HTML(
        string=page,
        base_url=current_app.config.get("SITE_URL") or None,
        url_fetcher=_no_fetching(),
    ).write_pdf()


def _no_fetching() -> Any:
    """A fetcher that fetches nothing: the PDF is made from the document alone, so no
    link or image in a user's text makes the server send a request."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"not fetched: {url}")

    return NoFetching()


# --- Word -----------------------------------------------------------------------------


def _field(paragraph: Paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, TOC, ...) in `paragraph`, showing `placeholder` until updated."""

    def run_with(element: OxmlElement) -> None:
        run = paragraph.add_run()
        run._r.append(element)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    begin.set(qn("w:dirty"), "true")
    run_with(begin)
    code = OxmlElement("w:instrText")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    run_with(code)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    if placeholder:
        paragraph.add_run(placeholder)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _update_fields_on_open(docx: Any) -> None:
    """Ask Word to fill in the TOC and page fields when the file is opened."""
    settings = docx.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _inline(paragraph: Paragraph, element: Any, bold: bool = False, italic: bool = False) -> None:
    """Text of an HTML element with bold and italic, into runs of `paragraph`."""
    if element.text:
        run = paragraph.add_run(element.text)
        run.bold, run.italic = bold or None, italic or None
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag == "br":
            paragraph.add_run().add_break()
        else:
            _inline(
                paragraph,
                child,
                bold=bold or tag in ("strong", "b"),
                italic=italic or tag in ("em", "i"),
            )
        if child.tail:
            run = paragraph.add_run(child.tail)
            run.bold, run.italic = bold or None, italic or None


def _markdown_into(docx: Any, text: str, heading_level: int = 3) -> None:
    """User Markdown as Word paragraphs, headings, lists and quotes."""
    if not text.strip():
        return
    for element in lxml_html.fragments_fromstring(str(render_markdown(text))):
        if isinstance(element, str):
            if element.strip():
                docx.add_paragraph(element.strip())
            continue
        tag = element.tag
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            level = min(9, max(heading_level, int(tag[1]) - 1))
            docx.add_heading(element.text_content().strip(), level=level)
        elif tag in ("ul", "ol"):
            style = "List Bullet" if tag == "ul" else "List Number"
            for item in element.iter("li"):
                _inline(docx.add_paragraph(style=style), item)
        elif tag == "blockquote":
            for part in element.iter("p"):
                _inline(docx.add_paragraph(style="Quote"), part)
        else:
            _inline(docx.add_paragraph(), element)


def _entry_into(docx: Any, entry: dict[str, Any]) -> None:
    docx.add_heading(entry["title"], level=2)
    facts = docx.add_paragraph()
    facts_run = facts.add_run(
        f"{entry['level_label']}"
        + {"members": " · enkel voor leden", "network": " · enkel voor dit netwerk"}.get(
            entry["visibility"], ""
        )
    )
    facts_run.italic = True
    _markdown_into(docx, entry["body"])
    tally = entry["tally"]
    rows = [
        ("Status", entry["status_label"]),
        ("Motivering", " ".join(entry["reason"].split())),
        ("Steun", f"{entry['supports']} {'lid' if entry['supports'] == 1 else 'leden'}"),
        (
            "Standpunten",
            f"{tally['eens']} eens · {tally['oneens']} oneens · {tally['neutraal']} neutraal",
        ),
        ("Proeftuinen", ", ".join(p["title"] for p in entry["proeftuinen"])),
    ]
    for label, value in rows:
        if not value:
            continue
        paragraph = docx.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run(value)
    for stance, heading in ARGUMENT_HEADINGS:
        docx.add_heading(heading, level=3)
        items = entry["arguments"].get(stance, [])
        if not items:
            docx.add_paragraph("Geen.")
        for argument in items:
            paragraph = docx.add_paragraph(style="List Bullet")
            paragraph.add_run(argument["text"])
            if argument["organisation"]:
                paragraph.add_run(f" — {argument['organisation']}").italic = True


def to_docx(document: dict[str, Any]) -> bytes:
    """The report as a Word document with title page, contents, themes and page numbers."""
    docx = new_docx()
    docx.core_properties.title = document["title"]
    docx.core_properties.subject = subtitle(document)
    docx.core_properties.language = "nl-BE"
    normal = docx.styles["Normal"]
    normal.font.name, normal.font.size = "Calibri", Pt(11)

    section = docx.sections[0]
    section.different_first_page_header_footer = True  # no number on the title page
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(footer, "PAGE", "1")

    site_name = current_app.config["SITE_NAME"]
    for _ in range(6):
        docx.add_paragraph()
    top = docx.add_paragraph()
    top.alignment = WD_ALIGN_PARAGRAPH.CENTER
    top.add_run(site_name).font.size = Pt(14)
    title = docx.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(document["title"])
    sub = docx.add_paragraph(style="Subtitle")
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(subtitle(document))
    sub.add_run().add_break(WD_BREAK.PAGE)

    contents = docx.add_paragraph().add_run("Inhoud")
    contents.bold, contents.font.size, contents.font.color.rgb = True, Pt(16), ACCENT
    toc = docx.add_paragraph()
    # Until Word updates the field, its result lists the headings without page numbers.
    _field(toc, 'TOC \\o "1-2" \\h \\z \\u')
    placeholder_end = toc._p[-1]
    for level, text, _anchor in toc_items(document):
        line = OxmlElement("w:r")
        if level > 1:
            tab = OxmlElement("w:t")
            tab.set(qn("xml:space"), "preserve")
            tab.text = "    "
            line.append(tab)
        value = OxmlElement("w:t")
        value.set(qn("xml:space"), "preserve")
        value.text = text
        line.append(value)
        line.append(OxmlElement("w:br"))
        placeholder_end.addprevious(line)
    _update_fields_on_open(docx)

    if document["introduction"].strip():
        docx.add_heading("Inleiding", level=1)
        _markdown_into(docx, document["introduction"], heading_level=2)
    if not document["chapters"]:
        docx.add_paragraph("Er zijn nog geen aanbevelingen in dit rapport.")
    for chapter in document["chapters"]:
        docx.add_heading(chapter["theme"], level=1)
        for entry in chapter["entries"]:
            _entry_into(docx, entry)
    if document["closing"].strip():
        docx.add_heading("Slot", level=1)
        _markdown_into(docx, document["closing"], heading_level=2)
    if document["annex"]:
        docx.add_heading(ANNEX_TITLE, level=1)
        for entry in document["annex"]:
            _entry_into(docx, entry)
    for style_name in ("Heading 1", "Heading 2", "Title"):
        docx.styles[style_name].font.color.rgb = ACCENT
    # Every theme (and the introduction, closing and annex) starts a page, as in the PDF.
    docx.styles["Heading 1"].paragraph_format.page_break_before = True
    out = io.BytesIO()
    docx.save(out)
    return out.getvalue()
