"""``run stt``: real-time factor of faster-whisper by clip length, in-process and through the RQ worker.

Clips are English speech from espeak-ng, padded to length, as OGG/Opus like Telegram voice notes.
``direct`` = the transcriber in this process (after one warm-up per clip); ``queued`` = a real
``dialog-keeper worker`` on Redis, where enqueue → start is the queue overhead. RTF =
transcription seconds / audio seconds (lower is better). One record per path × clip length.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from benchmarks.harness.bounds import Budget, progress
from benchmarks.harness.records import RunContext, make_settings
from benchmarks.harness.stats import distribution

if TYPE_CHECKING:
    from bot.settings import Settings

DEFAULTS = {"max_requests": 100, "max_seconds": 600.0}
# Varied prose (the English handbook), not one repeated sentence: repetition trips Whisper's
# compression-ratio check and forces re-decoding at higher temperatures, inflating the RTF.
SPEECH_SOURCE = Path(__file__).resolve().parents[2] / "samples/handbook/en/it-support.md"
REDIS_URL = "redis://127.0.0.1:6379/14"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``run stt``."""
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 15, 60], help="clip seconds (default 5 15 60)")
    parser.add_argument("--repeats", type=int, default=3, help="transcriptions per clip and path (default 3)")
    parser.add_argument("--paths", nargs="+", choices=["direct", "queued"], default=["direct", "queued"])
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"queue database for the queued path ({REDIS_URL})")
    parser.add_argument("--request-timeout", type=float, default=600.0, help="seconds one queued job may take")


@dataclass
class ClipTimes:
    """The measurements of one clip on one path."""

    attempts: int = 0
    rtf: list[float] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    queue_ms: list[float] = field(default_factory=list)  # queued path only


def make_clip(folder: Path, seconds: int) -> Path:
    """English speech from espeak-ng, padded or cut to ``seconds``, as OGG/Opus."""
    wav, ogg = folder / f"{seconds}.wav", folder / f"{seconds}s.ogg"
    words = re.sub(r"[#*|`_>-]+", " ", SPEECH_SOURCE.read_text()).split()
    text = " ".join(words[: 3 * seconds])  # espeak at 150 wpm speaks 2.5 words/s: enough to fill the clip
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(wav), text], check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-af", "apad", "-t", str(seconds),
                    "-c:a", "libopus", "-b:a", "32k", str(ogg)], check=True)
    wav.unlink()
    return ogg


def stt_settings(data_dir: Path, *, queue: str, redis_url: str = REDIS_URL) -> Settings:
    """Settings for a transcription benchmark: English, its own queue and data directory."""
    return make_settings(data_dir=data_dir, redis_url=redis_url, stt={"queue": queue, "language": "en"})


def measure_direct(settings: Settings, clips: dict[int, Path], repeats: int, budget: Budget,
                   bar: Any = None) -> dict[int, ClipTimes]:
    """RTF and seconds of each in-process transcription, per clip length; one unmeasured warm-up per clip."""
    from bot.container import Container

    model = Container(settings).transcriber
    found = {n: ClipTimes() for n in clips}
    for n, clip in clips.items():
        model.transcribe(clip)
        for _ in range(repeats):
            if not budget.take():
                return found
            found[n].attempts += 1
            started = time.perf_counter()
            transcript = model.transcribe(clip)
            seconds = time.perf_counter() - started
            found[n].rtf.append(seconds / transcript.duration)
            found[n].seconds.append(seconds)
            if bar is not None:
                bar.update(1)
    return found


def _start_worker(settings: Settings, data_dir: Path, timeout_s: float = 120.0) -> subprocess.Popen[bytes]:
    from redis import Redis
    from rq import Worker

    env = {**os.environ, "DK_DATA_DIR": str(data_dir), "DK_REDIS_URL": settings.redis_url,
           "DK_STT__QUEUE": settings.stt.queue, "DK_STT__LANGUAGE": settings.stt.language}
    log = (data_dir / "worker.log").open("ab")
    worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env, stdout=log, stderr=log)
    connection = Redis.from_url(settings.redis_url)
    deadline = time.monotonic() + timeout_s
    while not any(settings.stt.queue in w.queue_names() for w in Worker.all(connection=connection)):
        if worker.poll() is not None or time.monotonic() > deadline:
            worker.kill()
            raise RuntimeError(f"the worker did not start; see {log.name}")
        time.sleep(0.1)  # it registers once its model is loaded
    return worker


def measure_queued(settings: Settings, data_dir: Path, clips: dict[int, Path], repeats: int, budget: Budget, *,
                   timeout_s: float, bar: Any = None) -> dict[int, ClipTimes]:
    """RTF (job start → end) and queue overhead (enqueue → start, ms) through a real worker, per clip."""
    from bot.jobs.queues import enqueue_transcription
    from bot.store import repo
    from bot.store.db import make_engine, migrate, session_scope
    from bot.store.models import MessageKind

    migrate(settings.db_url)
    engine = make_engine(settings.db_url)
    found = {n: ClipTimes() for n in clips}
    worker = _start_worker(settings, data_dir)
    (data_dir / "media").mkdir(exist_ok=True)
    try:
        for n, clip in clips.items():
            for i in range(repeats):
                if not budget.take():
                    return found
                found[n].attempts += 1
                relative = Path("media") / f"{n}-{i}.ogg"
                shutil.copy(clip, data_dir / relative)
                with session_scope(engine) as session:
                    chat = repo.get_or_create_chat(session, telegram_id=1)
                    message = repo.add_message(session, chat_id=chat.id or 0, text="", kind=MessageKind.voice)
                    message.media_path = str(relative)
                    session.add(message)
                job = enqueue_transcription(settings, message.id or 0)
                deadline = time.monotonic() + timeout_s
                while job.get_status(refresh=True) not in ("finished", "failed") and time.monotonic() < deadline:
                    time.sleep(0.05)
                job.refresh()
                result = job.return_value() or {}
                if not (job.started_at and job.enqueued_at and job.ended_at and result.get("duration")):
                    continue  # failed or timed out: attempted but not measured
                seconds = (job.ended_at - job.started_at).total_seconds()
                found[n].queue_ms.append((job.started_at - job.enqueued_at).total_seconds() * 1000)
                found[n].rtf.append(seconds / result["duration"])
                found[n].seconds.append(seconds)
                if bar is not None:
                    bar.update(1)
    finally:
        worker.terminate()
        worker.wait(10)
        engine.dispose()
        _forget_queue(settings)
    return found


def _forget_queue(settings: Settings) -> None:
    """Remove this run's queue, jobs and registries from Redis."""
    from redis import Redis

    connection = Redis.from_url(settings.redis_url)
    for key in connection.scan_iter(f"*{settings.stt.queue}*"):
        connection.delete(key)


def run(args: argparse.Namespace, ctx: RunContext) -> list[dict[str, Any]]:
    """Transcribe each clip on each path; one record per path × clip length."""
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        settings = stt_settings(data, queue=f"stt-bench-{uuid.uuid4().hex[:6]}", redis_url=args.redis_url)
        clips = {n: make_clip(data, n) for n in args.lengths}
        from inference.stt import resolve_device

        device, compute_type = resolve_device(settings.stt.device, settings.stt.compute_type)
        ctx.models["stt"] = f"{settings.stt.model_dir.name} (faster-whisper, {device} {compute_type})"
        common = {"model": settings.stt.model_dir.name, "device": device, "compute_type": compute_type,
                  "beam_size": settings.stt.beam_size, "vad_filter": settings.stt.vad_filter, "language": "en",
                  "repeats": args.repeats, "max_requests": args.max_requests, "max_seconds": args.max_seconds}
        for path in args.paths:
            budget = Budget(args.max_requests, args.max_seconds)
            bar = progress(len(clips) * args.repeats, f"stt {path}", enabled=ctx.progress)
            if path == "direct":
                measured = measure_direct(settings, clips, args.repeats, budget, bar)
            else:
                measured = measure_queued(settings, data, clips, args.repeats, budget, timeout_s=args.request_timeout,
                                          bar=bar)
            bar.close()
            for n in args.lengths:
                times = measured[n]
                metrics = {"rtf": distribution(times.rtf),
                           "transcribe_ms": distribution([s * 1000 for s in times.seconds], digits=1)}
                if path == "queued":
                    metrics["queue_overhead_ms"] = distribution(times.queue_ms, digits=2)
                records.append(ctx.record(
                    key={"path": path, "clip_s": n}, settings={**common, "path": path, "clip_s": n}, metrics=metrics,
                    counts={"requests": times.attempts, "completed": len(times.rtf),
                            "failed": times.attempts - len(times.rtf)},
                    stopped_by=budget.stopped_by, duration_s=budget.elapsed,
                    notes=["SPEC target: RTF ≤ 0.15 on CPU int8; a 10 s note ≤ 0.8 s on GPU"]))
    return records
