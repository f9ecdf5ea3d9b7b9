"""Log volume as configured: apscheduler only at DEBUG, the in-process RQ worker at DK_LOG_LEVEL, one line for a
ticket attempt that failed and will be retried (a real worker process against a Kaiten that is down)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq import Queue

from bot.container import Container
from bot.jobs.escalation import enqueue_ticket
from bot.jobs.inprocess import start_thread_worker
from bot.jobs.queues import redis_connection
from bot.ops.logging import setup_logging
from bot.settings import ROOT
from bot.store import escalation_repo, repo
from bot.store.db import make_engine, migrate, session_scope
from tests.conftest import TEST_REDIS_URL, free_port, make_settings, scratch_queue


@pytest.fixture
def restore_logging():  # type: ignore[no-untyped-def]
    """Put the root logger back as pytest had it."""
    import logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


@pytest.mark.parametrize(("level", "shown"), [("INFO", False), ("DEBUG", True)])
def test_scheduler_job_runs_are_logged_only_at_debug(level: str, shown: bool, capsys, restore_logging) -> None:  # type: ignore[no-untyped-def]
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    setup_logging(level)

    async def one_run() -> None:
        ran = asyncio.Event()

        async def health_round() -> None:
            ran.set()

        scheduler = AsyncIOScheduler()
        scheduler.add_job(health_round, "interval", seconds=0.05, id="ops-health")  # PTB's JobQueue runs on this
        scheduler.start()
        await asyncio.wait_for(ran.wait(), 10)
        scheduler.shutdown(wait=True)

    asyncio.run(one_run())
    err = capsys.readouterr().err
    assert ("Running job" in err) is shown, err


def test_the_in_process_worker_logs_at_dk_log_level(tmp_path: Path, capsys, restore_logging) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(tmp_path, log_level="WARNING")
    setup_logging(settings.log_level)
    with scratch_queue("quiet") as name, Container(settings) as container:
        worker = start_thread_worker(container, name)
        job = Queue(name, connection=redis_connection(settings)).enqueue("tests.support.jobs.square_root", 16.0)
        for _ in range(600):  # the job's own status is the barrier
            if job.get_status(refresh=True) == "finished":
                break
            time.sleep(0.05)
        worker.stop_after_current_job()
        assert job.return_value() == 4.0
    err = capsys.readouterr().err
    assert "[info" not in err.lower() and "Job OK" not in err and "Listening on" not in err, err


def test_a_ticket_attempt_against_a_kaiten_that_is_down_is_one_line(tmp_path: Path) -> None:
    dead = f"http://127.0.0.1:{free_port()}/api/latest"
    with scratch_queue("tickets") as queue:
        tracker = {"kind": "kaiten", "queue": queue, "retry_intervals_s": [600]}
        kaiten = {"url": dead, "token": "kaiten-secret-token", "board_id": 10, "timeout_s": 1}
        settings = make_settings(tmp_path, tracker=tracker, kaiten=kaiten)
        migrate(settings.db_url)
        engine = make_engine(settings.db_url)
        with session_scope(engine) as session:
            chat = repo.get_or_create_chat(session, telegram_id=-100555, type="supergroup", title="Team")
            escalation, _ = escalation_repo.create_escalation(session, chat_id=chat.id, question_key="q1",
                                                              question="Where is the VPN guide?", tracker="kaiten",
                                                              status="queued")
            escalation_id = escalation.id
        engine.dispose()
        assert escalation_id is not None
        enqueue_ticket(settings, escalation_id)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "DK_DATA_DIR": str(tmp_path), "DK_REDIS_URL": TEST_REDIS_URL,
               "DK_TRACKER__KIND": "kaiten", "DK_TRACKER__QUEUE": queue, "DK_TRACKER__RETRY_INTERVALS_S": "[600]",
               "DK_KAITEN__URL": dead, "DK_KAITEN__TOKEN": "kaiten-secret-token", "DK_KAITEN__BOARD_ID": "10",
               "DK_KAITEN__TIMEOUT_S": "1"}
        worker = subprocess.run([sys.executable, "-m", "bot", "worker", "--burst", "--queues", queue], env=env,
                                capture_output=True, text=True, timeout=180, cwd=tmp_path)
    assert worker.returncode == 0, worker.stderr
    about = [line for line in worker.stderr.splitlines() if f"escalation {escalation_id}" in line
             and "failed" in line]
    assert len(about) == 1 and "will retry" in about[0], worker.stderr
    assert "Traceback" not in worker.stderr and "kaiten-secret-token" not in worker.stderr, worker.stderr
