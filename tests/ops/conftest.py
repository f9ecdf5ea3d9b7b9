"""Real parts for the ops tests: a Redis and a llama.cpp server of the test's own, to stop and start again."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from bot.ops.llm_server import start_embedded
from bot.settings import Settings
from inference import llama_server
from tests.conftest import free_port


class ScratchRedis:
    """``redis-server --port N --save ''`` on a free port; ``stop()`` and ``start()`` at will."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Its URL (database 0: nobody else uses this server)."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it and wait for PONG."""
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                redis.Redis.from_url(self.url, socket_connect_timeout=0.2).ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("scratch redis did not start")

    def stop(self) -> None:
        """Stop it (SIGTERM, then wait)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)
        self.process = None


class ScratchLLM:
    """The packaged llama.cpp server on a port of the test's own: killed and restarted by the test."""

    def __init__(self, folder: Path) -> None:
        port = free_port()
        self.base_url = f"http://127.0.0.1:{port}/v1"
        self.settings = Settings(_env_file=None, llama_server={"port": port, "start_timeout_s": 120},  # type: ignore[call-arg]
                                 llm={"base_url": self.base_url})
        self.log = folder / "llm.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it and wait until it serves."""
        self.process = start_embedded(self.settings, log_path=self.log)

    def kill(self) -> None:
        """Stop it (its whole process group)."""
        if self.process is not None:
            llama_server.stop(self.process.pid)
        self.process = None


@pytest.fixture
def scratch_redis(tmp_path: Path) -> Iterator[ScratchRedis]:
    """A Redis of this test's own, stopped at the end whatever happened."""
    server = ScratchRedis(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def scratch_llm(tmp_path: Path) -> Iterator[ScratchLLM]:
    """A llama.cpp server of this test's own, stopped at the end whatever happened."""
    server = ScratchLLM(tmp_path)
    server.start()
    yield server
    server.kill()
