"""The dialog layer's ``Jobs`` port over RQ: enqueue by stored id, watch, Redis errors as ``QueueUnavailable``."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

from redis import RedisError
from rq.job import Job
from sqlalchemy import Engine

from bot.dialog.jobs import JobHandle, JobOutcome, Progress, QueueUnavailable
from bot.jobs.escalation import enqueue_ticket, requeue_lost
from bot.jobs.queues import enqueue_ingestion, enqueue_transcription, watch_job
from bot.settings import Settings

T = TypeVar("T")


class RQJobs:
    """The dialog layer's ``Jobs`` port over RQ: Redis errors become ``QueueUnavailable``."""

    def __init__(self, settings: Settings, engine: Callable[[], Engine]) -> None:
        self.settings = settings
        self._engine = engine  # the database, built only when a lost ticket job must be looked for

    async def _queue(self, enqueue: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return await asyncio.to_thread(enqueue, self.settings, *args, **kwargs)
        except RedisError as exc:
            raise QueueUnavailable(str(exc)) from exc

    async def transcribe(self, message_id: int) -> JobHandle:
        """Queue the transcription of a stored voice message."""
        return await self._queue(enqueue_transcription, message_id)

    async def ingest(self, message_id: int, *, space: str, filename: str, added_by: str) -> JobHandle:
        """Queue the ingestion of a stored upload."""
        return await self._queue(enqueue_ingestion, message_id, space=space, filename=filename, added_by=added_by)

    async def ticket(self, escalation_id: int) -> JobHandle:
        """Queue the ticket of a stored escalation."""
        return await self._queue(enqueue_ticket, escalation_id)

    async def requeue_lost_tickets(self) -> list[int]:
        """Queue again the ticket jobs Redis lost."""
        return await self._queue(lambda settings: requeue_lost(settings, self._engine()))

    async def watch(self, handle: JobHandle, *, poll_s: float, timeout_s: float,
                    on_progress: Progress | None = None) -> JobOutcome:
        """Wait for an RQ job to end; a Redis outage while watching is reported as a failed job."""
        assert isinstance(handle, Job)  # handles come from this class
        try:
            return await watch_job(handle, poll_s=poll_s, timeout_s=timeout_s, on_progress=on_progress)
        except RedisError as exc:
            return JobOutcome(False, error=f"queue unavailable: {exc}")
