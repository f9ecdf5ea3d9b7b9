"""What a ticket says, built from stored rows: a Markdown description and the same as structured JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import Session

from bot.integrations import TicketRequest
from bot.store import escalation_repo, repo
from bot.store.models import AnswerRecord, Chat, Escalation, Outcome, User

SOURCES = {"button": "кнопка «Позвать человека»", "human": "просьба позвать человека",
           "not_found": "после ответа «не найдено»", "thumbs_down": "после 👎"}


@dataclass(frozen=True)
class Turn:
    """One line of the transcript."""

    author: str
    text: str
    at: datetime


@dataclass(frozen=True)
class TicketContent:
    """Everything a tracker gets about one escalation."""

    escalation: Escalation
    chat: Chat
    user: User | None
    answer: AnswerRecord | None
    turns: list[Turn]

    @property
    def title(self) -> str:
        """The ticket's title: the user's question, on one line."""
        first = " ".join((self.escalation.question or "?").split())
        return first if len(first) <= 250 else first[:249] + "…"


def load_content(session: Session, *, escalation_id: int, turns: int) -> TicketContent:
    """The escalation with its chat, user, answer and the last ``turns`` messages up to the question."""
    escalation, chat, user, answer, message = escalation_repo.escalation_context(session, escalation_id=escalation_id)
    transcript: list[Turn] = []
    if message is not None and message.id is not None and chat.id is not None:
        rows = repo.recent_dialog(session, chat_id=chat.id, before_id=message.id + 1, since=None, limit=turns)
        for stored, author, reply in rows:
            transcript.append(Turn(person(author), stored.text, stored.sent_at))
            if reply is not None and reply.text:
                transcript.append(Turn("Бот", reply.text, reply.created_at))
    return TicketContent(escalation, chat, user, answer, transcript)


def person(user: User | None) -> str:
    """A user's name with @username, as tickets show them."""
    if user is None:
        return "?"
    name = user.full_name or str(user.telegram_id)
    return f"{name} (@{user.username})" if user.username else name


def description(content: TicketContent) -> str:
    """The ticket's Markdown description: chat, user, transcript, the bot's answer and sources, feedback."""
    e, chat, user, answer = content.escalation, content.chat, content.user, content.answer
    lines = [f"**Чат:** {chat.title or chat.telegram_id} (id {chat.telegram_id}, {chat.type})"]
    if user is not None:
        lines.append(f"**Пользователь:** {person(user)}, id {user.telegram_id}, "
                     f"[написать](tg://user?id={user.telegram_id})")
    lines.append(f"**Откуда:** {SOURCES.get(e.source, e.source)}; запрос №{e.id} в Dialog Keeper")
    lines += ["", "### Вопрос", e.question or "?"]
    if content.turns:
        lines += ["", "### Последние сообщения"]
        lines += [f"- {turn.at:%Y-%m-%d %H:%M} **{turn.author}:** {' '.join(turn.text.split())}"
                  for turn in content.turns]
    lines += ["", "### Ответ бота"]
    if answer is None:
        lines.append("—")
    elif answer.outcome == Outcome.not_found:
        lines.append("Не найдено в базе знаний.")
    else:
        lines.append(answer.text or "—")
        if answer.sources:
            lines += ["", "**Источники:**"]
            lines += [f"{s.get('number', i + 1)}. {s.get('heading_path') or s.get('title', '')}"
                      for i, s in enumerate(answer.sources)]
    if answer is not None and answer.feedback:
        lines += ["", f"**Оценка:** {'👍' if answer.feedback > 0 else '👎'}"]
    return "\n".join(lines)


def payload(content: TicketContent) -> dict[str, Any]:
    """The escalation as structured JSON (what an n8n workflow receives, see bot/integrations/n8n.py)."""
    e, chat, user, answer = content.escalation, content.chat, content.user, content.answer
    return {
        "escalation_id": e.id, "external_id": e.external_id, "source": e.source, "question": e.question,
        "transcript": [{"author": t.author, "text": t.text, "at": t.at.isoformat()} for t in content.turns],
        "user": None if user is None else {"id": user.telegram_id, "name": user.full_name, "username": user.username,
                                           "link": f"tg://user?id={user.telegram_id}"},
        "chat": {"id": chat.telegram_id, "title": chat.title, "type": chat.type},
        "answer": None if answer is None else {"text": answer.text, "outcome": answer.outcome.value,
                                               "feedback": answer.feedback},
        "sources": [{"title": s.get("title"), "heading_path": s.get("heading_path"), "source": s.get("source")}
                    for s in (answer.sources if answer else [])],
    }


def tags(content: TicketContent) -> list[str]:
    """Tags added to a new ticket: where it came from."""
    return ["dialog-keeper", content.escalation.source.replace("_", "-")]


def ticket_request(content: TicketContent) -> TicketRequest:
    """What the tracker gets: title, Markdown, tags and the JSON payload, under the escalation's external id."""
    e = content.escalation
    return TicketRequest(external_id=e.external_id or f"dk:{e.id}", title=content.title,
                         description=description(content), tags=tuple(tags(content)), data=payload(content))
