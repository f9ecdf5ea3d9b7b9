"""Shared fixtures: a real llama.cpp server, the packaged embedding model, SQLite and PostgreSQL."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

from bot.container import Container
from bot.knowledge.loaders import iter_files
from bot.ops.llm_server import start_embedded
from bot.settings import ROOT, Settings
from inference import llama_server

SAMPLE_KB = ROOT / "samples/handbook"
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
def kb(tmp_path_factory: pytest.TempPathFactory, llm_base_url: str) -> Iterator[Container]:
    """A container over the sample handbook: SQLite, local Qdrant, real embeddings and LLM server."""
    # A short max_tokens keeps generation on two CPU cores to a few seconds per answer.
    settings = make_settings(tmp_path_factory.mktemp("kb"), llm={"base_url": llm_base_url, "max_tokens": 48})
    container = Container(settings)
    for path in iter_files(SAMPLE_KB):
        container.ingest.ingest_file(path)
    yield container
    container.close_sync()
