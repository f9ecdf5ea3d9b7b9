"""The one path every message takes: keep → claim → route → finish (the "nothing is lost" machine).

1. **keep** — stored with chat, author, time, reply links and raw JSON before anything else; idempotent.
2. **claim** — an atomic pending → answering, so a duplicate in flight is never answered twice.
3. **route** — a voice note is transcribed first, a document goes to ingestion; text gets an intent and goes to
   the answer, the hand-off to a human, meetings or a short small-talk reply.
4. **finish** — always recorded: done, or pending again when a dependency was down (answered when it is back).
Transports (Telegram, the CLI, tests) only parse and render, through a ``Channel``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot import metrics
from bot.dialog.channel import AnswerStream, Channel
from bot.dialog.intents import Intent, smalltalk_key
from bot.dialog.jobs import Jobs
from bot.dialog.memory import question_text, recent_turns
from bot.dialog.messages import Incoming, Kept, kept_from_rows, language_code_of
from bot.dialog.notify import Notifier
from bot.i18n import t
from bot.store import claims, repo
from bot.store.db import in_session
from bot.store.models import Chat, Message, MessageKind, MessageStatus, User, utcnow

if TYPE_CHECKING:
    from bot.dialog.services import DialogServices

log = logging.getLogger(__name__)


ChannelFactory = Callable[[Kept], Awaitable[Channel]]
# The message a dialog process already claimed for the update it is running through the handlers.
CLAIMED: ContextVar[int | None] = ContextVar("claimed_message", default=None)
BLOCKED_RETRY_S = (0.05, 0.1, 0.2, 0.4, 0.5)  # back-off while an earlier message of the chat is unfinished


def process_owner() -> str:
    """This process's name on its claims: host, pid and a nonce (a pid can be reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Inbox:
    """Owns the lifecycle of every message; the container provides the services it routes to."""

    def __init__(self, container: DialogServices) -> None:
        # The container, not its services: they load models lazily, only on the paths that need them.
        self._container = container
        self.engine = container.engine
        self.settings = container.settings
        self.notifier: Notifier = container.notifier
        self.bot_username = ""
        # Updates are handled concurrently, but kept one at a time (FIFO): rows keep the order they arrived in,
        # which the conversation memory relies on. Keeping is one short transaction.
        self._keeping = asyncio.Lock()
        self.owner = process_owner()
        self.lease_s = container.settings.inbox.lease_s

    async def keep(self, incoming: Incoming, *, dispatch: bool = False) -> Kept:
        """Store an update before anything else looks at it; ``duplicate`` marks a repeated delivery. ``dispatch``
        (an ingress process): a dialog process is to run it through the handlers (a command, a button)."""
        status = MessageStatus.pending if incoming.addressed else MessageStatus.kept
        async with self._keeping:
            message, chat, before = await in_session(
                self.engine, repo.keep_message, chat_telegram_id=incoming.chat_id, chat_type=incoming.chat_type,
                chat_title=incoming.chat_title, user_telegram_id=incoming.user_id, username=incoming.username,
                full_name=incoming.full_name, update_id=incoming.update_id, telegram_message_id=incoming.message_id,
                edited=incoming.edited, text=incoming.text, kind=incoming.kind,
                reply_to_telegram_id=incoming.reply_to, sent_at=incoming.sent_at, raw=incoming.raw, status=status,
                dispatch=dispatch)
        if not before:
            metrics.MESSAGES.labels(incoming.kind.value).inc()
        return replace(kept_from_rows(message, chat, None, file=incoming.file, duplicate=before),
                       user_id=incoming.user_id, user_name=incoming.full_name, username=incoming.username,
                       language_code=incoming.language_code)

    async def keep_typed(self, text: str) -> Kept:
        """Store a question typed at the local terminal (the CLI's transport: no update, no Telegram ids)."""
        def keep(session: Any) -> Kept:
            message = repo.add_cli_message(session, text=text, status=MessageStatus.pending)
            return kept_from_rows(message, session.get_one(Chat, message.chat_id), None)

        return await in_session(self.engine, keep)

    def is_admin(self, user_id: int | None) -> bool:
        """Whether a Telegram user is an admin."""
        return self._container.access.is_admin(user_id)

    async def set_status(self, kept: Kept, status: MessageStatus) -> None:
        """Record where a message stands (e.g. done when it was refused by the rate limit)."""
        await in_session(self.engine, repo.update_message, message_id=kept.id, status=status)

    async def note(self, kept: Kept, **values: Any) -> None:
        """Store facts learnt while handling a message (media path, intent, reply message)."""
        await in_session(self.engine, repo.update_message, message_id=kept.id, **values)

    async def process(self, kept: Kept, channel: Channel) -> MessageStatus | None:
        """Claim a kept message, route it, record how it ended; None when someone else has it."""
        if CLAIMED.get() != kept.id and not await self.claim(kept.id):
            return None
        from inference.llm import SESSION_ID

        SESSION_ID.set(str(kept.chat_id))  # this task's model requests stay on one server behind a router
        status: MessageStatus | None = MessageStatus.done
        renewing = asyncio.create_task(self._renew(kept.id))
        try:
            status = await self._route(kept, channel)
        except asyncio.CancelledError:
            status = None  # stopped mid-way, as if the process died: its lease runs out and the next one answers
            raise
        finally:  # even a crash of the route records an end: pending again means "answer it later"
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
            if status is not None and not await in_session(self.engine, claims.finish_claim, message_id=kept.id,
                                                           owner=self.owner, status=status):
                log.warning("message %s was taken over while we answered it: its new owner records the end", kept.id)
        return status

    async def claim(self, message_id: int) -> bool:
        """Claim a message for this process, waiting while an earlier message of its chat is unfinished."""
        attempt = 0
        while (outcome := await in_session(self.engine, claims.claim_message, message_id=message_id,
                                           owner=self.owner, lease_s=self.lease_s)) is claims.Claim.blocked:
            await asyncio.sleep(BLOCKED_RETRY_S[min(attempt, len(BLOCKED_RETRY_S) - 1)])
            attempt += 1
        return outcome is claims.Claim.claimed

    async def claimable(self, limit: int) -> list[int]:
        """Messages a dialog process may claim now (oldest first, each behind no unfinished one of its chat)."""
        return await in_session(self.engine, claims.claimable_ids, limit=limit, lease_s=self.lease_s)

    async def try_claim(self, message_id: int) -> bool:
        """One claim attempt, no waiting (a dialog process moves on to the next message)."""
        outcome = await in_session(self.engine, claims.claim_message, message_id=message_id, owner=self.owner,
                                   lease_s=self.lease_s)
        return outcome is claims.Claim.claimed

    async def dispatchable(self, limit: int) -> list[int]:
        """Updates an ingress kept for the handlers (commands, buttons), oldest first."""
        return await in_session(self.engine, claims.dispatch_ids, limit=limit)

    async def take_dispatch(self, message_id: int) -> bool:
        """Take one of them (one process runs it)."""
        return await in_session(self.engine, claims.take_dispatch, message_id=message_id)

    async def finish_if_mine(self, message_id: int) -> None:
        """Done, when our claim is still open after the handlers ran (a command, a refused update)."""
        await in_session(self.engine, claims.finish_claim, message_id=message_id, owner=self.owner,
                         status=MessageStatus.done)

    async def _may_deliver(self, message_id: int, stream: AnswerStream) -> bool:
        """The fence before a final reply: True while our claim holds (from now on, we deliver); else the stream
        is abandoned, since the message's new owner answers it."""
        if await in_session(self.engine, claims.begin_delivery, message_id=message_id, owner=self.owner,
                            lease_s=self.lease_s):
            return True
        log.warning("lost the claim on message %s before delivering: its new owner answers it", message_id)
        await stream.abandon()
        return False

    async def _renew(self, message_id: int) -> None:
        """Keep renewing the claim while its answer is being made (a third of the lease apart)."""
        while True:
            await asyncio.sleep(self.lease_s / 3)
            if not await in_session(self.engine, claims.renew_claim, message_id=message_id, owner=self.owner,
                                    lease_s=self.lease_s):
                log.warning("lost the claim on message %s (its lease ran out)", message_id)
                return

    async def _route(self, kept: Kept, channel: Channel) -> MessageStatus:
        from bot.dialog import media  # voice and documents: job queues are imported only when needed

        if kept.kind is MessageKind.document:
            return await media.ingest_upload(self, kept, channel)
        if kept.kind is MessageKind.voice:
            status, transcript = await media.transcribe(self, kept, channel)
            if transcript is None:
                return status
            kept = replace(kept, text=transcript, kind=MessageKind.text)
        question = question_text(kept.text, self.bot_username)
        if question and kept.reply_to is not None and kept.user_id is not None \
                and await self._container.escalations.relay_user_reply(
                    kept.chat_id, kept.reply_to, question,
                    f"{kept.user_name} (@{kept.username})" if kept.username else kept.user_name):
            return MessageStatus.done  # a reply to support's message: it goes to the ticket, not to the model
        if not question:
            await channel.say(t("empty_question", channel.lang))
            return MessageStatus.done
        result = await self._container.intents.classify(question)
        noting = self.note(kept, intent=result.intent.value, intent_confidence=result.confidence,
                           intent_path=result.path)
        if result.intent is Intent.question:
            return await self._answer(kept, question, channel, noting)
        await noting
        if result.intent is Intent.human:
            await self.hand_off(kept, channel, source="human")
            return MessageStatus.done
        if result.intent is Intent.meeting:
            await self._meeting(kept, question, channel)
            return MessageStatus.done
        if result.intent is Intent.smalltalk:
            await channel.say(t(smalltalk_key(question), channel.lang))
            return MessageStatus.done
        # other: arithmetic, poems, spam: not for the knowledge base, and no sources
        await channel.say(t("intent_other", channel.lang))
        return MessageStatus.done

    async def hand_off(self, kept: Kept, channel: Channel, *, source: str, answer_id: int | None = None) -> None:
        """Ask for a human about this message's question: one escalation per question (the service tells the user)."""
        from bot.dialog.escalation import Requester

        service = self._container.escalations
        requester = Requester(kept.user_id or 0, kept.user_name, kept.username)
        await service.request(chat_telegram_id=kept.chat_id, requester=requester, source=source,
                              answer_id=answer_id, message_id=None if answer_id is not None else kept.id,
                              lang=channel.lang)

    async def _meeting(self, kept: Kept, text: str, channel: Channel) -> None:
        """A meeting request: the meeting service parses it and offers slots (or asks what is missing)."""
        from bot.dialog.meetings import Party

        service = self._container.meetings
        reply = await service.start(text, Party(kept.chat_id, kept.chat_title), Party(kept.user_id, kept.user_name),
                                    channel.lang)
        if reply.attachment is not None:
            await self.notifier.send_file(kept.chat_id, reply.attachment.data, reply.attachment.filename,
                                          caption=reply.text, buttons=reply.buttons)
        else:
            await channel.say(reply.text, buttons=reply.buttons)

    async def _answer(self, kept: Kept, question: str, channel: Channel,
                      noting: Awaitable[None]) -> MessageStatus:
        from bot.dialog.answer import EmptyQuestion
        from inference.llm import LLMError, LLMUnavailable

        container = self._container
        # The chat's recent turns and the intent's note (the database) while the placeholder or draft goes out
        # (the Bot API): none waits for another before the search.
        turns, stream, _ = await asyncio.gather(
            in_session(self.engine, _turns_before, kept, container.settings.retrieval.history_turns),
            channel.stream(), noting)
        if stream_id := getattr(stream, "message_id", None):
            await self.note(kept, reply_telegram_id=stream_id)  # a resumed answer reuses this message
        try:
            answer = await container.answers.answer(question, turns=turns, message_id=kept.id,
                                                    spaces=container.spaces_for_chat(kept.chat_id),
                                                    on_text=stream.push)
        except LLMUnavailable as exc:
            if not channel.answers_later:
                raise  # nobody will read a late answer (the terminal): the transport says why, now
            log.warning("model server down, question %s deferred: %s", kept.id, exc)
            if not await self._may_deliver(kept.id, stream):
                return MessageStatus.pending
            notice = await stream.fail(t("llm_down_saved", channel.lang))
            # The notice is tidied away when the late answer arrives as a new message (edits notify nobody).
            await self.note(kept, deferred_at=utcnow(), **({"reply_telegram_id": notice} if notice else {}))
            return MessageStatus.pending
        except (LLMError, EmptyQuestion) as exc:
            if isinstance(exc, LLMError) and not channel.answers_later:
                raise
            log.warning("no answer for message %s: %s", kept.id, exc)
            if not await self._may_deliver(kept.id, stream):
                return MessageStatus.done
            await stream.fail(t("llm_failed", channel.lang))
            return MessageStatus.done
        if not await self._may_deliver(kept.id, stream):  # another process took it over: it delivers, not we
            return MessageStatus.done
        reply_id = await stream.finish(answer)
        if answer.answer_id is not None and reply_id is not None:
            await in_session(self.engine, repo.set_answer_reply, answer_id=answer.answer_id,
                             reply_telegram_id=reply_id)
        return MessageStatus.done

    @property
    def jobs(self) -> Jobs:
        """The job queues, built on first use: a text question never needs them (nor the Redis client's import)."""
        return self._container.jobs

    async def kept_by_id(self, message_id: int) -> Kept:
        """A stored message by its database id."""
        message, chat, user = await in_session(self.engine, repo.message_with_chat, message_id=message_id)
        return kept_from_rows(message, chat, user, language_code=language_code_of(message))

    async def raw_update(self, message_id: int) -> dict[str, Any]:
        """The update JSON stored with a message."""
        def raw(session: Any) -> dict[str, Any]:
            return session.get_one(Message, message_id).raw or {}

        return await in_session(self.engine, raw)

    async def release_held(self, user_id: int) -> list[Kept]:
        """A user's questions refused for lack of access, pending again now that access was granted."""
        rows = await in_session(self.engine, repo.release_held, user_telegram_id=user_id)
        return [kept_from_rows(m, c, u, language_code=language_code_of(m)) for m, c, u in rows]

    async def resume(self, make_channel: ChannelFactory) -> int:
        """At start: process what was left unanswered; of the claims only expired ones or those of a dead
        process of this host are taken over (another replica's live claim is never touched)."""
        pending = await in_session(self.engine, _unanswered, _stale_owner)
        for kept in pending:
            log.info("resuming message %s in chat %s", kept.id, kept.chat_id)
            await self.process(kept, await make_channel(kept))
        return len(pending)

    async def take_over_expired(self, make_channel: ChannelFactory) -> int:
        """Answer the messages whose claim expired (their process stopped while answering them)."""
        ids = await in_session(self.engine, lambda s: claims.expired_claims(s))
        for message_id in ids:
            kept = await self.kept_by_id(message_id)
            log.info("taking over the expired claim of message %s in chat %s", kept.id, kept.chat_id)
            await self.process(kept, await make_channel(kept))
        return len(ids)

    async def deferred(self, max_age: timedelta) -> list[tuple[Kept, bool]]:
        """Messages put off while a dependency was down, each with whether it waited longer than ``max_age``."""
        return await in_session(self.engine, _deferred, utcnow() - max_age)

    async def retry_deferred(self, waiting: list[tuple[Kept, bool]], make_channel: ChannelFactory) -> int:
        """Process the deferred messages now that their dependency is back; tell those waiting too long."""
        for kept, too_old in waiting:
            channel = await make_channel(kept)
            if too_old:
                await channel.say(t("llm_gave_up", channel.lang))
                await self.set_status(kept, MessageStatus.done)
                continue
            log.info("retrying deferred message %s in chat %s", kept.id, kept.chat_id)
            await self.process(kept, channel)
        return len(waiting)


def _turns_before(session: Any, kept: Kept, turns: int) -> list[Any]:
    """The chat's recent turns before this message, in one trip to the database."""
    chat_id = repo.get_or_create_chat(session, telegram_id=kept.chat_id).id or 0
    return recent_turns(session, chat_id=chat_id, before_message_id=kept.id, turns=turns)


def _deferred(session: Any, since: datetime) -> list[tuple[Kept, bool]]:
    rows = repo.unanswered_messages(session, deferred_only=True)
    return [(kept_from_rows(m, c, session.get(User, m.user_id) if m.user_id is not None else None,
                            language_code=language_code_of(m)),
             m.deferred_at is not None and _aware(m.deferred_at) < since) for m, c in rows]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _stale_owner(owner: str | None) -> bool:
    """A claim of a process of this host that is gone (a restart knows at once; other hosts wait for the lease)."""
    host, _, rest = (owner or "").partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False
    if int(pid) == os.getpid():
        return True  # our pid, but not our claim: a previous run of this process (pid 1 in a container)
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _unanswered(session: Any, stale: Callable[[str | None], bool]) -> list[Kept]:
    kept = []
    now = utcnow()
    for message, chat in repo.unanswered_messages(session):
        if message.status is MessageStatus.answering:
            expired = message.lease_until is None or _aware(message.lease_until) < now
            if not expired and not stale(message.claimed_by):
                continue  # a live claim of another process: it is answering right now
            message.lease_until = None  # takeover: claimable now
            session.add(message)
        user = session.get(User, message.user_id) if message.user_id is not None else None
        kept.append(kept_from_rows(message, chat, user, language_code=language_code_of(message)))
    return kept
