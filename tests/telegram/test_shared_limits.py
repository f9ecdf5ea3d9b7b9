"""Limits every replica shares in Redis: Telegram's send limits (PTB's rate limiter) and the question limit."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest_asyncio
from redis import Redis
from telegram.ext import ExtBot

from bot.settings import Settings
from bot.telegram.ratelimit import SharedQuestionLimiter, SharedRateLimiter, limits_storage
from tests.conftest import TEST_REDIS_URL, make_settings
from tests.ops.conftest import ScratchRedis
from tests.support.bot_api_emulator import BotApiEmulator

NAMESPACE = f"test-{uuid.uuid4().hex[:8]}"


@asynccontextmanager
async def two_replicas(tg: BotApiEmulator, settings: Settings, namespace: str,
                       **limits: Any) -> AsyncIterator[list[ExtBot[None]]]:
    """Two bots as two replicas would build them: each its own limiter, both over ``settings``' Redis."""
    bots: list[ExtBot[None]] = []
    try:
        for _ in range(2):
            storage, redis = limits_storage(settings, shared=True)
            limiter = SharedRateLimiter(storage, namespace, redis=redis, **limits)
            bots.append(ExtBot(tg.token, base_url=tg.base_url, base_file_url=tg.base_file_url, rate_limiter=limiter))
            await bots[-1].initialize()
        yield bots
    finally:
        for bot in bots:
            await bot.shutdown()


@pytest_asyncio.fixture
async def replicas(tg: BotApiEmulator, tmp_path: Path) -> AsyncIterator[list[ExtBot[None]]]:
    """Two replicas over the test Redis database."""
    async with two_replicas(tg, make_settings(tmp_path), NAMESPACE, max_retries=3) as bots:
        yield bots


async def test_two_replicas_together_send_one_message_per_second_to_a_chat(
        tg: BotApiEmulator, replicas: list[ExtBot[None]]) -> None:
    user = tg.user(801, "Eve")
    chat = tg.private_chat(user)
    other = tg.private_chat(tg.user(802, "Bob"))

    await asyncio.gather(*(replicas[n % 2].send_message(chat.id, f"m{n}") for n in range(4)),
                         replicas[0].send_message(other.id, "not held up"))

    times = sorted(c.time for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat.id)
    assert len(times) == 4
    assert all(b - a >= 0.9 for a, b in itertools.pairwise(times)), times
    other_time = next(c.time for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == other.id)
    assert other_time - times[0] < 0.5, "another chat does not wait for this one"


async def test_a_retry_after_seen_by_one_replica_pauses_the_other(
        tg: BotApiEmulator, replicas: list[ExtBot[None]]) -> None:
    chat = tg.private_chat(tg.user(803, "Ann"))
    other = tg.private_chat(tg.user(804, "Max"))
    tg.fail_next("sendMessage", 429, retry_after=2)

    first = asyncio.create_task(replicas[0].send_message(chat.id, "hit the flood limit"))
    shared = Redis.from_url(TEST_REDIS_URL)
    for _ in range(100):  # the barrier: the first replica has told the others to pause
        if await asyncio.to_thread(shared.exists, f"dk-limits:{NAMESPACE}:pause"):
            break
        await asyncio.sleep(0.02)
    await replicas[1].send_message(other.id, "must wait too")
    await first

    failed = next(c.time for c in tg.calls_to("sendMessage") if c.error is not None)
    paused = next(c.time for c in tg.calls_to("sendMessage")
                  if c.error is None and int(c.params["chat_id"]) == other.id)
    assert paused - failed >= 1.9, "the other replica waited out the RetryAfter"


async def test_the_question_limit_counts_every_replica(tmp_path: Path) -> None:
    namespace = f"test-{uuid.uuid4().hex[:8]}"
    limiters = [SharedQuestionLimiter(limits_storage(make_settings(tmp_path), shared=True)[0], namespace, 3)
                for _ in range(2)]

    waits = [await limiters[n % 2].acquire(42) for n in range(4)]

    assert waits[:3] == [0, 0, 0]
    assert 1 <= waits[3] <= 60
    assert await limiters[0].acquire(43) == 0, "another user has a window of their own"


async def test_a_redis_failover_is_waited_out_and_a_lasting_outage_counts_alone(
        tg: BotApiEmulator, tmp_path: Path) -> None:
    """While Sentinel promotes a new master (seconds) the replicas wait for the shared count rather than each
    sending a chat its own message a second; a Redis that stays away is counted around, in this process."""
    server = ScratchRedis(tmp_path)
    server.start()
    try:
        async with two_replicas(tg, make_settings(tmp_path, redis_url=server.url), NAMESPACE,
                                failover_wait_s=4.0) as bots:
            chat = tg.private_chat(tg.user(805, "Ira"))
            other = tg.private_chat(tg.user(806, "Lev"))

            server.stop()
            during = asyncio.create_task(bots[0].send_message(chat.id, "sent during the failover"))
            await asyncio.sleep(1.0)
            assert not during.done(), "no send while nobody can count it"
            await asyncio.to_thread(server.start)
            await during
            await bots[1].send_message(chat.id, "the other replica, right after")
            times = [c.time for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat.id]
            assert len(times) == 2 and times[1] - times[0] >= 0.9, "both replicas counted the chat in Redis"

            server.stop()
            await bots[0].send_message(other.id, "after waiting out the failover time (4 s)")
            started = asyncio.get_running_loop().time()
            await bots[0].send_message(chat.id, "counted alone at once")
            assert asyncio.get_running_loop().time() - started < 0.4, "no second wait for a Redis known to be away"
    finally:
        server.stop()


async def test_a_send_that_waited_long_for_room_still_waits_out_a_failover(tg: BotApiEmulator, tmp_path: Path) -> None:
    """The failover wait runs from Redis's first failure, not from when the send began waiting for room: a send
    queued behind its chat's window for longer than that wait still counts in Redis once it is back (the CI run
    where a busy group went "alone" at a two-second failover and two replicas posted 0.14 s apart)."""
    server = ScratchRedis(tmp_path)
    server.start()
    try:
        async with two_replicas(tg, make_settings(tmp_path, redis_url=server.url), f"queued-{uuid.uuid4().hex[:8]}",
                                failover_wait_s=1.0) as bots:
            chat = tg.private_chat(tg.user(807, "Oleg"))
            queued = asyncio.gather(*(bots[0].send_message(chat.id, f"queued {n}") for n in range(3)))
            await asyncio.sleep(1.5)  # one sent, one sent a second later, the third waits for its slot at ~2 s
            await asyncio.to_thread(server.stop)
            await asyncio.sleep(0.8)  # Redis is away when the third looks again: 2 s after it began to wait
            await asyncio.to_thread(server.start)
            await queued
            await bots[1].send_message(chat.id, "the other replica, right after")
    finally:
        server.stop()
    times = [c.time for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat.id]
    assert len(times) == 4
    assert times[3] - times[2] >= 0.9, "the queued send was counted in Redis, where the other replica saw it"


async def test_a_chat_send_waiting_for_the_overall_limit_keeps_its_chat_a_second_apart(
        tg: BotApiEmulator, tmp_path: Path) -> None:
    """A send that must wait for the bot's overall window counts its chat only when it goes: else the chat's
    next send (from another replica) follows it by less than a second."""
    namespace = f"overall-{uuid.uuid4().hex[:8]}"
    async with two_replicas(tg, make_settings(tmp_path), namespace, overall_per_s=3) as bots:
        busy = [tg.private_chat(tg.user(810 + n, f"Busy {n}")) for n in range(3)]
        chat = tg.private_chat(tg.user(820, "Zoe"))
        await asyncio.gather(*(bots[0].send_message(c.id, "fills the overall window") for c in busy))
        first = asyncio.create_task(bots[0].send_message(chat.id, "waits for the overall window"))
        await asyncio.sleep(0.4)
        await asyncio.gather(first, bots[1].send_message(chat.id, "the other replica, same chat"))
    times = sorted(c.time for c in tg.calls_to("sendMessage") if int(c.params["chat_id"]) == chat.id)
    assert len(times) == 2 and times[1] - times[0] >= 0.9, times
