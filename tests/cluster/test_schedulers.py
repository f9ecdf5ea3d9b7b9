"""Two ``scheduler`` processes of one deployment send one nightly report, not two."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TEST_REDIS_URL
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.cluster import Cluster, bot_env

pytestmark = pytest.mark.timeout(180)

REPORT_CHAT = -1009002


def _owe_last_nights_report(database_url: str) -> None:
    """Reports went out before, then the bot was down at report time: each scheduler's catch-up owes one."""
    from bot.store.db import migrate

    migrate(database_url)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ops_report (day, sent_at, chat_id, summary) VALUES (:d, :s, :c, NULL)"),
                     {"d": (datetime.now(UTC) - timedelta(days=3)).date(), "s": datetime.now(UTC), "c": REPORT_CHAT})
    engine.dispose()


async def test_two_schedulers_send_one_report_for_one_night(cluster: Cluster, tg: BotApiEmulator,
                                                             postgres_url: str) -> None:
    await asyncio.to_thread(_owe_last_nights_report, postgres_url)
    tg.group_chat(REPORT_CHAT, "Reports")
    env = bot_env(tg_token=tg.token, tg_base_url=tg.base_url, tg_file_url=tg.base_file_url, database_url=postgres_url,
                  llm_url="http://127.0.0.1:9/v1", redis_url=TEST_REDIS_URL, report_chat_id=REPORT_CHAT)
    schedulers = [cluster.start_bot(f"scheduler-{n}", "scheduler", env) for n in range(2)]

    def both_caught_up() -> bool:
        return all("report catch-up:" in p.log.read_text() for p in schedulers)

    deadline = time.monotonic() + 90
    while not await asyncio.to_thread(both_caught_up):  # the barrier: each scheduler decided
        assert time.monotonic() < deadline, [p.tail() for p in schedulers]
        assert all(p.popen.poll() is None for p in schedulers), [p.tail() for p in schedulers]
        await asyncio.sleep(0.2)

    reports = [c for c in tg.calls if c.method == "sendPhoto" and int(c.params["chat_id"]) == REPORT_CHAT]
    assert len(reports) == 1, [p.tail() for p in schedulers]
    logs = [p.log.read_text() for p in schedulers]
    assert sorted("report catch-up: sent" in log for log in logs) == [False, True]
    assert all(p.popen.poll() is None for p in schedulers), "both schedulers kept running"
