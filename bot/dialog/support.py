"""Support replies come back: every ``DK_KAITEN__POLL_S`` new comments on open cards go to the user's chat.

A comment by a person (not the bot's own Kaiten user, not internal, not deleted) is sent once, as a reply
to the user's question; a card moved to a done column tells the user the ticket is resolved. Each tick also
announces tickets created since (Kaiten was down) and queues again the jobs Redis lost.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any

from redis import RedisError

from bot.dialog.escalation import EscalationService, _language
from bot.i18n import t
from bot.integrations.kaiten import DONE, KaitenError, KaitenNotFound
from bot.jobs.escalation import requeue_lost
from bot.store import escalation_repo
from bot.store.db import in_session
from bot.store.models import Chat, Escalation, utcnow

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")


@dataclass
class PollReport:
    """What one tick did."""

    announced: int = 0
    relayed: int = 0
    resolved: int = 0
    errors: int = 0


class SupportPoller:
    """Reads open escalations' cards and relays what support wrote."""

    def __init__(self, service: EscalationService) -> None:
        self.service = service
        self._me: int | None = None  # the bot's own Kaiten user id (GET /users/current), read once
        self._lock = asyncio.Lock()

    async def tick(self) -> PollReport:
        """One round: announce, requeue lost jobs, relay new comments, report resolved cards."""
        async with self._lock:  # a slow round must not overlap the next one
            return await self._tick()

    async def _tick(self) -> PollReport:
        service = self.service
        report = PollReport(announced=await service.announce())
        try:
            await asyncio.to_thread(requeue_lost, service.settings, service.engine)
        except RedisError as exc:
            log.warning("could not check ticket jobs: %s", exc)
        if service.tracker != "kaiten":
            return report
        open_cards = await in_session(service.engine, escalation_repo.escalations, statuses=("created",),
                                      tracker="kaiten")
        for escalation, chat in open_cards:
            if escalation.card_id is None:
                continue
            try:
                await self._follow(escalation, chat, report)
            except KaitenError as exc:
                report.errors += 1
                log.warning("card %s: %s", escalation.card_id, exc)
        return report

    async def bot_user_id(self) -> int:
        """The Kaiten user the token acts as: its comments are the bot's own."""
        if self._me is None:
            self._me = int((await self.service.kaiten_client().current_user())["id"])
        return self._me

    async def _follow(self, escalation: Escalation, chat: Chat, report: PollReport) -> None:
        service, kaiten = self.service, self.service.kaiten_client()
        assert escalation.id is not None and escalation.card_id is not None
        me = await self.bot_user_id()
        lang = await in_session(service.engine, _language, escalation.user_id, service.settings.language)
        last = escalation.last_comment_id or 0
        try:
            comments = await kaiten.comments(escalation.card_id)
        except KaitenNotFound:  # the card was deleted: nothing will come back
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             status="closed")
            return
        for comment in sorted(comments, key=lambda c: int(c["id"])):
            comment_id = int(comment["id"])
            if comment_id <= last:
                continue
            if is_from_person(comment, me):
                sent = await service.notifier.send(
                    chat.telegram_id, t("support_reply", lang, ticket=escalation.ticket_id, text=comment_text(comment)),
                    reply_to=escalation.question_telegram_id)
                if sent is None:
                    break  # Telegram refused: try this comment again next round
                await in_session(service.engine, escalation_repo.add_escalation_message, escalation_id=escalation.id,
                                 chat_telegram_id=chat.telegram_id, telegram_message_id=sent, kind="comment",
                                 comment_id=comment_id)
                report.relayed += 1
            last = comment_id
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             last_comment_id=comment_id)
        card = await kaiten.get_card(escalation.card_id)
        if int(card.get("state") or 0) == DONE:
            await in_session(service.engine, escalation_repo.update_escalation, escalation_id=escalation.id,
                             status="resolved", resolved_at=utcnow())
            await service.notifier.send(chat.telegram_id, t("ticket_resolved", lang, ticket=escalation.ticket_id),
                                        reply_to=escalation.question_telegram_id)
            report.resolved += 1


def is_from_person(comment: dict[str, Any], bot_user_id: int) -> bool:
    """A visible comment written by someone other than the bot's Kaiten user."""
    author = comment.get("author_id") or (comment.get("author") or {}).get("id")
    return (not comment.get("internal") and not comment.get("deleted") and author is not None
            and int(author) != bot_user_id and bool(str(comment.get("text") or "").strip()))


def comment_text(comment: dict[str, Any]) -> str:
    """A comment's text as plain text (HTML comments lose their tags)."""
    text = str(comment.get("text") or "")
    if comment.get("type") == 2:
        text = _TAG.sub("", text)
    return text.strip()
