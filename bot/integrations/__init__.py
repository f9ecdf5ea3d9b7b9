"""Trackers a request for a human becomes a ticket in: Kaiten (``kaiten.py``) or an n8n workflow (``n8n.py``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Ticket:
    """A created ticket: its number as people see it, its web address, and the Kaiten card id if any."""

    ticket_id: str
    url: str | None = None
    card_id: int | None = None
