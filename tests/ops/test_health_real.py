"""Health rounds against real parts: the llama.cpp server and Redis stopped and started again.

Alerts reach the admin chat through the Telegram notifier and the Bot API emulator: exactly one alert per
change, none while it stays down, one recovery notice with the downtime, and a restarted bot (a new
monitor over the same database) neither repeats the alert nor forgets the outage.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from bot.container import Container
from bot.ops.health import HealthMonitor, run_checks
from bot.telegram.notifier import TelegramNotifier
from inference.llm import ChatMessage, LLMClient
from inference.served import check_served_model
from tests.conftest import make_settings
from tests.ops.conftest import ScratchLLM, ScratchRedis
from tests.support.bot_api_emulator import BotApiEmulator

ADMIN_CHAT = -1009100
# <|endoftext|> and <|im_end|> in the packaged SmolLM2 vocabulary
_SMOLLM2_END_TOKENS = (0, 2)


def _container(data_dir: Path, llm: ScratchLLM, redis: ScratchRedis) -> Container:
    return Container(make_settings(data_dir, language="en", redis_url=redis.url, llm={"base_url": llm.base_url},
                                   ops={"worker_queues": [], "fail_threshold": 2, "check_timeout_s": 20},
                                   telegram={"admin_chat_id": ADMIN_CHAT}))


def _notices(tg: BotApiEmulator) -> list[str]:
    return [str(m.text) for m in tg.messages_in(ADMIN_CHAT, from_bot=True)]


async def test_llm_and_redis_outages_alert_once_and_recover_across_a_restart(
        tmp_path: Path, scratch_llm: ScratchLLM, scratch_redis: ScratchRedis) -> None:
    async with BotApiEmulator() as tg, tg.make_bot() as bot:
        tg.group_chat(ADMIN_CHAT, "Admins")
        container = _container(tmp_path, scratch_llm, scratch_redis)
        monitor = HealthMonitor(container, TelegramNotifier(bot, container.settings.telegram))
        report, said = await monitor.round()
        assert report.ok, report.table()
        assert said == [] and _notices(tg) == []

        scratch_llm.kill()
        report, said = await monitor.round()
        assert report.down == ["llm"] and said == [], "one failure is below the threshold"
        _, said = await monitor.round()
        assert [(s.kind, s.name) for s in said] == [("down", "llm")]
        _, said = await monitor.round()
        assert said == [], "still down: no repeated alert"
        [alert] = _notices(tg)
        assert alert.startswith("🔴 llm") and "Reason:" in alert and "ConnectError" in alert

        # The bot restarts while the server is still down: the stored state says the alert was sent.
        container.close_sync()
        container = _container(tmp_path, scratch_llm, scratch_redis)
        monitor = HealthMonitor(container, TelegramNotifier(bot, container.settings.telegram))
        _, said = await monitor.round()
        assert said == [] and len(_notices(tg)) == 1

        scratch_llm.start()
        report, said = await monitor.round()
        assert report.ok and [(s.kind, s.name) for s in said] == [("recovered", "llm")]
        recovery = _notices(tg)[-1]
        assert recovery.startswith("🟢 llm is back") and "was down for" in recovery
        assert said[0].down_for is not None and said[0].down_for.total_seconds() > 0
        _, said = await monitor.round()
        assert said == [] and len(_notices(tg)) == 2

        scratch_redis.stop()
        for _ in range(3):
            await monitor.round()
        redis_alerts = [n for n in _notices(tg) if n.startswith("🔴 redis")]
        assert len(redis_alerts) == 1
        scratch_redis.start()
        report, said = await monitor.round()
        assert report.ok and "redis" in {s.name for s in said if s.kind == "recovered"}
        assert len([n for n in _notices(tg) if n.startswith("🟢 redis")]) == 1
        container.close_sync()


async def test_a_one_slot_server_busy_streaming_is_up_and_a_dead_one_is_down(
        tmp_path: Path, scratch_llm: ScratchLLM, scratch_redis: ScratchRedis) -> None:
    async with BotApiEmulator() as tg, tg.make_bot() as bot:
        tg.group_chat(ADMIN_CHAT, "Admins")
        # one failure alerts, and a probe gets 1 s: what a completion queued behind the answer could never meet
        container = Container(make_settings(tmp_path, language="en", redis_url=scratch_redis.url,
                                            llm={"base_url": scratch_llm.base_url},
                                            ops={"worker_queues": [], "fail_threshold": 1, "check_timeout_s": 1},
                                            telegram={"admin_chat_id": ADMIN_CHAT}))
        monitor = HealthMonitor(container, TelegramNotifier(bot, container.settings.telegram))
        _never_stop(container.llm)
        stream = container.llm.stream_chat([ChatMessage("user", "Count from 1 to 2000 in words, one per line.")],
                                           max_tokens=3500, temperature=0)
        first = await anext(stream)  # the server's one slot is streaming this answer now
        pieces = [first]
        reading = asyncio.create_task(_drain(stream, pieces))
        try:
            for _ in range(3):
                report, said = await monitor.round()
                llm = next(r for r in report.results if r.name == "llm")
                assert llm.ok and "answering" in llm.detail, llm
                assert [s for s in said if s.name == "llm"] == []
            # what another process (`dialog-keeper health`) hears from the server meanwhile: busy, not down
            outside = await asyncio.to_thread(check_served_model, scratch_llm.base_url, None, "dialog-keeper",
                                              timeout_s=1)
            assert outside.ok, outside
            assert not reading.done(), "the answer was still streaming through every round"
        finally:
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
            await stream.aclose()
        assert not [n for n in _notices(tg) if n.startswith("🔴 llm")], "no 🔴 while the model was busy"

        scratch_llm.kill()
        report, said = await monitor.round()
        assert "llm" in report.down and ("down", "llm") in [(s.kind, s.name) for s in said]
        [alert] = [n for n in _notices(tg) if n.startswith("🔴 llm")]
        assert "ConnectError" in alert
        await container.aclose()


def _never_stop(llm: LLMClient) -> None:
    """Forbid the end-of-text tokens, so the answer runs to ``max_tokens`` however fast the machine is.

    A small model may decide it has counted enough after a hundred words; on a quiet machine that ended the
    answer before the health rounds did, and the test then proved nothing about a busy server.
    """
    body = llm._body
    eos = {str(token): -100 for token in _SMOLLM2_END_TOKENS}

    def without_end(messages: Any, **fields: Any) -> dict[str, Any]:
        return body(messages, logit_bias=eos, **fields)

    llm._body = without_end  # type: ignore[method-assign]


async def _drain(stream: AsyncIterator[str], into: list[str]) -> None:
    async for piece in stream:
        into.append(piece)


async def test_checks_report_what_they_see(tmp_path: Path, llm_base_url: str) -> None:
    container = Container(make_settings(tmp_path, llm={"base_url": llm_base_url, "model": "not-served"},
                                        ops={"worker_queues": ["stt-none-here"], "min_free_disk_gb": 1e9}))
    report = await run_checks(container)
    results = {r.name: r for r in report.results}
    assert set(results) == {"database", "redis", "qdrant", "llm", "workers", "gpu", "disk", "models", "backup"}
    assert results["database"].ok and results["redis"].ok and results["qdrant"].ok
    assert not results["llm"].ok and "not-served" in results["llm"].detail
    assert not results["workers"].ok and "stt-none-here: no live worker" in results["workers"].detail
    assert results["gpu"].ok and results["gpu"].detail.startswith("no GPU"), "no GPU is not a failure on a CPU host"
    assert not results["disk"].ok and "GiB free" in results["disk"].detail
    table = report.table()
    assert "DOWN" in table and "llm" in table.splitlines()[-1]
    container.close_sync()


async def test_gpu_required_but_absent_fails(tmp_path: Path, llm_base_url: str) -> None:
    container = Container(make_settings(tmp_path, llm={"base_url": llm_base_url}, ops={"require_gpu": True}))
    report = await run_checks(container, ["gpu"])
    assert not report.ok and report.results[0].detail.startswith("no GPU")
    container.close_sync()
