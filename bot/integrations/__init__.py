"""Trackers a request for a human becomes a ticket in (Kaiten ``kaiten.py``, an n8n workflow ``n8n.py``) and CalDAV.

This module holds what every tracker adapter speaks: the values of the ``Tracker`` port (``bot/dialog/escalation/
tracker.py``) and its error family. They live here, on the floor below ``dialog/``, so an adapter never imports the
use-case layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True)
class Ticket:
    """A created ticket: its id as people see it (trackers address it by the same id) and its web address."""

    ticket_id: str
    url: str | None = None


@dataclass(frozen=True)
class TicketRequest:
    """What a tracker gets to open a ticket: ``external_id`` makes a repeated create find the first ticket."""

    external_id: str
    title: str
    description: str  # Markdown: chat, user, transcript, the bot's answer
    tags: tuple[str, ...] = ()
    data: dict[str, Any] = field(default_factory=dict)  # the same as structured JSON (the n8n payload)


@dataclass(frozen=True)
class Comment:
    """A public comment a person (not the bot's tracker user) wrote on a ticket; ``id`` grows with time."""

    id: int
    text: str  # plain text
    author: str = ""


class TicketState(StrEnum):
    """Where a ticket stands in its tracker."""

    open = "open"
    resolved = "resolved"
    gone = "gone"  # deleted: nothing will come back


@dataclass(frozen=True)
class ResolvedTicket:
    """A resolved ticket on its way into the knowledge base: the question and what a person answered."""

    ticket_id: str
    title: str
    description: str
    resolution: str | None  # None: not read yet (ask the tracker's ``resolution``); empty: nobody wrote one
    done_at: datetime | None
    external_id: str | None = None


class TrackerError(Exception):
    """The tracker refused a request; retrying cannot help (a wrong token, board, or payload)."""


class TrackerUnavailable(TrackerError):
    """The tracker did not answer, or answered 5xx/429 past the retries: try again later."""


class TrackerSetupError(TrackerError):
    """The configured board, columns or token cannot work: one sentence an operator can act on."""


class TicketNotFound(TrackerError):
    """No such ticket (deleted in the tracker)."""
