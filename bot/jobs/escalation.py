"""Ticket jobs on RQ: one escalation → one ticket in the container's tracker, retried with back-off for hours.

IDs in: the job reads everything from the database. It never makes two tickets: each carries
``external_id = dk:<escalation id>`` and the tracker finds it again before creating one. The bot process, not the
worker, speaks to Telegram: it sees ``ticket_id`` (or ``status = failed``) appear and tells the user and admins.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import NoSuchJobError
from rq.job import Job
from sqlalchemy import Engine

from bot.jobs.queues import redis_connection
from bot.settings import Settings
from bot.store import escalation_repo
from bot.store.db import session_scope
from bot.store.models import EscalationStatus, utcnow

log = logging.getLogger(__name__)

CREATE_TICKET = "bot.jobs.ticket_job.create_ticket"  # the worker hands it its container


def job_id(settings: Settings, escalation_id: int) -> str:
    """The RQ job id of an escalation's ticket (one job per escalation)."""
    return f"{settings.tracker.queue}-{escalation_id}"


def enqueue_ticket(settings: Settings, escalation_id: int, connection: Redis | None = None) -> Job:
    """Queue the ticket of a stored escalation, retried with the configured back-off."""
    cfg = settings.tracker
    intervals = cfg.retry_intervals_s
    retry = Retry(max=len(intervals), interval=intervals) if intervals else None
    queue = Queue(cfg.queue, connection=connection or redis_connection(settings))
    return queue.enqueue(CREATE_TICKET, escalation_id, job_id=job_id(settings, escalation_id),
                         job_timeout=cfg.job_timeout_s, retry=retry, result_ttl=7 * 24 * 3600,
                         failure_ttl=30 * 24 * 3600, description=f"ticket for escalation {escalation_id}")


def requeue_lost(settings: Settings, engine: Engine, *, older_than_s: float = 300.0) -> list[int]:
    """Queue again the escalations still waiting for a ticket whose job is gone (Redis was down or flushed)."""
    connection = redis_connection(settings)
    cutoff = utcnow() - timedelta(seconds=older_than_s)
    with session_scope(engine) as session:
        waiting = [e.id for e, _ in escalation_repo.escalations(session, statuses=(EscalationStatus.queued,))
                   if e.id is not None and (e.updated_at or e.created_at) < cutoff]
    requeued = []
    for escalation_id in waiting:
        try:
            Job.fetch(job_id(settings, escalation_id), connection=connection)
        except NoSuchJobError:
            enqueue_ticket(settings, escalation_id, connection)
            requeued.append(escalation_id)
    if requeued:
        log.warning("requeued ticket jobs of escalations %s", requeued)
    return requeued


def retries_left() -> bool:
    """Whether RQ will run the current job again after this attempt fails."""
    job = get_current_job()
    return bool(job is not None and job.retries_left and job.retries_left > 0)
