"""The ticket job as RQ runs it on a worker: the worker's container, then its tracker creates the ticket."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.dialog.escalation import (
    EscalationStatus,
    Ticket,
    TicketContent,
    Tracker,
    TrackerError,
    TrackerUnavailable,
    load_content,
)
from bot.dialog.escalation import ticket_request as build_request
from bot.jobs.escalation import retries_left
from bot.jobs.queues import RetryLater
from bot.store import escalation_repo
from bot.store.db import session_scope

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)


def create_ticket(container: WorkerServices, escalation_id: int) -> dict[str, Any]:
    """RQ job: create the escalation's ticket once; returns {"status", "ticket_id", "url"}.

    ``TrackerUnavailable`` raises (RQ retries after the next interval); the last attempt, or any other
    ``TrackerError`` (retrying cannot fix it), marks the escalation ``failed`` so the bot alerts the admins.
    """
    settings, engine, tracker = container.settings, container.engine, container.tracker
    with session_scope(engine) as session:
        content = load_content(session, escalation_id=escalation_id, turns=settings.tracker.transcript_turns)
    escalation = content.escalation
    if escalation.ticket_id:  # done by an earlier run
        return {"status": "exists", "ticket_id": escalation.ticket_id, "url": escalation.ticket_url}
    try:
        if tracker is None:
            raise TrackerError("no tracker is configured (DK_TRACKER__KIND=none)")
        ticket = asyncio.run(_create(tracker, content))
    except TrackerError as exc:
        permanent = not isinstance(exc, TrackerUnavailable)
        final = permanent or not retries_left()
        with session_scope(engine) as session:
            escalation_repo.update_escalation(session, escalation_id=escalation_id, attempts=escalation.attempts + 1,
                                              last_error=str(exc)[:500],
                                              **({"status": EscalationStatus.failed} if final else {}))
        log.warning("ticket for escalation %s failed (%s): %s", escalation_id, "final" if final else "will retry", exc)
        if permanent:
            return {"status": "failed", "error": str(exc)}
        # the warning above is the whole story: the worker logs no chained traceback of httpx internals
        raise RetryLater(f"ticket for escalation {escalation_id}: {exc}") from None
    with session_scope(engine) as session:
        escalation_repo.update_escalation(session, escalation_id=escalation_id, status=EscalationStatus.created,
                                          ticket_id=ticket.ticket_id, ticket_url=ticket.url,
                                          attempts=escalation.attempts + 1, last_error=None)
    log.info("escalation %s → ticket %s", escalation_id, ticket.ticket_id)
    return {"status": "created", "ticket_id": ticket.ticket_id, "url": ticket.url}


async def _create(tracker: Tracker, content: TicketContent) -> Ticket:
    """Create in this job's own event loop, then release that loop's connections."""
    try:
        return await tracker.create_ticket(build_request(content))
    finally:
        await tracker.aclose()
