"""Files made in the test, for uploads: every allowed type and every refused one."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import ExifTags, Image
from PIL.PngImagePlugin import PngInfo


def pdf(pages: int = 1, *, password: str | None = None) -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=595, height=842)
    if password:
        writer.encrypt(password)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def corrupt_pdf() -> bytes:
    return b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R" + bytes(
        range(256)
    )


def docx(text: str = "Leidraad voor werkplekleren") -> bytes:
    from docx import Document

    document = Document()
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active["A1"] = "Werkplekken"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def pptx() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Intervisie"
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def odt() -> bytes:
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    document = OpenDocumentText()
    document.text.addElement(P(text="Verslag van het bezoek"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb_docx(unpacked: int = 64 * 1024 * 1024) -> bytes:
    """A real docx with one extra part of zeros that packs about a thousand times."""
    source = zipfile.ZipFile(io.BytesIO(docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():
            bomb.writestr(info, source.read(info))
        with bomb.open("word/media/image1.bin", "w") as entry:
            chunk = bytes(1024 * 1024)
            for _ in range(unpacked // len(chunk)):
                entry.write(chunk)
    return out.getvalue()


def many_entries_docx(count: int = 6000) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(docx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            archive.writestr(info, source.read(info))
        for number in range(count):
            archive.writestr(f"extra/part{number}.xml", "<a/>")
    return out.getvalue()


def plain_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hallo")
    return out.getvalue()


def exe() -> bytes:
    """The start of a Windows program (an MZ header and a PE signature)."""
    header = bytearray(512)
    header[0:2] = b"MZ"
    header[0x3C:0x40] = struct.pack("<I", 0x80)
    header[0x80:0x84] = b"PE\x00\x00"
    return bytes(header)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def huge_png_header(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG that announces width × height pixels (its data is a few bytes)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    )


def jpeg_with_gps(size: tuple[int, int] = (800, 600), orientation: int = 1) -> bytes:
    """A photo as a phone makes it: camera, time and GPS position in its EXIF."""
    image = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Telefoonfabrikant"
    exif[ExifTags.Base.Model] = "Telefoon 12"
    exif[ExifTags.Base.DateTime] = "2026:05:04 10:11:12"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (51.0, 3.0, 12.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (3.0, 43.0, 1.0),
    }
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=90)
    return out.getvalue()


def png_with_text(size: tuple[int, int] = (300, 200), alpha: bool = False) -> bytes:
    image = Image.new(
        "RGBA" if alpha else "RGB", size, (10, 90, 140, 128) if alpha else (10, 90, 140)
    )
    info = PngInfo()
    info.add_text("Author", "Jan Janssens")
    info.add_text("Comment", "Gemaakt thuis in Gent")
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Scanner"
    out = io.BytesIO()
    image.save(out, format="PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue()


def gif(frames: int = 3) -> bytes:
    colours = [(200, 0, 0), (0, 160, 0), (0, 0, 220), (240, 200, 0)]
    pictures = [Image.new("RGB", (40, 40), colours[n % 4]) for n in range(frames)]
    out = io.BytesIO()
    pictures[0].save(
        out,
        format="GIF",
        save_all=True,
        append_images=pictures[1:],
        duration=120,
        loop=0,
        comment=b"gemaakt door Jan",
    )
    return out.getvalue()


def webp() -> bytes:
    image = Image.new("RGB", (64, 48), (0, 128, 0))
    out = io.BytesIO()
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Jan Janssens"
    image.save(out, format="WEBP", exif=exif.tobytes())
    return out.getvalue()


def lying_zip_bomb_docx(unpacked: int = 256 * 1024 * 1024, declared: int = 1024 * 1024) -> bytes:
    """A zip bomb whose directory says its big part unpacks to `declared` bytes."""
    data = bytearray(zip_bomb_docx(unpacked))
    name = b"word/media/image1.bin"
    for signature, size_at in ((b"PK\x01\x02", 24), (b"PK\x03\x04", 22)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = 46 if signature == b"PK\x01\x02" else 30
            length = struct.unpack_from("<H", data, start + 28 if name_at == 46 else start + 26)[0]
            if bytes(data[start + name_at : start + name_at + length]) == name:
                struct.pack_into("<I", data, start + size_at, declared)
            start += 4
    return bytes(data)
