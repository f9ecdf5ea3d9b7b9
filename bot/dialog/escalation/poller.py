"""Support replies come back: every ``DK_KAITEN__POLL_S`` new public comments on open tickets go to the user's chat.

A comment by a person (the tracker filters out the bot's own, internal and deleted ones) is sent once, as a reply
to the user's question; a resolved ticket tells the user so. Only trackers that ``supports_comments`` are read.
Each tick also announces tickets created since (the tracker was down) and queues again the jobs Redis lost.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from bot.dialog.escalation.service import EscalationService
from bot.dialog.escalation.tracker import TicketState, Tracker, TrackerError
from bot.dialog.jobs import QueueUnavailable
from bot.i18n import t
from bot.store import escalation_repo
from bot.store.db import in_session
from bot.store.models import Chat, Escalation, EscalationStatus, utcnow

log = logging.getLogger(__name__)


@dataclass
class PollReport:
    """What one tick did."""

    announced: int = 0
    relayed: int = 0
    resolved: int = 0
    errors: int = 0


class SupportPoller:
    """Reads open escalations' tickets and relays what support wrote."""

    def __init__(self, service: EscalationService) -> None:
        self.service = service
        self._lock = asyncio.Lock()

    async def tick(self) -> PollReport:
        """One round: announce, requeue lost jobs, relay new comments, report resolved tickets."""
        async with self._lock:  # a slow round must not overlap the next one
            return await self._tick()

    async def _tick(self) -> PollReport:
        service, tracker = self.service, self.service.tracker
        report = PollReport(announced=await service.announce())
        if service.jobs is not None:
            try:
                await service.jobs.requeue_lost_tickets()
            except QueueUnavailable as exc:
                log.warning("could not check ticket jobs: %s", exc)
        if tracker is None or not tracker.supports_comments:
            return report
        open_tickets = await in_session(service.engine, escalation_repo.escalations,
                                        statuses=(EscalationStatus.created,), tracker=tracker.kind)
        for escalation, chat in open_tickets:
            if escalation.ticket_id is None:
                continue
            try:
                await self._follow(tracker, escalation, chat, report)
            except TrackerError as exc:
                report.errors += 1
                log.warning("ticket %s: %s", escalation.ticket_id, exc)
        return report

    async def _follow(self, tracker: Tracker, escalation: Escalation, chat: Chat, report: PollReport) -> None:
        service = self.service
        assert escalation.id is not None and escalation.ticket_id is not None
        lang = service.language(escalation)
        state = await tracker.state(escalation.ticket_id)
        if state is TicketState.gone:  # deleted: nothing will come back
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             status=EscalationStatus.closed)
            return
        for comment in await tracker.new_comments(escalation.ticket_id, escalation.last_comment_id):
            sent = await service.notifier.send(
                chat.telegram_id, t("support_reply", lang, ticket=escalation.ticket_id, text=comment.text),
                reply_to=escalation.question_telegram_id)
            if sent is None:
                return  # Telegram refused: this comment again next round, and the resolution after it
            await in_session(service.engine, escalation_repo.add_escalation_message, escalation_id=escalation.id,
                             chat_telegram_id=chat.telegram_id, telegram_message_id=sent, kind="comment",
                             comment_id=comment.id)
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             last_comment_id=comment.id)
            report.relayed += 1
        if state is TicketState.resolved:
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             status=EscalationStatus.resolved, resolved_at=utcnow())
            await service.notifier.send(chat.telegram_id, t("ticket_resolved", lang, ticket=escalation.ticket_id),
                                        reply_to=escalation.question_telegram_id)
            report.resolved += 1
