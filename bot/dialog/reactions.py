"""Message reactions as feedback: 👍 / 👎 on an answer count like the buttons, per reacting user.

A user may hold several reactions on one message; the one just added decides (last reaction wins), and taking
the 👍/👎 away clears that user's feedback on the answer. Reactions on other messages, or other emoji, are ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import Engine

from bot.store import reaction_repo
from bot.store.db import in_session

log = logging.getLogger(__name__)

VALUES = {"👍": 1, "👎": -1}


def reaction_value(old: Sequence[str], new: Sequence[str]) -> int | None:
    """The feedback a change of reactions expresses: the 👍/👎 just added, else one still held, else none."""
    added = [emoji for emoji in new if emoji not in old and emoji in VALUES]
    if added:
        return VALUES[added[-1]]
    held = [VALUES[emoji] for emoji in new if emoji in VALUES]
    return held[-1] if held else None


class Reactions:
    """Records reactions on the bot's answers as their feedback."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    async def react(self, *, chat_id: int, message_id: int, user_id: int, old: Sequence[str],
                    new: Sequence[str]) -> int | None:
        """Record a user's reaction change on a bot message; returns the answer's id, None if it is no answer."""
        if not any(emoji in VALUES for emoji in (*old, *new)):
            return None  # ❤️, 🔥 …: not feedback
        answer_id = await in_session(self._engine, reaction_repo.answer_by_reply, chat_telegram_id=chat_id,
                                     reply_telegram_id=message_id)
        if answer_id is None:
            return None
        value = reaction_value(old, new)
        await in_session(self._engine, reaction_repo.set_reaction, answer_id=answer_id, user_telegram_id=user_id,
                         value=value)
        log.info("reaction feedback %s on answer %s", value, answer_id)
        return answer_id
