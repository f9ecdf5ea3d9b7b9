"""The ``Jobs`` port: slow work the dialog layer hands to workers (transcription, ingestion, tickets).

The container gives the pipeline an implementation (RQ on Redis, ``bot/jobs/queues.py``); the dialog layer
never imports a queue library or its errors. A job is named by the stored row it works on (ids in).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol


class QueueUnavailable(Exception):
    """The job queue cannot be reached (Redis down): the work waits, nothing is lost."""


@dataclass(frozen=True)
class JobOutcome:
    """How a job ended: its return value, or why it failed."""

    ok: bool
    result: dict[str, Any] | None = None
    error: str | None = None


class JobHandle(Protocol):
    """A queued job, as the implementation knows it (opaque to the dialog layer)."""

    id: str


Progress = Callable[[float], Awaitable[None]]


class Jobs(Protocol):
    """Queue work by stored id and watch it; every call raises ``QueueUnavailable`` when the queue is down."""

    async def transcribe(self, message_id: int) -> JobHandle:
        """Queue the transcription of a stored voice message."""
        ...

    async def ingest(self, message_id: int, *, space: str, filename: str, added_by: str) -> JobHandle:
        """Queue the ingestion of a stored upload into ``space``."""
        ...

    async def ticket(self, escalation_id: int) -> JobHandle:
        """Queue the tracker ticket of a stored escalation (retried with back-off)."""
        ...

    async def requeue_lost_tickets(self) -> list[int]:
        """Queue again the escalations waiting for a ticket whose job is gone (the queue lost it); their ids."""
        ...

    async def watch(self, handle: JobHandle, *, poll_s: float, timeout_s: float,
                    on_progress: Progress | None = None) -> JobOutcome:
        """Wait for a job to end, passing its progress (0..1) along."""
        ...
