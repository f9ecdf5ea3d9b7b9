"""What jobs use of their process's container, as an interface: the container provides it, jobs never import it.

Keeping the container out of ``bot/jobs`` keeps the layers one way: the container builds the workers, the
workers hand each job these services.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from bot.settings import Settings

if TYPE_CHECKING:
    from redis import Redis

    from bot.dialog.escalation import Tracker
    from bot.knowledge.ingest import IngestService
    from inference.stt import WhisperTranscriber


class WorkerServices(Protocol):
    """The backends a job may use; built lazily, so a job loads only the models it needs."""

    settings: Settings

    @property
    def engine(self) -> Engine:
        """The database engine."""
        ...

    @property
    def transcriber(self) -> WhisperTranscriber:
        """The local Whisper model."""
        ...

    @property
    def ingest(self) -> IngestService:
        """Knowledge-base ingestion."""
        ...

    @property
    def tracker(self) -> Tracker | None:
        """Where tickets are made (None without a tracker)."""
        ...

    @property
    def redis(self) -> Redis:
        """The process's Redis client (leases)."""
        ...

    @property
    def deployment(self) -> str:
        """The deployment's name for shared Redis keys."""
        ...
