"""Rebuild the current embedding model's collection from the documents' stored text."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from llama_index.core.schema import TextNode
from sqlalchemy import Engine
from sqlmodel import select

from bot.knowledge.errors import DocumentError
from bot.knowledge.formats import Part
from bot.knowledge.index import KnowledgeIndex, Progress
from bot.knowledge.loaders import DocumentLimits, LoadedFile, load_file
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import ChunkRecord, DocumentRecord

log = logging.getLogger(__name__)


@dataclass
class ReindexResult:
    """What ``reindex`` did to the current model's collection."""

    collection: str
    documents: int = 0
    reembedded: int = 0
    up_to_date: int = 0
    chunks: int = 0
    pruned: int = 0
    skipped: list[str] = field(default_factory=list)  # "source: why" for documents it cannot rebuild
    failed: list[str] = field(default_factory=list)  # "source: error" for documents whose rebuild failed


class Reindexable(Protocol):
    """What reindexing needs of ``IngestService`` (a protocol: ingest.py imports this module, not the reverse)."""

    engine: Engine
    index: KnowledgeIndex
    model_name: str
    limits: DocumentLimits

    def chunk(self, loaded: LoadedFile, *, space: str) -> list[TextNode]:
        """The chunks of a loaded file under the current chunking settings."""
        ...

    def replace_version(self, loaded: LoadedFile, nodes: list[TextNode], *, space: str, old_ids: list[str],
                        added_by: str | None, progress: Progress | None = None) -> int:
        """Write one document version atomically; returns the document id."""
        ...


def reindex(service: Reindexable, *, force: bool, prune: bool, progress: Progress | None) -> ReindexResult:
    """See :meth:`bot.knowledge.ingest.IngestService.reindex`."""
    index = service.index
    result = ReindexResult(collection=index.collection)
    with session_scope(service.engine) as session:
        document_ids = [d.id for d in repo.list_documents(session) if d.id is not None]
    total = len(document_ids)
    for done, document_id in enumerate(sorted(document_ids), start=1):
        with session_scope(service.engine) as session:
            row = session.get(DocumentRecord, document_id)
            if row is None:  # deleted meanwhile
                continue
            chunks = list(session.exec(select(ChunkRecord).where(ChunkRecord.document_id == document_id)))
            space, source, model = row.space, row.source, row.embed_model
            loaded, why = _stored(row, service)
        result.documents += 1
        if loaded is None:
            result.skipped.append(f"{source}: {why}")
            continue
        try:
            nodes = service.chunk(loaded, space=space)
            new_ids = [n.id_ for n in nodes]
            old_ids = [c.id for c in chunks]
            complete = (not force and model == service.model_name and set(new_ids) == set(old_ids)
                        and all(c.text for c in chunks) and index.existing_ids(new_ids) == set(new_ids))
            if complete:
                result.up_to_date += 1
            else:
                service.replace_version(loaded, nodes, space=space, old_ids=old_ids, added_by=None)
                result.reembedded += 1
            result.chunks += len(nodes)
        except (DocumentError, OSError, RuntimeError, ValueError) as exc:
            # One bad document must not stop the rest; replace_version already undid its own writes.
            log.warning("reindex of %s failed: %s", source, exc)
            result.failed.append(f"{source}: {exc}")
        if progress is not None:
            progress(done, total)
    if prune:
        with session_scope(service.engine) as session:
            known = set(repo.chunk_ids(session))
        orphans = index.point_ids() - known
        index.delete_points(orphans)
        result.pruned = len(orphans)
    log.info("reindex of %s: %s", index.collection, result)
    return result


def _stored(row: DocumentRecord, service: Reindexable) -> tuple[LoadedFile | None, str]:
    """The document as it was ingested: from its stored parts, else from its unchanged source file."""
    if row.content:
        parts = tuple(Part(text=p["text"], page=p.get("page"), markdown=bool(p.get("markdown")))
                      for p in row.content)
        return LoadedFile(source=row.source, title=row.title, parts=parts, sha256=row.sha256,
                          content_type=row.content_type, size_bytes=row.size_bytes, pages=row.pages), ""
    # Documents ingested before their text was stored (migration 0004) can only come from their file.
    path = Path(row.source)
    if not path.is_file():
        return None, "no stored text and the source file is gone; ingest it again"
    try:
        loaded = load_file(path, source=row.source, limits=service.limits)
    except (DocumentError, OSError) as exc:
        return None, f"no stored text and the source file cannot be read ({exc})"
    if loaded.sha256 != row.sha256:
        return None, "no stored text and the source file has changed since; ingest it again"
    return loaded, ""
