"""`dialog-keeper run` started while the Bot API is unreachable: it waits with back-off, one line per attempt.

A real process is pointed at a port where nothing listens; after two attempts the Bot API emulator appears on
that port, and the bot must start polling it, with no traceback and the token nowhere in its log.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from bot.settings import ROOT
from tests.conftest import TEST_REDIS_URL, free_port
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import eventually

UNREACHABLE = "Bot API unreachable at start"


async def test_run_waits_for_the_bot_api_then_polls_without_a_traceback(tmp_path: Path, dead_llm_url: str) -> None:
    tg = BotApiEmulator()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(tmp_path), "DK_REDIS_URL": TEST_REDIS_URL,
           "DK_TELEGRAM__TOKEN": tg.token, "DK_TELEGRAM__BASE_URL": f"http://127.0.0.1:{port}/bot",
           "DK_TELEGRAM__BASE_FILE_URL": f"http://127.0.0.1:{port}/file/bot", "DK_LLM__BASE_URL": dead_llm_url,
           "DK_LOG_LEVEL": "INFO", "DK_JOBS__INGEST_IN_BOT": "no"}
    bot = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                               stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    lines: list[str] = []

    async def read() -> None:
        assert bot.stdout is not None
        async for raw in bot.stdout:
            lines.append(raw.decode("utf-8", "replace"))

    reader = asyncio.create_task(read())
    try:
        await eventually(lambda: sum(UNREACHABLE in line for line in lines) >= 2, 60)
        await tg.start(port)  # the Bot API comes back
        await tg.wait_for(lambda c: c.method == "getUpdates" and c.error is None, 60)
    finally:
        if bot.returncode is None:
            bot.send_signal(signal.SIGINT)  # what Ctrl-C or systemd's stop does
        code = await asyncio.wait_for(bot.wait(), 60)
        await reader
        await tg.stop()
    log = "".join(lines)
    attempts = [line for line in lines if UNREACHABLE in line]
    assert code == 0, log
    assert len(attempts) >= 2 and "attempt 1" in attempts[0] and "attempt 2" in attempts[1], log
    assert "Traceback" not in log, log
    assert tg.token.split(":")[1] not in log, "the token never reaches the log"
    assert "started as @" in log
