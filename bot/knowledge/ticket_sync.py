"""Resolved tickets into the knowledge base: done Kaiten cards → «Заявка №… (решена ДД.ММ)» documents.

Every ``DK_KAITEN__SYNC_HOURS`` (and on ``dialog-keeper tickets sync``): the board's cards in a done column
(``states=3``, on the board and archived) moved to done since the last sync, less an overlap window, become one
Markdown document each in the space ``tickets``, keyed by card id (source ``kaiten:<id>``): the question (title
and description) and the resolution (the last comment by a person, or a configured custom property). A card done
again replaces its document. With ``DK_KAITEN__SYNC_REVIEW=true`` a new entry waits for an admin's «Добавить в
базу» first; the bot sends those requests (:func:`send_reviews`).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine

from bot.dialog.notify import Button, Notifier
from bot.dialog.support import comment_text, is_from_person
from bot.i18n import Lang, t
from bot.integrations.kaiten import DONE, KaitenClient
from bot.knowledge.ingest import IngestService, IngestStatus
from bot.knowledge.spaces import TICKETS
from bot.settings import Settings
from bot.store import escalation_repo
from bot.store.db import in_session
from bot.store.escalation_models import TicketEntry
from bot.store.models import utcnow

log = logging.getLogger(__name__)

REVIEW_DATA = "tkb:{decision}:{entry_id}"  # callback data of the review buttons (well under 64 bytes)


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


def parse_time(value: str | None) -> datetime | None:
    """Kaiten's ISO 8601 (``2024-10-28T14:36:34.877Z``) as an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def iso(value: datetime) -> str:
    """An aware datetime as Kaiten writes them."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class TicketSync:
    """Reads resolved cards and keeps the ``tickets`` space in step with them."""

    def __init__(self, *, kaiten: KaitenClient, engine: Engine, ingest: IngestService, settings: Settings,
                 bot_user_id: int | None = None) -> None:
        self.kaiten, self.engine, self.ingest, self.settings = kaiten, engine, ingest, settings
        self._me = bot_user_id

    async def run(self) -> SyncReport:
        """One sync; the next one starts from this one's start, less the overlap."""
        cfg = self.settings.kaiten
        started = utcnow()
        last = _utc(await in_session(self.engine, escalation_repo.last_sync))
        if self._me is None:
            self._me = int((await self.kaiten.current_user())["id"])
        filters: dict[str, Any] = {"board_id": cfg.board_id, "states": DONE, "additional_card_fields": "description"}
        if last is not None:
            filters["last_moved_to_done_at_after"] = iso(last - timedelta(hours=cfg.sync_overlap_h))
        cards: dict[int, dict[str, Any]] = {}
        for condition in (1, 2):  # on the board, and archived
            async for card in self.kaiten.iter_cards(condition=condition, **filters):
                if int(card.get("state") or 0) == DONE:
                    cards[int(card["id"])] = card
        report = SyncReport(found=len(cards))
        for card in cards.values():
            outcome = await self._one(card)
            setattr(report, outcome, getattr(report, outcome) + 1)
        await in_session(self.engine, escalation_repo.set_last_sync, at=started)
        log.info("ticket sync: %s", report.line())
        return report

    async def _one(self, card: dict[str, Any]) -> str:
        card_id = int(card["id"])
        done_at = parse_time(card.get("last_moved_to_done_at") or card.get("completed_at") or card.get("updated"))
        entry = await in_session(self.engine, escalation_repo.ticket_entry, card_id=card_id)
        if entry is not None and _utc(entry.done_at) == done_at:
            return "skipped"  # this version is in already (the overlap window reads it twice)
        resolution = await self._resolution(card)
        if not resolution:
            return "skipped"  # nothing a person wrote: no answer to learn from
        title = t("ticket_doc_title", self.settings.language, ticket=card_id,
                  date=(done_at or utcnow()).strftime("%d.%m"))
        markdown = document(card, title=title, resolution=resolution, lang=self.settings.language)
        fields = {"title": title, "markdown": markdown, "done_at": done_at}
        was_added = entry is not None and entry.status == "added"
        if was_added or not self.settings.kaiten.sync_review:  # an approved card done again needs no new review
            saved = await in_session(self.engine, escalation_repo.save_ticket_entry, card_id=card_id,
                                     status="added", **fields)
            status = await asyncio.to_thread(ingest_entry, self.ingest, self.engine, saved)
            return "replaced" if was_added or status == IngestStatus.replaced else "added"
        await in_session(self.engine, escalation_repo.save_ticket_entry, card_id=card_id, status="pending",
                         review_sent_at=None, **fields)
        return "for_review"

    async def _resolution(self, card: dict[str, Any]) -> str:
        prop = self.settings.kaiten.resolution_property_id
        if prop is not None:
            value = (card.get("properties") or {}).get(f"id_{prop}")
            if value:
                return str(value).strip()
        comments = await self.kaiten.comments(int(card["id"]))
        by_people = [c for c in comments if is_from_person(c, self._me or 0)]
        return comment_text(by_people[-1]) if by_people else ""


def document(card: dict[str, Any], *, title: str, resolution: str, lang: Lang) -> str:
    """The knowledge-base text of a resolved card: one section titled «Заявка №… (решена ДД.ММ)»."""
    question_label, answer_label = ("Вопрос", "Решение") if lang == "ru" else ("Question", "Resolution")
    lines = [f"# {title}", "", f"**{question_label}:** {' '.join(str(card.get('title', '')).split())}"]
    description = str(card.get("description") or "").strip()
    # The bot's own cards describe a chat (names, transcript): the question is in the title, the rest stays out.
    if description and not str(card.get("external_id") or "").startswith("dk:"):
        lines += ["", description[:2000]]
    lines += ["", f"**{answer_label}:** {resolution}"]
    return "\n".join(lines) + "\n"


def ingest_entry(ingest: IngestService, engine: Engine, entry: TicketEntry) -> IngestStatus:
    """Write an entry's document into the ``tickets`` space (replacing the card's previous one)."""
    from bot.store.db import session_scope

    result = ingest.ingest_bytes(entry.markdown.encode(), filename=f"kaiten-{entry.card_id}.md", space=TICKETS,
                                 source=f"kaiten:{entry.card_id}", added_by="tickets")
    with session_scope(engine) as session:
        escalation_repo.save_ticket_entry(session, card_id=entry.card_id, document_id=result.document_id)
    return result.status


async def send_reviews(engine: Engine, notifier: Notifier, lang: Lang) -> int:
    """Ask the admins about each new entry once: «Добавить в базу» / «Пропустить»."""
    sent = 0
    for entry in await in_session(engine, escalation_repo.pending_reviews):
        buttons = [[Button(t("btn_kb_add", lang), REVIEW_DATA.format(decision="add", entry_id=entry.id)),
                    Button(t("btn_kb_skip", lang), REVIEW_DATA.format(decision="skip", entry_id=entry.id))]]
        await in_session(engine, escalation_repo.save_ticket_entry, card_id=entry.card_id, review_sent_at=utcnow())
        await notifier.notify_admins(t("ticket_review", lang, text=entry.markdown[:3500]), buttons=buttons)
        sent += 1
    return sent


async def decide(engine: Engine, ingest: IngestService, *, entry_id: int, add: bool) -> TicketEntry | None:
    """An admin's answer to a review: add the entry's document, or skip it; None if already decided."""
    entry = await in_session(engine, escalation_repo.claim_review, entry_id=entry_id,
                             decision="added" if add else "skipped")
    if entry is not None and add:
        await asyncio.to_thread(ingest_entry, ingest, engine, entry)
    return entry
