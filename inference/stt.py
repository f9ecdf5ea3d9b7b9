"""Local speech-to-text with faster-whisper (CTranslate2): CUDA float16 in production, CPU int8 here."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from inference.embeddings import require_model_dir

log = logging.getLogger(__name__)


class AudioDecodeError(ValueError):
    """The file is not audio that can be decoded (corrupt, or not audio at all)."""


@dataclass(frozen=True)
class Segment:
    """A stretch of recognised speech."""

    start: float
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What was said; ``text`` is empty when no speech was found."""

    text: str
    language: str
    duration: float
    segments: list[Segment] = field(default_factory=list)


def resolve_device(device: str, compute_type: str) -> tuple[str, str]:
    """"auto" picks CUDA float16 when a GPU is visible to CTranslate2, else CPU int8."""
    import ctranslate2

    if device == "auto":
        device = "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if compute_type == "auto":
        compute_type = "float16" if device == "cuda" else "int8"
    return device, compute_type


# Whisper's fallback (faster-whisper's default): a segment the model is unsure of (low log-probability, or
# repeating itself) is decoded again at rising temperatures, which samples — so such a clip may read differently on
# each run. ``(0.0,)`` keeps the first, greedy reading: repeatable, and what the tests use on synthetic speech.
FALLBACK_TEMPERATURES = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)


class WhisperTranscriber:
    """One loaded Whisper model; build it once per worker process."""

    def __init__(self, model_dir: Path, *, device: str = "auto", compute_type: str = "auto", beam_size: int = 1,
                 vad_filter: bool = True, language: str = "ru", cpu_threads: int = 0,
                 temperatures: tuple[float, ...] = FALLBACK_TEMPERATURES) -> None:
        require_model_dir(model_dir, what="Whisper model", marker="model.bin")
        from faster_whisper import WhisperModel

        self.device, self.compute_type = resolve_device(device, compute_type)
        self.model_name = model_dir.name
        # CTranslate2 defaults to 4 CPU threads; more threads than cores only adds contention.
        threads = cpu_threads or min(4, os.cpu_count() or 1)
        self._model = WhisperModel(str(model_dir), device=self.device, compute_type=self.compute_type,
                                   cpu_threads=threads, local_files_only=True)
        self._beam_size = beam_size
        self._vad_filter = vad_filter
        self._language = None if language == "auto" else language
        self._temperatures = list(temperatures)

    def transcribe(self, path: Path, on_progress: Callable[[float], None] | None = None) -> Transcript:
        """Transcribe a file (OGG/Opus, MP3, M4A, WAV…); ``on_progress`` gets 0..1 as segments arrive."""
        import av

        try:
            segments_iter, info = self._model.transcribe(str(path), beam_size=self._beam_size,
                                                         vad_filter=self._vad_filter, language=self._language,
                                                         temperature=self._temperatures)
            segments = []
            for s in segments_iter:  # decoding happens lazily, segment by segment
                segments.append(Segment(round(s.start, 2), round(s.end, 2), s.text.strip()))
                if on_progress is not None and info.duration:
                    on_progress(min(1.0, s.end / info.duration))
        except (av.error.FFmpegError, IndexError, ValueError) as exc:
            raise AudioDecodeError(f"{path.name}: cannot decode audio ({type(exc).__name__})") from exc
        text = " ".join(s.text for s in segments if s.text).strip()
        return Transcript(text=text, language=info.language, duration=round(info.duration, 2), segments=segments)
