"""Documents the knowledge tests build for themselves: PDF (fpdf2), DOCX (python-docx), HTML, bad files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

PDF_PAGES = [
    "Facilities overview. The building has four floors and two lifts. Visitors sign in at the front desk.",
    "Rooftop garden. The rooftop garden opens at 07:30 on weekdays and closes at 20:00. "
    "Watering is done by the facilities team every Tuesday.",
    "Fire safety. The assembly point is the car park next to gate C. Fire drills happen twice a year.",
]


def make_pdf(path: Path, pages: list[str] = PDF_PAGES, *, title: str = "Facilities Handbook") -> Path:
    """A text PDF with one paragraph per page."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("Helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    path.write_bytes(bytes(pdf.output()))
    return path


def make_encrypted_pdf(path: Path) -> Path:
    """A PDF that needs a user password to open."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_name("plain-" + path.name))
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("s3cret", algorithm="AES-256")
    with path.open("wb") as f:
        writer.write(f)
    return path


def make_docx(path: Path) -> Path:
    """A Word document with a title, nested headings, a list and a table."""
    import docx

    document = docx.Document()
    document.core_properties.title = "Travel Guide"
    document.add_paragraph("Travel Guide", style="Title")
    document.add_paragraph("How we travel for work at Northwind Labs.")
    document.add_heading("Trains", level=1)
    document.add_paragraph("Book train tickets through the travel desk.")
    document.add_heading("Night trains", level=2)
    document.add_paragraph("Night trains to Moscow leave from platform 9 at 23:40; book a sleeper compartment.")
    document.add_paragraph("Bring your passport", style="List Bullet")
    document.add_heading("Flights", level=1)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Class", "Allowed"
    table.cell(1, 0).text, table.cell(1, 1).text = "Economy", "Always"
    document.save(str(path))
    return path


def make_zip_bomb_docx(path: Path, unpacked_mib: int = 120) -> Path:
    """A .docx whose document.xml is a huge run of one character: a few hundred KiB packed."""
    chunk = b"A" * 2**20
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w") as member:
            for _ in range(unpacked_mib):
                member.write(chunk)
    return path


HTML_PAGE = """<!doctype html>
<html><head><title>Parking rules</title><style>.menu{color:red}</style>
<script>var trackingPixel = "boilerplate-script";</script></head>
<body>
<header><a href="/">Northwind intranet</a> | <a href="/login">Sign in</a></header>
<nav><ul><li>Zanzibar menu item</li><li>Another menu item</li></ul></nav>
<main>
<h1>Parking rules</h1>
<p>The company garage is on level minus two and has fifty-five spaces reserved for employees.</p>
<h2>Bicycles</h2>
<p>Bicycle racks stand at gate B next to the security desk; they are free for everyone who works here.</p>
<h3>Electric scooters</h3>
<p>Electric scooters may only be charged in storage room 12, never at the desks or in the kitchen.</p>
</main>
<aside>Related links: the cafeteria menu of the week</aside>
<footer>Copyright Northwind Labs. Cookie banner text. All rights reserved.</footer>
</body></html>
"""
HTML_BOILERPLATE = ["Zanzibar", "Sign in", "Copyright", "Cookie banner", "boilerplate-script", "cafeteria"]


def docx_bytes_without_document(path: Path) -> Path:
    """A valid zip named .docx that is no Word document."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    path.write_bytes(buffer.getvalue())
    return path
