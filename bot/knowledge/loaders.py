"""Read knowledge files into LlamaIndex documents (Markdown and plain text for now)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SUPPORTED_SUFFIXES = {".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain"}


class UnsupportedDocument(ValueError):
    """The file's type cannot be ingested."""


class EmptyDocument(ValueError):
    """The file holds no text."""


@dataclass(frozen=True)
class LoadedFile:
    """A file's text with what the store needs to know about it."""

    source: str
    title: str
    text: str
    sha256: str
    content_type: str


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


def load_file(path: Path, *, source: str | None = None) -> LoadedFile:
    """Read one file; the title is its first Markdown heading or its file name."""
    content_type = SUPPORTED_SUFFIXES.get(path.suffix.lower())
    if content_type is None:
        raise UnsupportedDocument(f"{path.name}: unsupported type {path.suffix or '(none)'}; "
                                  f"supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    raw = path.read_bytes()
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n").strip()
    if not text:
        raise EmptyDocument(f"{path.name}: the document is empty")
    return LoadedFile(source=source or str(path), title=_title(text, path), text=text,
                      sha256=hashlib.sha256(raw).hexdigest(), content_type=content_type)


def _title(text: str, path: Path) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return path.stem.replace("-", " ").replace("_", " ").strip().capitalize()
