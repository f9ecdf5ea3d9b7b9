"""The ticket job: one escalation → one Kaiten card (or n8n ticket), retried with back-off for hours.

IDs in: the job reads everything from the database. It never makes two cards: the card carries
``external_id = dk:<escalation id>`` and every attempt looks for it before creating one. The bot process, not the
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

from bot.dialog.ticket_text import TicketContent, description, n8n_payload, tags
from bot.integrations import Ticket
from bot.integrations.kaiten import (
    KaitenAuthError,
    KaitenClient,
    KaitenError,
    KaitenNotFound,
    KaitenRequestError,
    card_url,
)
from bot.integrations.n8n import N8nClient
from bot.jobs.queues import redis_connection
from bot.settings import Settings
from bot.store import escalation_repo
from bot.store.db import session_scope
from bot.store.models import utcnow

log = logging.getLogger(__name__)

CREATE_TICKET = "bot.jobs.ticket_job.create_ticket"  # the worker hands it its container
PERMANENT = (KaitenAuthError, KaitenNotFound, KaitenRequestError)  # retrying cannot fix these


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
        waiting = [e.id for e, _ in escalation_repo.escalations(session, statuses=("queued",))
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
    job = get_current_job()
    return bool(job is not None and job.retries_left and job.retries_left > 0)


async def create_in_tracker(settings: Settings, content: TicketContent) -> Ticket:
    if settings.tracker.kind == "n8n":
        cfg = settings.n8n
        n8n = N8nClient(cfg.webhook_url or "", cfg.secret.get_secret_value() if cfg.secret else None,
                        timeout_s=cfg.timeout_s)
        try:
            return await n8n.create_ticket(n8n_payload(content))
        finally:
            await n8n.aclose()
    async with kaiten_client(settings) as kaiten:
        return await create_card(kaiten, settings, content)


def kaiten_client(settings: Settings) -> KaitenClient:
    """A Kaiten client from settings."""
    cfg = settings.kaiten
    if cfg.token is None or cfg.board_id is None:
        raise KaitenRequestError("DK_KAITEN__TOKEN and DK_KAITEN__BOARD_ID must be set")
    return KaitenClient(cfg.url, cfg.token.get_secret_value(), rate_per_s=cfg.rate_per_s, timeout_s=cfg.timeout_s)


async def create_card(kaiten: KaitenClient, settings: Settings, content: TicketContent) -> Ticket:
    """The escalation's card (found again by external id if an earlier attempt made it), then its tags."""
    cfg, external_id = settings.kaiten, content.escalation.external_id or f"dk:{content.escalation.id}"
    assert cfg.board_id is not None  # checked by kaiten_client()
    card = await kaiten.create_card(title=content.title, board_id=cfg.board_id, external_id=external_id,
                                    column_id=cfg.column_id, lane_id=cfg.lane_id, type_id=cfg.type_id,
                                    description=description(content))
    for tag in tags(content):  # after creation: tags are not in Kaiten's create schema; adding one twice is harmless
        try:
            await kaiten.add_tag(int(card["id"]), tag)
        except KaitenError as exc:  # a missing tag is no reason to fail the ticket
            log.warning("could not tag card %s with %s: %s", card["id"], tag, exc)
    card_id = int(card["id"])
    return Ticket(ticket_id=str(card_id), url=card_url(cfg.url, card_id), card_id=card_id)
