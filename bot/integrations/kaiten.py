"""Kaiten as the tracker (developers.kaiten.ru): the ``Tracker`` port over :class:`KaitenClient`.

Cards go to one board (``DK_KAITEN__BOARD_ID``); support's public comments come back to the chat; a card in a
done column (``state`` 3) is resolved, and the sync turns it into a knowledge-base document. Kaiten's card and
comment JSON (``author_id``, ``internal``, ``type`` 2 = HTML) is read here and nowhere else.
"""

from __future__ import annotations

import asyncio
import logging
import re
import weakref
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.integrations import Comment, ResolvedTicket, Ticket, TicketRequest, TicketState, TrackerSetupError
from bot.integrations.kaiten_api import (
    DONE,
    PAGE,
    KaitenAuthError,
    KaitenClient,
    KaitenError,
    KaitenNotFound,
    KaitenRequestError,
    KaitenUnavailable,
    card_url,
)
from bot.settings import KaitenSettings

__all__ = ["DONE", "PAGE", "KaitenAuthError", "KaitenClient", "KaitenError", "KaitenNotFound", "KaitenRequestError",
           "KaitenTracker", "KaitenUnavailable", "card_url", "comment_text", "is_from_person"]

log = logging.getLogger(__name__)

_TAG = re.compile(r"<[^>]+>")


def is_from_person(comment: dict[str, Any], bot_user_id: int) -> bool:
    """A visible comment written by someone other than the bot's Kaiten user."""
    author = comment.get("author_id") or (comment.get("author") or {}).get("id")
    return (not comment.get("internal") and not comment.get("deleted") and author is not None
            and int(author) != bot_user_id and bool(str(comment.get("text") or "").strip()))


def comment_text(comment: dict[str, Any]) -> str:
    """A comment's text as plain text (HTML comments, ``type`` 2, lose their tags)."""
    text = str(comment.get("text") or "")
    if comment.get("type") == 2:
        text = _TAG.sub("", text)
    return text.strip()


def parse_time(value: str | None) -> datetime | None:
    """Kaiten's ISO 8601 (``2024-10-28T14:36:34.877Z``) as an aware UTC datetime."""
    if not value:
        return None
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def iso(value: datetime) -> str:
    """An aware datetime as Kaiten writes them."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class KaitenTracker:
    """Kaiten as the tracker: cards on one board, comments both ways, cards in a done column resolved and synced."""

    kind = "kaiten"
    supports_comments = True
    supports_resolution_sync = True

    def __init__(self, cfg: KaitenSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._cfg = cfg
        self._transport = transport
        # httpx clients belong to one event loop: the bot's loop and each job's asyncio.run get their own.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, KaitenClient] = \
            weakref.WeakKeyDictionary()
        self._me: int | None = None

    def client(self) -> KaitenClient:
        """The client of the running event loop (one pace for the poller, the sync and relayed replies)."""
        cfg, loop = self._cfg, asyncio.get_running_loop()
        if loop not in self._clients:
            if cfg.token is None or cfg.board_id is None:
                raise TrackerSetupError("DK_KAITEN__TOKEN and DK_KAITEN__BOARD_ID must be set")
            self._clients[loop] = KaitenClient(cfg.url, cfg.token.get_secret_value(), rate_per_s=cfg.rate_per_s,
                                               timeout_s=cfg.timeout_s, transport=self._transport)
        return self._clients[loop]

    async def aclose(self) -> None:
        """Close the running loop's client."""
        client = self._clients.pop(asyncio.get_running_loop(), None)
        if client is not None:
            await client.aclose()

    async def check(self) -> None:
        """The token works and may see the board, which has the configured column and a done column."""
        cfg, api = self._cfg, self.client()
        assert cfg.board_id is not None  # client() checked it
        try:
            await self.bot_user_id()
        except KaitenAuthError as exc:
            raise TrackerSetupError("Kaiten refused DK_KAITEN__TOKEN (check the token)") from exc
        try:
            await api.board(cfg.board_id)
            columns = await api.columns(cfg.board_id)
        except KaitenNotFound as exc:
            raise TrackerSetupError(f"Kaiten has no board {cfg.board_id} (check DK_KAITEN__BOARD_ID)") from exc
        except KaitenAuthError as exc:
            raise TrackerSetupError(f"the Kaiten token has no access to board {cfg.board_id} "
                                    "(check DK_KAITEN__BOARD_ID and the token's user)") from exc
        ids = {int(c["id"]) for c in _flat(columns)}
        if cfg.column_id is not None and cfg.column_id not in ids:
            raise TrackerSetupError(f"board {cfg.board_id} has no column {cfg.column_id} (check DK_KAITEN__COLUMN_ID)")
        if not any(int(c.get("type") or 0) == DONE for c in _flat(columns)):
            raise TrackerSetupError(f"board {cfg.board_id} has no done column: resolved cards cannot be found")

    async def bot_user_id(self) -> int:
        """The Kaiten user the token acts as: its comments are the bot's own."""
        if self._me is None:
            self._me = int((await self.client().current_user())["id"])
        return self._me

    async def create_ticket(self, request: TicketRequest) -> Ticket:
        """The request's card (found again by external id if an earlier attempt made it), then its tags."""
        cfg, api = self._cfg, self.client()
        assert cfg.board_id is not None  # client() checked it
        card = await api.create_card(title=request.title, board_id=cfg.board_id, external_id=request.external_id,
                                     column_id=cfg.column_id, lane_id=cfg.lane_id, type_id=cfg.type_id,
                                     description=request.description)
        card_id = int(card["id"])
        for tag in request.tags:  # after creation: tags are not in Kaiten's create schema; adding twice is harmless
            try:
                await api.add_tag(card_id, tag)
            except KaitenError as exc:  # a missing tag is no reason to fail the ticket
                log.warning("could not tag card %s with %s: %s", card_id, tag, exc)
        return Ticket(ticket_id=str(card_id), url=card_url(cfg.url, card_id))

    async def new_comments(self, ticket_id: str, after: int | None) -> list[Comment]:
        """Public comments by people (not the bot's user, not internal or deleted) newer than ``after``."""
        me = await self.bot_user_id()
        comments = await self.client().comments(int(ticket_id))
        return sorted((Comment(id=int(c["id"]), text=comment_text(c), author=str(c.get("author_id") or ""))
                       for c in comments if is_from_person(c, me) and int(c["id"]) > (after or 0)),
                      key=lambda c: c.id)

    async def add_comment(self, ticket_id: str, text: str) -> None:
        """A comment on the card, as the bot's user."""
        await self.client().add_comment(int(ticket_id), text)

    async def state(self, ticket_id: str) -> TicketState:
        """Resolved once the card is in a done column; gone when it was deleted."""
        try:
            card = await self.client().get_card(int(ticket_id))
        except KaitenNotFound:
            return TicketState.gone
        return TicketState.resolved if int(card.get("state") or 0) == DONE else TicketState.open

    async def list_resolved(self, since: datetime | None) -> list[ResolvedTicket]:
        """Cards of the board moved to done since ``since`` (on the board and archived); resolutions unread."""
        filters: dict[str, Any] = {"board_id": self._cfg.board_id, "states": DONE,
                                   "additional_card_fields": "description"}
        if since is not None:
            filters["last_moved_to_done_at_after"] = iso(since)
        cards: dict[int, dict[str, Any]] = {}
        for condition in (1, 2):  # on the board, and archived
            async for card in self.client().iter_cards(condition=condition, **filters):
                if int(card.get("state") or 0) == DONE:
                    cards[int(card["id"])] = card
        return [ResolvedTicket(
            ticket_id=str(card_id), title=str(card.get("title") or ""), description=str(card.get("description") or ""),
            resolution=self._property_resolution(card),
            done_at=parse_time(card.get("last_moved_to_done_at") or card.get("completed_at") or card.get("updated")),
            external_id=card.get("external_id")) for card_id, card in cards.items()]

    def _property_resolution(self, card: dict[str, Any]) -> str | None:
        """The configured custom property's text, or None (then the last comment is the resolution)."""
        prop = self._cfg.resolution_property_id
        value = (card.get("properties") or {}).get(f"id_{prop}") if prop is not None else None
        return str(value).strip() or None if value else None

    async def resolution(self, ticket_id: str) -> str:
        """The last public comment a person wrote on the card, or empty."""
        comments = await self.new_comments(ticket_id, None)
        return comments[-1].text if comments else ""


def _flat(columns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Columns with their subcolumns."""
    return [c for column in columns for c in (column, *_flat(column.get("subcolumns") or []))]
