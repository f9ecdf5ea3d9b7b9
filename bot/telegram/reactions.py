"""👍 / 👎 reactions on the bot's answers count as their feedback (``message_reaction`` updates).

Telegram sends reaction updates only to a bot that asks for them in ``allowed_updates`` (see ``app.py``), and in
groups only when the bot is an administrator there. Anonymous reactions (on behalf of a chat) carry no user: ignored.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from telegram import ReactionType, ReactionTypeEmoji, Update
from telegram.ext import Application, MessageReactionHandler

from bot.telegram.context import Context

log = logging.getLogger(__name__)


def register(application: Application) -> None:  # type: ignore[type-arg]  # any context types
    """Add the reaction handler."""
    application.add_handler(MessageReactionHandler(on_reaction))


def _emoji(reactions: Sequence[ReactionType]) -> list[str]:
    return [r.emoji for r in reactions if isinstance(r, ReactionTypeEmoji)]


async def on_reaction(update: Update, context: Context) -> None:
    """A user changed their reactions on a message: feedback when it is one of our answers and they may use us."""
    change = update.message_reaction
    if change is None or change.user is None:
        return
    container = context.container
    if not await container.access.may_use(user_id=change.user.id, chat_id=change.chat.id):
        return  # like their messages: someone without access does not rate answers
    await container.reactions.react(chat_id=change.chat.id, message_id=change.message_id, user_id=change.user.id,
                                    old=_emoji(change.old_reaction), new=_emoji(change.new_reaction))
