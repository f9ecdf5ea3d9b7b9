"""Every bad input gets its typed error with a reason code, and leaves nothing indexed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlmodel import Session, func, select

from bot.container import Container
from bot.knowledge.errors import (
    ArchiveBomb,
    CorruptDocument,
    DocumentError,
    DocumentTooLarge,
    EmptyDocument,
    EncryptedDocument,
    TooManyPages,
    UnsupportedDocument,
)
from bot.knowledge.ingest import IngestService
from bot.knowledge.loaders import DocumentLimits
from bot.store.models import ChunkRecord, DocumentRecord
from tests.knowledge.conftest import make_service
from tests.knowledge.documents import (
    docx_bytes_without_document,
    make_encrypted_pdf,
    make_pdf,
    make_zip_bomb_docx,
)


def _write(name: str, data: bytes) -> Callable[[Path], Path]:
    def build(folder: Path) -> Path:
        (folder / name).write_bytes(data)
        return folder / name
    return build


def _truncated_pdf(folder: Path) -> Path:
    whole = make_pdf(folder / "whole.pdf").read_bytes()
    (folder / "cut.pdf").write_bytes(whole[: len(whole) // 2])
    return folder / "cut.pdf"


CASES: list[tuple[str, Callable[[Path], Path], type[DocumentError], str, str]] = [
    ("unsupported", _write("table.xlsx", b"PK\x03\x04"), UnsupportedDocument, "unsupported",
     r"unsupported type \.xlsx"),
    ("no extension", _write("README", b"hello"), UnsupportedDocument, "unsupported", "unsupported type"),
    ("encrypted pdf", lambda d: make_encrypted_pdf(d / "secret.pdf"), EncryptedDocument, "encrypted", "password"),
    ("not a pdf", _write("fake.pdf", b"this is not a PDF at all"), CorruptDocument, "corrupt", "damaged"),
    ("truncated pdf", _truncated_pdf, CorruptDocument, "corrupt", "damaged"),
    ("pdf without text", lambda d: make_pdf(d / "scan.pdf", pages=[""]), EmptyDocument, "empty", "OCR"),
    ("zip bomb by size", lambda d: make_zip_bomb_docx(d / "bomb.docx", 120), ArchiveBomb, "zip_bomb", "zip bomb"),
    ("zip bomb by ratio", lambda d: make_zip_bomb_docx(d / "ratio.docx", 20), ArchiveBomb, "zip_bomb", "ratio"),
    ("docx not a zip", _write("broken.docx", b"garbage bytes"), CorruptDocument, "corrupt", "not a valid zip"),
    ("zip not a docx", lambda d: docx_bytes_without_document(d / "other.docx"), CorruptDocument, "corrupt",
     "not a Word document"),
    ("docx with a password", _write("locked.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512),
     EncryptedDocument, "encrypted", "password"),
    ("empty file", _write("blank.md", b""), EmptyDocument, "empty", "empty"),
    ("whitespace only", _write("blank.txt", b"  \n\n\t"), EmptyDocument, "empty", "empty"),
    ("headings only", _write("toc.md", b"# Title\n\n## Section\n"), EmptyDocument, "empty", "no text"),
    ("html without text", _write("empty.html", b"<html><head><title>Empty</title></head>"
                                               b"<body><script>track()</script></body></html>"),
     EmptyDocument, "empty", "no main text"),
    ("oversize", _write("big.txt", b"word " * 300_000), DocumentTooLarge, "too_large", "limit of 1.0 MiB"),
    ("too many pages", lambda d: make_pdf(d / "long.pdf", pages=["one", "two", "three", "four"]), TooManyPages,
     "too_many_pages", "4 pages, more than the limit of 3"),
]


@pytest.fixture
def strict(kb: Container, tmp_path: Path) -> IngestService:
    """A service with small limits: 1 MiB files, 3 PDF pages, DOCX up to 100 MiB unpacked and 100:1."""
    limits = DocumentLimits(max_file_bytes=2**20, max_pdf_pages=3, max_unpacked_bytes=100 * 2**20,
                            max_compression_ratio=100)
    return make_service(kb, tmp_path / "strict.db", limits=limits)


@pytest.mark.parametrize("build, error, reason, message", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input_is_refused_with_a_typed_error_and_nothing_indexed(
        strict: IngestService, tmp_path: Path, build: Callable[[Path], Path], error: type[DocumentError],
        reason: str, message: str) -> None:
    path = build(tmp_path)

    with pytest.raises(error, match=message) as caught:
        strict.ingest_file(path)

    assert caught.value.reason == reason and isinstance(caught.value, ValueError)
    assert path.name in str(caught.value), "the message names the file"
    with pytest.raises(error):  # the same through the upload path
        strict.ingest_bytes(path.read_bytes(), filename=path.name)
    assert strict.index.count() == 0
    with Session(strict.engine) as session:
        assert session.exec(select(func.count()).select_from(DocumentRecord)).one() == 0
        assert session.exec(select(func.count()).select_from(ChunkRecord)).one() == 0


def test_oversize_files_are_refused_before_they_are_read(strict: IngestService, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    big = tmp_path / "big.md"
    big.write_bytes(b"# Big\n\n" + b"x" * (2**20 + 1))
    monkeypatch.setattr(Path, "read_bytes", lambda self: pytest.fail("read an oversize file"))

    with pytest.raises(DocumentTooLarge) as caught:
        strict.ingest_file(big)
    assert caught.value.details == {"size": 2**20 + 8, "limit": 2**20}
