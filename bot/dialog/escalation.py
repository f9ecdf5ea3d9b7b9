"""Requests for a human: one escalation per question, a ticket in Kaiten or n8n, the user and admins told.

The transport-neutral API the Telegram side and the dialog pipeline call::

    service = EscalationService(engine=..., settings=..., notifier=...)
    await service.request(chat_telegram_id=..., requester=Requester(id, full_name, username),
                          source="button" | "human" | "not_found" | "thumbs_down",
                          answer_id=... or message_id=..., lang="ru") -> RequestResult
    await service.relay_user_reply(chat_telegram_id, reply_to_telegram_message_id, text, author) -> bool
    await service.announce()  # tickets created later, final failures (the poller calls it)

``request`` answers the user itself (through the ``Notifier``): «Заявка №… создана…», «запрос сохранён…» when
the tracker is down, or «уже позван…» for a second request about the same question — never a second escalation.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from redis import RedisError
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.dialog.notify import Notifier
from bot.i18n import Lang, t
from bot.integrations.kaiten import KaitenClient, KaitenError
from bot.jobs.escalation import enqueue_ticket, kaiten_client
from bot.settings import Settings
from bot.store import escalation_repo, repo
from bot.store.db import in_session
from bot.store.models import AnswerRecord, Chat, Escalation, Message, User

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class Requester:
    """Who asks for a human (a Telegram user)."""

    telegram_id: int
    full_name: str = ""
    username: str | None = None


@dataclass(frozen=True)
class RequestResult:
    """What ``request`` did: ``created`` False means the question already had an escalation."""

    escalation_id: int
    created: bool
    status: str
    ticket_id: str | None = None


def question_key(*, message_id: int | None, answer_id: int | None, question: str) -> str:
    """What identifies "the same question": its stored message, else its answer, else its text."""
    if message_id is not None:
        return f"m{message_id}"
    if answer_id is not None:
        return f"a{answer_id}"
    return "q" + hashlib.sha256(" ".join(question.lower().split()).encode()).hexdigest()[:32]


class EscalationService:
    """Stores escalations, queues their tickets and keeps the user and the admins informed."""

    def __init__(self, *, engine: Engine, settings: Settings, notifier: Notifier, poll_s: float = 0.25) -> None:
        self.engine = engine
        self.settings = settings
        self.notifier = notifier
        self._poll_s = poll_s
        self._store_lock = asyncio.Lock()
        self.kaiten: KaitenClient | None = None  # built on first use, in the event loop that uses it

    @property
    def tracker(self) -> str | None:
        """kaiten | n8n, or None when requests only reach the admins."""
        kind = self.settings.tracker.kind
        return None if kind == "none" else kind

    async def request(self, *, chat_telegram_id: int, requester: Requester, source: str = "button",
                      answer_id: int | None = None, message_id: int | None = None, question: str | None = None,
                      lang: Lang | None = None) -> RequestResult:
        """Escalate a question (by its answer id, stored message id or text) once; tell the user and admins."""
        async with self._store_lock:  # presses arrive together (concurrent updates); SQLite takes one writer
            escalation, created = await in_session(self.engine, self._store, chat_telegram_id, requester, source,
                                                   answer_id, message_id, question)
        assert escalation.id is not None
        lang = lang or self.settings.language
        reply_to = escalation.question_telegram_id
        if not created:
            extra = t("human_already_ticket", lang, ticket=escalation.ticket_id) if escalation.ticket_id else ""
            await self.notifier.send(chat_telegram_id, t("human_already", lang, ticket=extra), reply_to=reply_to)
            return RequestResult(escalation.id, False, escalation.status, escalation.ticket_id)
        if self.tracker is None:
            await self.notifier.send(chat_telegram_id, t("human_requested", lang), reply_to=reply_to)
            await self._tell_admins(escalation.id)
            return RequestResult(escalation.id, True, escalation.status)
        escalation_id = escalation.id
        try:
            await asyncio.to_thread(enqueue_ticket, self.settings, escalation_id)
        except RedisError as exc:  # the row is stored: the poller queues it again once Redis is back
            log.error("could not queue the ticket of escalation %s: %s", escalation_id, exc)
        escalation = await self._wait_for_ticket(escalation_id)
        if not escalation.ticket_id and await in_session(self.engine, _claim, escalation_id, "user_told_saved"):
            await self.notifier.send(chat_telegram_id, t("ticket_saved", lang), reply_to=reply_to)
        if escalation.ticket_id or escalation.status == "failed":
            await self.announce()
        return RequestResult(escalation_id, True, escalation.status, escalation.ticket_id)

    async def announce(self) -> int:
        """Tell users about tickets created since, admins about them and about final failures; returns notices."""
        rows = await in_session(self.engine, escalation_repo.escalations, statuses=("created", "resolved", "failed"))
        sent = 0
        for escalation, chat in rows:
            assert escalation.id is not None
            if escalation.ticket_id and not escalation.user_told_ticket \
                    and await in_session(self.engine, _claim, escalation.id, "user_told_ticket"):
                lang = await in_session(self.engine, _language, escalation.user_id, self.settings.language)
                message_id = await self.notifier.send(
                    chat.telegram_id, t("ticket_created", lang, ticket=escalation.ticket_id),
                    reply_to=escalation.question_telegram_id)
                if message_id is not None:
                    await in_session(self.engine, escalation_repo.add_escalation_message, escalation_id=escalation.id,
                                     chat_telegram_id=chat.telegram_id, telegram_message_id=message_id, kind="ticket")
                sent += 1
            if not escalation.admin_told and (escalation.ticket_id or escalation.status == "failed") \
                    and await in_session(self.engine, _claim, escalation.id, "admin_told"):
                await self._tell_admins(escalation.id)
                sent += 1
        return sent

    async def relay_user_reply(self, chat_telegram_id: int, reply_to_telegram_message_id: int, text: str,
                               author: str) -> bool:
        """Add a user's reply to a ticket message to the card; False when the replied message is no ticket's."""
        escalation = await in_session(self.engine, escalation_repo.escalation_by_message,
                                      chat_telegram_id=chat_telegram_id,
                                      telegram_message_id=reply_to_telegram_message_id)
        if escalation is None or escalation.tracker != "kaiten" or escalation.card_id is None:
            return False
        lang = await in_session(self.engine, _language, escalation.user_id, self.settings.language)
        try:
            await self.kaiten_client().add_comment(escalation.card_id, f"**{author}** (Telegram): {text}")
        except KaitenError as exc:
            log.warning("could not add a reply to card %s: %s", escalation.card_id, exc)
            await self.notifier.send(chat_telegram_id, t("reply_failed", lang, ticket=escalation.ticket_id))
            return True
        await self.notifier.send(chat_telegram_id, t("reply_added", lang, ticket=escalation.ticket_id))
        return True

    def kaiten_client(self) -> KaitenClient:
        """The shared Kaiten client (one pace for the poller, the sync and relayed replies)."""
        if self.kaiten is None:
            self.kaiten = kaiten_client(self.settings)
        return self.kaiten

    async def aclose(self) -> None:
        """Close the Kaiten client."""
        if self.kaiten is not None:
            await self.kaiten.aclose()
            self.kaiten = None

    def _store(self, session: Session, chat_telegram_id: int, requester: Requester, source: str,
               answer_id: int | None, message_id: int | None, question: str | None) -> tuple[Escalation, bool]:
        chat = _race_safe(session, lambda: repo.get_or_create_chat(session, telegram_id=chat_telegram_id))
        user = _race_safe(session, lambda: repo.get_or_create_user(
            session, telegram_id=requester.telegram_id, username=requester.username, full_name=requester.full_name))
        if requester.username and user.username != requester.username:
            user.username = requester.username
            session.add(user)
        answer = session.get(AnswerRecord, answer_id) if answer_id is not None else None
        if message_id is None and answer is not None:
            message_id = answer.message_id
        message = session.get(Message, message_id) if message_id is not None else None
        text = question or (answer.question if answer else None) or (message.text if message else "") or "?"
        assert chat.id is not None
        return escalation_repo.create_escalation(
            session, chat_id=chat.id, user_id=user.id, answer_id=answer_id, message_id=message_id,
            question_key=question_key(message_id=message_id, answer_id=answer_id, question=text), question=text,
            question_telegram_id=message.telegram_message_id if message else None, source=source,
            tracker=self.tracker, status="queued" if self.tracker else "requested")

    async def _wait_for_ticket(self, escalation_id: int) -> Escalation:
        """The escalation once its ticket exists or failed, or as it is after ``DK_TRACKER__WAIT_S``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.tracker.wait_s
        while True:
            escalation = await in_session(self.engine, lambda s: s.get_one(Escalation, escalation_id))
            if escalation.ticket_id or escalation.status == "failed" or loop.time() >= deadline:
                return escalation
            await asyncio.sleep(self._poll_s)

    async def _tell_admins(self, escalation_id: int) -> None:
        """The admin notice: who (name, @username, id, a tg:// link), where, the question, the ticket or failure."""
        escalation, chat, user, _, _ = await in_session(self.engine, _context, escalation_id)
        lang = self.settings.language
        who = admin_who(user)
        where = html.escape(chat.title or str(chat.telegram_id))
        question = html.escape(escalation.question)
        if escalation.status == "failed":
            text = t("admin_ticket_failed", lang, escalation=escalation.id, error=html.escape(escalation.last_error
                     or "?"), who=who, chat=where, question=question)
        else:
            text = t("admin_escalation", lang, who=who, chat=where, question=question)
            if escalation.ticket_id:
                url = escalation.card_url or ""
                link = f'<a href="{html.escape(url)}">{html.escape(url)}</a>' if url else "—"
                text += "\n" + t("admin_escalation_ticket", lang, ticket=html.escape(escalation.ticket_id), url=link)
        await self.notifier.notify_admins(text, html=True)


def admin_who(user: User | None) -> str:
    """HTML naming a user for admins: a tg://user link, @username and id (Telegram needs all three at times)."""
    if user is None:
        return "?"
    name = html.escape(user.full_name or str(user.telegram_id))
    handle = f"@{html.escape(user.username)}, " if user.username else ""
    return f'<a href="tg://user?id={user.telegram_id}">{name}</a> ({handle}id {user.telegram_id})'


def _race_safe(session: Session, get_or_create: Callable[[], T]) -> T:
    """``get_or_create`` in a savepoint: when a concurrent press inserted the row first, read theirs."""
    try:
        with session.begin_nested():
            return get_or_create()
    except IntegrityError:
        return get_or_create()


def _claim(session: Session, escalation_id: int, flag: str) -> bool:
    return escalation_repo.claim_flag(session, escalation_id=escalation_id, flag=flag)


def _language(session: Session, user_id: int | None, default: Lang) -> Lang:
    user = session.get(User, user_id) if user_id is not None else None
    return user.language if user is not None and user.language in ("ru", "en") else default  # type: ignore[return-value]


def _context(session: Session, escalation_id: int) -> tuple[Escalation, Chat, User | None, AnswerRecord | None,
                                                             Message | None]:
    return escalation_repo.escalation_context(session, escalation_id=escalation_id)

