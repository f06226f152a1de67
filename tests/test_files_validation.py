"""What may be uploaded: types from the content, refused input, safe names, clean images."""

from __future__ import annotations

import io
import time

import pytest
from PIL import ExifTags, Image

from file_samples import (
    corrupt_pdf,
    docx,
    exe,
    gif,
    huge_png_header,
    jpeg_with_gps,
    lying_zip_bomb_docx,
    many_entries_docx,
    odt,
    pdf,
    plain_zip,
    png_with_text,
    pptx,
    webp,
    xlsx,
    zip_bomb_docx,
)
from lerend_netwerk.files import validation
from lerend_netwerk.files.models import FileBlob
from lerend_netwerk.files.names import MAX_LENGTH, safe_filename, unique_filename
from lerend_netwerk.files.validation import FileRefused

LIMITS = {"max_bytes": 25 * 1024 * 1024, "max_pixels": 50_000_000}


def check(data: bytes, extension: str = ""):
    return validation.check(data, extension=extension, **LIMITS)


@pytest.mark.parametrize(
    ("make", "mimetype", "extension"),
    [
        (pdf, validation.PDF, ".pdf"),
        (docx, validation.DOCX, ".docx"),
        (xlsx, validation.XLSX, ".xlsx"),
        (pptx, validation.PPTX, ".pptx"),
        (odt, validation.ODT, ".odt"),
        (jpeg_with_gps, validation.JPEG, ".jpg"),
        (png_with_text, validation.PNG, ".png"),
        (gif, validation.GIF, ".gif"),
        (webp, validation.WEBP, ".webp"),
    ],
)
def test_the_type_comes_from_the_content(make, mimetype, extension) -> None:
    checked = check(make(), extension=".exe")
    assert checked.mimetype == mimetype
    assert checked.extension == extension


def test_text_and_csv_are_stored_as_utf8() -> None:
    exported = "naam;gemeente\nJosé;Brugge\n".encode("cp1252")
    checked = check(exported, extension=".csv")
    assert checked.mimetype == validation.CSV
    assert checked.data.decode("utf-8") == "naam;gemeente\nJosé;Brugge\n"
    plain = check("Één lijn tekst.\n".encode(), extension=".md")
    assert (plain.mimetype, plain.extension) == (validation.TEXT, ".md")
    assert check(b"notities", extension=".docx").extension == ".txt"


def test_mp4_is_accepted_without_text() -> None:
    movie = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + bytes(64)
    checked = check(movie)
    assert (checked.mimetype, checked.text_status) == (validation.MP4, FileBlob.NO_TEXT)


def test_the_extractor_gets_documents_and_skips_images() -> None:
    assert check(pdf()).text_status == FileBlob.PENDING
    assert check(docx()).text_status == FileBlob.PENDING
    assert check(png_with_text()).text_status == FileBlob.NO_TEXT


def test_an_encrypted_pdf_is_accepted_and_flagged_for_the_extractor() -> None:
    checked = check(pdf(password="geheim"))
    assert checked.mimetype == validation.PDF
    # The extractor decides (tests/test_files_search.py): "versleuteld", no text.
    assert checked.text_status == FileBlob.PENDING
    assert checked.text_error is None


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (exe(), "Programma's"),
        (b"\x7fELF\x02\x01\x01" + bytes(64), "Programma's"),
        (corrupt_pdf(), "beschadigd"),
        (b"%PDF-1.4\n", "beschadigd"),
        (huge_png_header(), "400 miljoen pixels"),
        (huge_png_header(8000, 8000), "64 miljoen pixels"),
        (png_with_text()[:60], "beschadigd"),
        (zip_bomb_docx(), "zip-bom"),
        (many_entries_docx(), "te veel onderdelen"),
        (plain_zip(), "Zip-bestanden"),
        (b"PK\x03\x04" + bytes(100), "beschadigd"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "Oude Office-bestanden"),
        (bytes(range(256)) * 4, "Dit soort bestand"),
        (b"", "leeg"),
    ],
    ids=[
        "renamed-exe",
        "elf",
        "corrupt-pdf",
        "truncated-pdf",
        "20000x20000-png",
        "8000x8000-png",
        "truncated-png",
        "zip-bomb-docx",
        "too-many-entries",
        "plain-zip",
        "corrupt-zip",
        "old-office",
        "binary",
        "empty",
    ],
)
def test_refused_input_says_why_in_dutch(data: bytes, words: str) -> None:
    with pytest.raises(FileRefused) as refused:
        check(data, extension=".pdf")
    assert words in str(refused.value)


def test_a_file_over_the_limit_is_refused_before_it_is_read() -> None:
    with pytest.raises(FileRefused, match="groter dan 1 MB"):
        validation.check(
            pdf() + bytes(1024 * 1024), extension=".pdf", max_bytes=1024 * 1024, max_pixels=10
        )


def test_a_zip_that_lies_about_its_sizes_unpacks_no_further_than_it_says() -> None:
    # 256 MB of zeros whose directory says 1 MB: read up to 1 MB, then refused as damaged.
    started = time.perf_counter()
    with pytest.raises(FileRefused, match="beschadigd"):
        check(lying_zip_bomb_docx())
    assert time.perf_counter() - started < 2


def test_the_unpacked_budget_counts_every_part(monkeypatch) -> None:
    # Each part within its ratio, together over the budget.
    monkeypatch.setattr(validation, "MAX_ZIP_UNPACKED", 4 * 1024 * 1024)
    monkeypatch.setattr(validation, "MAX_ZIP_RATIO", 10**9)
    with pytest.raises(FileRefused, match="zip-bom"):
        check(zip_bomb_docx(unpacked=8 * 1024 * 1024))
    assert check(zip_bomb_docx(unpacked=2 * 1024 * 1024)).mimetype == validation.DOCX


def _no_metadata(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    assert len(exif) == 0, dict(exif)
    assert not exif.get_ifd(ExifTags.IFD.GPSInfo)
    assert "exif" not in image.info
    assert "xmp" not in image.info and "XML:com.adobe.xmp" not in image.info
    assert "comment" not in image.info
    for key in ("Author", "Comment"):
        assert key not in image.info
    return image


def test_a_photo_is_stored_and_thumbnailed_without_exif_or_gps() -> None:
    original = jpeg_with_gps(size=(1600, 1200))
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    checked = check(original)
    stored = _no_metadata(checked.data)
    assert stored.size == (1600, 1200) == (checked.width, checked.height)
    thumbnail = _no_metadata(checked.thumbnail)
    assert max(thumbnail.size) == 320
    assert b"Telefoon" not in checked.data and b"Telefoon" not in checked.thumbnail


def test_the_orientation_is_applied_before_the_exif_goes() -> None:
    # Orientation 6: the camera was turned; the stored image is upright.
    checked = check(jpeg_with_gps(size=(400, 300), orientation=6))
    assert (checked.width, checked.height) == (300, 400)


@pytest.mark.parametrize("make", [png_with_text, gif, webp])
def test_other_images_lose_their_metadata_too(make) -> None:
    checked = check(make())
    _no_metadata(checked.data)
    _no_metadata(checked.thumbnail)
    assert b"Jan" not in checked.data


def test_an_animation_keeps_its_frames() -> None:
    checked = check(gif(frames=3))
    assert Image.open(io.BytesIO(checked.data)).n_frames == 3


def test_a_transparent_image_gets_a_png_thumbnail() -> None:
    checked = check(png_with_text(alpha=True))
    assert checked.thumbnail.startswith(b"\x89PNG")
    assert Image.open(io.BytesIO(checked.thumbnail)).mode == "RGBA"


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\Windows\\win.ini", "win.ini"),
        ("C:\\Users\\an\\Slides.PPTX", "Slides.pptx"),
        ("rapport\x00.pdf", "rapport.pdf"),
        ("ver\u202eslag\x07.pdf", "ver slag.pdf"),
        ("Leidraad één.pdf", "Leidraad één.pdf"),
        ("Leidraad e\u0301e\u0301n.pdf", "Leidraad één.pdf"),
        ("con.txt", "con_.txt"),
        ("LPT1", "LPT1_"),
        ("verslag. . .", "verslag"),
        ("nota .pdf ", "nota.pdf"),
        ("  ", "bestand"),
        ("...", "bestand"),
        (".pdf", "pdf"),
        ('a:b*c?"d"<e>|f.csv', "a b c d e f.csv"),
    ],
)
def test_file_names_are_made_safe(raw: str, safe: str) -> None:
    assert safe_filename(raw) == safe


def test_a_long_name_is_cut_and_keeps_its_extension() -> None:
    name = safe_filename("é" * 200 + ".docx")
    assert len(name) == MAX_LENGTH
    assert name.endswith("é.docx")


def test_names_are_unique_per_parent_whatever_the_case() -> None:
    assert unique_filename("nota.pdf", []) == "nota.pdf"
    assert unique_filename("Nota.pdf", ["nota.pdf"]) == "Nota (2).pdf"
    assert unique_filename("nota.pdf", ["nota.pdf", "nota (2).pdf"]) == "nota (3).pdf"
    long = "x" * 116 + ".pdf"
    assert len(unique_filename(long, [long])) <= MAX_LENGTH
