"""Private answers stream through sendMessageDraft and end in one message; old servers get edits; crashes leave
nothing half-written; long answers split at 4096 (PTB over HTTP to the Bot API emulator, real LLM)."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any

import pytest
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.error import BadRequest, Forbidden, InvalidToken

from bot.store.models import AnswerRecord, Message, MessageStatus
from bot.telegram.drafts import DraftReply, unsupported
from bot.telegram.render import MESSAGE_LIMIT
from bot.telegram.streaming import ChatPacer, StreamingReply
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ALICE_ID, BotUnderTest, eventually, rows, stop_bot

VACATION = "How many vacation days do I get per year?"


async def test_a_private_answer_streams_as_one_draft_and_arrives_as_one_message(bot: BotUnderTest,
                                                                                tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    question = await tg.inject_message(tg.private_chat(alice), alice, VACATION)

    reply = await bot.final_reply(ALICE_ID, timeout=240)

    drafts = tg.drafts_in(ALICE_ID)
    assert drafts[0].text == "", "an empty draft first: Telegram shows «Thinking…»"
    assert len({d.draft_id for d in drafts}) == 1 and drafts[0].draft_id != 0, "one draft, updated in place"
    texts = [d.text for d in drafts[1:] if d.text]
    assert texts and all(b.startswith(a[:20]) for a, b in itertools.pairwise(texts)), "the text grows"
    first_draft = next(c for c in tg.calls_to("sendMessageDraft"))
    typing = next(i for i, c in enumerate(tg.calls) if c.method == "sendChatAction")
    assert typing < tg.calls.index(first_draft), "typing first, then the draft"
    assert not tg.calls_to("editMessageText"), "no placeholder edited"
    assert [m.message_id for m in tg.messages_in(ALICE_ID, from_bot=True)] == [reply.message_id], "one message"
    assert reply.payload["reply_to_message"]["message_id"] == question["message"]["message_id"]
    assert "Источники:" in reply.text and "Vacation and Leave Policy" in reply.text
    buttons = [b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert buttons[0].startswith("fb:") and buttons[-1].startswith("human:")
    assert tg.live_draft(ALICE_ID) is None, "the final message replaced the draft"
    assert all(c.error is None for c in tg.calls_to("sendMessageDraft"))
    await eventually(lambda: rows(bot, Message)[0].status == MessageStatus.done)
    assert rows(bot, AnswerRecord)[0].reply_telegram_id == reply.message_id


async def test_an_old_bot_api_server_without_drafts_gets_edits_after_one_try(
        bot_factory: Callable[..., Any], tg: BotApiEmulator, caplog: pytest.LogCaptureFixture) -> None:
    tg.forget_method("sendMessageDraft")  # answered 404 "Not Found", as a telegram-bot-api before 9.3 does
    bot = await bot_factory()
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    with caplog.at_level(logging.WARNING, logger="bot.telegram.drafts"):
        replies = []
        for question in (VACATION, "What colour are flamingos?"):
            since = tg.mark()
            await tg.inject_message(chat, alice, question)
            replies.append(await bot.final_reply(ALICE_ID, since=since, timeout=240))
    await stop_bot(bot)

    assert len(tg.calls_to("sendMessageDraft")) == 1, "tried once, then edits for this bot"
    assert all(r.history and r.history[0]["text"] == "⏳ Ищу ответ…" for r in replies), "placeholders edited"
    assert "Vacation and Leave Policy" in replies[0].text
    assert len([r for r in caplog.records if "sendMessageDraft" in r.getMessage()]) == 1, "one log line"


async def test_a_bot_that_dies_mid_draft_leaves_nothing_and_answers_after_restart(
        bot_factory: Callable[..., Any], tg: BotApiEmulator) -> None:
    first = await bot_factory()
    alice = tg.user(ALICE_ID, "Alice")
    # The first bot streams its drafts, then hangs on the final message: as good as killed before sending it.
    hold = tg.hold_next("sendMessage", when=lambda p: p.get("parse_mode") == "HTML" and p.get("chat_id") == ALICE_ID)
    question = await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    await eventually(lambda: not tg.holding("sendMessage"), 240)
    # It dies now: its answer is cancelled mid-send (no error notice, no end recorded, as after a SIGKILL; waiting
    # instead, its request would time out under load and it would tell Alice about an error) and it polls no more.
    for task in asyncio.all_tasks():
        if task.get_name().endswith(":process_concurrent_update"):
            task.cancel()
    await first.app.updater.stop()  # type: ignore[union-attr]
    dead_drafts = len(tg.drafts_in(ALICE_ID))
    assert dead_drafts >= 1 and not tg.messages_in(ALICE_ID, from_bot=True), "only drafts so far"
    assert rows(first, Message)[0].status == MessageStatus.answering, "claimed by the bot that died"

    since = tg.mark()
    second = await bot_factory()  # the next start resumes the question as a normal answer
    reply = await second.final_reply(ALICE_ID, since=since, timeout=240)
    await eventually(lambda: rows(second, Message)[0].status == MessageStatus.done)
    hold.set()
    await stop_bot(second)
    await stop_bot(first)

    assert [m.message_id for m in tg.messages_in(ALICE_ID, from_bot=True)] == [reply.message_id]
    assert reply.payload["reply_to_message"]["message_id"] == question["message"]["message_id"]
    assert "Vacation and Leave Policy" in reply.text
    assert len(tg.drafts_in(ALICE_ID)) > dead_drafts and tg.live_draft(ALICE_ID) is None, "no draft left over"
    assert len({d.draft_id for d in tg.drafts_in(ALICE_ID)}) == 2, "the resumed answer drafts anew"


async def test_a_long_drafted_answer_is_sent_in_4096_character_parts(tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    tg.private_chat(alice)
    keyboard = InlineKeyboardMarkup([[InlineKeyboardButton("👍", callback_data="fb:1:1")]])
    text = "\n".join(f"Paragraph {i}: " + "words " * 30 for i in range(60))  # ~11 000 characters
    async with tg.make_bot() as bot:
        reply = DraftReply(bot, ALICE_ID, reply_to=None, interval=0.0)
        await reply.open()
        for start in range(0, len(text), 500):
            await reply.push(text[start:start + 500])
            await asyncio.sleep(0.01)
        await reply.close(text, text, keyboard)

    messages = tg.messages_in(ALICE_ID, from_bot=True)
    assert len(messages) == 3 == len(reply.message_ids)
    assert all(len(m.text or "") <= MESSAGE_LIMIT for m in messages)
    assert [m.reply_markup is not None for m in messages] == [False, False, True]
    assert "".join(m.text or "" for m in messages).replace("\n", "").replace(" ", "") == \
        text.replace("\n", "").replace(" ", "")
    drafts = tg.drafts_in(ALICE_ID)
    assert len(drafts) >= 2 and all(len(d.text) <= MESSAGE_LIMIT for d in drafts), "each draft fits one message"
    assert all(c.error is None for c in tg.calls_to("sendMessageDraft"))
    assert not tg.calls_to("editMessageText") and tg.live_draft(ALICE_ID) is None


async def test_the_same_answer_takes_fewer_calls_as_drafts_than_as_edits(tg: BotApiEmulator) -> None:
    """Drafts slow their frames down (Telegram animates the growth); edits must keep the chat's pace."""
    alice, bob = tg.user(ALICE_ID, "Alice"), tg.user(ALICE_ID + 1, "Bob")
    tg.private_chat(alice)
    tg.private_chat(bob)
    pieces = [f"word{i} " for i in range(60)]  # three seconds of tokens at 20 a second

    async def stream(reply: DraftReply | StreamingReply) -> None:
        await reply.open()
        for piece in pieces:
            await reply.push(piece)
            await asyncio.sleep(0.05)
        await reply.close("".join(pieces), "".join(pieces), None)

    async with tg.make_bot() as bot:
        await stream(DraftReply(bot, ALICE_ID, reply_to=None, interval=0.2))
        await stream(StreamingReply(bot, ALICE_ID + 1, reply_to=None, interval=0.2, placeholder="⏳",
                                    pacer=ChatPacer()))

    def shown(chat_id: int) -> list[str]:
        return [c.method for c in tg.calls if c.error is None and str(c.params.get("chat_id")) == str(chat_id)
                and c.method in ("sendMessageDraft", "sendMessage", "editMessageText")]

    drafted, edited = shown(ALICE_ID), shown(ALICE_ID + 1)
    assert drafted[-1] == "sendMessage" and drafted.count("sendMessage") == 1
    assert edited[0] == "sendMessage" and edited.count("sendMessage") == 1
    # drafts: the empty one, text at 0, 0.2, 0.6, 1.4, 2.2 s…; edits: the placeholder and one edit each 0.2 s
    assert len(drafted) + 4 <= len(edited), (drafted, edited)
    assert tg.messages_in(ALICE_ID, from_bot=True)[-1].text == tg.messages_in(ALICE_ID + 1, from_bot=True)[-1].text


async def test_text_arriving_right_before_close_never_stalls_the_answer(tg: BotApiEmulator) -> None:
    """The last token and the end of the answer in the same moment: the draft painter must stop, the answer go out.

    Found by the cluster test: with a cancel swallowed by ``asyncio.wait_for`` (Python 3.11) the painter outlived
    ``close``, which waited for it forever while its claim was renewed: the chat's later questions waited too.
    """
    tg.private_chat(tg.user(ALICE_ID, "Alice"))
    async with tg.make_bot() as bot:
        stalled = []
        for ticks in range(6):  # the race sits within the first loop iterations after the push
            reply = DraftReply(bot, ALICE_ID, reply_to=None, interval=0.0)
            await reply.open()
            await asyncio.sleep(0.05)  # the painter has shown "Thinking…" and waits for text
            await reply.push(f"answer {ticks}")
            for _ in range(ticks):
                await asyncio.sleep(0)
            closing = asyncio.ensure_future(reply.close(f"answer {ticks}", f"answer {ticks}", None))
            done, _ = await asyncio.wait({closing}, timeout=5)
            if not done:
                stalled.append(ticks)
                closing.cancel()
                for task in asyncio.all_tasks():  # the painter that outlived close
                    if task.get_coro().__qualname__ == "DraftReply._paint":  # type: ignore[union-attr]
                        task.cancel()
    assert stalled == [], f"close never returned after the push {stalled} loop turns before it"
    assert [m.text for m in tg.messages_in(ALICE_ID, from_bot=True)] == [f"answer {n}" for n in range(6)]


def test_only_a_missing_method_switches_a_bot_to_edits() -> None:
    assert unsupported(InvalidToken("Not Found")), "PTB's name for the 404 of an unknown method"
    assert unsupported(BadRequest("Method is available only for bots with forum topic mode enabled"))
    for error in (BadRequest("Chat not found"), Forbidden("Forbidden: bot was blocked by the user"),
                  BadRequest("Message is too long")):
        assert not unsupported(error), error
