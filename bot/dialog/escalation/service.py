"""Requests for a human: one escalation per question, a ticket in the configured tracker, the user and admins told.

The transport-neutral API the Telegram side and the dialog pipeline call::

    service = EscalationService(engine=..., settings=..., notifier=..., tracker=... or None, jobs=...)
    await service.request(chat_telegram_id=..., requester=Requester(id, full_name, username),
                          source="button" | "human" | "not_found" | "thumbs_down",
                          answer_id=... or message_id=..., lang="ru") -> RequestResult
    await service.relay_user_reply(chat_telegram_id, reply_to_telegram_message_id, text, author) -> bool
    await service.announce()  # tickets created later, final failures (the poller calls it)

``request`` answers the user itself (through the ``Notifier``): «Заявка №… создана…», «запрос сохранён…» when
the tracker is down, or «уже позван…» for a second request about the same question — never a second escalation.
One language policy: every later notice about an escalation (ticket created, support reply, resolved) speaks
the language of its first reply, stored on the row.
"""

from __future__ import annotations

import asyncio
import hashlib
import html
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from bot.dialog.escalation.tracker import Tracker, TrackerError
from bot.dialog.jobs import Jobs, QueueUnavailable
from bot.dialog.notify import Notifier
from bot.i18n import Lang, as_lang, t
from bot.settings import Settings
from bot.store import escalation_repo, repo
from bot.store.db import in_session
from bot.store.models import AnswerRecord, Chat, Escalation, EscalationStatus, Message, User

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
    status: EscalationStatus
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

    def __init__(self, *, engine: Engine, settings: Settings, notifier: Notifier, tracker: Tracker | None = None,
                 jobs: Jobs | None = None, poll_s: float = 0.25) -> None:
        self.engine = engine
        self.settings = settings
        self.notifier = notifier
        self.tracker = tracker
        self.jobs = jobs
        self._poll_s = poll_s
        self._store_lock = asyncio.Lock()

    @property
    def tracker_kind(self) -> str | None:
        """The tracker's kind (kaiten, n8n, …), or None when requests only reach the admins."""
        return self.tracker.kind if self.tracker is not None else None

    async def request(self, *, chat_telegram_id: int, requester: Requester, source: str = "button",
                      answer_id: int | None = None, message_id: int | None = None, question: str | None = None,
                      lang: Lang | None = None) -> RequestResult:
        """Escalate a question (by its answer id, stored message id or text) once; tell the user and admins."""
        lang = lang or self.settings.language
        async with self._store_lock:  # presses arrive together (concurrent updates); SQLite takes one writer
            escalation, created = await in_session(self.engine, self._store, chat_telegram_id, requester, source,
                                                   answer_id, message_id, question, lang)
        assert escalation.id is not None
        reply_to = escalation.question_telegram_id
        if not created:
            extra = t("human_already_ticket", lang, ticket=escalation.ticket_id) if escalation.ticket_id else ""
            await self.notifier.send(chat_telegram_id, t("human_already", lang, ticket=extra), reply_to=reply_to)
            return RequestResult(escalation.id, False, escalation.status, escalation.ticket_id)
        if self.tracker is None or self.jobs is None:
            await self.notifier.send(chat_telegram_id, t("human_requested", lang), reply_to=reply_to)
            await self._tell_admins(escalation.id)
            return RequestResult(escalation.id, True, escalation.status)
        escalation_id = escalation.id
        try:
            await self.jobs.ticket(escalation_id)
        except QueueUnavailable as exc:  # the row is stored: the poller queues it again once Redis is back
            log.error("could not queue the ticket of escalation %s: %s", escalation_id, exc)
        escalation = await self._wait_for_ticket(escalation_id)
        if not escalation.ticket_id and await in_session(self.engine, _claim, escalation_id, "user_told_saved"):
            await self.notifier.send(chat_telegram_id, t("ticket_saved", lang), reply_to=reply_to)
        if escalation.ticket_id or escalation.status == EscalationStatus.failed:
            await self.announce()
        return RequestResult(escalation_id, True, escalation.status, escalation.ticket_id)

    async def announce(self) -> int:
        """Tell users about tickets created since, admins about them and about final failures; returns notices."""
        rows = await in_session(self.engine, escalation_repo.escalations, statuses=(
            EscalationStatus.created, EscalationStatus.resolved, EscalationStatus.failed))
        sent = 0
        for escalation, chat in rows:
            assert escalation.id is not None
            if escalation.ticket_id and not escalation.user_told_ticket \
                    and await in_session(self.engine, _claim, escalation.id, "user_told_ticket"):
                message_id = await self.notifier.send(
                    chat.telegram_id, t("ticket_created", self.language(escalation), ticket=escalation.ticket_id),
                    reply_to=escalation.question_telegram_id)
                if message_id is not None:
                    await in_session(self.engine, escalation_repo.add_escalation_message, escalation_id=escalation.id,
                                     chat_telegram_id=chat.telegram_id, telegram_message_id=message_id, kind="ticket")
                sent += 1
            if not escalation.admin_told and (escalation.ticket_id or escalation.status == EscalationStatus.failed) \
                    and await in_session(self.engine, _claim, escalation.id, "admin_told"):
                await self._tell_admins(escalation.id)
                sent += 1
        return sent

    async def relay_user_reply(self, chat_telegram_id: int, reply_to_telegram_message_id: int, text: str,
                               author: str) -> bool:
        """Add a user's reply to a ticket message to the ticket; False when the replied message is no ticket's."""
        tracker = self.tracker
        if tracker is None or not tracker.supports_comments:
            return False
        escalation = await in_session(self.engine, escalation_repo.escalation_by_message,
                                      chat_telegram_id=chat_telegram_id,
                                      telegram_message_id=reply_to_telegram_message_id)
        if escalation is None or escalation.tracker != tracker.kind or escalation.ticket_id is None:
            return False
        lang = self.language(escalation)
        try:
            await tracker.add_comment(escalation.ticket_id, f"**{author}** (Telegram): {text}")
        except TrackerError as exc:
            log.warning("could not add a reply to ticket %s: %s", escalation.ticket_id, exc)
            await self.notifier.send(chat_telegram_id, t("reply_failed", lang, ticket=escalation.ticket_id))
            return True
        await self.notifier.send(chat_telegram_id, t("reply_added", lang, ticket=escalation.ticket_id))
        return True

    def language(self, escalation: Escalation) -> Lang:
        """The language of an escalation's notices: that of its first reply (the deployment's default before)."""
        return as_lang(escalation.lang, self.settings.language)

    async def aclose(self) -> None:
        """Close the tracker's connections of the running event loop."""
        if self.tracker is not None:
            await self.tracker.aclose()

    def _store(self, session: Session, chat_telegram_id: int, requester: Requester, source: str,
               answer_id: int | None, message_id: int | None, question: str | None,
               lang: Lang) -> tuple[Escalation, bool]:
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
            lang=lang,  # the language of this first reply is the language of every later notice about it
            tracker=self.tracker_kind,
            status=EscalationStatus.queued if self.tracker and self.jobs else EscalationStatus.requested)

    async def _wait_for_ticket(self, escalation_id: int) -> Escalation:
        """The escalation once its ticket exists or failed, or as it is after ``DK_TRACKER__WAIT_S``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.settings.tracker.wait_s
        while True:
            escalation = await in_session(self.engine, lambda s: s.get_one(Escalation, escalation_id))
            if escalation.ticket_id or escalation.status == EscalationStatus.failed or loop.time() >= deadline:
                return escalation
            await asyncio.sleep(self._poll_s)

    async def _tell_admins(self, escalation_id: int) -> None:
        """The admin notice: who (name, @username, id, a tg:// link), where, the question, the ticket or failure."""
        escalation, chat, user, _, _ = await in_session(self.engine, _context, escalation_id)
        lang = self.settings.language
        who = admin_who(user)
        where = html.escape(chat.title or str(chat.telegram_id))
        question = html.escape(escalation.question)
        if escalation.status == EscalationStatus.failed:
            text = t("admin_ticket_failed", lang, escalation=escalation.id, error=html.escape(escalation.last_error
                     or "?"), who=who, chat=where, question=question)
        else:
            text = t("admin_escalation", lang, who=who, chat=where, question=question)
            if escalation.ticket_id:
                url = escalation.ticket_url or ""
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


def _context(session: Session, escalation_id: int) -> tuple[Escalation, Chat, User | None, AnswerRecord | None,
                                                             Message | None]:
    return escalation_repo.escalation_context(session, escalation_id=escalation_id)

