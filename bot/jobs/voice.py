"""Worker side of voice: transcribe a stored message's audio and store the transcript."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from rq import get_current_job
from sqlmodel import Session, select

from bot import metrics
from bot.store.db import session_scope
from bot.store.models import Message, TranscriptRecord
from inference.stt import AudioDecodeError

if TYPE_CHECKING:
    from bot.jobs.services import WorkerServices

log = logging.getLogger(__name__)


def transcribe_message(container: WorkerServices, message_id: int) -> dict[str, Any]:
    """RQ job: transcribe message ``message_id``'s audio; idempotent (a re-run returns the stored transcript).

    Returns {"status": "ok" | "no_speech" | "corrupt", "text", "language", "duration"}; a corrupt file is
    a result, not a failure, because retrying cannot fix it.
    """
    engine, settings = container.engine, container.settings
    with Session(engine) as session:
        done = session.exec(select(TranscriptRecord).where(TranscriptRecord.message_id == message_id)).first()
        if done is not None:
            return _result(done)
        message = session.get_one(Message, message_id)
    if not message.media_path:
        raise ValueError(f"message {message_id} has no audio file")
    model = container.transcriber
    started = time.perf_counter()
    try:
        transcript = model.transcribe(settings.data_dir / message.media_path, on_progress=_report_progress())
    except AudioDecodeError as exc:
        log.warning("message %s: %s", message_id, exc)
        metrics.TRANSCRIPTIONS.labels("corrupt").inc()
        return {"status": "corrupt", "text": "", "language": "", "duration": 0.0}
    with session_scope(engine) as session:
        record = TranscriptRecord(message_id=message_id, text=transcript.text, language=transcript.language,
                                  duration_s=transcript.duration, segments=[asdict(s) for s in transcript.segments],
                                  model=model.model_name, seconds=round(time.perf_counter() - started, 3))
        session.add(record)
        stored = session.get_one(Message, message_id)
        stored.text = transcript.text  # the transcript is what the question says from now on
        session.add(stored)
    log.info("message %s: %.1f s of audio in %.2f s", message_id, transcript.duration, record.seconds)
    metrics.TRANSCRIPTIONS.labels("ok" if record.text else "no_speech").inc()
    metrics.AUDIO_SECONDS.inc(transcript.duration)
    return _result(record)


def _result(record: TranscriptRecord) -> dict[str, Any]:
    return {"status": "ok" if record.text else "no_speech", "text": record.text, "language": record.language,
            "duration": record.duration_s}


def _report_progress() -> Callable[[float], None]:
    job = get_current_job()
    last = [0.0]

    def report(fraction: float) -> None:
        if job is not None and time.monotonic() - last[0] >= 0.5:  # at most two Redis writes a second
            last[0] = time.monotonic()
            job.meta["progress"] = round(fraction, 3)
            job.save_meta()

    return report
