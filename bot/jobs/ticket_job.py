"""The ticket job as RQ runs it on a worker: the worker's container, then ``bot.jobs.escalation``'s logic."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from bot.dialog.ticket_text import load_content
from bot.integrations.kaiten import KaitenError
from bot.integrations.n8n import N8nError, N8nUnavailable
from bot.jobs.escalation import PERMANENT, create_in_tracker, retries_left
from bot.store import escalation_repo
from bot.store.db import session_scope

if TYPE_CHECKING:
    from bot.container import Container

log = logging.getLogger(__name__)


def create_ticket(container: Container, escalation_id: int) -> dict[str, Any]:
    """RQ job: create the escalation's ticket once; returns {"status", "ticket_id", "url"}.

    Transient failures raise (RQ retries after the next interval); the last attempt, or a failure retrying
    cannot fix, marks the escalation ``failed`` so the bot alerts the admins.
    """
    settings, engine = container.settings, container.engine
    with session_scope(engine) as session:
        content = load_content(session, escalation_id=escalation_id, turns=settings.tracker.transcript_turns)
    escalation = content.escalation
    if escalation.ticket_id:  # done by an earlier run
        return {"status": "exists", "ticket_id": escalation.ticket_id, "url": escalation.card_url}
    try:
        ticket = asyncio.run(create_in_tracker(settings, content))
    except (KaitenError, N8nError) as exc:
        permanent = isinstance(exc, PERMANENT) or (isinstance(exc, N8nError) and not isinstance(exc, N8nUnavailable))
        final = permanent or not retries_left()
        with session_scope(engine) as session:
            escalation_repo.update_escalation(session, escalation_id=escalation_id, attempts=escalation.attempts + 1,
                                              last_error=str(exc)[:500], **({"status": "failed"} if final else {}))
        log.warning("ticket for escalation %s failed (%s): %s", escalation_id, "final" if final else "will retry", exc)
        if permanent:
            return {"status": "failed", "error": str(exc)}
        raise
    with session_scope(engine) as session:
        escalation_repo.update_escalation(session, escalation_id=escalation_id, status="created",
                                          ticket_id=ticket.ticket_id, card_id=ticket.card_id, card_url=ticket.url,
                                          attempts=escalation.attempts + 1, last_error=None)
    log.info("escalation %s → ticket %s", escalation_id, ticket.ticket_id)
    return {"status": "created", "ticket_id": ticket.ticket_id, "url": ticket.url}
