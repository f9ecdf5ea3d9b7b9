"""Typed errors of the knowledge base: one English sentence for people, one short ``reason`` for code.

The bot translates by ``reason`` (``unsupported``, ``empty``, ``too_large``, ``too_many_pages``,
``encrypted``, ``corrupt``, ``zip_bomb``, ``not_found``, ``bad_space``); ``str(error)`` is the
English sentence, safe to show to the person who sent the file.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DocumentError(ValueError):
    """A document cannot be ingested (or found); ``reason`` is a stable machine code."""

    reason: ClassVar[str] = "invalid"

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details  # e.g. {"limit": 20971520, "size": 31457280}: numbers a translation may use


class UnsupportedDocument(DocumentError):
    """The file's type cannot be ingested."""

    reason = "unsupported"


class EmptyDocument(DocumentError):
    """The file holds no text."""

    reason = "empty"


class DocumentTooLarge(DocumentError):
    """The file is bigger than the configured limit."""

    reason = "too_large"


class TooManyPages(DocumentError):
    """A PDF has more pages than the configured limit."""

    reason = "too_many_pages"


class EncryptedDocument(DocumentError):
    """The file is password-protected."""

    reason = "encrypted"


class CorruptDocument(DocumentError):
    """The file is damaged or is not what its extension says."""

    reason = "corrupt"


class ArchiveBomb(DocumentError):
    """A DOCX (a zip) would unpack to far more than it weighs: refused before parsing."""

    reason = "zip_bomb"


class DocumentNotFound(DocumentError, LookupError):
    """No document with that id (or space and source)."""

    reason = "not_found"


class InvalidSpace(DocumentError):
    """A knowledge space name that is not ``global``, ``chat:<id>`` or ``team:<name>``."""

    reason = "bad_space"
