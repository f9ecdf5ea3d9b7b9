"""Leases in Redis: who polls Telegram, and which scheduler runs a periodic job this period.

A lease is ``SET key owner NX PX ttl``: one owner at a time, gone by itself when the owner dies. The owner renews
it (compare-and-extend in one Lua script, so a lease that already passed to another process stays theirs).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from redis import Redis, RedisError

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)

T = TypeVar("T")

_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


class Lease:
    """One named lease held by ``owner`` for ``ttl_s`` at a time."""

    def __init__(self, redis: Redis, key: str, owner: str, ttl_s: float) -> None:
        self.redis, self.key, self.owner = redis, key, owner
        self.ttl_ms = max(1, int(ttl_s * 1000))

    def acquire(self) -> bool:
        """Take the lease if nobody holds it (or we already do: then it is renewed)."""
        if self.redis.set(self.key, self.owner, nx=True, px=self.ttl_ms):
            return True
        return self.renew()

    def renew(self) -> bool:
        """Extend our lease; False when it is not ours (any more)."""
        return bool(self.redis.eval(_RENEW, 1, self.key, self.owner, self.ttl_ms))

    def release(self) -> None:
        """Give the lease up at once (a clean stop: the standby need not wait for the expiry)."""
        self.redis.eval(_RELEASE, 1, self.key, self.owner)

    def holder(self) -> str | None:
        """Who holds the lease now."""
        value = self.redis.get(self.key)
        return value.decode() if isinstance(value, bytes) else value


def claim_period(redis: Redis, key: str, ttl_s: float, owner: str = "1") -> bool:
    """True for the first caller of ``key`` within ``ttl_s`` across every process (the one that runs it)."""
    return bool(redis.set(f"dk:once:{key}", owner, nx=True, px=max(1, int(ttl_s * 1000))))


def forget_period(redis: Redis, key: str) -> None:
    """Let the period be claimed again (the run failed: another scheduler, or a later try, may do it)."""
    redis.delete(f"dk:once:{key}")


async def once(container: WorkerServices, name: str, ttl_s: float, job: Callable[[], Awaitable[T]]) -> T | None:
    """Run ``job`` unless another scheduler claimed ``key`` within ``ttl_s``; None when skipped.

    Without Redis the job runs anyway: one process (DK_ROLES=all) is the usual setup then, and a missed
    health round or report is worse than a doubled one.
    """
    key = f"{container.deployment}:{name}"
    try:
        first = await asyncio.to_thread(claim_period, container.redis, key, ttl_s)
    except RedisError as exc:
        log.warning("Redis unavailable, running %s without the once-per-period guard: %s", key, exc)
        first = True
    if not first:
        log.debug("%s: another scheduler has it this period", key)
        return None
    return await job()
