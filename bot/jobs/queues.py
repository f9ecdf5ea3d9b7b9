"""The RQ side the bot sees: enqueue a job by id, then watch it until it ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from redis import Redis, RedisError
from redis.asyncio import Redis as AsyncRedis
from rq import Queue, Retry
from rq.job import Job, JobStatus
from tenacity import RetryCallState, retry_if_exception_type, wait_exponential
from tenacity.stop import stop_base

from bot.dialog.jobs import JobOutcome
from bot.settings import Settings


class RetryLater(Exception):
    """A job's expected, transient failure: RQ retries it, and the worker logs it as one line, not a traceback."""


TRANSCRIBE = "bot.jobs.voice.transcribe_message"
INGEST = "bot.jobs.ingest.ingest_upload"


def sentinel_addresses(settings: Settings) -> list[tuple[str, int]]:
    """DK_REDIS__SENTINELS as (host, port) pairs."""
    pairs = []
    for entry in settings.redis.sentinels:
        host, _, port = entry.strip().rpartition(":")
        pairs.append((host or entry.strip(), int(port) if port.isdigit() else 26379))
    return pairs


def redis_connection(settings: Settings, *, timeout_s: float = 10) -> Redis:
    """The one way to Redis (queues, leases, shared limits): the master the sentinels name when
    DK_REDIS__SENTINELS is set, else DK_REDIS_URL; short timeouts so a dead Redis is reported, not waited on."""
    if not settings.redis.sentinels:
        return Redis.from_url(settings.redis_url, socket_connect_timeout=min(3, timeout_s), socket_timeout=timeout_s)
    from redis.connection import parse_url
    from redis.sentinel import Sentinel

    url = parse_url(settings.redis_url)  # the database number and password still come from DK_REDIS_URL
    secret = settings.redis.sentinel_password
    sentinel = Sentinel(sentinel_addresses(settings), socket_connect_timeout=3, socket_timeout=3,
                        sentinel_kwargs={"password": secret.get_secret_value()} if secret else None)
    # master_for asks the sentinels again after a failover: RQ and the bot follow the new master.
    return sentinel.master_for(settings.redis.sentinel_master, socket_connect_timeout=min(3, timeout_s),
                               socket_timeout=timeout_s, db=url.get("db", 0), password=url.get("password"),
                               username=url.get("username"))


def async_redis_connection(settings: Settings) -> AsyncRedis:
    """The asyncio twin of :func:`redis_connection` (shared limits): the same master, the same database."""
    if not settings.redis.sentinels:
        return AsyncRedis.from_url(settings.redis_url, socket_connect_timeout=3, socket_timeout=10)
    from redis.asyncio.sentinel import Sentinel as AsyncSentinel
    from redis.connection import parse_url

    url = parse_url(settings.redis_url)
    secret = settings.redis.sentinel_password
    sentinel = AsyncSentinel(sentinel_addresses(settings), socket_connect_timeout=3, socket_timeout=3,
                             sentinel_kwargs={"password": secret.get_secret_value()} if secret else None)
    return sentinel.master_for(settings.redis.sentinel_master, socket_connect_timeout=3, socket_timeout=10,
                               db=url.get("db", 0), password=url.get("password"), username=url.get("username"))


class _SinceFirstFailure(stop_base):
    """Stop ``seconds`` after the first failed attempt: an attempt may block long before Redis fails (a send
    waiting for room in a busy group's window, a scheduler waiting for another's lock), and that wait must not
    use up the time a Sentinel failover takes. One instance per retried call (it remembers that call's failure)."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._first: float | None = None

    def __call__(self, retry_state: RetryCallState) -> bool:
        now = retry_state.outcome_timestamp or time.monotonic()
        self._first = now if self._first is None else self._first
        return now - self._first >= self._seconds


def through_failover(seconds: float) -> dict[str, Any]:
    """tenacity's arguments to retry a Redis call through a Sentinel failover: on ``RedisError``, backing off
    0.1 s to 1 s, for ``seconds`` (DK_REDIS__FAILOVER_WAIT_S) from the first failure; then the error is raised."""
    return {"retry": retry_if_exception_type(RedisError), "stop": _SinceFirstFailure(seconds),
            "wait": wait_exponential(multiplier=0.1, max=1.0), "reraise": True}


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

