"""Review of resolved tickets before they enter the knowledge base (``DK_KAITEN__SYNC_REVIEW``).

Admins decide with the «Добавить в базу» / «Пропустить» buttons, or from the command line with
``dialog-keeper tickets review | approve ID… | reject ID…``. A request counts as sent only once Telegram took it:
a notice that failed (the Bot API was down) goes out on a later round. With review turned off, whatever was
still pending is imported on the next sync.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from sqlalchemy import Engine

from bot.dialog.notify import Button, Notifier
from bot.i18n import Lang, t
from bot.knowledge.ingest import IngestService
from bot.knowledge.ticket_sync import import_pending, ingest_entry
from bot.store import escalation_repo
from bot.store.db import in_session
from bot.store.escalation_models import TicketEntry, TicketEntryStatus
from bot.store.models import utcnow

log = logging.getLogger(__name__)

REVIEW_DATA = "tkb:{decision}:{entry_id}"  # callback data of the review buttons (well under 64 bytes)


@dataclass(frozen=True)
class Decision:
    """What became of one entry id an admin decided on."""

    entry_id: int
    entry: TicketEntry | None  # None: no such entry, or it was decided before

    @property
    def done(self) -> bool:
        """Whether this call decided it."""
        return self.entry is not None


async def send_reviews(engine: Engine, notifier: Notifier, lang: Lang) -> int:
    """Ask the admins about each pending entry not yet asked about; returns how many requests got through."""
    sent = 0
    for entry in await in_session(engine, escalation_repo.pending_reviews):
        buttons = [[Button(t("btn_kb_add", lang), REVIEW_DATA.format(decision="add", entry_id=entry.id)),
                    Button(t("btn_kb_skip", lang), REVIEW_DATA.format(decision="skip", entry_id=entry.id))]]
        if not await notifier.notify_admins(t("ticket_review", lang, text=entry.markdown[:3500]), buttons=buttons):
            log.warning("review request for ticket %s not delivered: asked again next round", entry.ticket_id)
            break  # the admins are unreachable now: the rest waits too, in order
        await in_session(engine, escalation_repo.save_ticket_entry, ticket_id=entry.ticket_id,
                         review_sent_at=utcnow())
        sent += 1
    return sent


async def pending(engine: Engine) -> list[TicketEntry]:
    """Entries awaiting an admin's decision, oldest first."""
    return await in_session(engine, escalation_repo.ticket_entries, status=TicketEntryStatus.pending)


async def decide(engine: Engine, ingest: IngestService, *, entry_id: int, add: bool) -> TicketEntry | None:
    """An admin's answer to a review: import the entry's document, or skip it; None if already decided."""
    entry = await in_session(engine, escalation_repo.claim_review, entry_id=entry_id,
                             decision=TicketEntryStatus.added if add else TicketEntryStatus.skipped)
    if entry is not None and add:
        await asyncio.to_thread(ingest_entry, ingest, engine, entry)
    return entry


async def decide_many(engine: Engine, ingest: IngestService, entry_ids: list[int], *, add: bool) -> list[Decision]:
    """``decide`` for each id, in the order given."""
    return [Decision(entry_id, await decide(engine, ingest, entry_id=entry_id, add=add)) for entry_id in entry_ids]


__all__ = ["REVIEW_DATA", "Decision", "decide", "decide_many", "import_pending", "pending", "send_reviews"]
