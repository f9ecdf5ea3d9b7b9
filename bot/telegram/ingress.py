"""The ``ingress`` role: receive updates and keep each one in the database, nothing else.

Long polling allows one ``getUpdates`` per token, so the pollers elect one with a lease in Redis
(DK_INGRESS__LEASE_S); a standby takes over when the active one stops renewing it. The poller confirms an update
to Telegram (the next ``offset``) only after it is stored, so a killed poller loses nothing: Telegram delivers the
unconfirmed updates again to the next one, and keeping is idempotent. ``dialog`` processes answer what is kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from datetime import UTC, datetime
from typing import Any

from redis import RedisError
from telegram import Bot, Update
from telegram.error import Conflict, NetworkError, TelegramError

from bot.container import Container
from bot.dialog.inbox import process_owner
from bot.dialog.messages import Incoming, MessageKind
from bot.jobs.leases import Lease
from bot.telegram.parse import incoming

log = logging.getLogger(__name__)

POLLER_LEASE = "dk:ingress:poller"
INBOX_CHANNEL = "dk:inbox"  # a dialog process may listen here instead of waiting for its next poll


def _callback_incoming(update: Update) -> Incoming | None:
    """A button press as a stored row of its chat (a dialog process runs it through the handlers)."""
    query = update.callback_query
    if query is None or query.message is None:
        return None
    chat, user = query.message.chat, query.from_user
    return Incoming(update_id=update.update_id, chat_id=chat.id, chat_type=chat.type,
                    chat_title=chat.title or chat.full_name, user_id=user.id, username=user.username,
                    full_name=user.full_name, language_code=user.language_code, message_id=None, reply_to=None,
                    kind=MessageKind.other, text="", addressed=False, edited=False, sent_at=datetime.now(UTC),
                    raw=update.to_dict())


async def keep_update(container: Container, bot: Bot, update: Update) -> bool:
    """Store one update: a question waits for a claim; a command, a button or a private message the handlers
    answer is marked for dispatch. False for updates no handler uses (kept nowhere)."""
    if update.callback_query is not None:
        parsed = _callback_incoming(update)
    else:
        chat = update.effective_chat
        transcribe_all = bool(chat and chat.id in container.settings.stt.transcribe_all_chat_ids)
        parsed = incoming(update, bot_username=bot.username, bot_id=bot.id, transcribe_all=transcribe_all)
    if parsed is None:
        return False
    dispatch = not parsed.addressed and not parsed.edited and (
        update.callback_query is not None or parsed.text.startswith("/") or parsed.chat_type == "private")
    await container.inbox.keep(parsed, dispatch=dispatch)  # one transaction: kept and marked, or neither
    return True


class Poller:
    """Long polling by whichever ingress process holds the lease; the others wait as standbys."""

    def __init__(self, container: Container, bot: Bot) -> None:
        self.container, self.bot = container, bot
        self.lease_s = container.settings.ingress.lease_s
        token = container.settings.telegram.token
        # one poller per bot token (Telegram's rule), whatever deployment the processes think they are in
        name = hashlib.sha256((token.get_secret_value() if token else "").encode()).hexdigest()[:12]
        self.lease = Lease(container.redis, f"{POLLER_LEASE}:{name}", process_owner(), self.lease_s)
        self.elected = asyncio.Event()
        self.elections = 0  # how often this process became the poller (a test reads it)

    async def run(self, stop: asyncio.Event) -> None:
        """Campaign for the lease and poll while holding it, until ``stop``."""
        campaign = asyncio.create_task(self._campaign(stop))
        try:
            while not stop.is_set():
                if not self.elected.is_set():
                    await _wait_any(stop, self.elected)
                    continue
                await self._poll(stop)
        finally:
            campaign.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await campaign
            if self.elected.is_set():
                with contextlib.suppress(RedisError):
                    await asyncio.to_thread(self.lease.release)  # a clean stop: the standby need not wait

    async def _campaign(self, stop: asyncio.Event) -> None:
        """Renew the lease a third of its time apart; as a standby, try to take it about once a second."""
        while not stop.is_set():
            try:
                held = await asyncio.to_thread(self.lease.acquire)
            except RedisError as exc:  # keep polling as we were: nobody else can take the lease meanwhile
                log.warning("ingress lease unavailable: %s", exc)
                held = self.elected.is_set()
            if held and not self.elected.is_set():
                self.elections += 1
                log.info("this ingress is the poller now (lease %s s)", self.lease_s)
                self.elected.set()
            elif not held and self.elected.is_set():
                log.warning("ingress lease lost: standing by")
                self.elected.clear()
            pause = self.lease_s / 3 if held else min(1.0, self.lease_s / 5)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), pause)

    async def _poll(self, stop: asyncio.Event) -> None:
        """Fetch, keep each update, then confirm it with the next offset (only while elected)."""
        offset: int | None = None
        timeout = max(1, int(min(10.0, self.lease_s / 3)))
        while self.elected.is_set() and not stop.is_set():
            try:
                updates = await self.bot.get_updates(offset=offset, timeout=timeout, allowed_updates=Update.ALL_TYPES,
                                                     read_timeout=timeout + 5)
            except Conflict as exc:  # another poller still holds Telegram's side: wait for it to give up
                log.warning("getUpdates conflict: %s", exc)
                await asyncio.sleep(1)
                continue
            except (NetworkError, TelegramError) as exc:
                log.warning("getUpdates failed: %s", exc)
                await asyncio.sleep(1)
                continue
            for update in updates:
                await keep_update(self.container, self.bot, update)
                offset = update.update_id + 1
            if updates:
                await self._announce()

    async def _announce(self) -> None:
        with contextlib.suppress(RedisError):
            await asyncio.to_thread(self.container.redis.publish, INBOX_CHANNEL, "1")


async def _wait_any(*events: asyncio.Event) -> None:
    waiters = [asyncio.create_task(e.wait()) for e in events]
    try:
        await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()


def webhook_application(container: Container) -> Any:
    """Webhook ingress (any number of replicas behind a load balancer): PTB's webhook server, one keeping handler."""
    from telegram.ext import Application, TypeHandler

    settings = container.settings.telegram
    assert settings.token is not None  # checked by the caller
    application = (Application.builder().token(settings.token.get_secret_value()).base_url(settings.base_url)
                   .base_file_url(settings.base_file_url).concurrent_updates(False).build())

    async def keep(update: Update, context: Any) -> None:
        await keep_update(container, context.bot, update)
        with contextlib.suppress(RedisError):
            await asyncio.to_thread(container.redis.publish, INBOX_CHANNEL, "1")

    application.add_handler(TypeHandler(Update, keep))
    return application
