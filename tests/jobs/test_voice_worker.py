"""Transcription jobs on real Redis with real `dialog-keeper worker` processes."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import pytest
from redis import Redis, RedisError
from rq import Queue
from rq.job import Job, JobStatus
from sqlmodel import Session, select

from bot.jobs.queues import TRANSCRIBE, enqueue_transcription, watch_job
from bot.settings import Settings
from bot.store import repo
from bot.store.db import make_engine, migrate, session_scope
from bot.store.models import Message, MessageKind, TranscriptRecord
from tests.conftest import TEST_REDIS_URL, free_port, make_settings, running_worker, start_worker
from tests.support.gpu import HAS_NVIDIA_DRIVER


def _voice_message(settings: Settings, clip: Path | None) -> int:
    """A stored voice message whose audio sits in the data directory, as the bot leaves it."""
    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    relative = None
    if clip is not None:
        relative = Path("media") / clip.name
        (settings.data_dir / "media").mkdir(parents=True, exist_ok=True)
        shutil.copy(clip, settings.data_dir / relative)
    with session_scope(engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=555)
        message = repo.add_message(session, chat_id=chat.id or 0, text="", kind=MessageKind.voice,
                                   telegram_message_id=int(time.time() * 1000) % 10**9)
        message.media_path = str(relative) if relative else None
        session.add(message)
    engine.dispose()
    assert message.id is not None
    return message.id


def _wait(job: Job, statuses: set[JobStatus], timeout: float = 120) -> JobStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job.get_status(refresh=True)
        if status in statuses:
            return status
        time.sleep(0.1)
    raise AssertionError(f"job stayed {job.get_status()} for {timeout} s")


def _settings(tmp_path: Path, queue: str, **stt: object) -> Settings:
    return make_settings(tmp_path, stt={"queue": queue, "language": "en", **stt})


async def test_worker_transcribes_and_stores_the_transcript(tmp_path: Path, queue_name: str,
                                                            audio: dict[str, Path]) -> None:
    settings = _settings(tmp_path, queue_name)
    message_id = _voice_message(settings, audio["en"])
    with running_worker(tmp_path, queue_name):
        outcome = await watch_job(enqueue_transcription(settings, message_id), poll_s=0.1, timeout_s=120)
        again = await watch_job(enqueue_transcription(settings, message_id), poll_s=0.1, timeout_s=60)
    assert outcome.ok and outcome.result is not None
    assert outcome.result["status"] == "ok" and "vacation" in outcome.result["text"].lower()
    assert again.result == outcome.result, "a second run returns the stored transcript"
    engine = make_engine(settings.db_url)
    with Session(engine) as session:
        [record] = session.exec(select(TranscriptRecord)).all()
        assert record.message_id == message_id and record.duration_s > 2 and record.seconds > 0
        assert session.get_one(Message, message_id).text == record.text


async def test_corrupt_and_silent_audio_are_results_not_failures(tmp_path: Path, queue_name: str,
                                                                 audio: dict[str, Path]) -> None:
    settings = _settings(tmp_path, queue_name)
    corrupt, silent = _voice_message(settings, audio["corrupt"]), _voice_message(settings, audio["silence"])
    with running_worker(tmp_path, queue_name):
        bad = await watch_job(enqueue_transcription(settings, corrupt), poll_s=0.1, timeout_s=60)
        quiet = await watch_job(enqueue_transcription(settings, silent), poll_s=0.1, timeout_s=60)
    assert bad.ok and bad.result == {"status": "corrupt", "text": "", "language": "", "duration": 0.0}
    assert quiet.ok and quiet.result is not None and quiet.result["status"] == "no_speech"


async def test_a_job_that_keeps_failing_ends_failed_after_its_retries(tmp_path: Path, queue_name: str) -> None:
    settings = _settings(tmp_path, queue_name, retries=1, retry_intervals_s=[1])
    message_id = _voice_message(settings, None)  # no audio file: the job raises every time
    with running_worker(tmp_path, queue_name):
        job = enqueue_transcription(settings, message_id)
        outcome = await watch_job(job, poll_s=0.1, timeout_s=60)
    assert not outcome.ok and outcome.error is not None and "has no audio file" in outcome.error
    assert job.get_status(refresh=True) == JobStatus.FAILED
    log = (tmp_path / f"worker-{queue_name}.log").read_text()
    assert log.count("exception raised while executing") == 2, "one attempt and one retry"


def test_killed_worker_job_runs_again_when_the_worker_restarts(tmp_path: Path, queue_name: str,
                                                               audio: dict[str, Path]) -> None:
    settings = _settings(tmp_path, queue_name)
    message_id = _voice_message(settings, audio["long"])
    first = start_worker(tmp_path, queue_name)
    job = enqueue_transcription(settings, message_id)
    _wait(job, {JobStatus.STARTED})
    os.killpg(first.pid, signal.SIGKILL)  # the worker and its work horse, as a power cut would
    first.wait(10)
    assert job.get_status(refresh=True) == JobStatus.STARTED, "nobody has noticed yet"

    with running_worker(tmp_path, queue_name):
        assert _wait(job, {JobStatus.FINISHED, JobStatus.FAILED}) == JobStatus.FINISHED
    result = job.return_value()
    assert result is not None and result["status"] == "ok" and "office" in result["text"].lower()
    engine = make_engine(settings.db_url)
    with Session(engine) as session:
        assert len(session.exec(select(TranscriptRecord)).all()) == 1


def test_redis_down_fails_fast_with_a_redis_error(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    started = time.monotonic()
    with pytest.raises(RedisError):
        enqueue_transcription(settings, 1)
    assert time.monotonic() - started < 5


def test_a_queued_transcription_carries_its_settings(tmp_path: Path, queue_name: str) -> None:
    """What the worker will see: the job stored in Redis under the message's id, with STT's timeout and retries."""
    settings = _settings(tmp_path, queue_name, retries=2, retry_intervals_s=[3, 7, 11], job_timeout_s=123)
    job = enqueue_transcription(settings, 4242)
    connection = Redis.from_url(TEST_REDIS_URL)
    stored = Job.fetch(f"{queue_name}-4242", connection=connection)
    assert stored.id == job.id and stored.origin == queue_name
    assert stored.func_name == TRANSCRIBE and stored.args == (4242,)
    assert stored.timeout == 123 and stored.retries_left == 2 and stored.retry_intervals == [3, 7]
    assert stored.get_status() == JobStatus.QUEUED
    assert Queue(queue_name, connection=connection).job_ids == [job.id]


def test_worker_serves_prometheus_metrics_when_a_port_is_set(tmp_path: Path, queue_name: str) -> None:
    import httpx

    port = free_port()
    with running_worker(tmp_path, queue_name, DK_METRICS_PORT=str(port)):
        response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200 and "process_cpu_seconds_total" in response.text
    if HAS_NVIDIA_DRIVER:
        assert "dk_gpu_utilization" in response.text, "a GPU host exports its NVML readings"
    else:
        assert "dk_gpu_utilization" not in response.text, "no GPU here: the collector reports nothing, not zeros"
