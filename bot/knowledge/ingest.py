"""Ingestion use case: file → chunks → vectors + rows, idempotent by content hash."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import select

from bot.knowledge.chunking import chunk_file, ref_doc_id
from bot.knowledge.index import KnowledgeIndex
from bot.knowledge.loaders import load_file
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import ChunkRecord, DocumentRecord, utcnow

log = logging.getLogger(__name__)


class IngestStatus(enum.StrEnum):
    """What ingesting one file did."""

    added = "added"
    replaced = "replaced"
    unchanged = "unchanged"


@dataclass(frozen=True)
class IngestResult:
    """The outcome for one file."""

    document_id: int
    title: str
    source: str
    chunks: int
    status: IngestStatus


class IngestService:
    """Adds documents to the knowledge base; the same content twice is a no-op."""

    def __init__(self, *, engine: Engine, index: KnowledgeIndex, model_name: str,
                 chunk_size: int, chunk_overlap: int) -> None:
        self._engine = engine
        self._index = index
        self._model_name = model_name
        self._chunk_size = chunk_size
        self._chunk_overlap = chunk_overlap

    def ingest_file(self, path: Path, *, space: str = "global", source: str | None = None,
                    added_by: str | None = None) -> IngestResult:
        """Index one file; a changed file from the same source replaces its old chunks."""
        loaded = load_file(path, source=source or str(path.resolve()))
        with session_scope(self._engine) as session:
            same = session.exec(select(DocumentRecord).where(
                DocumentRecord.space == space, DocumentRecord.sha256 == loaded.sha256)).first()
            if same is not None:
                return IngestResult(same.id or 0, same.title, same.source, same.chunk_count,
                                    IngestStatus.unchanged)
            previous = repo.find_document(session, space=space, source=loaded.source)
            previous_sha = previous.sha256 if previous else None

        nodes = chunk_file(loaded, space=space, chunk_size=self._chunk_size,
                           chunk_overlap=self._chunk_overlap)
        # New vectors go in first under new ids; the rows follow; the old version goes last.
        # A failure at any step leaves either the old version or the new one, never half of each.
        self._index.add(nodes)
        try:
            with session_scope(self._engine) as session:
                document = repo.find_document(session, space=space, source=loaded.source) or DocumentRecord(
                    space=space, source=loaded.source, title=loaded.title, sha256=loaded.sha256)
                document.title, document.sha256 = loaded.title, loaded.sha256
                document.content_type, document.chunk_count = loaded.content_type, len(nodes)
                document.embed_model, document.added_by = self._model_name, added_by
                document.updated_at = utcnow()
                session.add(document)
                session.flush()
                assert document.id is not None  # flushed rows have ids
                repo.replace_chunks(session, document_id=document.id, chunks=[
                    ChunkRecord(id=n.id_, document_id=document.id, position=n.metadata["position"],
                                heading_path=n.metadata.get("heading_path", ""), chars=len(n.text))
                    for n in nodes])
                document_id = document.id
        except Exception:
            self._index.delete_document(ref_doc_id(loaded.sha256))
            raise
        if previous_sha:
            self._index.delete_document(ref_doc_id(previous_sha))
        status = IngestStatus.replaced if previous_sha else IngestStatus.added
        log.info("ingested %s: %d chunks (%s)", loaded.source, len(nodes), status.value)
        return IngestResult(document_id, loaded.title, loaded.source, len(nodes), status)
