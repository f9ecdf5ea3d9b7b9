"""`dialog-keeper worker`: an RQ worker that loads its models once and recovers its own killed jobs."""

from __future__ import annotations

import logging
import os
import socket
from typing import TYPE_CHECKING

from redis import Redis
from rq import Queue
from rq.job import Job
from rq.registry import StartedJobRegistry

from bot.jobs.queues import redis_connection

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)


def worker_name(queues: list[str], slot: int) -> str:
    """A stable name per host and slot, so a restarted worker recognises the jobs it was running."""
    return f"dk-{'-'.join(queues)}-{socket.gethostname()}-{slot}"


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_after_crash(connection: Redis, queues: list[Queue], name: str) -> list[str]:
    """Requeue jobs a killed predecessor of this worker left "started", and clear its stale registration.

    RQ would notice them too, but only after their heartbeat expires (60–90 s); a restarted worker
    knows at once that the jobs its namesake was running are orphans.
    """
    key = f"rq:worker:{name}"
    data = {_text(k): _text(v) for k, v in connection.hgetall(key).items()}
    if data and "death" not in data:
        pid = int(data.get("pid", 0) or 0)
        if data.get("hostname") == socket.gethostname() and pid and _pid_alive(pid) and pid != os.getpid():
            raise RuntimeError(f"worker {name} is already running (pid {pid})")
        connection.delete(key)
        for queue in queues:
            connection.srem(f"rq:workers:{queue.name}", key)
        connection.srem("rq:workers", key)
    requeued = []
    for queue in queues:
        registry = StartedJobRegistry(queue=queue)
        for job_id in registry.get_job_ids(cleanup=False):
            job = Job.fetch(job_id, connection=connection)
            if job.worker_name == name:
                registry.remove_executions(job)
                queue.enqueue_job(job)
                requeued.append(job.id)
    if requeued:
        log.warning("requeued %d job(s) a killed worker left unfinished: %s", len(requeued), requeued)
    return requeued


def run_worker(container: WorkerServices, queue_names: list[str], *, slot: int = 0, burst: bool = False) -> None:
    """Preload the models, recover orphans, then work until stopped (or, with ``burst``, until idle)."""
    from bot.jobs.inprocess import ContainerWorker

    settings = container.settings
    connection = redis_connection(settings)
    queues = [Queue(name, connection=connection) for name in queue_names]
    name = worker_name(queue_names, slot)
    container.engine  # noqa: B018  # migrate before taking jobs
    if settings.stt.queue in queue_names:
        container.transcriber  # noqa: B018  # load Whisper before taking jobs, once for this process
    recover_after_crash(connection, queues, name)
    ContainerWorker(queues, container=container, connection=connection, name=name).work(
        with_scheduler=True, burst=burst, logging_level=settings.log_level.upper())  # RQ's logger at DK_LOG_LEVEL
