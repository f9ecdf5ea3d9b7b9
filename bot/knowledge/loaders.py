"""Read knowledge files (Markdown, TXT, PDF, DOCX, HTML) into text parts, within configured limits."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.errors import (
    CorruptDocument,
    DocumentTooLarge,
    EmptyDocument,
    UnsupportedDocument,
)
from bot.knowledge.formats import Extracted, Part, first_heading, read_docx, read_html, read_pdf, with_title_heading

__all__ = ["SUPPORTED_SUFFIXES", "DocumentLimits", "EmptyDocument", "LoadedFile", "Part",
           "UnsupportedDocument", "iter_files", "load_bytes", "load_file"]

MARKDOWN, PLAIN, PDF, HTML = "text/markdown", "text/plain", "application/pdf", "text/html"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SUPPORTED_SUFFIXES = {".md": MARKDOWN, ".markdown": MARKDOWN, ".txt": PLAIN, ".pdf": PDF, ".docx": DOCX,
                      ".html": HTML, ".htm": HTML}


@dataclass(frozen=True)
class DocumentLimits:
    """What a single file may be: bytes on disk, PDF pages, and how far a DOCX may unpack."""

    max_file_bytes: int = 20 * 2**20
    max_pdf_pages: int = 500
    max_unpacked_bytes: int = 100 * 2**20
    max_compression_ratio: float = 100.0


@dataclass(frozen=True)
class LoadedFile:
    """A file's text parts with what the store needs to know about it."""

    source: str
    title: str
    parts: tuple[Part, ...]
    sha256: str
    content_type: str
    size_bytes: int = 0
    pages: int | None = None


def iter_files(path: Path) -> Iterator[Path]:
    """The supported files at ``path`` (one file, or a folder walked in a stable order)."""
    if path.is_file():
        yield path
        return
    if not path.is_dir():
        raise FileNotFoundError(f"{path} does not exist")
    for child in sorted(path.rglob("*")):
        if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES:
            yield child


def content_type_of(filename: str) -> str:
    """The content type ingestion gives a file name, or :class:`UnsupportedDocument`."""
    suffix = Path(filename).suffix.lower()
    content_type = SUPPORTED_SUFFIXES.get(suffix)
    if content_type is None:
        raise UnsupportedDocument(f"{Path(filename).name}: unsupported type {suffix or '(none)'}; "
                                  f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}", suffix=suffix)
    return content_type


_GENERIC_MIME = frozenset({"", "application/octet-stream", "binary/octet-stream"})
_MIME_FITS = {MARKDOWN: ("text/",), PLAIN: ("text/",), HTML: ("text/", "application/xhtml+xml"),
              PDF: ("application/pdf", "application/x-pdf"), DOCX: (DOCX, "application/zip")}


def check_upload_type(filename: str, mime_type: str | None) -> str:
    """Before a file is fetched: its name must be a supported type and its MIME type must not contradict it."""
    content_type = content_type_of(filename)
    mime = (mime_type or "").split(";")[0].strip().lower()
    if mime not in _GENERIC_MIME and not mime.startswith(_MIME_FITS[content_type]):
        raise UnsupportedDocument(f"{Path(filename).name}: its type {mime} is not {content_type}",
                                  suffix=Path(filename).suffix.lower())
    return content_type


def load_file(path: Path, *, source: str | None = None, limits: DocumentLimits | None = None) -> LoadedFile:
    """Read one file from disk (its size is checked before it is read)."""
    limits = limits or DocumentLimits()
    content_type_of(path.name)
    size = path.stat().st_size
    _check_size(path.name, size, limits)
    return load_bytes(path.read_bytes(), filename=path.name, source=source or str(path), limits=limits)


def load_bytes(data: bytes, *, filename: str, source: str | None = None,
               limits: DocumentLimits | None = None) -> LoadedFile:
    """Read one file's bytes; ``filename``'s extension picks the reader."""
    limits = limits or DocumentLimits()
    content_type = content_type_of(filename)
    name = Path(filename).name
    _check_size(name, len(data), limits)
    if not data.strip():
        raise EmptyDocument(f"{name}: the document is empty")
    extracted = _extract(data, name=name, content_type=content_type, limits=limits)
    title = extracted.title or _title_from_name(name)
    parts = extracted.parts
    if content_type in (DOCX, HTML):
        parts = [Part(text=with_title_heading(p.text, title), markdown=True) for p in parts]
    return LoadedFile(source=source or name, title=title, parts=tuple(parts),
                      sha256=hashlib.sha256(data).hexdigest(), content_type=content_type,
                      size_bytes=len(data), pages=extracted.pages)


def _check_size(name: str, size: int, limits: DocumentLimits) -> None:
    if size > limits.max_file_bytes:
        raise DocumentTooLarge(f"{name}: the file is {size / 2**20:.1f} MiB, more than the limit of "
                               f"{limits.max_file_bytes / 2**20:.1f} MiB", size=size, limit=limits.max_file_bytes)


def _extract(data: bytes, *, name: str, content_type: str, limits: DocumentLimits) -> Extracted:
    if content_type == PDF:
        return read_pdf(data, name=name, max_pages=limits.max_pdf_pages)
    if content_type == DOCX:
        return read_docx(data, name=name, max_unpacked_bytes=limits.max_unpacked_bytes,
                         max_ratio=limits.max_compression_ratio)
    if content_type == HTML:
        return read_html(data, name=name)
    text = _decode(data, name=name).replace("\r\n", "\n").strip()
    if not text:
        raise EmptyDocument(f"{name}: the document is empty")
    return Extracted(parts=[Part(text=text, markdown=content_type == MARKDOWN)], title=first_heading(text))


def _decode(data: bytes, *, name: str) -> str:
    """UTF-8 (with or without BOM), UTF-16 with a BOM, else Windows-1251 (old Russian text files)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        raise CorruptDocument(f"{name}: the file is binary, not text")
    return data.decode("cp1251", errors="replace")


def _title_from_name(name: str) -> str:
    return Path(name).stem.replace("-", " ").replace("_", " ").strip().capitalize() or name
