"""`dialog-keeper run` split by DK_ROLES: ``ingress``, ``dialog`` and ``scheduler`` in any combination.

- ``ingress`` keeps updates (bot/telegram/ingress.py).
- ``dialog`` claims kept messages from the database (a lease per claim, in chat order) and runs each one's
  update through the same handlers a single process uses, streaming replies through the Bot API.
- ``scheduler`` runs the periodic jobs (health rounds, the nightly report, deferred retries, ticket polling and
  sync); each runs once per period across every scheduler (a Redis key per job and period).

``DK_ROLES=all`` (the default) does not come here: app.py runs one PTB application as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import faulthandler
import logging
import signal
from typing import Any

from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from telegram import Bot, Update

from bot.container import Container
from bot.dialog.inbox import CLAIMED

log = logging.getLogger(__name__)


class DialogLoop:
    """Claims kept messages and runs their updates through the application's handlers, several at once."""

    def __init__(self, application: Any) -> None:
        self.app = application
        self.container: Container = application.bot_data["services"].container
        self.inbox = self.container.inbox
        cfg = self.container.settings.inbox
        self.poll_s, self.concurrency, self.lease_s = cfg.poll_s, cfg.concurrency, cfg.lease_s
        self.busy: set[int] = set()
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    async def run(self, stop: asyncio.Event) -> None:
        """Until ``stop``: claim what is claimable, answer it; wait for a notice from an ingress or the next poll."""
        await asyncio.to_thread(self._warm_up)
        listener = asyncio.create_task(self._listen(stop))
        try:
            while not stop.is_set():
                try:
                    started = await self.round()
                except SQLAlchemyError as exc:
                    log.warning("inbox unavailable: %s", exc)
                    started = 0
                if not started:
                    self._wake.clear()
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(self._wake.wait(), self.poll_s)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await listener
            if self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)

    def _warm_up(self) -> None:
        """Build the answer path (index, embedding model, LLM client) before the first claim, not during it.

        Built lazily by the first answer, its imports and model load held the event loop for seconds on a slow
        host — longer than a claim's lease, so the first claims of every process ran out and were taken over.
        """
        try:
            self.container.answers  # noqa: B018  # a cached property: building it is the point
        except Exception:  # the first answer meets the same failure and reports it to the user and the admins
            log.exception("could not prepare the answer path before claiming")

    async def round(self) -> int:
        """One look at the inbox: claim up to the free slots; returns how many updates were started."""
        free = self.concurrency - len(self.busy)
        if free <= 0:
            return 0
        started = 0
        for message_id in await self.inbox.claimable(free + len(self.busy)):
            if message_id in self.busy or len(self.busy) >= self.concurrency:
                continue
            if await self.inbox.try_claim(message_id):
                self._start(message_id, claimed=True)
                started += 1
        for message_id in await self.inbox.dispatchable(max(1, free - started)):
            if await self.inbox.take_dispatch(message_id):
                self._start(message_id, claimed=False)
                started += 1
        return started

    def _start(self, message_id: int, *, claimed: bool) -> None:
        self.busy.add(message_id)
        task = asyncio.create_task(self._handle(message_id, claimed))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _handle(self, message_id: int, claimed: bool) -> None:
        """The stored update through the handlers; the gate sees it is ours (CLAIMED) and keeps no second copy."""
        CLAIMED.set(message_id)  # this task's context only
        cancelled = False
        try:
            raw = await self.inbox.raw_update(message_id)
            if raw:
                await self.app.process_update(Update.de_json(raw, self.app.bot))
        except asyncio.CancelledError:
            cancelled = True  # as if the process died: the claim's lease runs out and another process answers
            raise
        except Exception:  # one bad update must not stop the loop; the error is logged
            log.exception("message %s failed in the dialog loop", message_id)
        finally:
            self.busy.discard(message_id)
            self._wake.set()
            if claimed and not cancelled:
                with contextlib.suppress(SQLAlchemyError):
                    await self.inbox.finish_if_mine(message_id)

    async def _listen(self, stop: asyncio.Event) -> None:
        """Wake up as soon as an ingress announces a kept update (polling remains the fallback)."""
        from bot.telegram.ingress import INBOX_CHANNEL

        while not stop.is_set():
            try:
                pubsub = self.container.redis.pubsub(ignore_subscribe_messages=True)
                await asyncio.to_thread(pubsub.subscribe, INBOX_CHANNEL)
                while not stop.is_set():
                    if await asyncio.to_thread(pubsub.get_message, timeout=1.0):
                        self._wake.set()
            except (RedisError, OSError) as exc:
                log.debug("no inbox notices (%s); polling only", exc)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), 5)


async def run_split(container: Container) -> None:
    """Run this process's roles until SIGTERM or SIGINT."""
    from bot.telegram.app import build_application
    from bot.telegram.ingress import Poller, webhook_application

    settings = container.settings
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # `kill -USR1 <pid>`: what each answer is waiting on (asyncio tasks); -USR2: every thread's stack (stderr).
    loop.add_signal_handler(signal.SIGUSR1, _log_tasks)
    faulthandler.register(signal.SIGUSR2, all_threads=True)
    log.info("roles: %s", ", ".join(sorted(settings.role_set)))
    work: list[asyncio.Task[None]] = []
    apps: list[Any] = []
    if settings.runs("dialog") or settings.runs("scheduler"):
        application = build_application(container)
        await application.initialize()
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()  # the job queue (scheduler role) starts with it
        apps.append(application)
        if settings.runs("dialog"):
            work.append(asyncio.create_task(DialogLoop(application).run(stop)))
    if settings.runs("ingress"):
        tg = settings.telegram
        assert tg.token is not None  # build_application or the CLI checked it
        if tg.mode == "webhook":
            hook = webhook_application(container)
            await hook.initialize()
            await hook.start()
            secret = tg.webhook_secret.get_secret_value() if tg.webhook_secret else None
            await hook.updater.start_webhook(listen=tg.webhook_listen, port=tg.webhook_port, url_path=tg.webhook_path,
                                             webhook_url=tg.webhook_url, secret_token=secret,
                                             allowed_updates=Update.ALL_TYPES)
            apps.append(hook)
        else:
            bot = Bot(tg.token.get_secret_value(), base_url=tg.base_url, base_file_url=tg.base_file_url)
            await bot.initialize()
            await bot.delete_webhook()
            work.append(asyncio.create_task(Poller(container, bot).run(stop)))
    await stop.wait()
    log.info("stopping")
    await asyncio.gather(*work, return_exceptions=True)
    for application in reversed(apps):
        if application.updater is not None and application.updater.running:
            await application.updater.stop()
        await application.stop()
        if application.post_shutdown is not None:
            await application.post_shutdown(application)
        await application.shutdown()
    await container.aclose()


def _log_tasks() -> None:
    for task in asyncio.all_tasks():
        log.warning("task %s awaits:\n  %s", task.get_name(), "\n  ".join(_awaited(task.get_coro())))


def _awaited(coro: Any) -> list[str]:
    """The chain of frames a suspended coroutine waits in (``Task.print_stack`` shows only the outermost)."""
    chain = []
    while coro is not None:
        frame = getattr(coro, "cr_frame", None) or getattr(coro, "gi_frame", None) or getattr(coro, "ag_frame", None)
        if frame is not None:
            chain.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {frame.f_code.co_name}")
        coro = getattr(coro, "cr_await", None) or getattr(coro, "gi_yieldfrom", None) or getattr(coro, "ag_await", None)
    return chain
