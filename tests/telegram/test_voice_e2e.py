"""Voice through the Bot API emulator: download → real worker (faster-whisper) → «🎤 …» → streamed answer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest_asyncio
from sqlmodel import Session, select

from bot.store.models import Message, MessageKind, MessageStatus, TranscriptRecord
from tests.conftest import running_worker
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ALICE_ID, BotUnderTest, eventually, stop_bot


@pytest_asyncio.fixture
async def voice_bot(bot_factory: Callable[..., Any], tmp_path: Path, queue_name: str) -> AsyncIterator[BotUnderTest]:
    """The bot and one transcription worker sharing a data directory and a queue."""
    with running_worker(tmp_path, queue_name):
        bot = await bot_factory(stt={"queue": queue_name, "language": "en", "poll_interval_s": 0.1})
        yield bot
        await stop_bot(bot)


def _said(tg: BotApiEmulator, fragment: str) -> Callable[[Any], bool]:
    return lambda c: c.method in ("sendMessage", "editMessageText") and c.error is None \
        and fragment in str(c.params.get("text"))


async def test_voice_note_is_transcribed_shown_and_answered(voice_bot: BotUnderTest, tg: BotApiEmulator,
                                                            audio: dict[str, Path]) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_voice(tg.private_chat(alice), alice, audio["en"].read_bytes(), duration=3)

    shown = await tg.wait_for(_said(tg, "🎤 How many vacation"), timeout=90)
    reply = await voice_bot.final_reply(ALICE_ID, timeout=90)

    assert "vacation" in shown.params["text"].lower()
    assert "Vacation and Leave Policy" in reply.text, "the transcript is answered like a typed question"
    await eventually(lambda: _message(voice_bot).status == MessageStatus.done)
    message = _message(voice_bot)
    assert message.kind == MessageKind.voice and "vacation" in message.text.lower()
    assert message.media_path and (voice_bot.container.settings.data_dir / message.media_path).exists()
    with Session(voice_bot.container.engine) as session:
        transcript = session.exec(select(TranscriptRecord)).one()
    assert transcript.language == "en" and transcript.duration_s > 2


async def test_bad_voice_input_gets_a_clear_message_each(voice_bot: BotUnderTest, tg: BotApiEmulator,
                                                         audio: dict[str, Path]) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    await tg.inject_voice(chat, alice, b"x" * 100, duration=600, file_size=25 * 1024 * 1024)
    await tg.wait_for(_said(tg, "слишком большой"), timeout=30)
    await tg.inject_voice(chat, alice, audio["corrupt"].read_bytes(), duration=2)
    await tg.wait_for(_said(tg, "файл повреждён"), timeout=60)
    await tg.inject_voice(chat, alice, audio["silence"].read_bytes(), duration=3)
    await tg.wait_for(_said(tg, "Не удалось распознать речь"), timeout=60)
    await tg.inject_document(chat, alice, b"%PDF-1.4 not really", "report.pdf", "application/pdf")
    await tg.wait_for(_said(tg, "только администраторы"), timeout=30)  # a non-admin cannot add documents

    await eventually(lambda: all(m.status in (MessageStatus.done, MessageStatus.kept)
                                 for m in _messages(voice_bot)))
    kinds = [m.kind for m in _messages(voice_bot)]
    assert kinds.count(MessageKind.voice) == 3 and MessageKind.document in kinds, "every input is kept"


async def test_redis_down_keeps_the_voice_note_for_later(bot_factory: Callable[..., Any], tg: BotApiEmulator,
                                                         audio: dict[str, Path]) -> None:
    from tests.conftest import free_port

    bot = await bot_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_voice(tg.private_chat(alice), alice, audio["en"].read_bytes(), duration=3)
    await tg.wait_for(_said(tg, "Сервис распознавания сейчас недоступен"), timeout=30)
    await eventually(lambda: _message(bot).status == MessageStatus.pending)
    await stop_bot(bot)
    assert _message(bot).media_path, "the audio is on disk, waiting for the queue to come back"


def _messages(bot: BotUnderTest) -> list[Message]:
    with Session(bot.container.engine) as session:
        return list(session.exec(select(Message).order_by(Message.id)))  # type: ignore[arg-type]


def _message(bot: BotUnderTest) -> Message:
    return _messages(bot)[0]
