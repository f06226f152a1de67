"""Write the demo content's attached files into content/: `.venv/bin/python scripts/demo_files.py`.

The files are committed; this script only says how they were made, so that they can be
made again after a change to their text. Each is small (a few kB to some tens of kB),
in Dutch, and matches the document it is attached to: a PDF guide, an Excel model, a
Word template, PowerPoint slides and a photo (a JPEG without EXIF or other metadata).
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import datetime
from pathlib import Path

CONTENT = Path(__file__).resolve().parent.parent / "content"
# One fixed moment for every timestamp a format keeps, so that the files only change
# when their content does.
MADE = datetime(2023, 5, 2, 10, 0, 0)
AUTHOR = "Lerend netwerk duaal leren"


def normalised_zip(data: bytes) -> bytes:
    """The same Office file with every zip entry and its modification date set to MADE
    (some libraries write the time of saving), so that it is reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=MADE.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(info)
            if info.filename == "docProps/core.xml":
                content = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + MADE.isoformat().encode() + rb"Z\g<2>",
                    content,
                )
            target.writestr(entry, content)
    return out.getvalue()


# ---------------------------------------------------------------- PDF: a guide


LEIDRAAD = """
<html lang="nl"><head><meta charset="utf-8"><style>
  @page { size: A4; margin: 2cm; @bottom-center { content: "Leidraad intakegesprek - pagina "
    counter(page); font-size: 8pt; color: #666; } }
  body { font-family: "DejaVu Sans", sans-serif; font-size: 10pt; line-height: 1.45; }
  h1 { font-size: 17pt; color: #1d4f73; margin-bottom: 0; }
  h2 { font-size: 12pt; color: #1d4f73; margin-top: 1.2em; }
  p.sub { color: #555; margin-top: 0.2em; }
  li { margin-bottom: 0.2em; }
</style></head><body>
<h1>Leidraad voor het gezamenlijke intakegesprek</h1>
<p class="sub">Graduaat Logistiek duaal &middot; Hogeschool Schelde en partnerbedrijven &middot;
45 minuten</p>
<p>Dit gesprek vervangt het toelatingsgesprek van de hogeschool en het sollicitatiegesprek
van de onderneming. Een lector en een HR-medewerker voeren het samen met de kandidaat. De
kandidaat krijgt deze leidraad vooraf.</p>
<h2>1. Motivatie en verwachtingen (10 minuten)</h2>
<ul><li>Waarom kies je voor een duaal traject, en waarom in de logistiek?</li>
<li>Wat verwacht je van de werkplek, en wat van de lessen op de campus?</li>
<li>Wat verwacht de onderneming van een duale student in het eerste jaar?</li></ul>
<h2>2. Praktische haalbaarheid (10 minuten)</h2>
<ul><li>Ploegenwerk: welke uren zijn mogelijk, welke niet?</li>
<li>Mobiliteit: hoe geraak je op de werkplek en op de campus?</li>
<li>Combinatie met gezin, mantelzorg of een bijjob.</li></ul>
<h2>3. Leerdoelen (15 minuten)</h2>
<ul><li>Welke competenties uit het opleidingsprofiel kan de werkplek aanbieden?</li>
<li>Welke taken doet de student in de eerste maanden, en met welke begeleiding?</li>
<li>Wie is de mentor op de werkvloer?</li></ul>
<h2>4. Wederzijdse afspraken (10 minuten)</h2>
<ul><li>Uurrooster, vergoeding en verzekering.</li>
<li>Wanneer komen lector, mentor en student samen voor een driehoeksgesprek?</li>
<li>Wat gebeurt er als het niet klikt?</li></ul>
<h2>Na het gesprek</h2>
<p>Lector en werkgever overleggen kort. Is er een match, dan gaan de afspraken meteen in de
overeenkomst. Is er geen match, dan zoekt de hogeschool een andere werkplek of stelt ze een
voortraject voor.</p>
</body></html>
"""


def leidraad_pdf() -> bytes:
    from weasyprint import HTML

    document = HTML(string=LEIDRAAD).render()
    document.metadata.title = "Leidraad voor het gezamenlijke intakegesprek"
    document.metadata.authors = [AUTHOR]
    document.metadata.created = MADE.isoformat()
    document.metadata.modified = MADE.isoformat()
    return document.write_pdf(identifier=b"leidraad-intakegesprek")


# ---------------------------------------------------------------- Excel: a model

ACTIVITEITEN = [
    ("Intakegesprek", 1.5),
    ("Opstellen van de leerovereenkomst", 3.0),
    ("Werkplekbezoeken (4 per jaar)", 10.0),
    ("Driehoeksgesprekken (3 per jaar)", 6.0),
    ("Feedback op de masterproef", 14.0),
    ("Administratie en opvolging", 7.5),
]


def rekenmodel_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.properties.creator = AUTHOR
    book.properties.title = "Rekenmodel begeleiding duale studenten"
    book.properties.created = MADE
    book.properties.modified = MADE
    uren = book.active
    uren.title = "Begeleidingsuren"
    uren.append(["Activiteit per student", "Uren per jaar"])
    for activiteit, tijd in ACTIVITEITEN:
        uren.append([activiteit, tijd])
    last = len(ACTIVITEITEN) + 1
    uren.append(["Totaal per student", f"=SUM(B2:B{last})"])
    uren.append([])
    uren.append(["Aantal duale studenten", 24])
    uren.append(["Uurkost begeleiding (euro)", 65])
    total = last + 1
    uren.append(["Kost begeleiding per jaar (euro)", f"=B{total}*B{total + 2}*B{total + 3}"])
    for cell in uren[1]:
        cell.font = Font(bold=True)
    uren.column_dimensions["A"].width = 38
    uren.column_dimensions["B"].width = 16

    bronnen = book.create_sheet("Financiering")
    bronnen.append(["Bron", "Aandeel", "Bedrag (euro)"])
    cost = f"Begeleidingsuren!B{total + 4}"
    for row, (bron, aandeel) in enumerate(
        [
            ("Werkingsmiddelen van de opleiding", 0.5),
            ("Bijdrage van de onderneming (masterproef)", 0.3),
            ("Projectmiddelen (opstartkosten)", 0.2),
        ],
        start=2,
    ):
        bronnen.append([bron, aandeel, f"={cost}*B{row}"])
        bronnen.cell(row=row, column=2).number_format = "0%"
    bronnen.append(["Kmo-tarief: bijdrage onderneming gehalveerd", 0.15, f"={cost}*B5"])
    bronnen.cell(row=5, column=2).number_format = "0%"
    for cell in bronnen[1]:
        cell.font = Font(bold=True)
    bronnen.column_dimensions["A"].width = 44
    bronnen.column_dimensions["C"].width = 16
    out = io.BytesIO()
    book.save(out)
    return normalised_zip(out.getvalue())


# ---------------------------------------------------------------- Word: a template

COMPETENTIES = [
    (
        "Zorg en ondersteuning bij dagelijkse activiteiten",
        "Help een bewoner bij de ochtendzorg en pas je aanpak aan zijn gewoontes aan.",
    ),
    (
        "Communicatie met bewoner en familie",
        "Voer een gesprek met een familielid over hoe de bewoner zich voelt.",
    ),
    (
        "Samenwerken in het zorgteam",
        "Breng bij de overdracht verslag uit over twee bewoners.",
    ),
]


def leerportfolio_docx() -> bytes:
    from docx import Document
    from docx.shared import Pt

    document = Document()
    properties = document.core_properties
    properties.author = AUTHOR
    properties.title = "Sjabloon leerportfolio werkplekleren"
    properties.created = MADE
    properties.modified = MADE
    properties.last_modified_by = AUTHOR
    properties.revision = 1
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    document.add_heading("Leerportfolio werkplekleren", level=0)
    document.add_paragraph(
        "Opleiding Polyvalent verzorgende duaal – CVO Westhoek en CVO Leiestreek"
    )
    info = document.add_table(rows=4, cols=2)
    info.style = "Table Grid"
    for row, label in zip(
        info.rows, ("Naam cursist", "Werkplek", "Mentor", "Trajectbegeleider"), strict=True
    ):
        row.cells[0].text = label
    document.add_paragraph()
    document.add_paragraph(
        "Per competentie staan er enkele werkplekopdrachten. Na elke opdracht noteert de "
        "mentor kort wat goed ging en wat beter kan, en schrijft de cursist een reflectie van "
        "enkele zinnen. Een spraakbericht of een foto van je aantekeningen mag ook. Foto's van "
        "bewoners zijn niet toegestaan."
    )
    for number, (competentie, opdracht) in enumerate(COMPETENTIES, 1):
        document.add_heading(f"Competentie {number}: {competentie}", level=1)
        document.add_paragraph(f"Opdracht: {opdracht}")
        table = document.add_table(rows=3, cols=2)
        table.style = "Table Grid"
        for row, label in zip(
            table.rows,
            ("Datum", "Feedback van de mentor", "Reflectie van de cursist"),
            strict=True,
        ):
            row.cells[0].text = label
    document.add_heading("Maandelijks bezoek van de trajectbegeleider", level=1)
    document.add_paragraph("Wat ging goed? Wat pakken we de volgende maand aan?")
    out = io.BytesIO()
    document.save(out)
    return normalised_zip(out.getvalue())


# ---------------------------------------------------------------- PowerPoint: slides

SLIDES = [
    (
        "Mentoren opleiden en ondersteunen",
        ["Intervisie lerend netwerk duaal leren", "Hogeschool Kempen, Geel – 30 mei 2023"],
    ),
    (
        "Mentoropleiding in drie avonden",
        [
            "Bachelor Verpleegkunde, Hogeschool West",
            "Korte, praktische sessies: feedback geven, het leerplan lezen",
            "Mentoren waarderen vooral het uitwisselen met collega-mentoren",
        ],
    ),
    (
        "Regionaal mentorennetwerk voor kmo's",
        [
            "Bachelor Bedrijfsmanagement, Hogeschool Maasland",
            "Kleine ondernemingen delen een mentorencoach",
            "Vier keer per jaar samen",
        ],
    ),
    (
        "Standaard of maatwerk?",
        [
            "Een gemeenschappelijke basis voor alle mentoren",
            "Aangevuld met maatwerk per sector",
            "Input voor de beleidsaanbeveling over de mentoropleiding",
        ],
    ),
]


def presentatie_pptx() -> bytes:
    from pptx import Presentation

    presentation = Presentation()
    properties = presentation.core_properties
    properties.author = AUTHOR
    properties.title = "Mentoren opleiden en ondersteunen"
    properties.created = MADE
    properties.modified = MADE
    properties.last_modified_by = AUTHOR
    properties.revision = 1
    for index, (title, points) in enumerate(SLIDES):
        layout = presentation.slide_layouts[0 if index == 0 else 1]
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = points[0]
        for point in points[1:]:
            body.add_paragraph().text = point
    out = io.BytesIO()
    presentation.save(out)
    return normalised_zip(out.getvalue())


# ---------------------------------------------------------------- a photo


def werkplaats_jpg() -> bytes:
    """A drawn 'photo' of a workshop: benches, a machine, a window. No EXIF, no comment."""
    from PIL import Image, ImageDraw, ImageFilter

    width, height = 640, 420
    rng = random.Random(19)
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):  # wall and floor
        shade = 200 - y // 6 if y < 260 else 120 - (y - 260) // 5
        draw.line([(0, y), (width, y)], fill=(shade, shade - 8, shade - 20))
    draw.rectangle([60, 40, 250, 170], fill=(176, 206, 232), outline=(90, 90, 90), width=6)
    draw.line([(155, 40), (155, 170)], fill=(90, 90, 90), width=4)
    draw.rectangle([330, 120, 560, 300], fill=(60, 110, 150), outline=(30, 50, 70), width=4)
    draw.rectangle([360, 150, 460, 220], fill=(35, 40, 45))
    for x in range(480, 545, 16):  # buttons
        draw.ellipse([x, 160, x + 10, 170], fill=(230, 180, 40))
    draw.rectangle([40, 250, 300, 270], fill=(140, 100, 60))  # workbench
    for x in (50, 280):
        draw.rectangle([x, 270, x + 12, 360], fill=(90, 70, 50))
    for index in range(6):  # tools on the bench
        x = 70 + index * 36
        draw.rectangle([x, 226, x + 8, 250], fill=(rng.randint(80, 200), 60, 60))
    for _ in range(2500):  # some grain
        x, y = rng.randrange(width), rng.randrange(height)
        value = rng.randint(-18, 18)
        r, g, b = image.getpixel((x, y))
        image.putpixel((x, y), (r + value, g + value, b + value))
    glow = Image.new("L", (width, height))
    ImageDraw.Draw(glow).ellipse([20, 0, 300, 230], fill=90)
    image = Image.composite(
        Image.new("RGB", (width, height), (255, 244, 220)),
        image,
        glow.filter(ImageFilter.GaussianBlur(60)).point(lambda v: int(v * 0.6)),
    )
    # A figure at the machine.
    draw = ImageDraw.Draw(image)
    draw.ellipse([300, 150, 330, 182], fill=(224, 180, 150))
    draw.rectangle([296, 182, 334, 270], fill=(235, 120, 30))
    draw.rectangle([298, 270, 314, 340], fill=(40, 50, 80))
    draw.rectangle([318, 270, 334, 340], fill=(40, 50, 80))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True)
    return out.getvalue()


FILES = {
    "practices/intakegesprek-werkgever-en-student/leidraad-intakegesprek.pdf": leidraad_pdf,
    "practices/financieringsmodel-begeleiding/rekenmodel-begeleiding.xlsx": rekenmodel_xlsx,
    "practices/leerportfolio-werkplekleren/sjabloon-leerportfolio.docx": leerportfolio_docx,
    "sessions/intervisie-mentoren-2023/presentatie-mentoropleiding.pptx": presentatie_pptx,
    "reports/bezoek-graduaat-elektromechanische-systemen-kempen/werkplaats.jpg": werkplaats_jpg,
}


def main() -> None:
    for relative, make in FILES.items():
        path = CONTENT / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make()
        path.write_bytes(data)
        print(f"{relative}: {len(data):,} bytes")


if __name__ == "__main__":
    main()
