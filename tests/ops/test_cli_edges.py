"""The command line at its edges, as a user meets them: a closed pipe, a shared metrics port, the index lock.

Each runs real processes: `dialog-keeper … | head -1` through a shell pipe, a second process on a metrics port
another one serves, and `search` / `ask` / `tickets sync` while another process holds the embedded Qdrant store.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import ROOT
from bot.store.db import make_engine, migrate, session_scope
from bot.store.models import DocumentRecord
from tests.conftest import TEST_REDIS_URL, free_port, scratch_queue
from tests.support.kaiten_standin import BOARD_ID, QUEUE_COLUMN, KaitenStandIn


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": TEST_REDIS_URL,
            **extra}


def _cli(args: list[str], data_dir: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], env=_env(data_dir, **extra), capture_output=True,
                          text=True, timeout=300, check=False, cwd=data_dir)


def test_a_closed_pipe_ends_the_listing_quietly(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'dialog_keeper.db'}"
    migrate(url)
    engine = make_engine(url)
    with session_scope(engine) as session:  # far more than a pipe holds: `head` is gone before the listing ends
        session.add_all(DocumentRecord(source=f"doc-{n:05d}.md", title=f"Handbook chapter {n}", sha256=f"{n:064x}",
                                       chunk_count=3) for n in range(3000))
    engine.dispose()
    err = tmp_path / "stderr.txt"
    piped = subprocess.run(["bash", "-o", "pipefail", "-c", f"{sys.executable} -m bot docs 2>{err} | head -1"],
                           env=_env(tmp_path), capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert piped.stdout.split()[:2] == ["id", "space"], piped.stdout
    assert piped.returncode == 0, err.read_text()
    assert "Traceback" not in err.read_text() and "BrokenPipe" not in err.read_text(), err.read_text()


def test_a_second_process_on_the_same_metrics_port_warns_once_and_works(tmp_path: Path) -> None:
    import socket

    port = free_port()
    with socket.create_server(("127.0.0.1", port)), scratch_queue("metrics") as queue:  # the bot holds the port
        worker = _cli(["worker", "--burst", "--queues", queue], tmp_path, DK_METRICS_PORT=str(port))
    assert worker.returncode == 0, worker.stderr
    warnings = [line for line in worker.stderr.splitlines() if "DK_METRICS_PORT" in line]
    assert len(warnings) == 1 and "already in use" in warnings[0], worker.stderr
    assert "Traceback" not in worker.stderr and "OSError" not in worker.stderr


@pytest.fixture
def index_held(tmp_path: Path) -> Iterator[None]:
    """Another process (as the bot does) holds the embedded Qdrant store of ``tmp_path``."""
    script = ("import sys\nfrom bot.container import Container\nfrom bot.settings import get_settings\n"
              "c = Container(get_settings())\nc.qdrant\nprint('held', flush=True)\nsys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", script], env=_env(tmp_path), cwd=tmp_path, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.terminate()
        holder.wait(10)


def test_commands_on_an_index_the_bot_holds_say_what_to_do_and_exit_4(
        tmp_path: Path, index_held: None, kaiten: KaitenStandIn, dead_llm_url: str) -> None:
    kaiten_env = {"DK_TRACKER__KIND": "kaiten", "DK_KAITEN__URL": kaiten.url, "DK_KAITEN__TOKEN": kaiten.token,
                  "DK_KAITEN__BOARD_ID": str(BOARD_ID), "DK_KAITEN__COLUMN_ID": str(QUEUE_COLUMN),
                  "DK_LLM__BASE_URL": dead_llm_url}
    for args in (["search", "отпуск"], ["ask", "Сколько дней отпуска?"], ["tickets", "sync"]):
        result = _cli(args, tmp_path, **kaiten_env)
        assert result.returncode == 4, (args, result.stdout, result.stderr)
        said = result.stderr.strip()
        assert "Traceback" not in said and len(said.splitlines()) == 1, (args, said)
        assert "/search" in said and "DK_QDRANT__URL" in said and "занят другим процессом" in said, (args, said)
