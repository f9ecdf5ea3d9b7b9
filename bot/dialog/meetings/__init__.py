"""Meetings: a chat request parsed by rules (dates never by a model), free slots offered, the pick booked.

Public: :class:`MeetingService` (the use case), :class:`Party` and :class:`Reply` (what transports pass and
get). The modules inside (parse, rules, dates, directory, slots, text, llm, service) are this package's own.
``MeetingService`` is imported on first use: it pulls in the database and CalDAV layers, which the parser and
the command line's ``meetings parse`` do not need.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.dialog.meetings.text import Party, Reply

if TYPE_CHECKING:
    from bot.dialog.meetings.service import MeetingService

__all__ = ["MeetingService", "Party", "Reply"]


def __getattr__(name: str) -> Any:
    """``MeetingService`` on first use (PEP 562)."""
    if name == "MeetingService":
        from bot.dialog.meetings.service import MeetingService

        return MeetingService
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
