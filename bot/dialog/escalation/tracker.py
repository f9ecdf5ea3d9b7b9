"""The ``Tracker`` port: where a request for a human becomes a ticket, and what comes back from it.

Adapters live in ``bot/integrations/`` (``KaitenTracker``, ``N8nTracker``) and the container picks one
(``bot/container.py``, ``TRACKERS``). A tracker that cannot do something says so in its capabilities, and the
escalation feature never asks it: ``supports_comments`` (support replies to the chat, user replies to the
ticket, a resolved notice) and ``supports_resolution_sync`` (resolved tickets into the knowledge base).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from bot.integrations import (
    Comment,
    ResolvedTicket,
    Ticket,
    TicketNotFound,
    TicketRequest,
    TicketState,
    TrackerError,
    TrackerSetupError,
    TrackerUnavailable,
)

__all__ = ["Comment", "ResolvedTicket", "Ticket", "TicketNotFound", "TicketRequest", "TicketState", "Tracker",
           "TrackerError", "TrackerSetupError", "TrackerUnavailable"]


class Tracker(Protocol):
    """A ticket system. Errors: ``TrackerUnavailable`` (try later), any other ``TrackerError`` (cannot work)."""

    kind: str  # stored on each escalation and in synced documents' source («kaiten:<id>»)
    supports_comments: bool
    supports_resolution_sync: bool

    async def check(self) -> None:
        """Raise ``TrackerSetupError`` (one sentence) when the configuration cannot work: token, board, columns."""
        ...

    async def create_ticket(self, request: TicketRequest) -> Ticket:
        """Open a ticket, idempotently: a second call with the same ``external_id`` returns the first ticket."""
        ...

    async def new_comments(self, ticket_id: str, after: int | None) -> list[Comment]:
        """Public comments by people (not the bot itself) newer than comment ``after``, oldest first."""
        ...

    async def add_comment(self, ticket_id: str, text: str) -> None:
        """Add a comment as the bot (not retried: a second copy would be visible)."""
        ...

    async def state(self, ticket_id: str) -> TicketState:
        """Whether the ticket is open, resolved, or gone."""
        ...

    async def list_resolved(self, since: datetime | None) -> list[ResolvedTicket]:
        """Tickets resolved since ``since`` (all of them when None)."""
        ...

    async def resolution(self, ticket_id: str) -> str:
        """What a person answered on a resolved ticket (empty when nobody did)."""
        ...

    async def aclose(self) -> None:
        """Release the connections of the running event loop."""
        ...
