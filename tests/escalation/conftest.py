"""Escalation tests: the Kaiten stand-in, a real ticket worker process, and a bot wired to both."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import TEST_REDIS_URL, scratch_queue
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.bot_api_state import ApiCall
from tests.support.kaiten_standin import BOARD_ID, LANE_ID, QUEUE_COLUMN, KaitenStandIn


@pytest.fixture
def tickets_queue() -> Iterator[str]:
    """A ticket queue of this test's own on the test Redis database, emptied afterwards."""
    with scratch_queue("tickets") as name:
        yield name


def tracker_settings(kaiten: KaitenStandIn, queue: str, **kaiten_overrides: Any) -> dict[str, Any]:
    """Settings overrides that point the bot (or a worker) at the stand-in."""
    return {
        "tracker": {"kind": "kaiten", "queue": queue, "wait_s": 8, "retry_intervals_s": [1, 1, 2, 2, 2]},
        "kaiten": {"url": kaiten.url, "token": kaiten.token, "board_id": BOARD_ID, "column_id": QUEUE_COLUMN,
                   "lane_id": LANE_ID, "poll_s": 1, "sync_review": False, "timeout_s": 3, **kaiten_overrides},
    }


def _env(settings: dict[str, Any]) -> dict[str, str]:
    env = {}
    for group, values in settings.items():
        for key, value in values.items():
            env[f"DK_{group.upper()}__{key.upper()}"] = str(value).replace("'", '"') if isinstance(value, list) \
                else str(value)
    return env


@contextmanager
def ticket_worker(data_dir: Path, settings: dict[str, Any]) -> Iterator[subprocess.Popen[bytes]]:
    """A real `dialog-keeper worker --queues <tickets queue>` process on the test Redis database."""
    import redis
    from rq import Worker

    queue = settings["tracker"]["queue"]
    env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL, **_env(settings)}
    log = (data_dir / f"worker-{queue}.log").open("ab")
    process = subprocess.Popen([sys.executable, "-m", "bot", "worker", "--queues", queue], env=env, stdout=log,
                               stderr=log)
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    try:
        for _ in range(300):
            if any(queue in w.queue_names() for w in Worker.all(connection=connection)):
                break
            if process.poll() is not None:
                raise RuntimeError(f"worker exited with {process.returncode}; see {log.name}")
            time.sleep(0.1)
        else:
            raise RuntimeError("worker did not register in 30 s")
        yield process
    finally:
        process.terminate()
        process.wait(10)


async def bot_says(tg: BotApiEmulator, chat_id: int, text: str, *, timeout: float = 30, since: int = 0) -> ApiCall:
    """Wait for the bot to send a message containing ``text`` to ``chat_id``."""
    return await tg.wait_for(lambda c: c.method == "sendMessage" and c.error is None
                             and int(c.params["chat_id"]) == chat_id and text in str(c.params.get("text")),
                             timeout, since=since)


def sent_texts(tg: BotApiEmulator, chat_id: int) -> list[str]:
    """Texts the bot sent to a chat with sendMessage."""
    return [str(c.params.get("text")) for c in tg.calls_to("sendMessage")
            if c.error is None and int(c.params["chat_id"]) == chat_id]
