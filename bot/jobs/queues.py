"""The RQ side the bot sees: enqueue a job by id, then watch it until it ends."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from redis import Redis
from rq import Queue, Retry
from rq.job import Job, JobStatus

from bot.dialog.jobs import JobOutcome
from bot.settings import Settings

TRANSCRIBE = "bot.jobs.voice.transcribe_message"
INGEST = "bot.jobs.ingest.ingest_upload"


def redis_connection(settings: Settings) -> Redis:
    """A Redis client for queues (short timeouts so a dead Redis is reported, not waited on)."""
    return Redis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=10)


def stt_queue(settings: Settings, connection: Redis | None = None) -> Queue:
    """The transcription queue."""
    return Queue(settings.stt.queue, connection=connection or redis_connection(settings))


def enqueue_transcription(settings: Settings, message_id: int, connection: Redis | None = None) -> Job:
    """Queue the transcription of a stored voice message; the job id is derived from the message."""
    cfg = settings.stt
    retry = Retry(max=cfg.retries, interval=cfg.retry_intervals_s[: cfg.retries]) if cfg.retries else None
    return stt_queue(settings, connection).enqueue(
        TRANSCRIBE, message_id, job_id=f"{cfg.queue}-{message_id}", job_timeout=cfg.job_timeout_s, retry=retry,
        result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600, description=f"transcribe message {message_id}")


def enqueue_ingestion(settings: Settings, message_id: int, *, space: str, filename: str, added_by: str,
                      connection: Redis | None = None) -> Job:
    """Queue the ingestion of a stored upload (one retry: a failure is rarely transient)."""
    queue = Queue(settings.jobs.ingest_queue, connection=connection or redis_connection(settings))
    return queue.enqueue(INGEST, message_id, space, filename, added_by,
                         job_id=f"{settings.jobs.ingest_queue}-{message_id}",
                         job_timeout=settings.jobs.ingest_timeout_s, retry=Retry(max=1, interval=[10]),
                         result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600, description=f"ingest message {message_id}")


async def watch_job(job: Job, *, poll_s: float, timeout_s: float,
                    on_progress: Callable[[float], Awaitable[None]] | None = None) -> JobOutcome:
    """Wait for a job to finish, passing its ``meta["progress"]`` along; retries count as still running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    last_progress = -1.0
    while loop.time() < deadline:
        status = await asyncio.to_thread(job.get_status, True)
        if status == JobStatus.FINISHED:
            return JobOutcome(True, result=job.return_value())
        if status in (JobStatus.FAILED, JobStatus.STOPPED, JobStatus.CANCELED):
            return JobOutcome(False, error=_failure_reason(job, status))
        progress = float(job.get_meta(refresh=True).get("progress", 0.0))
        if on_progress is not None and progress > last_progress:
            last_progress = progress
            await on_progress(progress)
        await asyncio.sleep(poll_s)
    return JobOutcome(False, error="timed out")


def _failure_reason(job: Job, status: JobStatus) -> str:
    """The last line of the job's traceback (the exception), else its status."""
    result = job.latest_result()
    if result is not None and result.exc_string:
        return result.exc_string.strip().splitlines()[-1]
    return status.value

