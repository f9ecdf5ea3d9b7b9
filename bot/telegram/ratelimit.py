"""Telegram's send limits and the per-user question limit, counted for every replica at once.

Counters are the ``limits`` library's moving windows, in Redis when the bot runs as several processes
(DK_ROLES other than ``all``, or Redis through Sentinel), in memory otherwise. ``SharedRateLimiter`` plugs into
PTB as its ``BaseRateLimiter``: 30 requests per second per bot, one message or edit per second per chat, 20 per
minute per group; a ``RetryAfter`` from Telegram pauses every replica (a key in the same storage).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from limits import RateLimitItem, RateLimitItemPerMinute, RateLimitItemPerSecond
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from redis import RedisError
from redis.asyncio import Redis as AsyncRedis
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter
from tenacity import AsyncRetrying

from bot.settings import Settings

log = logging.getLogger(__name__)

# Requests that post or change a message in a chat: these count against the chat's one per second.
_CHAT_POSTS = frozenset({"sendMessage", "editMessageText", "editMessageCaption", "editMessageReplyMarkup",
                         "editMessageMedia", "sendPhoto", "sendDocument", "sendAudio", "sendVoice", "sendVideo",
                         "sendAnimation", "sendMediaGroup", "sendSticker", "copyMessage", "forwardMessage",
                         "sendPoll", "sendLocation", "sendContact"})
MAX_WAIT_STEP_S = 1.0
ALONE_S = 30.0  # after Redis stayed away through a failover wait: count in-process this long, then try again


def limits_storage(settings: Settings, shared: bool) -> tuple[Storage, AsyncRedis | None]:
    """Moving windows in Redis (every replica counts together), with the client, or in this process."""
    if not shared:
        return MemoryStorage(), None
    from bot.jobs.queues import async_redis_connection

    client = async_redis_connection(settings)  # through the sentinels when configured: one place builds it
    pool: Any = client.connection_pool  # limits passes it on to redis.asyncio.Redis
    storage = RedisStorage("async+redis://", implementation="redispy", connection_pool=pool, key_prefix="dk-limits")
    return storage, client


async def _take(limiter: MovingWindowRateLimiter, *windows: tuple[RateLimitItem, tuple[str, ...]]) -> None:
    """Wait until every window has room, then count one in each, the chat's last, and return to send at once.

    Taken one after another, a chat slot counted before a wait for the overall window left its send late, and
    the chat's next send (another replica's) then came less than a second after it.
    """
    while True:
        waits = [await _wait_for_room(limiter, item, keys) for item, keys in windows]
        if any(waits):
            await asyncio.sleep(min(MAX_WAIT_STEP_S, max(waits)))
            continue
        # every window had room a moment ago; another replica may still take one first: then look again
        for item, keys in windows:
            if not await limiter.hit(item, *keys):
                break
        else:
            return


async def _wait_for_room(limiter: MovingWindowRateLimiter, item: RateLimitItem, keys: tuple[str, ...]) -> float:
    """0 when the window has room for one more now, else the seconds until it should."""
    if await limiter.test(item, *keys):
        return 0.0
    stats = await limiter.get_window_stats(item, *keys)
    return max(0.005, stats.reset_time - time.time())


class SharedRateLimiter(BaseRateLimiter[int]):
    """PTB's rate limiter over shared moving windows (see the module docstring)."""

    def __init__(self, storage: Storage, namespace: str, *, redis: AsyncRedis | None = None, overall_per_s: int = 30,
                 chat_per_s: int = 1, group_per_min: int = 20, max_retries: int = 3,
                 failover_wait_s: float = 5.0) -> None:
        self._redis = redis  # where a RetryAfter pause is shared (None: this process only)
        self._pause_key = f"dk-limits:{namespace}:pause"
        self._limiter = MovingWindowRateLimiter(storage)
        # While Redis is unreachable (a Sentinel failover takes seconds) this process counts on its own.
        self._fallback = MovingWindowRateLimiter(MemoryStorage())
        self._ns = namespace
        self._overall = RateLimitItemPerSecond(overall_per_s)
        self._chat = RateLimitItemPerSecond(chat_per_s)
        self._group = RateLimitItemPerMinute(group_per_min)
        self._max_retries = max_retries
        self._local_pause_until = 0.0
        self._failover_wait_s = failover_wait_s
        self._alone_until = 0.0  # counting in this process until then (Redis stayed unreachable)

    async def initialize(self) -> None:
        """Nothing to open: the storage connects on first use."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
            self, callback: Callable[..., Coroutine[Any, Any, bool | dict[str, Any] | list[dict[str, Any]]]],
            args: Any, kwargs: dict[str, Any], endpoint: str, data: dict[str, Any],
            rate_limit_args: int | None) -> bool | dict[str, Any] | list[dict[str, Any]]:
        """Wait for room in the windows this request counts against, then send; a RetryAfter pauses everyone."""
        chat_id = data.get("chat_id")
        retries = rate_limit_args if rate_limit_args is not None else self._max_retries
        for attempt in range(retries + 1):
            await self._wait_out_pause()
            if chat_id is not None:
                await self._acquire_shared(endpoint, str(chat_id))
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                if attempt == retries:
                    raise
                await self._pause_everyone(exc.retry_after)
        raise AssertionError("unreachable: the loop returns or raises")

    async def _acquire_shared(self, endpoint: str, chat: str) -> None:
        """Count in Redis, waiting out a Sentinel failover (seconds); only then, and for a while, in this process.

        The failover wait runs from the first failed call, not from the start: a send may already have waited
        long for room in a window (a busy group) when Redis goes away, and must still wait the failover out.
        """
        if time.monotonic() < self._alone_until:
            await self._acquire(self._fallback, endpoint, chat)
            return
        from bot.jobs.queues import through_failover

        try:
            async for attempt in AsyncRetrying(**through_failover(self._failover_wait_s)):
                with attempt:
                    await self._acquire(self._limiter, endpoint, chat)
        except RedisError as exc:
            log.warning("shared send limits unavailable, counting in this process for %.0f s: %s", ALONE_S, exc)
            self._alone_until = time.monotonic() + ALONE_S
            await self._acquire(self._fallback, endpoint, chat)

    async def _acquire(self, limiter: MovingWindowRateLimiter, endpoint: str, chat: str) -> None:
        windows: list[tuple[RateLimitItem, tuple[str, ...]]] = [(self._overall, (self._ns, "overall"))]
        if endpoint in _CHAT_POSTS:
            if chat.startswith("-") or not chat.lstrip("-").isdigit():
                windows.append((self._group, (self._ns, "group", chat)))
            windows.append((self._chat, (self._ns, "chat", chat)))
        await _take(limiter, *windows)

    async def _pause_everyone(self, retry_after: Any) -> None:
        seconds = retry_after.total_seconds() if hasattr(retry_after, "total_seconds") else float(retry_after)
        until = time.time() + seconds + 0.1
        self._local_pause_until = max(self._local_pause_until, until)
        log.warning("Telegram asked to wait %.1f s: every replica pauses", seconds)
        if self._redis is not None:
            try:
                await self._redis.set(self._pause_key, str(until), px=int((seconds + 0.1) * 1000))
            except RedisError as exc:
                log.warning("could not share the pause: %s", exc)
        await asyncio.sleep(max(0.0, until - time.time()))

    async def _wait_out_pause(self) -> None:
        until = self._local_pause_until
        if self._redis is not None:
            try:
                shared = await self._redis.get(self._pause_key)
                until = max(until, float(shared)) if shared else until
            except RedisError as exc:
                log.debug("pause unknown: %s", exc)
        if until > time.time():
            await asyncio.sleep(until - time.time())


class SharedQuestionLimiter:
    """Questions per user per minute, counted for every replica (the same rule as ``access.RateLimiter``)."""

    def __init__(self, storage: Storage, namespace: str, per_minute: int) -> None:
        self._limiter = MovingWindowRateLimiter(storage)
        self._item = RateLimitItemPerMinute(per_minute)
        self._ns = namespace

    async def acquire(self, user_id: int) -> int:
        """0 and counts the question if allowed; otherwise the seconds until the next one is."""
        try:
            if await self._limiter.hit(self._item, self._ns, "user", str(user_id)):
                return 0
            stats = await self._limiter.get_window_stats(self._item, self._ns, "user", str(user_id))
        except RedisError as exc:  # Redis down: the question is let through rather than refused
            log.warning("question limit unavailable: %s", exc)
            return 0
        return max(1, int(stats.reset_time - time.time() + 0.999))
