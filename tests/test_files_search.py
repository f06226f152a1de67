"""Search inside attached files: every supported type found by a Dutch query with a
snippet naming the file, the visibility of the parent decides, encrypted and corrupt
files, retries with backoff, and the index after a file is replaced, renamed or removed.

The fixture files are generated here (tests/text_samples.py); attachments are made with
the models and the storage, and the text is read by the index sync, as in production.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from test_api import schema_validator

from conftest import csrf_token, login
from lerend_netwerk.core.content_types import AttachmentHost, content_types
from lerend_netwerk.db import utcnow
from lerend_netwerk.extensions import db
from lerend_netwerk.files import extract
from lerend_netwerk.files import service as files_service
from lerend_netwerk.files.extract import Limits, extract_text
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.files.storage import sha256_of, storage
from lerend_netwerk.search import service
from lerend_netwerk.visibility import can_see
from text_samples import (
    make_docx,
    make_odp,
    make_ods,
    make_odt,
    make_pdf,
    make_pptx,
    make_xlsx,
    make_zip_bomb_docx,
)

# The kinds these tests attach files to, and their search documents.
HOSTED = {"practice": "practice", "report": "report"}


@pytest.fixture
def hosts(app):
    """Practices and visit reports carry files (their own AttachmentHost where the
    feature declares one, otherwise one with the feature's visibility rule)."""
    originals = {name: content_types[name] for name in HOSTED}
    for name, doc_type in HOSTED.items():
        content_type = originals[name]
        if content_type.attachments is None or content_type.attachments.search_key is None:
            model = content_type.model
            host = AttachmentHost(
                load=lambda parent_id, model=model: db.session.get(model, parent_id),
                can_view=can_see,
                can_manage=lambda user, doc: bool(user and user.is_coordinator),
                search_key=lambda doc, doc_type=doc_type: (doc_type, doc.id),
            )
            content_types.register(dataclasses.replace(content_type, attachments=host))
    yield
    for content_type in originals.values():
        content_types.register(content_type)


def store_blob(data: bytes, mimetype: str) -> FileBlob:
    """A stored file as it is, unchecked (what a bug or an old row could leave)."""
    sha256 = storage().put(data)
    blob = db.session.scalar(select(FileBlob).where(FileBlob.sha256 == sha256))
    if blob is None:
        blob = FileBlob(sha256=sha256, size=len(data), mimetype=mimetype)
        db.session.add(blob)
        db.session.flush()
    return blob


def attach_unchecked(
    parent, parent_type: str, filename: str, data: bytes, mimetype: str
) -> Attachment:
    """An attachment made with the models, past the upload's checks: the extractor must
    not trust that what it reads was checked."""
    blob = store_blob(data, mimetype)
    attachment = Attachment(
        parent_type=parent_type, parent_id=parent.id, filename=filename, blob_id=blob.id
    )
    attachment.versions.append(AttachmentVersion(number=1, filename=filename, blob_id=blob.id))
    db.session.add(attachment)
    db.session.commit()
    return attachment


def attach(parent, parent_type: str, filename: str, data: bytes, mimetype: str) -> Attachment:
    """An upload through the files service (checked, its type decided from the content)."""
    attachment = files_service.attach(parent_type, parent, filename, data, None)
    assert attachment.blob.mimetype.split(";")[0] in (mimetype, "text/plain")
    db.session.commit()  # (no snapshot left open: the sync writes from its own session)
    return attachment


def hits(text: str, user=None):
    return service.search(text, user).hits


@pytest.fixture
def app_config(app_config):
    return {**app_config, "FILES_TEXT_MAX_ATTEMPTS": 3}


# One file of each type, with the words a Dutch query finds in another form.
SAMPLES = {
    "leidraad.pdf": (
        extract.PDF,
        lambda: make_pdf(
            ["Inleiding tot het werkplekleren.", "De werkplekbegeleiders krijgen een opleiding."]
        ),
        "werkplekbegeleider",
        "werkplekbegeleiders",
    ),
    "sjabloon.docx": (
        extract.DOCX,
        lambda: make_docx(["Een sjabloon voor het intakegesprek."], [["Fase", "Leerdoelen"]]),
        "intakegesprekken",
        "intakegesprek",
    ),
    "intervisie.pptx": (
        extract.PPTX,
        lambda: make_pptx(
            [("Intervisie", "Wat werkt?", "De spreker vertelt over stagecoördinatoren.")]
        ),
        "stagecoordinator",
        "stagecoördinatoren",
    ),
    "planning.xlsx": (
        extract.XLSX,
        lambda: make_xlsx({"Jaarplanning": [["Week", "Activiteit"], [3, "Schoolbezoeken"]]}),
        "schoolbezoek",
        "Schoolbezoeken",
    ),
    "verslag.odt": (
        extract.ODT,
        lambda: make_odt(["Verslag", "De leerlingen evalueerden hun leerwerkplekken."]),
        "leerwerkplek",
        "leerwerkplekken",
    ),
    "begroting.ods": (
        extract.ODS,
        lambda: make_ods({"Begroting": [["Post", "Bedrag"], ["Verplaatsingsvergoedingen", "40"]]}),
        "verplaatsingsvergoeding",
        "Verplaatsingsvergoedingen",
    ),
    "startdag.odp": (
        extract.ODP,
        lambda: make_odp(["Welkom", "Onze trajectbegeleiders stellen zich voor."]),
        "trajectbegeleider",
        "trajectbegeleiders",
    ),
    "deelnemers.csv": (
        "text/csv",
        lambda: "naam;rol\nJosé;praktijkopleider\n".encode("cp1252"),
        "praktijkopleiders",
        "praktijkopleider",
    ),
}


@pytest.mark.parametrize("filename", list(SAMPLES))
def test_each_file_type_is_found_with_a_snippet_naming_the_file(
    app, hosts, make_practice, client, filename
):
    mimetype, make, query, marked = SAMPLES[filename]
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    attach(practice, "practice", filename, make(), mimetype)
    blob = db.session.scalar(select(FileBlob))
    assert blob.text_status == FileBlob.PENDING  # nothing read before the sync
    result = service.sync_index(app)
    assert result.files.extracted == 1
    db.session.commit()  # a fresh snapshot
    assert blob.text_status == FileBlob.DONE and blob.text_attempts == 1

    found = hits(query)
    assert [hit.slug for hit in found] == [practice.slug]
    assert found[0].file is not None and found[0].file.filename == filename
    assert f"<mark>{marked}</mark>" in str(found[0].snippet)

    link = f"/bestanden/{found[0].file.attachment_id}/{filename}"
    assert found[0].file.url == link
    page = client.get("/zoeken", query_string={"q": query}).get_data(as_text=True)
    assert f'In bijlage <a href="{link}">{filename}</a>:</span>' in page
    body = client.get("/api/v1/search", query_string={"q": query}).get_json()
    openapi = client.get("/api/v1/openapi.json").get_json()
    schema_validator(openapi, "SearchResponse").validate(body)
    assert body["results"][0]["file"] == {"name": filename, "url": f"http://localhost{link}"}
    assert client.get(link).status_code == 200  # the link works, for who may see it
    assert body["results"][0]["snippet"].startswith(f"In bijlage {filename}: ")
    assert f"<mark>{marked}</mark>" in body["results"][0]["snippet"]


def test_dutch_analysis_compounds_phrases_and_words_across_text_and_file(app, hosts, make_practice):
    practice = make_practice(title="Mentoren in de zorg", summary="Hoe mentoren starten.")
    attach(
        practice,
        "practice",
        "bijlage.pdf",
        make_pdf(["De mentorenopleiding duurt drie dagen.", "Een leidraad voor werkgevers."]),
        extract.PDF,
    )
    service.sync_index(app)
    # A compound's part, a phrase in the file, and words split over text and file.
    assert [h.slug for h in hits("opleiding")] == [practice.slug]
    assert [h.slug for h in hits('"leidraad voor werkgevers"')] == [practice.slug]
    assert hits('"leidraad werkgevers mentoren"') == []
    assert [h.slug for h in hits("mentoren leidraad")] == [practice.slug]
    # A word the document itself has: the snippet comes from the document.
    own = hits("mentoren")[0]
    assert own.file is None and "<mark>mentoren</mark>" in str(own.snippet)


def test_the_documents_own_text_outranks_a_mention_in_an_annex(app, hosts, make_practice):
    annexed = make_practice(title="Een praktijk", summary="Over iets anders.")
    attach(
        annexed,
        "practice",
        "bijlage.pdf",
        make_pdf(["Over de portfoliomap. " * 40, "Nog eens de portfoliomap. " * 40]),
        extract.PDF,
    )
    titled = make_practice(title="De portfoliomap", summary="Zo werkt het.")
    mentioned = make_practice(title="Iets", summary="Met een portfoliomap in de tekst.")
    service.sync_index(app)
    assert [h.slug for h in hits("portfoliomap")] == [titled.slug, mentioned.slug, annexed.slug]


# Visibility -----------------------------------------------------------------------

PARENTS = {
    "publiekebijlage": ("practice", {}, {"visitor", "member", "coordinator"}),
    "ledenbijlage": ("practice", {"visibility": "members"}, {"member", "coordinator"}),
    "conceptbijlage": ("practice", {"status": "draft"}, {"coordinator"}),
    "ledenverslagbijlage": ("report", {"visibility": "members"}, {"member", "coordinator"}),
    "openverslagbijlage": (
        "report",
        {"visibility": "public"},
        {"visitor", "member", "coordinator"},
    ),
}
AUDIENCES = ("visitor", "member", "coordinator")


@pytest.fixture
def annexes(app, hosts, make_practice, make_report):
    for word, (kind, fields, _who) in PARENTS.items():
        factory = make_practice if kind == "practice" else make_report
        parent = factory(title=f"Document {kind}", **fields)
        attach(
            parent,
            kind,
            f"{word}.pdf",
            make_pdf([f"Een gedeelde bijlagetekst met het woord {word} erin."]),
            extract.PDF,
        )
    service.sync_index(app)


@pytest.fixture
def users(make_user):
    return {"visitor": None, "member": make_user(), "coordinator": make_user(role="coordinator")}


@pytest.mark.parametrize("who", AUDIENCES)
@pytest.mark.parametrize("word", list(PARENTS))
def test_a_files_text_is_found_only_by_who_may_see_its_document(annexes, users, who, word):
    visible = who in PARENTS[word][2]
    found = service.search(word, users[who])
    assert found.total == (1 if visible else 0)
    assert [h.file.filename for h in found.hits] == ([f"{word}.pdf"] if visible else [])
    # Not even suggested, nor found as you type.
    assert service.search(word[:-2] + "xx", users[who]).suggestion == (word if visible else None)
    assert service.search(word[:9], users[who]).total == sum(
        1 for w, (_k, _f, allowed) in PARENTS.items() if who in allowed and w.startswith(word[:9])
    )


@pytest.mark.parametrize("who", AUDIENCES)
def test_results_pages_and_api_show_no_file_the_reader_may_not_see(client, annexes, users, who):
    if users[who] is not None:
        login(client, users[who])
    allowed = {word for word, (_k, _f, audiences) in PARENTS.items() if who in audiences}
    body = client.get("/api/v1/search?q=bijlagetekst").get_json()
    assert body["total"] == len(allowed)
    page = client.get("/zoeken?q=bijlagetekst").get_data(as_text=True)
    for word in PARENTS:
        assert (f"{word}.pdf" in str(body)) == (word in allowed), word
        assert (word in page) == (word in allowed), word


# Encrypted, corrupt, retried ---------------------------------------------------------


def test_an_encrypted_pdf_is_stored_without_text(
    app, hosts, make_practice, make_user, runner, client
):
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    attach(
        practice,
        "practice",
        "geheim.pdf",
        make_pdf(["Vertrouwelijke cijfers"], user_password="x"),
        extract.PDF,
    )
    result = service.sync_index(app)
    assert result.files.without_text == 1
    blob = db.session.scalar(select(FileBlob))
    assert (blob.text_status, blob.text, blob.text_error) == (FileBlob.NO_TEXT, None, "versleuteld")
    assert blob.text_retry_at is None
    assert hits("vertrouwelijke") == []
    assert service.index_health(app)["files"] == {"pending": 0, "done": 0, "none": 1, "failed": 0}
    out = runner.invoke(args=["search", "files"]).output
    assert f"practice {practice.id} · geheim.pdf: Niet doorzoekbaar: versleuteld" in out
    # Coordinators see it beside the file; members only see the file.
    page = f"/praktijken/{practice.slug}"
    login(client, make_user())
    assert "versleuteld" not in client.get(page).get_data(as_text=True)
    client.post("/logout", data={"csrf_token": csrf_token(client, page)})
    login(client, make_user(role="coordinator"))
    assert "Niet doorzoekbaar: versleuteld" in client.get(page).get_data(as_text=True)
    # A PDF with only an owner password (printing restricted) is read.
    assert extract_text(make_pdf(["Open cijfers"], user_password=""), extract.PDF).text == (
        "Open cijfers"
    )


def test_a_corrupt_pdf_fails_is_logged_and_retried_with_backoff(
    app, app_config, hosts, make_practice, caplog
):
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    corrupt = make_pdf(["Stukgemaakte tekst"])[:400]
    attach_unchecked(practice, "practice", "kapot.pdf", corrupt, extract.PDF)
    with caplog.at_level(logging.WARNING, logger="lerend_netwerk.files"):
        result = service.sync_index(app)
    assert result.files.failed == 1
    assert "kapot" not in caplog.text and "attempt 1 of 3" in caplog.text
    blob = db.session.scalar(select(FileBlob))
    assert blob.text_status == FileBlob.FAILED and blob.text_attempts == 1
    assert blob.text_error and "PdfStreamError" in blob.text_error
    assert blob.text_retry_at > utcnow() + timedelta(minutes=4)
    # Not due yet: the next sync leaves it alone.
    assert service.sync_index(app).files.failed == 0
    # Due again: tried again, and the pause doubles.
    blob.text_retry_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert service.sync_index(app).files.failed == 1
    db.session.commit()  # a fresh snapshot
    assert blob.text_attempts == 2
    assert blob.text_retry_at > utcnow() + timedelta(minutes=9)
    assert hits("stukgemaakte") == []


def test_a_file_that_could_not_be_read_is_found_once_it_can(app, hosts, make_practice):
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    data = make_pdf(["De lesvoorbereiding in het werkveld."])
    attachment = attach(practice, "practice", "les.pdf", data, extract.PDF)
    storage().delete(sha256_of(data))  # the shared folder was away, say
    assert service.sync_index(app).files.failed == 1
    blob = db.session.get(FileBlob, attachment.blob_id)
    assert "FileNotFoundError" in blob.text_error
    assert hits("lesvoorbereiding") == []
    storage().put(data)
    blob.text_retry_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert service.sync_index(app).files.extracted == 1
    assert [h.file.filename for h in hits("lesvoorbereiding")] == ["les.pdf"]


def test_after_the_last_attempt_it_stays_failed_and_says_so(app, hosts, make_practice, runner):
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    corrupt = b"PK\x03\x04 niet echt een zip"
    attach_unchecked(practice, "practice", "kapot.docx", corrupt, extract.DOCX)
    blob = db.session.scalar(select(FileBlob))
    for _attempt in range(3):
        blob.text_retry_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
        out = runner.invoke(args=["search", "sync"]).output
        db.session.commit()  # a fresh snapshot
    assert "0 with text, 0 without, 1 failed" in out and "1 failed (see" in out
    assert (blob.text_status, blob.text_attempts, blob.text_retry_at) == ("failed", 3, None)
    # No more attempts.
    assert service.sync_index(app).files.failed == 0
    out = runner.invoke(args=["search", "files"]).output
    assert f"practice {practice.id} · kapot.docx: Tekst lezen mislukt na 3 pogingen" in out


# Replaced, renamed, removed ----------------------------------------------------------


def test_replacing_renaming_and_removing_a_file_updates_the_index(app, hosts, make_practice):
    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    attachment = attach(
        practice, "practice", "v1.pdf", make_pdf(["De oude kalenderplanning."]), extract.PDF
    )
    service.sync_index(app)
    assert [h.file.filename for h in hits("kalenderplanning")] == ["v1.pdf"]

    files_service.replace(attachment, "v2.docx", make_docx(["De nieuwe jaarkalender."]), None)
    db.session.commit()
    service.sync_index(app)
    assert hits("kalenderplanning") == []
    assert [h.file.filename for h in hits("jaarkalender")] == ["v1.docx"]

    files_service.rename(attachment, "jaarkalender-2027")
    db.session.commit()
    service.sync_index(app)
    assert [h.file.filename for h in hits("jaarkalender")] == ["jaarkalender-2027.docx"]

    files_service.remove(attachment)
    db.session.commit()
    service.sync_index(app)
    assert hits("jaarkalender") == []
    assert [h.slug for h in hits("praktijk")] == [practice.slug]


def test_a_full_rebuild_keeps_the_files_text(app, hosts, make_report, make_user):
    report = make_report(title="Bezoek", body="Een bezoek.")
    attach(report, "report", "uitleg.odt", make_odt(["Uitleg", "De snijmachines"]), extract.ODT)
    service.sync_index(app)
    service.reindex(app)
    found = hits("snijmachine", make_user())
    assert [h.file.filename for h in found] == ["uitleg.odt"]


# Limits ----------------------------------------------------------------------------


def test_extraction_is_bounded():
    limits = Limits(max_chars=40, max_pages=2, max_rows=3)
    long = extract_text(make_pdf(["een " * 30, "twee", "drie"]), extract.PDF, limits)
    assert long.status == "done" and len(long.text) <= 40 and "ingekort" in long.error
    pages = extract_text(make_pdf(["een", "twee", "drie"]), extract.PDF, limits)
    assert pages.text == "een\n\ntwee" and "2 pagina's" in pages.error
    rows = extract_text(make_xlsx({"Blad": [[n] for n in range(10)]}), extract.XLSX, limits)
    assert rows.text.split() == ["Blad", "0", "1", "2"] and "3 rijen" in rows.error
    bomb = extract_text(make_zip_bomb_docx(50), extract.DOCX)
    assert bomb.status == "none" and "zipbom" in bomb.error
    large = extract_text(make_docx(["x"]), extract.DOCX, Limits(max_unpacked=1000))
    assert large.status == "none" and "te ver" in large.error
    assert extract_text(b"\x89PNG\r\n", "image/png") == extract.Extracted(None, "none", None)
    nul = extract_text(b"tekst\x00met nul", "text/plain")
    assert nul.text == "tekst met nul"


def test_a_pdf_page_too_large_to_read_in_time_is_skipped(monkeypatch):
    monkeypatch.setattr(extract, "MAX_PAGE_CONTENT_BYTES", 3000)
    pdf = make_pdf(["Een gewone pagina.", "Heel veel tekst " * 300, "Nog een gewone."])
    outcome = extract_text(pdf, extract.PDF)
    assert outcome.text == "Een gewone pagina.\n\nNog een gewone."
    assert "1 te grote pagina('s) overgeslagen" in outcome.error
    # Out of time before any text: failed (tried again later), not "no text".
    slow = extract_text(make_pdf(["Tekst"]), extract.PDF, Limits(seconds=0))
    assert slow.status == "failed" and "seconden" in slow.error


def test_a_change_to_a_file_records_its_document_in_the_outbox(app, hosts, make_practice):
    from lerend_netwerk.search.models import SearchChange

    practice = make_practice(title="Een praktijk", summary="Over iets anders.")
    service.sync_index(app)

    def recorded() -> set[tuple[str, int]]:
        rows = db.session.execute(select(SearchChange.doc_type, SearchChange.doc_id)).all()
        db.session.execute(SearchChange.__table__.delete())
        db.session.commit()
        return {(row[0], row[1]) for row in rows}

    recorded()
    attachment = attach(practice, "practice", "a.pdf", make_pdf(["Tekst"]), extract.PDF)
    assert recorded() == {("practice", practice.id)}
    blob = store_blob(make_pdf(["Andere tekst"]), extract.PDF)
    db.session.commit()
    assert recorded() == set()  # a stored file on no document changes no document
    attachment.versions.append(AttachmentVersion(number=2, filename="a.pdf", blob_id=blob.id))
    db.session.commit()
    assert recorded() == {("practice", practice.id)}
    blob.text_attempts = 1  # bookkeeping only: no document changes
    db.session.commit()
    assert recorded() == set()


def test_one_search_sync_reads_every_waiting_file_a_batch_at_a_time(
    app, hosts, make_practice, runner
):
    app.config["FILES_TEXT_BATCH"] = 1
    for n in range(3):
        practice = make_practice(title=f"Praktijk {n}", summary="Over iets anders.")
        attach(practice, "practice", f"{n}.pdf", make_pdf([f"Het ontwerp{n}plan"]), extract.PDF)
    assert db.session.scalar(select(func.count()).where(FileBlob.text_status == "pending")) == 3
    out = runner.invoke(args=["search", "sync"]).output
    assert "3 searchable, 0 without text, 0 waiting, 0 failed" in out
    assert len(hits("ontwerp1plan")) == 1


def test_files_on_sessions_and_threads_are_found_with_them(
    app, make_meeting, make_recommendation, make_user
):
    meeting = make_meeting(title="Intervisie", body="Een namiddag samen.")
    thread = make_recommendation(title="Een aanbeveling", body="Over iets anders.")
    attach(
        meeting,
        "session",
        "dia's.pptx",
        make_pptx([("Dag", "De netwerkmomenten", "")]),
        extract.PPTX,
    )
    attach(
        thread,
        "recommendation",
        "standpunt.docx",
        make_docx(["Ons standpuntenpapier"]),
        extract.DOCX,
    )
    service.sync_index(app)
    coordinator = make_user(role="coordinator")
    assert [h.slug for h in hits("netwerkmoment", coordinator)] == [meeting.slug]
    assert [h.slug for h in hits("standpuntenpapier", coordinator)] == [thread.slug]
