"""The pipeline is transport-neutral: ``Inbox.process`` driven through a recording channel, no PTB anywhere."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.container import Container
from bot.dialog.messages import Incoming, MessageKind, MessageStatus
from bot.i18n import t
from tests.conftest import make_settings
from tests.support.recording import RecordingAnswer, RecordingChannel, RecordingNotifier

CHAT = USER = 501
_update_ids = iter(range(10_000, 20_000))


def _incoming(text: str) -> Incoming:
    update_id = next(_update_ids)
    return Incoming(update_id=update_id, chat_id=CHAT, chat_type="private", chat_title=None, user_id=USER,
                    username="dana", full_name="Dana", language_code="ru", message_id=update_id, reply_to=None,
                    kind=MessageKind.text, text=text, addressed=True, edited=False, sent_at=datetime.now(UTC),
                    raw={})


async def test_hand_off_meeting_and_answer_through_a_recording_channel(kb: Container, tmp_path: Path) -> None:
    notifier = RecordingNotifier()
    settings = make_settings(tmp_path, llm={"base_url": kb.settings.llm.base_url, "max_tokens": 32})
    async with Container(settings, notifier=notifier, embed_model=kb.embed_model, index=kb.index) as container:
        inbox = container.inbox

        human = await inbox.keep(_incoming("Позовите, пожалуйста, живого человека"))
        channel = RecordingChannel("ru")
        assert await inbox.process(human, channel) is MessageStatus.done
        to_user = [s.text for s in notifier.log if s.kind == "send" and s.chat_id == CHAT]
        assert to_user == [t("human_requested", "ru")], "the user hears the hand-off through the notifier"
        assert [s for s in notifier.log if s.kind == "admins"], "the admins are told"
        assert channel.log == [], "no answer is streamed for a hand-off"

        meeting = await inbox.keep(_incoming("Созвонимся завтра в 15:00"))
        channel = RecordingChannel("ru")
        assert await inbox.process(meeting, channel) is MessageStatus.done
        assert [s.text for s in channel.log] == [t("meet_not_configured", "ru")], "routed to meetings"

        question = await inbox.keep(_incoming("Сколько дней отпуска положено сотруднику в год?"))
        channel = RecordingChannel("ru")
        assert await inbox.process(question, channel) is MessageStatus.done
        answers = [s.answer for s in channel.log if s.kind == "answer"]
        assert len(answers) == 1 and answers[0] is not None
        assert any("otpusk" in s.source for s in answers[0].sources), "answered from the Russian vacation page"
        assert await inbox.process(question, RecordingChannel("ru")) is None, "a claimed message is not taken twice"


async def test_a_channel_that_cannot_wait_gets_the_outage_at_once(kb: Container, tmp_path: Path,
                                                                  dead_llm_url: str) -> None:
    from inference.llm import LLMUnavailable

    settings = make_settings(tmp_path, llm={"base_url": dead_llm_url, "retries": 0, "timeout_s": 5})
    async with Container(settings, embed_model=kb.embed_model, index=kb.index) as container:
        kept = await container.inbox.keep_typed("Сколько дней отпуска положено сотруднику в год?")
        channel = RecordingChannel("ru", answers_later=False)
        try:
            await container.inbox.process(kept, channel)
        except LLMUnavailable:
            pass
        else:
            raise AssertionError("the terminal is told of the outage, not promised a late answer")
        assert not [s for s in channel.log if s.text == t("llm_down_saved", "ru")]
        again = await container.inbox.kept_by_id(kept.id)
        assert again.status is MessageStatus.done, "nobody owes the terminal a late answer: not resumed"


async def test_a_process_whose_claim_was_taken_over_delivers_nothing(kb: Container, tmp_path: Path) -> None:
    """The fence before the final answer: a process that lost its claim mid-answer (its lease ran out, another
    replica took the message over) neither sends the answer nor records the message's end over the new owner's."""
    from sqlmodel import Session, col, update

    from bot.store.models import Message

    settings = make_settings(tmp_path, llm={"base_url": kb.settings.llm.base_url, "max_tokens": 8})
    async with Container(settings, embed_model=kb.embed_model, index=kb.index) as container:
        inbox = container.inbox
        kept = await inbox.keep(_incoming("Сколько дней отпуска положено сотруднику в год?"))
        first_piece = asyncio.Event()
        taken_over = asyncio.Event()

        class HeldAnswer(RecordingAnswer):
            async def push(self, piece: str) -> None:
                first_piece.set()
                await taken_over.wait()
                await super().push(piece)

        class HeldChannel(RecordingChannel):
            async def stream(self) -> RecordingAnswer:
                return HeldAnswer(self.log)

        channel = HeldChannel("ru")
        work = asyncio.create_task(inbox.process(kept, channel))
        await asyncio.wait_for(first_piece.wait(), 60)
        with Session(container.engine) as session:  # what a takeover after an expired lease does to the row
            session.execute(update(Message).where(col(Message.id) == kept.id).values(claimed_by="other:1:x"))
            session.commit()
        taken_over.set()
        await asyncio.wait_for(work, 60)

        assert [s.kind for s in channel.log] == ["abandon"], "no answer from the process that lost the claim"
        with Session(container.engine) as session:
            row = session.get_one(Message, kept.id)
            assert (row.status, row.claimed_by) == (MessageStatus.answering, "other:1:x"), "the new owner's claim"
