"""A document's files in content directories: export beside the Markdown, import
all-or-nothing, versions, removal, path safety, the round trip with files."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lerend_netwerk.content_io.service import ContentError, export_directory, import_directory
from lerend_netwerk.extensions import db
from lerend_netwerk.files.models import Attachment, AttachmentVersion, FileBlob
from lerend_netwerk.files.storage import sha256_of, storage
from lerend_netwerk.practices.models import Practice
from tests.test_content_io import (
    FULL_REPORT_BODY,
    empty_content_tables,
    read_tree,
    row_counts,
    without_search,
    write,
)

PRACTICE = "---\ntitle: Matching\nsummary: Kort.\n{files}---\nTekst.\n"


def pdf_bytes(text: str = "Leidraad") -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    writer.add_metadata({"/Title": text})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


def practice(root: Path, slug: str = "matching", files: str = "", **contents: bytes) -> None:
    write(root, f"practices/{slug}.md", PRACTICE.format(files=files))
    for name, data in contents.items():
        path = root / "practices" / slug / name.replace("__", ".")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def attachments(slug: str = "matching") -> list[tuple[str, str, int]]:
    """(file name, checksum, number of versions) of a practice's files, in order."""
    obj = db.session.scalar(select(Practice).where(Practice.slug == slug))
    rows = db.session.scalars(
        select(Attachment)
        .where(Attachment.parent_type == "practice", Attachment.parent_id == obj.id)
        .order_by(Attachment.position)
    )
    return [(a.filename, a.blob.sha256, len(a.versions)) for a in rows]


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def import_and_commit(root: Path):
    result = import_directory(root)
    db.session.commit()
    db.session.expire_all()
    return result


# ------------------------------------------------------------------ import


def test_import_attaches_the_folder_in_the_listed_order_then_by_name(app, tmp_path):
    leidraad, tabel = pdf_bytes(), xlsx_bytes([["Bedrijf", "Plaatsen"], ["Schelderijn", "4"]])
    practice(
        tmp_path,
        files="files: [tabel.xlsx]\n",
        leidraad__pdf=leidraad,
        tabel__xlsx=tabel,
        **{"Aanpak één__txt": "Stap één.\n".encode()},
    )
    result = import_and_commit(tmp_path)
    assert (result.files.added, result.files.removed) == (3, 0)
    assert "files 3 added" in result.summary()
    assert attachments() == [
        ("tabel.xlsx", sha256_of(tabel), 1),
        ("Aanpak één.txt", sha256_of("Stap één.\n".encode()), 1),
        ("leidraad.pdf", sha256_of(leidraad), 1),
    ]
    blob = db.session.scalar(select(FileBlob).where(FileBlob.sha256 == sha256_of(tabel)))
    assert blob.mimetype.endswith("spreadsheetml.sheet") and blob.size == len(tabel)
    with storage().open(sha256_of(leidraad)) as stored:
        assert stored.read() == leidraad


def test_reimporting_an_unchanged_directory_changes_nothing(app, tmp_path):
    practice(tmp_path, leidraad__pdf=pdf_bytes(), foto__jpg=jpeg_bytes())
    import_and_commit(tmp_path)
    before = without_search(row_counts())
    stored = sorted(storage().all())

    again = import_and_commit(tmp_path)
    assert again.counts["practices"].unchanged == 1 and again.counts["practices"].updated == 0
    assert (again.files.added, again.files.replaced, again.files.removed) == (0, 0, 0)
    assert again.files.unchanged == 2
    assert without_search(row_counts()) == before
    assert sorted(storage().all()) == stored
    assert [versions for _name, _sha, versions in attachments()] == [1, 1]


def test_a_changed_file_becomes_a_new_version_and_the_old_one_is_kept(app, tmp_path):
    first, second = pdf_bytes("Versie 1"), pdf_bytes("Versie 2")
    practice(tmp_path, leidraad__pdf=first)
    import_and_commit(tmp_path)
    practice(tmp_path, leidraad__pdf=second)

    result = import_and_commit(tmp_path)
    assert result.counts["practices"].updated == 1 and result.files.replaced == 1
    assert attachments() == [("leidraad.pdf", sha256_of(second), 2)]
    versions = db.session.scalars(
        select(AttachmentVersion).order_by(AttachmentVersion.number)
    ).all()
    assert [(v.number, v.blob.sha256) for v in versions] == [
        (1, sha256_of(first)),
        (2, sha256_of(second)),
    ]
    assert storage().exists(sha256_of(first)) and storage().exists(sha256_of(second))


def test_a_removed_file_is_removed_and_an_absent_document_keeps_its_files(app, tmp_path):
    practice(tmp_path, leidraad__pdf=pdf_bytes(), tabel__xlsx=xlsx_bytes([["a"]]))
    practice(tmp_path, slug="andere", leidraad__pdf=pdf_bytes("Andere"))
    import_and_commit(tmp_path)
    (tmp_path / "practices" / "matching" / "tabel.xlsx").unlink()
    # A document left out of an import is left alone, its files too.
    (tmp_path / "practices" / "andere.md").unlink()
    for path in (tmp_path / "practices" / "andere").iterdir():
        path.unlink()
    (tmp_path / "practices" / "andere").rmdir()

    result = import_and_commit(tmp_path)
    assert result.files.removed == 1
    assert [name for name, _sha, _n in attachments()] == ["leidraad.pdf"]
    assert [name for name, _sha, _n in attachments("andere")] == ["leidraad.pdf"]
    assert count(AttachmentVersion) == 2

    # A document without its folder has no files.
    for path in (tmp_path / "practices" / "matching").iterdir():
        path.unlink()
    import_and_commit(tmp_path)
    assert attachments() == []


def test_the_same_content_twice_is_stored_once(app, tmp_path):
    same = pdf_bytes("Dezelfde")
    practice(tmp_path, leidraad__pdf=same, kopie__pdf=same)
    practice(tmp_path, slug="andere", leidraad__pdf=same)
    import_and_commit(tmp_path)
    assert count(Attachment) == 3
    assert count(FileBlob) == 1
    assert list(storage().all()) == [sha256_of(same)]


def test_a_bad_file_anywhere_imports_nothing_and_stores_nothing(app, make_theme, tmp_path):
    make_theme(slug="mentoren", title="Mentoren")
    practice(tmp_path, leidraad__pdf=pdf_bytes())
    practice(tmp_path, slug="andere", **{"installatie__pdf": EXE})
    write(tmp_path, "themes/nieuw.md", "---\ntitle: Nieuw\n---\n")
    before = row_counts()

    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    db.session.rollback()
    [problem] = error.value.problems
    assert str(problem).startswith(
        f"{tmp_path}/practices/andere/installatie.pdf:1: Programma's kunnen niet opgeladen worden."
    )
    assert row_counts() == before
    assert list(storage().all()) == []


def test_the_cli_names_the_refused_file_and_imports_nothing(runner, app, tmp_path):
    practice(tmp_path, leidraad__pdf=pdf_bytes(), **{"tool__exe": EXE})
    result = runner.invoke(args=["content", "import", str(tmp_path)])
    assert result.exit_code != 0
    assert f"{tmp_path}/practices/matching/tool.exe:1: Programma's kunnen niet" in result.output
    assert "nothing was imported" in result.output
    assert count(Practice) == 0 and count(FileBlob) == 0
    assert list(storage().all()) == []


def test_a_folder_without_its_document_is_an_error(app, tmp_path):
    practice(tmp_path, leidraad__pdf=pdf_bytes())
    (tmp_path / "practices" / "verdwenen").mkdir()
    (tmp_path / "practices" / "verdwenen" / "leidraad.pdf").write_bytes(pdf_bytes())
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path}/practices/verdwenen:1: de map 'verdwenen' hoort bij geen document: er is "
        "geen practices/verdwenen.md in deze import (de bestanden van een good practice "
        "liggen in een map met de naam van zijn slug)"
    ]


def test_a_folder_in_a_kind_without_files_is_an_error(app, tmp_path):
    write(tmp_path, "themes/mentoren.md", "---\ntitle: Mentoren\n---\n")
    (tmp_path / "themes" / "mentoren").mkdir()
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert "a directory inside themes/: documents only" in str(error.value)
    # and `files` is an unknown key there
    write(tmp_path, "themes/mentoren.md", "---\ntitle: Mentoren\nfiles: [a.pdf]\n---\n")
    (tmp_path / "themes" / "mentoren").rmdir()
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert "unknown key 'files' for a theme" in str(error.value)


def test_links_folders_and_escaping_names_are_refused(app, tmp_path):
    outside = tmp_path / "buiten.pdf"
    outside.write_bytes(pdf_bytes())
    root = tmp_path / "content"
    practice(root, files="files: [../buiten.pdf, ontbreekt.pdf, gewoon.pdf]\n")
    folder = root / "practices" / "matching"
    folder.mkdir()
    (folder / "gewoon.pdf").write_bytes(pdf_bytes())
    os.symlink(outside, folder / "link.pdf")
    (folder / "sub").mkdir()
    os.mkfifo(folder / "fifo.pdf")
    (folder / "bel\x07.txt").write_bytes(b"tekst")
    write(root, "practices/gelinkt.md", PRACTICE.format(files=""))
    os.symlink(folder, root / "practices" / "gelinkt")

    with pytest.raises(ContentError) as error:
        import_directory(root)
    shown = f"{root}/practices"
    assert sorted(str(p) for p in error.value.problems) == sorted(
        [
            f"{shown}/gelinkt:1: a symbolic link: links are not followed, put the document "
            "itself here",
            f"{shown}/matching.md:4: 'files': '../buiten.pdf': een bestandsnaam zonder / of \\, "
            "en niet . of ..",
            f"{shown}/matching.md:4: 'files': 'ontbreekt.pdf' ontbreekt: er is geen "
            f"{shown}/matching/ontbreekt.pdf",
            f"{shown}/matching/bel\x07.txt:1: op de site kan het bestand zo niet heten: hernoem "
            "het tot 'bel.txt'",
            f"{shown}/matching/fifo.pdf:1: geen gewoon bestand (een FIFO, apparaat of socket): "
            "alleen bestanden",
            f"{shown}/matching/link.pdf:1: een symbolische link: links worden niet gevolgd, zet "
            "het bestand zelf hier",
            f"{shown}/matching/sub:1: een map in de map van een document: alleen bestanden",
        ]
    )
    assert count(Practice) == 0 and list(storage().all()) == []


def test_names_that_differ_only_in_case_are_refused(app, tmp_path):
    practice(tmp_path, **{"Leidraad__pdf": pdf_bytes(), "leidraad__pdf": pdf_bytes("b")})
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path}/practices/matching/leidraad.pdf:1: dezelfde naam als 'Leidraad.pdf' op "
        "hoofdletters na: hernoem een van beide"
    ]


def test_a_file_over_the_configured_limit_is_refused(app, tmp_path):
    app.config["FILES_MAX_BYTES"] = 2048
    practice(tmp_path, groot__txt=b"x" * 3000, klein__txt=b"x" * 2048)
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path}/practices/matching/groot.txt:1: het bestand is te groot (3 kB, hoogstens 2 kB)"
    ]


def test_a_duplicate_in_the_list_is_reported_at_its_line(app, tmp_path):
    practice(tmp_path, files="files:\n- a.txt\n- a.txt\n", a__txt=b"a")
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    assert [str(p) for p in error.value.problems] == [
        f"{tmp_path}/practices/matching.md:6: 'files': 'a.txt' staat er twee keer in "
        "(eerst op regel 5)"
    ]


def test_a_dry_run_checks_the_files_and_stores_nothing(app, tmp_path):
    practice(tmp_path, leidraad__pdf=pdf_bytes())
    result = import_directory(tmp_path, dry_run=True)
    db.session.rollback()
    assert result.files.added == 1 and "files 1 would be added" in result.summary()
    assert count(Practice) == 0 and list(storage().all()) == []


# ------------------------------------------------------------------ export and round trip


def test_export_writes_the_files_beside_the_document_and_lists_them(app, tmp_path):
    leidraad, foto = pdf_bytes(), jpeg_bytes()
    practice(tmp_path / "in", files="files: [leidraad.pdf]\n", leidraad__pdf=leidraad)
    practice(tmp_path / "in", slug="andere")
    write(
        tmp_path / "in",
        "reports/bezoek.md",
        "---\ntitle: Bezoek\nproeftuin: kaal\nvisited: 2023-02-01\n---\n" + FULL_REPORT_BODY,
    )
    write(tmp_path / "in", "proeftuinen/kaal.md", "---\ntitle: Kaal\nlevel: secundair\n---\n")
    (tmp_path / "in" / "reports" / "bezoek").mkdir()
    (tmp_path / "in" / "reports" / "bezoek" / "foto werkplek.jpg").write_bytes(foto)
    import_and_commit(tmp_path / "in")

    out = tmp_path / "out"
    result = export_directory(out)
    assert result.warnings == [] and result.files == 2
    assert "with 2 attached file(s)" in result.summary(out)
    assert (out / "practices" / "matching" / "leidraad.pdf").read_bytes() == leidraad
    assert (out / "reports" / "bezoek" / "foto werkplek.jpg").read_bytes() == foto
    text = (out / "practices" / "matching.md").read_text(encoding="utf-8")
    assert "files: [leidraad.pdf]\n---\n" in text
    assert "files: [foto werkplek.jpg]\n---\n" in (out / "reports" / "bezoek.md").read_text()
    assert "files" not in (out / "practices" / "andere.md").read_text()
    assert not (out / "practices" / "andere").exists()

    # A file removed in the database is removed from the folder; an emptied folder goes.
    db.session.delete(
        db.session.scalar(select(Attachment).where(Attachment.filename == "leidraad.pdf"))
    )
    db.session.commit()
    (out / "practices" / "matching" / ".notities").write_text("blijft")
    export_directory(out)
    assert sorted(p.name for p in (out / "practices" / "matching").iterdir()) == [".notities"]
    assert "files" not in (out / "practices" / "matching.md").read_text()


def test_a_file_missing_from_the_storage_is_left_out_with_a_warning(app, tmp_path):
    leidraad = pdf_bytes()
    practice(tmp_path / "in", leidraad__pdf=leidraad, tabel__xlsx=xlsx_bytes([["a"]]))
    import_and_commit(tmp_path / "in")
    storage().delete(sha256_of(leidraad))
    result = export_directory(tmp_path / "out")
    assert [str(w) for w in result.warnings] == [
        f"{tmp_path}/out/practices/matching/leidraad.pdf:1: not exported: its content "
        f"({sha256_of(leidraad)}) is not in the storage"
    ]
    assert "files: [tabel.xlsx]\n" in (tmp_path / "out" / "practices" / "matching.md").read_text()


def test_files_round_trip_byte_for_byte_into_an_empty_database(app, tmp_path):
    first_pdf, second_pdf = pdf_bytes("Versie 1"), pdf_bytes("Versie 2")
    source = tmp_path / "source"
    practice(
        source,
        files="files: [z-laatste.txt, leidraad.pdf]\n",
        leidraad__pdf=first_pdf,
        **{"z-laatste__txt": b"eerst", "productenbib__xlsx": xlsx_bytes([["Product"]])},
    )
    import_and_commit(source)
    practice(source, files="files: [z-laatste.txt, leidraad.pdf]\n", leidraad__pdf=second_pdf)
    import_and_commit(source)
    before = attachments()

    first, second = tmp_path / "first", tmp_path / "second"
    export_directory(first)
    empty_content_tables()
    for sha in list(storage().all()):
        storage().delete(sha)
    import_and_commit(first)
    # Old versions are not exported: the new database starts at the current one.
    assert attachments() == [(name, sha, 1) for name, sha, _n in before]
    export_directory(second)
    assert read_tree(second) == read_tree(first)
    assert read_tree(first)["practices/matching/leidraad.pdf"] == second_pdf
    assert (
        "files: [z-laatste.txt, leidraad.pdf, productenbib.xlsx]"
        in (first / "practices" / "matching.md").read_text()
    )


# ------------------------------------------------------------------ checked as uploads are


def jpeg_with_exif() -> bytes:
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "Telefoon van Jan"  # Make
    exif[0x0132] = "2023:01:12 10:00:00"  # DateTime
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (20, 120, 40)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_photo_is_stored_without_its_metadata_and_then_stays_as_it_is(app, tmp_path):
    from PIL import Image

    photo, clean = jpeg_with_exif(), jpeg_bytes()
    practice(tmp_path / "in", **{"foto__jpg": photo, "schets__jpg": clean})
    import_and_commit(tmp_path / "in")
    [(_, clean_sha, _), (_, photo_sha, _)] = sorted(attachments(), reverse=True)
    assert clean_sha == sha256_of(clean)  # no metadata: kept byte for byte
    assert photo_sha != sha256_of(photo)
    with storage().open(photo_sha) as stored:
        data = stored.read()
    assert b"Telefoon" not in data and not Image.open(io.BytesIO(data)).getexif()
    # The original again is the same stored form: no new version.
    again = import_and_commit(tmp_path / "in")
    assert again.files.unchanged == 2 and again.counts["practices"].unchanged == 1
    # Its export imports into an empty database as the same bytes.
    export_directory(tmp_path / "first")
    empty_content_tables()
    import_and_commit(tmp_path / "first")
    export_directory(tmp_path / "second")
    assert read_tree(tmp_path / "second") == read_tree(tmp_path / "first")


def test_text_in_windows_encoding_is_stored_as_utf8_once(app, tmp_path):
    practice(tmp_path, **{"adressen__csv": "naam;gemeente\nJosé;Brugge\n".encode("cp1252")})
    import_and_commit(tmp_path)
    [(_name, sha, _n)] = attachments()
    with storage().open(sha) as stored:
        assert stored.read().decode("utf-8") == "naam;gemeente\nJosé;Brugge\n"
    assert import_and_commit(tmp_path).files.unchanged == 1


def test_a_name_that_does_not_fit_the_content_is_refused(app, tmp_path):
    practice(tmp_path, **{"leidraad__docx": pdf_bytes(), "Slides__PDF": pdf_bytes("b")})
    with pytest.raises(ContentError) as error:
        import_directory(tmp_path)
    folder = f"{tmp_path}/practices/matching"
    assert [str(p) for p in error.value.problems] == [
        f"{folder}/Slides.PDF:1: op de site kan het bestand zo niet heten: hernoem het tot "
        "'Slides.pdf'",
        f"{folder}/leidraad.docx:1: de naam past niet bij de inhoud (PDF): hernoem het "
        "bestand tot 'leidraad.docx.pdf'",
    ]


# ------------------------------------------------------------------ the demo content

CONTENT_DIR = Path(__file__).resolve().parent.parent / "content"
DEMO_FILES = {
    ("practice", "intakegesprek-werkgever-en-student"): (
        "leidraad-intakegesprek.pdf",
        "application/pdf",
    ),
    ("practice", "financieringsmodel-begeleiding"): (
        "rekenmodel-begeleiding.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    ("practice", "leerportfolio-werkplekleren"): (
        "sjabloon-leerportfolio.docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    ("session", "intervisie-mentoren-2023"): (
        "presentatie-mentoropleiding.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    ("report", "bezoek-graduaat-elektromechanische-systemen-kempen"): (
        "werkplaats.jpg",
        "image/jpeg",
    ),
}


def test_the_demo_content_carries_small_dutch_files(app):
    from docx import Document
    from openpyxl import load_workbook
    from PIL import Image
    from pptx import Presentation
    from pypdf import PdfReader

    from lerend_netwerk.core.content_types import content_types

    result = import_and_commit(CONTENT_DIR)
    assert result.files.added == len(DEMO_FILES)
    found = {}
    for attachment in db.session.scalars(select(Attachment)):
        model = content_types[attachment.parent_type].model
        parent = db.session.get(model, attachment.parent_id)
        found[(attachment.parent_type, parent.slug)] = (
            attachment.filename,
            attachment.blob.mimetype,
        )
        assert 2_000 < attachment.blob.size < 100_000, attachment.filename
    assert found == DEMO_FILES

    def stored(name: str) -> io.BytesIO:
        attachment = db.session.scalar(select(Attachment).where(Attachment.filename == name))
        with storage().open(attachment.blob.sha256) as handle:
            return io.BytesIO(handle.read())

    pdf = PdfReader(stored("leidraad-intakegesprek.pdf")).pages[0].extract_text()
    assert "Praktische haalbaarheid" in pdf and "ploegenwerk" in pdf.lower()
    sheet = load_workbook(stored("rekenmodel-begeleiding.xlsx"))["Begeleidingsuren"]
    assert sheet["A2"].value == "Intakegesprek"
    docx = "\n".join(p.text for p in Document(stored("sjabloon-leerportfolio.docx")).paragraphs)
    assert "Leerportfolio werkplekleren" in docx
    slides = Presentation(stored("presentatie-mentoropleiding.pptx")).slides
    assert [slide.shapes.title.text for slide in slides][-1] == "Standaard of maatwerk?"
    photo = Image.open(stored("werkplaats.jpg"))
    assert photo.format == "JPEG" and not photo.getexif() and "exif" not in photo.info

    # The demo starts with an import every time: a second one stores nothing new.
    before = without_search(row_counts())
    assert import_and_commit(CONTENT_DIR).files.unchanged == len(DEMO_FILES)
    assert without_search(row_counts()) == before


def test_only_an_image_without_any_metadata_is_stored_as_it_is():
    from PIL import Image

    from lerend_netwerk.files.images import clean_image

    def jpeg(**options) -> bytes:
        out = io.BytesIO()
        Image.new("RGB", (30, 20), (90, 20, 140)).save(out, "JPEG", **options)
        return out.getvalue()

    limit = 10_000_000
    plain = jpeg(dpi=(72, 72))
    assert clean_image(plain, limit).data == plain
    for marked in (jpeg(comment=b"Jan"), jpeg(exif=Image.Exif()), jpeg_with_exif()):
        stored = clean_image(marked, limit).data
        assert stored != marked and clean_image(stored, limit).data == stored
