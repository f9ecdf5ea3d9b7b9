"""faster-whisper with the packaged Whisper base on CPU int8, on speech made by espeak-ng."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.settings import Settings
from inference.stt import AudioDecodeError, WhisperTranscriber


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    """The packaged model, loaded once for these tests."""
    return WhisperTranscriber(Settings(_env_file=None).stt.model_dir, device="cpu")  # type: ignore[call-arg]


def test_russian_speech_is_transcribed(audio: dict[str, Path]) -> None:
    # espeak-ng's Russian is hard to hear: the greedy reading has the words, but its log-probability (≈ −1.2) is below
    # Whisper's fallback threshold, and the sampled re-readings drop «отпуск» about one time in three. Greedy only.
    whisper = WhisperTranscriber(Settings(_env_file=None).stt.model_dir, device="cpu",  # type: ignore[call-arg]
                                 language="ru", temperatures=(0.0,))
    transcript = whisper.transcribe(audio["ru"])
    words = transcript.text.lower()
    assert transcript.language == "ru" and "сколько" in words and "отпуск" in words
    assert 2.5 < transcript.duration < 5 and transcript.segments


def test_english_speech_with_auto_language(whisper: WhisperTranscriber, audio: dict[str, Path]) -> None:
    whisper._language = None
    transcript = whisper.transcribe(audio["en"])
    assert transcript.language == "en" and "vacation" in transcript.text.lower()


def test_progress_is_reported_up_to_the_end(whisper: WhisperTranscriber, audio: dict[str, Path]) -> None:
    whisper._language = "en"
    seen: list[float] = []
    whisper.transcribe(audio["long"], on_progress=seen.append)
    assert len(seen) > 1 and seen == sorted(seen) and seen[-1] > 0.9


def test_silence_gives_no_text(whisper: WhisperTranscriber, audio: dict[str, Path]) -> None:
    assert whisper.transcribe(audio["silence"]).text == ""


def test_corrupt_audio_raises_a_typed_error(whisper: WhisperTranscriber, audio: dict[str, Path]) -> None:
    with pytest.raises(AudioDecodeError, match="cannot decode audio"):
        whisper.transcribe(audio["corrupt"])


def test_missing_model_dir_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="models install-dev"):
        WhisperTranscriber(tmp_path / "nope")
