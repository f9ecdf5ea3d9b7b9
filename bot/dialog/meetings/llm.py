"""The LLM fallback of meeting parsing: the model copies surface fields out of the text, the rules do the dates.

Used only when the rules found no day and no time. The model fills a JSON schema (``when_text``,
``time_of_day``, ``duration_min``, ``participants``, ``title``); every field must be copied from the message
(checked here), and ``when_text`` is fed back through :func:`parse_when_text`, so a model can at worst miss a
date, a person or a length, never invent one.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from bot.dialog.meetings.directory import Directory
from bot.dialog.meetings.parse import MeetingRequest, names_a_day, normalise, parse_meeting, parse_when_text
from inference.llm import ChatMessage, LLMClient, LLMError

log = logging.getLogger(__name__)

SURFACE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "when_text": {"type": "string", "maxLength": 80},
        "time_of_day": {"type": "string", "enum": ["morning", "afternoon", "evening", "none"]},
        "duration_min": {"type": "integer", "minimum": 0, "maximum": 480},
        "participants": {"type": "array", "items": {"type": "string", "maxLength": 60}, "maxItems": 6},
        "title": {"type": "string", "maxLength": 80},
    },
    "required": ["when_text", "time_of_day", "duration_min", "participants", "title"],
}
_SYSTEM = ("You extract fields from a request to schedule a meeting. Copy words from the message, do not "
           "compute dates. when_text: the exact words that say when (for example 'next friday', 'в пятницу'), "
           "or an empty string. time_of_day: morning, afternoon, evening or none. duration_min: minutes if the "
           "length is said, else 0. participants: people's names as written. title: the topic, or empty.")


def copied_span(span: str, text: str) -> bool:
    """Whether ``span`` is words of ``text`` as written (case, «ё» and spacing aside): a model may only copy."""
    def squash(value: str) -> str:
        return " ".join(normalise(value).split())

    return bool(span.strip()) and squash(span) in squash(text)


def merge_surface(req: MeetingRequest, fields: dict[str, Any], text: str, *, now: datetime,
                  directory: Directory, max_days_ahead: int) -> MeetingRequest:
    """Fill what the rules missed from the model's fields; every field must be a span copied from the message.

    The date is re-derived by the rules from the copied ``when_text`` alone (no span, no date); ``time_of_day``
    only sets the hour of a day that span names; a participant is kept only when their name is in the message.
    """
    when = str(fields.get("when_text") or "").strip()
    if when and not copied_span(when, text):
        log.info("LLM when_text %r is not in the message; ignored", when)
        when = ""
    tod = str(fields.get("time_of_day") or "")
    if when:
        found = parse_when_text(when, tod if tod in ("morning", "afternoon", "evening") else None, now=now,
                                max_days_ahead=max_days_ahead)
        # where the rules saw a day they could not read, a span that names none (only "в 15") must not make it today
        if found.found_when and (req.problem != "unclear_day" or names_a_day(when, now)):
            req.start, req.day, req.problem, req.candidates = found.start, found.day, found.problem, found.candidates
            req.time_of_day = found.time_of_day or req.time_of_day
            req.source = "llm"
    duration = fields.get("duration_min")
    if req.duration_min is None and isinstance(duration, int) and 5 <= duration <= 480 and \
            re.search(rf"(?<!\d){duration}(?!\d)", text):
        req.duration_min, req.source = duration, "llm"  # a number the message says, not a model's default
    for name in fields.get("participants") or []:
        name = str(name).strip()
        person = directory.find(name) if copied_span(name, text) else None
        if person is not None and person.name not in req.participants:
            req.participants.append(person.name)
    title = str(fields.get("title") or "").strip()
    if title and req.title in ("Встреча", "Meeting") and copied_span(title, text):
        req.title = title[:80]
    return req


async def parse_with_fallback(text: str, *, now: datetime, tz: str, directory: Directory, max_days_ahead: int,
                              llm: LLMClient | None, server_kind: str = "llamacpp") -> MeetingRequest:
    """Rules first; only when they find no day and no time, or a day they cannot read, the model's surface fields,
    re-read by the rules."""
    req = parse_meeting(text, now=now, tz=tz, directory=directory, max_days_ahead=max_days_ahead)
    if llm is None or (req.found_when and req.problem != "unclear_day"):
        return req  # an unclear day («давай ср ближе к вечеру») may be one the model can copy out («ср»)
    try:
        fields = await llm.complete_json([ChatMessage("system", _SYSTEM), ChatMessage("user", text[:500])],
                                         SURFACE_SCHEMA, max_tokens=120)
    except LLMError as exc:
        log.info("meeting LLM fallback unavailable: %s", exc)
        return req
    local_now = req_now(now, tz)
    return merge_surface(req, fields, text, now=local_now, directory=directory, max_days_ahead=max_days_ahead)


def req_now(now: datetime, tz: str) -> datetime:
    """``now`` in the meetings zone (a naive ``now`` is read as wall time there)."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    return now.astimezone(zone) if now.tzinfo else now.replace(tzinfo=zone)
