"""Knowledge spaces: which documents a chat may draw answers from.

A document belongs to exactly one space:

- ``global`` — every chat sees it;
- ``chat:<telegram chat id>`` — only that chat (e.g. ``chat:-1001234567890``; a private chat's id is the user's id);
- ``team:<name>`` — the chats configured as that team's (``DK_KNOWLEDGE__TEAMS={"sales": [-100123]}``);
- ``tickets`` — resolved support tickets (bot/knowledge/ticket_sync.py); every chat sees them.

Retrieval for a chat filters on :func:`spaces_for_chat`, in Qdrant's payload filter and in the
lexical index alike, so one chat never sees another chat's documents.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from bot.knowledge.errors import InvalidSpace

GLOBAL = "global"
TICKETS = "tickets"
_SPACE = re.compile(r"^(global|tickets|chat:-?\d{1,20}|team:[a-z0-9][a-z0-9_.-]{0,62})$")


def chat_space(chat_telegram_id: int) -> str:
    """The space of one chat's own documents."""
    return f"chat:{int(chat_telegram_id)}"


def team_space(name: str) -> str:
    """The space of a team's documents (``team:sales``)."""
    return validate_space(f"team:{name.strip().lower()}")


def validate_space(space: str) -> str:
    """``space`` if well-formed, else :class:`InvalidSpace` naming the accepted forms."""
    if not _SPACE.match(space):
        raise InvalidSpace(f"unknown knowledge space {space!r}: use 'global', 'chat:<chat id>' "
                           "or 'team:<name>' (lower-case letters, digits, '-', '_', '.')", space=space)
    return space


def spaces_for_chat(chat_telegram_id: int, *, teams: Mapping[str, Iterable[int]] | None = None) -> list[str]:
    """The spaces a chat's questions search: global, the chat's own, its teams' (sorted), and resolved tickets."""
    chat_id = int(chat_telegram_id)
    team_spaces = sorted(team_space(name) for name, chats in (teams or {}).items()
                         if chat_id in {int(c) for c in chats})
    return [GLOBAL, chat_space(chat_id), *team_spaces, TICKETS]
