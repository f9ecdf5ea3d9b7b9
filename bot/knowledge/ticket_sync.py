"""Resolved tickets into the knowledge base: each becomes a «Заявка №… (решена ДД.ММ)» document.

Every ``DK_KAITEN__SYNC_HOURS`` (and on ``dialog-keeper tickets sync``), for a tracker that
``supports_resolution_sync``: the tracker is checked first (token, board, columns; a sync that cannot see the
board refuses and never moves its cursor), then the tickets resolved since the last sync, less an overlap window,
become one Markdown document each in the space ``tickets``, keyed by ticket id (source ``<tracker>:<id>``): the
question (title and description) and the resolution (what a person answered). A ticket resolved again replaces
its document. With ``DK_KAITEN__SYNC_REVIEW=true`` a new entry waits for an admin (``dialog/escalation/review.py``);
with review off, entries still pending from before are imported too.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import Engine

from bot.i18n import Lang, t
from bot.integrations import ResolvedTicket
from bot.knowledge.ingest import IngestService, IngestStatus
from bot.knowledge.spaces import TICKETS
from bot.settings import Settings
from bot.store import escalation_repo
from bot.store.db import in_session, session_scope
from bot.store.escalation_models import TicketEntry, TicketEntryStatus
from bot.store.models import utcnow

log = logging.getLogger(__name__)


class ResolvedTickets(Protocol):
    """The part of the ``Tracker`` port the sync reads (the knowledge layer does not import dialog)."""

    kind: str

    async def check(self) -> None:
        """Raise ``TrackerSetupError`` when the board, columns or token cannot work."""
        ...

    async def list_resolved(self, since: datetime | None) -> list[ResolvedTicket]:
        """Tickets resolved since ``since``."""
        ...

    async def resolution(self, ticket_id: str) -> str:
        """What a person answered on a resolved ticket."""
        ...


@dataclass
class SyncReport:
    """What one sync did (the CLI prints it)."""

    found: int = 0
    added: int = 0
    replaced: int = 0
    skipped: int = 0
    for_review: int = 0

    def line(self) -> str:
        """One line: found, added, replaced, skipped (and waiting for review)."""
        return (f"found {self.found}, added {self.added}, replaced {self.replaced}, skipped {self.skipped}, "
                f"for review {self.for_review}")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class TicketSync:
    """Reads resolved tickets and keeps the ``tickets`` space in step with them."""

    def __init__(self, *, tracker: ResolvedTickets, engine: Engine, ingest: IngestService,
                 settings: Settings) -> None:
        self.tracker, self.engine, self.ingest, self.settings = tracker, engine, ingest, settings

    async def run(self) -> SyncReport:
        """One sync; the next one starts from this one's start, less the overlap. Raises ``TrackerError``."""
        cfg = self.settings.kaiten
        started = utcnow()
        await self.tracker.check()  # a wrong board reads as "nothing resolved": refuse before the cursor moves
        last = _utc(await in_session(self.engine, escalation_repo.last_sync))
        since = last - timedelta(hours=cfg.sync_overlap_h) if last is not None else None
        tickets = await self.tracker.list_resolved(since)
        report = SyncReport(found=len(tickets))
        for ticket in tickets:
            outcome = await self._one(ticket)
            setattr(report, outcome, getattr(report, outcome) + 1)
        if not cfg.sync_review:  # review was turned off: what still waits for an admin goes in now
            report.added += await import_pending(self.engine, self.ingest)
        await in_session(self.engine, escalation_repo.set_last_sync, at=started)
        log.info("ticket sync: %s", report.line())
        return report

    async def _one(self, ticket: ResolvedTicket) -> str:
        entry = await in_session(self.engine, escalation_repo.ticket_entry, ticket_id=ticket.ticket_id)
        if entry is not None and _utc(entry.done_at) == _utc(ticket.done_at):
            return "skipped"  # this version is in already (the overlap window reads it twice)
        resolution = ticket.resolution if ticket.resolution is not None \
            else await self.tracker.resolution(ticket.ticket_id)
        if not resolution:
            return "skipped"  # nothing a person wrote: no answer to learn from
        lang = self.settings.language
        title = t("ticket_doc_title", lang, ticket=ticket.ticket_id,
                  date=(ticket.done_at or utcnow()).strftime("%d.%m"))
        fields = {"title": title, "markdown": document(ticket, title=title, resolution=resolution, lang=lang),
                  "done_at": ticket.done_at, "tracker": self.tracker.kind}
        was_added = entry is not None and entry.status == TicketEntryStatus.added
        if was_added or not self.settings.kaiten.sync_review:  # an approved ticket done again needs no new review
            saved = await in_session(self.engine, escalation_repo.save_ticket_entry, ticket_id=ticket.ticket_id,
                                     status=TicketEntryStatus.added, **fields)
            status = await asyncio.to_thread(ingest_entry, self.ingest, self.engine, saved)
            return "replaced" if was_added or status == IngestStatus.replaced else "added"
        await in_session(self.engine, escalation_repo.save_ticket_entry, ticket_id=ticket.ticket_id,
                         status=TicketEntryStatus.pending, review_sent_at=None, **fields)
        return "for_review"


def document(ticket: ResolvedTicket, *, title: str, resolution: str, lang: Lang) -> str:
    """The knowledge-base text of a resolved ticket: one section titled «Заявка №… (решена ДД.ММ)»."""
    question_label, answer_label = ("Вопрос", "Решение") if lang == "ru" else ("Question", "Resolution")
    lines = [f"# {title}", "", f"**{question_label}:** {' '.join(ticket.title.split())}"]
    description = ticket.description.strip()
    # The bot's own tickets describe a chat (names, transcript): the question is in the title, the rest stays out.
    if description and not (ticket.external_id or "").startswith("dk:"):
        lines += ["", description[:2000]]
    lines += ["", f"**{answer_label}:** {resolution}"]
    return "\n".join(lines) + "\n"


def ingest_entry(ingest: IngestService, engine: Engine, entry: TicketEntry) -> IngestStatus:
    """Write an entry's document into the ``tickets`` space (replacing the ticket's previous one)."""
    kind = entry.tracker
    result = ingest.ingest_bytes(entry.markdown.encode(), filename=f"{kind}-{entry.ticket_id}.md", space=TICKETS,
                                 source=f"{kind}:{entry.ticket_id}", added_by="tickets")
    with session_scope(engine) as session:
        escalation_repo.save_ticket_entry(session, ticket_id=entry.ticket_id, document_id=result.document_id)
    return result.status


async def import_pending(engine: Engine, ingest: IngestService) -> int:
    """Import every entry still waiting for review (review was turned off); returns how many."""
    imported = 0
    for entry in await in_session(engine, escalation_repo.ticket_entries, status=TicketEntryStatus.pending):
        assert entry.id is not None
        claimed = await in_session(engine, escalation_repo.claim_review, entry_id=entry.id,
                                   decision=TicketEntryStatus.added)
        if claimed is not None:  # an admin may have decided it meanwhile
            await asyncio.to_thread(ingest_entry, ingest, engine, claimed)
            imported += 1
    return imported
