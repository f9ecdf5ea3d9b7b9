"""Knowledge-base management: file → chunks → vectors + rows (idempotent by content), list, delete, reindex.

The service API the CLI, the Telegram handlers and the RQ ingestion job call::

    ingest_file(path, *, space="global", source=None, added_by=None, progress=None) -> IngestResult
    ingest_bytes(data, *, filename, space="global", source=None, added_by=None, progress=None) -> IngestResult
    list_documents(space=None) -> list[DocumentInfo]
    get_document(document_id | (space, source)) -> DocumentInfo
    delete_document(document_id | (space, source)) -> DocumentInfo
    reindex(*, force=False, prune=True, progress=None) -> ReindexResult

``progress(done, total)`` counts chunks embedded (documents, for ``reindex``). Bad input raises a
:class:`~bot.knowledge.errors.DocumentError` subclass before anything is written.
"""

from __future__ import annotations

import dataclasses
import enum
import logging
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from llama_index.core.schema import TextNode
from sqlalchemy import Engine
from sqlmodel import Session

from bot.knowledge.chunking import chunk_file
from bot.knowledge.errors import DocumentError, DocumentNotFound, EmptyDocument
from bot.knowledge.index import KnowledgeIndex, Progress
from bot.knowledge.loaders import DocumentLimits, LoadedFile, load_bytes, load_file
from bot.knowledge.reindex import ReindexResult, reindex
from bot.knowledge.spaces import GLOBAL, validate_space
from bot.store import repo
from bot.store.db import session_scope
from bot.store.models import ChunkRecord, DocumentRecord, utcnow

log = logging.getLogger(__name__)
# Chunks a folder's ingestion embeds as one group while the group before is written: small enough that embedding
# and writing overlap all through a folder, enough to keep two engines busy (frozen KB, 2 cores: 16 ≈ 8 s, 64 ≈ 8.3 s).
AHEAD_CHUNKS = 16

DocumentRef = int | tuple[str, str]  # a document id, or (space, source)


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
    space: str = GLOBAL
    pages: int | None = None


@dataclass(frozen=True)
class _Prepared:
    """A file loaded and chunked, not yet written: what replacing its previous version needs."""

    loaded: LoadedFile
    nodes: list[TextNode]
    old_ids: list[str]
    replaces: bool
    path: Path = Path()


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document as listings show it."""

    id: int
    space: str
    source: str
    title: str
    content_type: str
    chunks: int
    size_bytes: int
    pages: int | None
    embed_model: str
    added_by: str | None
    added_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: DocumentRecord) -> DocumentInfo:
        """From a table row."""
        return cls(id=row.id or 0, space=row.space, source=row.source, title=row.title,
                   content_type=row.content_type, chunks=row.chunk_count, size_bytes=row.size_bytes,
                   pages=row.pages, embed_model=row.embed_model, added_by=row.added_by,
                   added_at=row.added_at, updated_at=row.updated_at)


class IngestService:
    """Adds, lists, deletes and re-indexes knowledge-base documents; the same content twice is a no-op."""

    def __init__(self, *, engine: Engine, index: KnowledgeIndex, model_name: str, chunk_size: int,
                 chunk_overlap: int, limits: DocumentLimits | None = None, batch_size: int = 64) -> None:
        self.engine = engine
        self.index = index
        self.model_name = model_name
        self._chunk_size = chunk_size
        self._chunk_overlap = chunk_overlap
        self.limits = limits or DocumentLimits()
        self._batch_size = batch_size

    def ingest_file(self, path: Path, *, space: str = GLOBAL, source: str | None = None,
                    added_by: str | None = None, progress: Progress | None = None) -> IngestResult:
        """Index one file; a changed file from the same source (in the same space) replaces its old chunks."""
        validate_space(space)
        loaded = load_file(path, source=source or str(path.resolve()), limits=self.limits)
        return self._ingest(loaded, space=space, added_by=added_by, progress=progress)

    def ingest_bytes(self, data: bytes, *, filename: str, space: str = GLOBAL, source: str | None = None,
                     added_by: str | None = None, progress: Progress | None = None) -> IngestResult:
        """Index a file received as bytes (a Telegram upload); ``filename``'s extension picks the reader."""
        validate_space(space)
        loaded = load_bytes(data, filename=filename, source=source or Path(filename).name, limits=self.limits)
        return self._ingest(loaded, space=space, added_by=added_by, progress=progress)

    def list_documents(self, space: str | None = None) -> list[DocumentInfo]:
        """Stored documents, newest first, optionally of one space."""
        with session_scope(self.engine) as session:
            return [DocumentInfo.of(d) for d in repo.list_documents(session, space=space)]

    def delete_document(self, document: DocumentRef) -> DocumentInfo:
        """Remove a document: its vectors first (so it stops being cited at once), then its rows."""
        with session_scope(self.engine) as session:
            row = self._find(session, document)
            info, ids = DocumentInfo.of(row), repo.chunk_ids(session, document_id=row.id)
        self.index.delete_points(ids)
        with session_scope(self.engine) as session:
            repo.delete_document(session, document_id=info.id)
        self._changed()
        log.info("deleted document %d (%s, %s): %d chunks", info.id, info.space, info.source, len(ids))
        return info

    def reindex(self, *, force: bool = False, prune: bool = True, progress: Progress | None = None) -> ReindexResult:
        """Rebuild the current model's collection from the stored documents (no original files needed).

        Each document is atomic, as in ingestion: new vectors, then rows, then stale vectors.
        Documents already complete in this collection are left alone unless ``force``. ``prune``
        then removes vectors no chunk row refers to; run it while no ingestion is in progress.
        """
        result = reindex(self, force=force, prune=prune, progress=progress)
        self._changed()
        return result

    def _find(self, session: Session, document: DocumentRef) -> DocumentRecord:
        if isinstance(document, tuple):
            row = repo.find_document(session, space=document[0], source=document[1])
        else:
            row = session.get(DocumentRecord, int(document))
        if row is None or row.id is None:
            raise DocumentNotFound(f"no document {document!r} in the knowledge base", document=str(document))
        return row

    def ingest_files(self, paths: Iterable[Path], *, space: str = GLOBAL, added_by: str | None = None
                     ) -> Iterator[tuple[Path, IngestResult | DocumentError]]:
        """Index many files, yielding each one's result (or why it was refused) in order.

        The chunks of consecutive files are embedded together, up to a batch, so every embedding engine
        stays busy (one small file alone leaves cores idle); each file is still written on its own,
        atomically, exactly as :meth:`ingest_file` writes it.
        """
        validate_space(space)
        Queue = list[_Prepared | tuple[Path, IngestResult | DocumentError]]  # in the order of ``paths``
        queue: Queue = []
        # One batch is embedded on a thread while the main thread writes the one before and chunks the next:
        # the engines (C, no GIL) keep the cores busy while Python parses Markdown and writes Qdrant and rows.
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="embed-ahead") as ahead:
            flying: tuple[Future[None], Queue] | None = None

            def land() -> Iterator[tuple[Path, IngestResult | DocumentError]]:
                """Write the batch in flight, once its embedding is done."""
                nonlocal flying
                if flying is not None:
                    yield from self._write(*flying, space=space, added_by=added_by)
                    flying = None

            def launch(batch: Queue) -> Iterator[tuple[Path, IngestResult | DocumentError]]:
                """Start embedding ``batch``, then write the one before it meanwhile."""
                nonlocal flying
                future = ahead.submit(self.index.embed, [n for q in batch if isinstance(q, _Prepared) for n in q.nodes])
                yield from land()
                flying = (future, batch)

            for path in paths:
                try:
                    loaded = load_file(path, source=str(path.resolve()), limits=self.limits)
                    in_flight = [] if flying is None else flying[1]
                    if any(isinstance(q, _Prepared) and q.loaded.sha256 == loaded.sha256 for q in queue + in_flight):
                        yield from launch(queue)  # its twin is written first; this file is then "unchanged"
                        yield from land()
                        queue = []
                    prepared = self._prepare(loaded, space=space)
                except DocumentError as exc:
                    queue.append((path, exc))
                    continue
                queue.append(dataclasses.replace(prepared, path=path) if isinstance(prepared, _Prepared)
                             else (path, prepared))
                if sum(len(q.nodes) for q in queue if isinstance(q, _Prepared)) >= min(self._batch_size, AHEAD_CHUNKS):
                    yield from launch(queue)
                    queue = []
            yield from launch(queue)
            yield from land()

    def _write(self, embedded: Future[None], queue: list[_Prepared | tuple[Path, IngestResult | DocumentError]], *,
               space: str, added_by: str | None) -> Iterator[tuple[Path, IngestResult | DocumentError]]:
        """Once the queued files' chunks are embedded, write each file and answer for each in turn."""
        embedded.result()
        for item in queue:
            if isinstance(item, _Prepared):
                yield item.path, self._commit(item, space=space, added_by=added_by, progress=None)
            else:
                yield item

    def _ingest(self, loaded: LoadedFile, *, space: str, added_by: str | None,
                progress: Progress | None) -> IngestResult:
        prepared = self._prepare(loaded, space=space)
        if isinstance(prepared, IngestResult):
            return prepared
        return self._commit(prepared, space=space, added_by=added_by, progress=progress)

    def _prepare(self, loaded: LoadedFile, *, space: str) -> _Prepared | IngestResult:
        """The file's chunks and the version they replace, or the stored document when nothing changed."""
        with session_scope(self.engine) as session:
            same = repo.find_document_by_sha(session, space=space, sha256=loaded.sha256)
            if same is not None:
                return IngestResult(same.id or 0, same.title, same.source, same.chunk_count,
                                    IngestStatus.unchanged, space, same.pages)
            previous = repo.find_document(session, space=space, source=loaded.source)
            old_ids = repo.chunk_ids(session, document_id=previous.id) if previous else []
        return _Prepared(loaded, self.chunk(loaded, space=space), old_ids, replaces=previous is not None)

    def _commit(self, prepared: _Prepared, *, space: str, added_by: str | None,
                progress: Progress | None) -> IngestResult:
        loaded, nodes = prepared.loaded, prepared.nodes
        document_id = self.replace_version(loaded, nodes, space=space, old_ids=prepared.old_ids, added_by=added_by,
                                           progress=progress)
        status = IngestStatus.replaced if prepared.replaces else IngestStatus.added
        log.info("ingested %s into %s: %d chunks (%s)", loaded.source, space, len(nodes), status.value)
        return IngestResult(document_id, loaded.title, loaded.source, len(nodes), status, space, loaded.pages)

    def chunk(self, loaded: LoadedFile, *, space: str) -> list[TextNode]:
        """The chunks of a loaded file under the current chunking settings."""
        nodes = chunk_file(loaded, space=space, chunk_size=self._chunk_size, chunk_overlap=self._chunk_overlap)
        if not nodes:
            raise EmptyDocument(f"{Path(loaded.source).name}: the document has no text to index")
        return nodes

    def replace_version(self, loaded: LoadedFile, nodes: list[TextNode], *, space: str, old_ids: list[str],
                        added_by: str | None, progress: Progress | None = None) -> int:
        """Write one document version atomically; returns the document id.

        New vectors go in first under their own ids; the rows follow; the old version's vectors go
        last. A failure at any step removes what this call added and leaves the old version whole.
        """
        new_ids = [n.id_ for n in nodes]
        try:
            self.index.add(nodes, batch_size=self._batch_size, progress=progress)
            with session_scope(self.engine) as session:
                document = repo.find_document(session, space=space, source=loaded.source) or DocumentRecord(
                    space=space, source=loaded.source, title=loaded.title, sha256=loaded.sha256, added_by=added_by)
                document.title, document.sha256 = loaded.title, loaded.sha256
                document.content_type, document.chunk_count = loaded.content_type, len(nodes)
                document.size_bytes, document.pages = loaded.size_bytes, loaded.pages
                document.content = [asdict(p) for p in loaded.parts]
                document.embed_model, document.updated_at = self.model_name, utcnow()
                if added_by is not None:
                    document.added_by = added_by
                session.add(document)
                session.flush()
                assert document.id is not None  # flushed rows have ids
                repo.replace_chunks(session, document_id=document.id, chunks=[
                    ChunkRecord(id=n.id_, document_id=document.id, position=n.metadata["position"],
                                heading_path=n.metadata.get("heading_path", ""), chars=len(n.text),
                                page=n.metadata.get("page"), text=n.text)
                    for n in nodes])
                document_id = document.id
        except BaseException:
            self._remove_unreferenced(set(new_ids) - set(old_ids))
            raise
        self.index.delete_points(set(old_ids) - set(new_ids))
        self._changed()
        return document_id

    def _remove_unreferenced(self, ids: set[str]) -> None:
        """Drop vectors this call wrote, except any a concurrent ingestion of the same content committed."""
        try:
            with session_scope(self.engine) as session:
                ids -= repo.referenced_chunk_ids(session, ids=list(ids))
            self.index.delete_points(ids)
        except Exception:  # the original error matters more; a later `reindex` prunes leftovers
            log.exception("could not remove %d vectors of a failed ingestion", len(ids))

    def _changed(self) -> None:
        if self.index.lexical is not None:
            self.index.lexical.invalidate()

