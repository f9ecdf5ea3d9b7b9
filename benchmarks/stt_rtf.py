"""Voice: real-time factor of faster-whisper on 5/15/60 s clips, direct and through the RQ worker.

Direct = WhisperTranscriber in this process; queued = a real `dialog-keeper worker` on Redis, where
enqueue → start is the queue overhead. RTF = transcription seconds / audio seconds (lower is better).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.answer_latency import percentile  # noqa: E402  # after the path set-up above
from bot.jobs.queues import enqueue_transcription  # noqa: E402
from bot.jobs.voice import build_transcriber  # noqa: E402
from bot.settings import Settings  # noqa: E402
from bot.store import repo  # noqa: E402
from bot.store.db import make_engine, migrate, session_scope  # noqa: E402
from bot.store.models import MessageKind  # noqa: E402

SENTENCE = "The helpdesk answers every request within one working day, and urgent incidents within an hour. "


def make_clip(folder: Path, seconds: int) -> Path:
    """English speech from espeak-ng, padded or cut to ``seconds``, as OGG/Opus."""
    wav, ogg = folder / f"{seconds}.wav", folder / f"{seconds}s.ogg"
    subprocess.run(["espeak-ng", "-v", "en", "-s", "150", "-w", str(wav), SENTENCE * max(1, seconds // 5)],
                   check=True)
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-i", str(wav), "-af", "apad", "-t", str(seconds),
                    "-c:a", "libopus", "-b:a", "32k", str(ogg)], check=True)
    return ogg


def summary(values: list[float]) -> dict[str, float]:
    """p50/p95 rounded."""
    return {"p50": round(percentile(values, 50), 3), "p95": round(percentile(values, 95), 3), "n": len(values)}


def main() -> None:
    """Run both paths for each clip length and write JSON."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lengths", type=int, nargs="+", default=[5, 15, 60])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/stt_rtf.json"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        queue = f"stt-bench-{uuid.uuid4().hex[:6]}"
        settings = Settings(_env_file=None, data_dir=data, redis_url="redis://127.0.0.1:6379/14",  # type: ignore[call-arg]
                            stt={"queue": queue, "language": "en"})
        clips = {n: make_clip(data, n) for n in args.lengths}
        model = build_transcriber(settings)
        direct = {n: [] for n in args.lengths}  # type: dict[int, list[float]]
        for n, clip in clips.items():
            model.transcribe(clip)  # warm-up
            for _ in range(args.repeats):
                started = time.perf_counter()
                transcript = model.transcribe(clip)
                direct[n].append((time.perf_counter() - started) / transcript.duration)
        del model
        migrate(settings.db_url)
        engine = make_engine(settings.db_url)
        env = {**os.environ, "DK_DATA_DIR": tmp, "DK_REDIS_URL": settings.redis_url, "DK_STT__QUEUE": queue,
               "DK_STT__LANGUAGE": "en"}
        worker = subprocess.Popen([sys.executable, "-m", "bot", "worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        from redis import Redis
        from rq import Worker

        connection = Redis.from_url(settings.redis_url)
        while not any(queue in w.queue_names() for w in Worker.all(connection=connection)):
            time.sleep(0.1)  # the worker has loaded its model and listens
        queued = {n: {"rtf": [], "queue_ms": []} for n in args.lengths}  # type: dict[int, dict[str, list[float]]]
        try:
            for n, clip in clips.items():
                for i in range(args.repeats):
                    relative = Path("media") / f"{n}-{i}.ogg"
                    (data / "media").mkdir(exist_ok=True)
                    shutil.copy(clip, data / relative)
                    with session_scope(engine) as session:
                        chat = repo.get_or_create_chat(session, telegram_id=1)
                        message = repo.add_message(session, chat_id=chat.id or 0, text="", kind=MessageKind.voice)
                        message.media_path = str(relative)
                        session.add(message)
                    job = enqueue_transcription(settings, message.id or 0)
                    while job.get_status(refresh=True) not in ("finished", "failed"):
                        time.sleep(0.05)
                    job.refresh()
                    assert job.started_at and job.enqueued_at and job.ended_at
                    result = job.return_value() or {}
                    queued[n]["queue_ms"].append((job.started_at - job.enqueued_at).total_seconds() * 1000)
                    queued[n]["rtf"].append((job.ended_at - job.started_at).total_seconds() / result["duration"])
        finally:
            worker.terminate()
            worker.wait(10)
    result = {"benchmark": "stt_rtf", "model": "whisper-base (CTranslate2)", "device": "cpu", "compute_type": "int8",
              "beam_size": settings.stt.beam_size, "vad_filter": settings.stt.vad_filter,
              "clips": {str(n): {"direct_rtf": summary(direct[n]), "queued_rtf": summary(queued[n]["rtf"]),
                                 "queue_overhead_ms": summary(queued[n]["queue_ms"])} for n in args.lengths}}
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(json.dumps(result["clips"], indent=1))


if __name__ == "__main__":
    main()
