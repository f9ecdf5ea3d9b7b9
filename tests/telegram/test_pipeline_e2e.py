"""The dialog pipeline through the Bot API emulator: intents, hand-off, languages, dedupe, outages, pacing."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from bot.store.models import AnswerRecord, Escalation, Message, MessageStatus
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import (
    ADMIN_CHAT_ID,
    ADMIN_ID,
    ALICE_ID,
    TEAM_CHAT_ID,
    BotUnderTest,
    eventually,
    rows,
    stop_bot,
)

VACATION = "How many vacation days do I get per year?"


_rows = rows


def _bot_texts(tg: BotApiEmulator, chat_id: int) -> list[str]:
    return [m.text or "" for m in tg.messages_in(chat_id, from_bot=True)]


async def test_asking_for_a_human_in_words_hands_off_without_a_button(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice", "alice_w")
    await tg.inject_message(tg.private_chat(alice), alice, "Позовите, пожалуйста, живого человека")
    notice = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID, 30)

    assert "Позовите, пожалуйста, живого человека" in notice.params["text"]
    assert "@alice_w" in notice.params["text"] and f"tg://user?id={ALICE_ID}" in notice.params["text"]
    await eventually(lambda: any("свяжутся" in t for t in _bot_texts(tg, ALICE_ID)))
    assert not tg.calls_to("editMessageText") and not tg.calls_to("sendMessageDraft"), "no answer was streamed"
    [escalation] = _rows(bot, Escalation)
    [message] = _rows(bot, Message)
    assert escalation.message_id == message.id and message.intent == "human" and message.intent_path == "rule"


async def test_the_human_button_makes_one_request_per_question(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice", "alice_w")
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    reply = await bot.final_reply(ALICE_ID)
    [answer] = _rows(bot, AnswerRecord)
    for _ in range(3):
        since = tg.mark()
        await tg.inject_callback_query(reply, alice, f"human:{answer.id}")
        await tg.wait_for_call("answerCallbackQuery", since=since)
    await eventually(lambda: sum("уже позван" in t for t in _bot_texts(tg, ALICE_ID)) == 2)

    assert len(_rows(bot, Escalation)) == 1 and tg.unanswered_callback_queries == []
    notices = tg.messages_in(ADMIN_CHAT_ID, from_bot=True)
    assert len(notices) == 1 and "@alice_w" in (notices[0].text or "")


async def test_a_meeting_request_goes_to_meetings_and_small_talk_and_other_get_a_short_reply(
        bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    await tg.inject_message(chat, alice, "Созвон завтра в 11 на час")  # no verb: a time and a length
    meeting = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE_ID, 30)
    since = tg.mark()
    await tg.inject_message(chat, alice, "привет!")
    hello = await tg.wait_for_call("sendMessage", 30, since=since)
    since = tg.mark()
    await tg.inject_message(chat, alice, "сколько будет 17 умножить на 23")
    other = await tg.wait_for_call("sendMessage", 30, since=since)

    assert "Встречи не настроены" in meeting.params["text"], "no calendar here: the meeting service says so"
    assert "Здравствуйте" in hello.params["text"] and "Источники" not in hello.params["text"]
    assert "С этим я не помогу" in other.params["text"] and "Источники" not in other.params["text"]
    assert not tg.calls_to("editMessageText") and not tg.calls_to("sendMessageDraft"), \
        "none was answered from the knowledge base"
    assert not _rows(bot, AnswerRecord)
    await eventually(lambda: all(m.status == MessageStatus.done for m in _rows(bot, Message)))
    assert [m.intent for m in _rows(bot, Message)] == ["meeting", "smalltalk", "other"]


async def test_an_english_telegram_app_gets_english_everywhere(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice", language_code="en")
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    reply = await bot.final_reply(ALICE_ID)
    stranger = tg.user(990, "Eve", language_code="en")
    await tg.inject_message(tg.private_chat(stranger), stranger, VACATION)
    refusal = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == 990)

    assert tg.drafts_in(ALICE_ID) and not reply.history, "streamed as a draft, then sent once"
    assert "Sources:" in reply.text and "Источники" not in reply.text
    labels = [b["text"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert "Ask for a human" in labels
    assert "do not have access" in refusal.params["text"]


async def test_a_reused_update_id_is_a_new_message_not_a_duplicate(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    first = await tg.inject_message(chat, alice, VACATION)
    await bot.final_reply(ALICE_ID)
    # After a quiet week Telegram may start update ids anew: same id, another message.
    later = tg._new_message(chat, alice, {"text": "Где находится офис?"}, from_bot=False)
    since = tg.mark()
    await tg.inject_raw_update({"update_id": first["update_id"], "message": later.payload})
    reply = await bot.final_reply(ALICE_ID, since=since)

    assert reply.message_id != tg.messages_in(ALICE_ID, from_bot=True)[0].message_id
    assert len(_rows(bot, Message)) == 2
    # …while a true repeat of the same delivery is still dropped
    since = tg.mark()
    await tg.inject_raw_update({"update_id": first["update_id"], "message": later.payload})
    await bot.settled()  # the repeat was handled: a reply to it would be sent by now
    assert not [c for c in tg.calls[since:] if c.method == "sendMessage"]


async def test_sources_are_forgotten_with_the_conversation(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    await tg.inject_message(chat, alice, VACATION)
    await bot.final_reply(ALICE_ID)
    for text in ("/sources", "/reset", "/sources"):
        since = tg.mark()
        await tg.inject_message(chat, alice, text)
        await tg.wait_for_call("sendMessage", since=since)
    before, _, after = _bot_texts(tg, ALICE_ID)[-3:]
    assert "Vacation and Leave Policy" in before
    assert "Vacation" not in after and "ещё не было ответов" in after


async def test_a_document_sent_while_redis_is_down_is_ingested_when_it_is_back(
        bot_factory: Callable[..., Any], tg: BotApiEmulator, queue_name: str) -> None:
    from tests.conftest import free_port

    down = await bot_factory(share_index=False, jobs={"ingest_queue": queue_name},
                             redis_url=f"redis://127.0.0.1:{free_port()}/0")
    admin = tg.user(ADMIN_ID, "Admin")
    await tg.inject_document(tg.private_chat(admin), admin, b"# Parking\n\n42 spaces on level -2.\n", "parking.md",
                             "text/markdown")
    told = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID
                             and "Admin" not in str(c.params["text"]), 30)
    await eventually(lambda: _rows(down, Message)[0].deferred_at is not None)
    await stop_bot(down)
    assert "документ" in told.params["text"].lower() and "распозна" not in told.params["text"]
    assert _rows(down, Message)[0].status == MessageStatus.pending

    back = await bot_factory(share_index=False, jobs={"ingest_queue": queue_name})  # Redis is back
    try:
        added = await tg.wait_for(lambda c: c.method in ("sendMessage", "editMessageText")
                                  and "Добавлено" in str(c.params.get("text")), 90)
    finally:
        await stop_bot(back)
    assert "Parking" in added.params["text"]


async def test_group_edits_are_paced_per_chat_and_never_hold_the_answer_back(
        bot_factory: Callable[..., Any], tg: BotApiEmulator) -> None:
    bot = await bot_factory(telegram={"group_edit_interval_s": 1.5}, llm={"max_tokens": 60})
    team, bob = tg.group_chat(TEAM_CHAT_ID, "Team"), tg.user(702, "Bob")
    try:
        await tg.inject_message(team, bob, f"/ask {VACATION}")
        await tg.inject_message(team, bob, "/ask Where is the office?")
        await bot.final_reply(TEAM_CHAT_ID, timeout=90)
        await eventually(lambda: sum(a.outcome.value != "pending" for a in _rows(bot, AnswerRecord)) == 2, 90)
        await eventually(lambda: len([c for c in tg.calls_to("editMessageText")
                                      if c.params.get("parse_mode") == "HTML"]) == 2, 30)
    finally:
        await stop_bot(bot)
    frames = [c.time for c in tg.calls_to("editMessageText") if int(c.params["chat_id"]) == TEAM_CHAT_ID
              and c.error is None and c.params.get("parse_mode") != "HTML"]
    gaps = [b - a for a, b in itertools.pairwise(frames)]
    assert all(gap >= 1.4 for gap in gaps), f"two answers in one group share its pacing: {gaps}"
    for answer in _rows(bot, AnswerRecord):
        model_done = answer.created_at.timestamp() + answer.timings["total_ms"] / 1000
        final = next(c.time for c in tg.calls_to("editMessageText") if c.params.get("parse_mode") == "HTML"
                     and int(c.params["message_id"]) == answer.reply_telegram_id)
        assert final - model_done < 2.0, "the final text follows the model's last token within 2 s"


async def test_a_thumbs_down_offers_a_human(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    reply = await bot.final_reply(ALICE_ID)
    [answer] = _rows(bot, AnswerRecord)
    await tg.inject_callback_query(reply, alice, f"fb:{answer.id}:-1")
    offer = await tg.wait_for(lambda c: c.method == "sendMessage" and "Передать вопрос" in str(c.params["text"]))
    buttons = [b["callback_data"] for row in offer.params["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == [f"human:{answer.id}"] and _rows(bot, AnswerRecord)[0].feedback == -1
