"""Conversation memory: the recent turns of a chat, as chat messages for the prompt."""

from __future__ import annotations

from sqlmodel import Session

from bot.store import repo
from bot.store.models import Chat, Outcome
from inference.llm import ChatMessage


def question_text(text: str, bot_username: str = "") -> str:
    """A message's question: without a leading /ask command (or a stray leading "/") and the bot's @mention."""
    words = text.split()
    if words and words[0].split("@")[0] == "/ask":
        words = words[1:]
    elif words and words[0].startswith("/"):  # «/? как оформить отпуск», «/отпуск …»: not a command, a question
        words = [w for w in (words[0].lstrip("/?"), *words[1:]) if w]
    mention = f"@{bot_username.lower()}"
    return " ".join(w for w in words if not bot_username or w.lower() != mention).strip()


def recent_turns(session: Session, *, chat_id: int, before_message_id: int, turns: int) -> list[ChatMessage]:
    """The last ``turns`` exchanges of a chat since its /reset; in groups each line names its author."""
    chat = session.get_one(Chat, chat_id)
    rows = repo.recent_dialog(session, chat_id=chat_id, before_id=before_message_id,
                              since=chat.memory_reset_at, limit=2 * turns)
    group = chat.type not in ("private", "cli")  # one person on the other side: no author names
    messages: list[ChatMessage] = []
    for message, author, answer in rows:
        name = (author.full_name or author.username or str(author.telegram_id)) if author else "?"
        text = question_text(message.text)
        messages.append(ChatMessage("user", f"{name}: {text}" if group else text))
        if answer is not None and answer.outcome == Outcome.answered:
            messages.append(ChatMessage("assistant", answer.text))
    return messages
