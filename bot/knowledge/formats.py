"""Readers of binary and markup formats, each through its own library (no hand parsing).

PDF → pypdf (one part per page, so chunks keep their page number); DOCX → python-docx
(headings become Markdown headings, after a zip-bomb check); HTML → trafilatura (boilerplate
such as navigation, headers, footers, scripts and asides removed; headings kept as Markdown).
Every failure is a typed :class:`~bot.knowledge.errors.DocumentError`.
"""

from __future__ import annotations

import io
import logging
import re
import zipfile
from dataclasses import dataclass

from bot.knowledge.errors import (
    ArchiveBomb,
    CorruptDocument,
    EmptyDocument,
    EncryptedDocument,
    TooManyPages,
)

log = logging.getLogger(__name__)

# An OLE2 compound file: what Office writes for a password-protected DOCX (or an old .doc renamed).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEADING_STYLE = re.compile(r"^heading (\d)$", re.IGNORECASE)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


@dataclass(frozen=True)
class Part:
    """A run of a document's text: a PDF page, or a whole Markdown text whose headings matter."""

    text: str
    page: int | None = None  # 1-based PDF page
    markdown: bool = False  # '#' lines are headings (they become the chunks' heading path)


@dataclass(frozen=True)
class Extracted:
    """What a reader got out of a file."""

    parts: list[Part]
    title: str | None = None
    pages: int | None = None


def read_pdf(data: bytes, *, name: str, max_pages: int) -> Extracted:
    """Text of every page; refuses encrypted, damaged and over-long PDFs."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            # Many PDFs are encrypted only against editing, with an empty user password: those open.
            try:
                opened = bool(reader.decrypt(""))
            except (DependencyError, NotImplementedError, PyPdfError):
                opened = False
            if not opened:
                raise EncryptedDocument(f"{name}: the PDF is password-protected; "
                                        "send a copy without a password")
        pages = len(reader.pages)
        if pages > max_pages:
            raise TooManyPages(f"{name}: the PDF has {pages} pages, more than the limit of {max_pages}",
                               pages=pages, limit=max_pages)
        parts = []
        for number, page in enumerate(reader.pages, start=1):
            text = _tidy(page.extract_text() or "")
            if text:
                parts.append(Part(text=text, page=number))
        title = str(reader.metadata.get("/Title") or "").strip() or None if reader.metadata else None
    except (EncryptedDocument, TooManyPages):
        raise
    # pypdf raises its own errors, and occasionally plain ones, on damaged files: all mean "corrupt".
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError) as exc:
        raise CorruptDocument(f"{name}: the PDF is damaged or not a PDF ({type(exc).__name__})") from exc
    if not parts:
        raise EmptyDocument(f"{name}: the PDF has no text layer (a scan needs OCR first)")
    return Extracted(parts=parts, title=title, pages=pages)


def check_zip(data: bytes, *, name: str, max_unpacked_bytes: int, max_ratio: float,
              max_members: int = 10_000) -> None:
    """Refuse an archive whose declared unpacked size or compression ratio is out of bounds.

    zipfile never inflates a member past its declared size (it stops and fails the CRC), so the
    central directory's sizes are a sound bound to check before any parser touches the archive.
    """
    if data.startswith(_OLE_MAGIC):
        raise EncryptedDocument(f"{name}: the document is password-protected (or an old .doc renamed "
                                "to .docx); save it as an ordinary .docx without a password")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise CorruptDocument(f"{name}: the DOCX is damaged or not a DOCX (not a valid zip archive)") from exc
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    ratio = unpacked / max(packed, 1)
    if len(members) > max_members or unpacked > max_unpacked_bytes or ratio > max_ratio:
        raise ArchiveBomb(f"{name}: the DOCX would unpack to {unpacked / 2**20:.0f} MiB "
                          f"(ratio {ratio:.0f}:1, {len(members)} parts); refused as a possible zip bomb",
                          unpacked=unpacked, ratio=round(ratio, 1), limit=max_unpacked_bytes)
    if "word/document.xml" not in {m.filename for m in members}:
        raise CorruptDocument(f"{name}: the archive is not a Word document (no word/document.xml)")


def read_docx(data: bytes, *, name: str, max_unpacked_bytes: int, max_ratio: float) -> Extracted:
    """Paragraphs, lists and tables as Markdown, Word headings as Markdown headings."""
    check_zip(data, name=name, max_unpacked_bytes=max_unpacked_bytes, max_ratio=max_ratio)
    import docx
    from docx.table import Table

    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        title = (document.core_properties.title or "").strip() or None
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                if table := _table(block):
                    lines.append(table)
                continue
            text = block.text.strip()
            style = (block.style.name if block.style is not None else "") or ""
            if not text:
                continue
            if style.lower() == "title":
                title = title or text
                continue
            heading = _HEADING_STYLE.match(style)
            if heading:
                lines.append(f"{'#' * min(int(heading.group(1)), 6)} {text}")
            elif style.lower().startswith("list"):
                lines.append(f"- {text}")
            else:
                lines.append(text)
    except (KeyError, ValueError, AttributeError, zipfile.BadZipFile) as exc:
        raise CorruptDocument(f"{name}: the DOCX is damaged ({type(exc).__name__})") from exc
    body = "\n\n".join(lines).strip()
    if not body:
        raise EmptyDocument(f"{name}: the document is empty")
    return Extracted(parts=[Part(text=body, markdown=True)], title=title)


def _table(table: object) -> str:
    """A Word table as one Markdown table block."""
    rows = []
    for row in getattr(table, "rows", []):
        cells = [" ".join(c.text.split()) for c in row.cells]
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
            if len(rows) == 1:
                rows.append("|" + " --- |" * len(cells))
    return "\n".join(rows)


def read_html(data: bytes, *, name: str) -> Extracted:
    """The page's main text as Markdown, without navigation, header, footer, scripts or asides."""
    import trafilatura

    try:
        body = trafilatura.extract(data, output_format="markdown", include_formatting=True,
                                   include_tables=True, include_links=False, include_images=False,
                                   include_comments=False, favor_recall=True, deduplicate=False)
        metadata = trafilatura.extract_metadata(data)
    except (ValueError, TypeError) as exc:  # lxml refuses some inputs outright
        raise CorruptDocument(f"{name}: the HTML could not be parsed ({type(exc).__name__})") from exc
    body = (body or "").strip()
    if not body:
        raise EmptyDocument(f"{name}: the page has no main text")
    title = (metadata.title if metadata is not None else None) or None
    return Extracted(parts=[Part(text=body, markdown=True)], title=title)


def with_title_heading(markdown: str, title: str) -> str:
    """Markdown under a single ``# title`` heading, other headings pushed one level down if needed."""
    lines = markdown.splitlines()
    first = next((line for line in lines if line.strip()), "")
    top = [line for line in lines if (m := _MD_HEADING.match(line)) and len(m.group(1)) == 1]
    if first.startswith("# ") and len(top) == 1:
        return markdown
    shifted = [f"#{line}" if _MD_HEADING.match(line) and not line.startswith("######") else line
               for line in lines]
    return f"# {title}\n\n" + "\n".join(shifted)


def first_heading(markdown: str) -> str | None:
    """The first top-level ``# `` heading, if any."""
    for line in markdown.splitlines():
        if line.startswith("# "):
            return line[2:].strip() or None
    return None


def _tidy(text: str) -> str:
    # PDF extraction leaves trailing spaces and runs of blank lines; keep paragraphs, drop the noise.
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
