"""The LlamaIndex vector store over Qdrant: one collection per embedding model and dimension."""

from __future__ import annotations

import re
import threading
import uuid
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llama_index.core.schema import MetadataMode, TextNode
from llama_index.core.vector_stores.types import (
    FilterOperator,
    MetadataFilter,
    MetadataFilters,
    VectorStoreQuery,
)
from llama_index.vector_stores.qdrant import QdrantVectorStore

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from qdrant_client import QdrantClient

# LlamaIndex asks for payload indexes that local mode ignores; a server uses them. Nothing to act on.
warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")

# Stable point ids: the same chunk of the same content always lands on the same Qdrant point.
CHUNK_NAMESPACE = uuid.UUID("5b1f0a52-6f0c-4d8e-9a57-2f3f4f7c3d10")


def chunk_id(document_sha256: str, position: int) -> str:
    """The Qdrant point id of a document's chunk."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{document_sha256}:{position}"))


def collection_name(prefix: str, model_name: str, dimension: int) -> str:
    """A collection per model and dimension, so vectors of two models never mix."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    return f"{prefix}_{slug}_{dimension}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk with its similarity score."""

    node: TextNode
    score: float


class KnowledgeIndex:
    """Embeds, stores and searches chunks; thread-safe for one process."""

    def __init__(self, *, client: QdrantClient, embed_model: BaseEmbedding, model_name: str,
                 collection_prefix: str) -> None:
        self.embed_model = embed_model
        self.dimension = len(embed_model.get_text_embedding("dimension probe"))
        self.collection = collection_name(collection_prefix, model_name, self.dimension)
        self._client = client
        self._store = QdrantVectorStore(client=client, collection_name=self.collection)
        # Local-mode Qdrant and the torch model are shared state: serialise access from worker threads.
        self._lock = threading.Lock()

    def add(self, nodes: Sequence[TextNode]) -> None:
        """Embed ``nodes`` (with their title and heading path) and upsert them."""
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in nodes]
        with self._lock:
            vectors = self.embed_model.get_text_embedding_batch(texts)
            for node, vector in zip(nodes, vectors, strict=True):
                node.embedding = vector
            self._store.add(list(nodes))

    def delete_document(self, ref_doc_id: str) -> None:
        """Remove every chunk of one document."""
        with self._lock:
            if self._client.collection_exists(self.collection):
                self._store.delete(ref_doc_id)

    def embed_query(self, text: str) -> list[float]:
        """The query vector (with the model's query prefix, if any)."""
        with self._lock:
            return self.embed_model.get_query_embedding(text)

    def search(self, vector: list[float], *, top_k: int, spaces: Sequence[str] | None = None) -> list[Hit]:
        """The ``top_k`` nearest chunks, optionally only from ``spaces``."""
        filters = None
        if spaces:
            filters = MetadataFilters(filters=[
                MetadataFilter(key="space", value=list(spaces), operator=FilterOperator.IN)])
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return []
            result = self._store.query(VectorStoreQuery(
                query_embedding=vector, similarity_top_k=top_k, filters=filters))
        nodes = result.nodes or []
        scores = result.similarities or [0.0] * len(nodes)
        return [Hit(node=n, score=s) for n, s in zip(nodes, scores, strict=False)
                if isinstance(n, TextNode)]

    def count(self) -> int:
        """How many chunks the collection holds."""
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return 0
            return self._client.count(self.collection, exact=True).count

    def info(self) -> dict[str, Any]:
        """Collection name, dimension and size, for doctor and status."""
        return {"collection": self.collection, "dimension": self.dimension, "chunks": self.count()}
