"""The bot end to end: PTB over HTTP to the Bot API emulator, real LLM server, real index, SQLite."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from bot.store.models import AnswerRecord, Escalation, Message, MessageKind, MessageStatus, Outcome
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.gpu import HAS_NVIDIA_DRIVER
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


async def test_private_question_is_streamed_by_edits_and_ends_with_sources_and_buttons(
        bot_factory: Callable[..., Any], tg: BotApiEmulator) -> None:
    # DK_TELEGRAM__STREAM=edits: edits in private chats too; frames 50 ms apart, so that even an answer the
    # small model writes in a fraction of a second (a quiet machine) shows intermediate frames
    bot = await bot_factory(telegram={"stream": "edits", "edit_interval_s": 0.05})
    alice = tg.user(ALICE_ID, "Alice")
    update = await tg.inject_message(tg.private_chat(alice), alice, VACATION)

    reply = await bot.final_reply(ALICE_ID)

    assert reply.history[0]["text"] == "⏳ Ищу ответ…", "a placeholder comes first"
    assert reply.edit_count >= 2, "text streams in through intermediate edits before the final one"
    assert any("▌" in h.get("text", "") for h in reply.history), "intermediate frames show the cursor"
    assert reply.payload["reply_to_message"]["message_id"] == update["message"]["message_id"]
    assert "Источники:" in reply.text and "Vacation and Leave Policy" in reply.text
    buttons = [b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert buttons[0].startswith("fb:") and buttons[-1].startswith("human:")
    assert (ALICE_ID, "typing") in tg.chat_actions
    await eventually(lambda: _rows(bot, Message)[0].status == MessageStatus.done)
    [message] = _rows(bot, Message)
    [answer] = _rows(bot, AnswerRecord)
    assert message.status == MessageStatus.done and message.update_id == update["update_id"]
    assert answer.outcome == Outcome.answered and answer.reply_telegram_id == reply.message_id
    assert answer.message_id == message.id
    assert not tg.calls_to("sendMessageDraft"), "no drafts when edits are chosen"
    await stop_bot(bot)


async def test_group_answers_only_when_addressed(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    team = tg.group_chat(TEAM_CHAT_ID, "Team")
    bob = tg.user(702, "Bob")
    await tg.inject_message(team, bob, "Lunch at one?")
    await tg.inject_message(team, bob, f"@{tg.bot_user.username} {VACATION}")

    reply = await bot.final_reply(TEAM_CHAT_ID)

    assert "Vacation and Leave Policy" in reply.text
    assert reply.edit_count >= 1 and not tg.calls_to("sendMessageDraft"), "groups stream by edits, never drafts"
    assert len(tg.messages_in(TEAM_CHAT_ID, from_bot=True)) == 1, "the unaddressed message got nothing"
    statuses = {m.text: m.status for m in _rows(bot, Message)}
    assert statuses["Lunch at one?"] == MessageStatus.kept, "kept, though not answered"
    [answer] = _rows(bot, AnswerRecord)
    assert answer.question == VACATION, "the mention is not part of the question"


async def test_group_context_names_who_said_what(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    from bot.dialog.memory import recent_turns

    team = tg.group_chat(TEAM_CHAT_ID, "Team")
    bob, carol = tg.user(702, "Bob"), tg.user(703, "Carol")
    await tg.inject_message(team, carol, "I start on Monday")
    await tg.inject_message(team, bob, f"/ask {VACATION}")
    await bot.final_reply(TEAM_CHAT_ID)
    messages = _rows(bot, Message)


    with Session(bot.container.engine) as session:
        turns = recent_turns(session, chat_id=messages[-1].chat_id, before_message_id=10**9, turns=3)

    assert turns[0].content == "Carol: I start on Monday"
    assert turns[1].content == f"Bob: {VACATION}"
    assert turns[-1].role == "assistant"


async def test_same_update_delivered_twice_is_answered_once(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    update = await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    await tg.inject_raw_update(update)  # while the first delivery is still being answered
    await bot.final_reply(ALICE_ID)
    await tg.inject_raw_update(update)  # and once more after it was answered
    await bot.settled()  # both deliveries handled: anything they caused is sent by now

    assert len(tg.messages_in(ALICE_ID, from_bot=True)) == 1
    assert len(_rows(bot, AnswerRecord)) == 1 and len(_rows(bot, Message)) == 1


async def test_unknown_user_is_refused_admins_are_asked_and_the_allow_button_works(
        bot: BotUnderTest, tg: BotApiEmulator) -> None:
    stranger, admin = tg.user(999, "Eve", "eve"), tg.user(ADMIN_ID, "Admin")
    await tg.inject_message(tg.private_chat(stranger), stranger, VACATION)
    request = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID)

    [refusal] = tg.messages_in(999, from_bot=True)
    assert "нет доступа" in refusal.text
    assert "Eve" in request.params["text"] and "999" in request.params["text"]
    [notice] = tg.messages_in(ADMIN_CHAT_ID, from_bot=True)
    assert _rows(bot, Message)[0].status == MessageStatus.held, "the refused question waits for access"
    await tg.inject_callback_query(notice, admin, "allow:999")

    reply = await bot.final_reply(999)  # the refused question is answered once access is granted
    assert "Vacation and Leave Policy" in reply.text
    assert any("открыли доступ" in (m.text or "") for m in tg.messages_in(999, from_bot=True)), "the user is told"
    await eventually(lambda: _rows(bot, Message)[0].status == MessageStatus.done)


async def test_thumbs_up_and_human_request_are_stored(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    reply = await bot.final_reply(ALICE_ID)
    [answer] = _rows(bot, AnswerRecord)

    await tg.inject_callback_query(reply, alice, f"fb:{answer.id}:1")
    await tg.wait_for_call("answerCallbackQuery")
    await tg.inject_callback_query(reply, alice, f"human:{answer.id}")
    announced = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID)

    assert _rows(bot, AnswerRecord)[0].feedback == 1
    [escalation] = _rows(bot, Escalation)
    assert escalation.answer_id == answer.id
    assert VACATION in announced.params["text"] and "Alice" in announced.params["text"]


async def test_per_user_rate_limit_says_when_to_come_back(bot_factory: Callable[..., Any],
                                                          tg: BotApiEmulator) -> None:
    bot = await bot_factory(telegram={"user_rate_per_minute": 2})
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    for question in ["What colour are flamingos?", "Which bicycle brand is the best?", "Best cat food?"]:
        await tg.inject_message(chat, alice, question)
    limited = await tg.wait_for(lambda c: c.method == "sendMessage" and "Слишком много" in str(c.params.get("text")))
    await stop_bot(bot)
    assert "через" in limited.params["text"]
    assert sum(r.outcome == Outcome.not_found for r in _rows(bot, AnswerRecord)) == 2


@pytest.mark.parametrize("where", ["private", "group"])
async def test_llm_down_keeps_the_question_and_answers_it_when_the_model_is_back(
        bot_factory: Callable[..., Any], tg: BotApiEmulator, dead_llm_url: str, where: str) -> None:
    bot = await bot_factory(llm={"base_url": dead_llm_url, "retries": 0, "connect_timeout_s": 0.5})
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice) if where == "private" else tg.group_chat(TEAM_CHAT_ID, "Team")
    question = await tg.inject_message(chat, alice, VACATION if where == "private" else f"/ask {VACATION}")
    reply = await bot.final_reply(chat.id)
    await eventually(lambda: _rows(bot, Message)[0].deferred_at is not None)
    await stop_bot(bot)
    assert "отвечу, как только она вернётся" in reply.text and reply.reply_markup is None
    [answer] = _rows(bot, AnswerRecord)
    assert answer.question == VACATION and answer.outcome == Outcome.error
    assert _rows(bot, Message)[0].status == MessageStatus.pending, "owed an answer"

    since = tg.mark()
    bot = await bot_factory()  # the model server is back (a restart resumes at once; a running bot retries)
    answered = await bot.final_reply(chat.id, since=since)
    await eventually(lambda: _rows(bot, Message)[0].status == MessageStatus.done)
    await eventually(lambda: any(c.method == "deleteMessage" for c in tg.calls[since:]))
    await stop_bot(bot)
    assert "Vacation and Leave Policy" in answered.text
    # Telegram notifies about new messages only: the late answer is a new one, replying to the question…
    assert answered.message_id != reply.message_id
    assert answered.payload["reply_to_message"]["message_id"] == question["message"]["message_id"]
    assert not [c for c in tg.calls[since:] if c.method in ("sendMessageDraft", "editMessageText")
                and int(c.params["chat_id"]) == chat.id], "not a draft, not an edit: one new message"
    # …and the promise above it is tidied away.
    assert [m.message_id for m in tg.messages_in(chat.id, from_bot=True)] == [answered.message_id]
    assert next(m for m in tg.messages_in(chat.id, include_deleted=True) if m.message_id == reply.message_id).deleted


async def test_retry_after_on_an_edit_is_waited_out(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    # The final edit (the HTML answer) gets 429 retry_after=2: the rate limiter must wait, then send it again.
    tg.fail_next("editMessageText", 429, retry_after=2, when=lambda params: params.get("parse_mode") == "HTML")
    bob = tg.user(702, "Bob")
    await tg.inject_message(tg.group_chat(TEAM_CHAT_ID, "Team"), bob, f"/ask {VACATION}")  # groups stream by edits
    reply = await bot.final_reply(TEAM_CHAT_ID)
    assert "Vacation and Leave Policy" in reply.text
    finals = [c for c in tg.calls_to("editMessageText") if c.params.get("parse_mode") == "HTML"]
    refused, sent = finals[0], finals[-1]
    assert refused.error is not None and refused.error.error_code == 429 and sent.error is None
    assert sent.params["text"] == refused.params["text"], "the same edit, sent again"
    assert sent.time - refused.time >= 1.9, "it waited out retry_after before sending it again"


async def test_commands_language_and_unsupported_input(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    chat = tg.private_chat(alice)
    for text in ["/start", "/lang en", "/help", "/frobnicate"]:
        since = tg.mark()
        await tg.inject_message(chat, alice, text)
        await tg.wait_for_call("sendMessage", since=since)
    sticker = {"file_id": "st1", "file_unique_id": "st1u", "type": "regular", "width": 512, "height": 512,
               "is_animated": False, "is_video": False}
    await tg.inject_raw_update({"update_id": 987654, "message": {
        "message_id": 4321, "date": 1_790_000_000, "chat": {"id": ALICE_ID, "type": "private", "first_name": "Alice"},
        "from": {"id": ALICE_ID, "is_bot": False, "first_name": "Alice"}, "sticker": sticker}})
    await tg.wait_for(lambda c: c.method == "sendMessage" and "not supported" in str(c.params.get("text")))
    texts = [m.text for m in tg.messages_in(ALICE_ID, from_bot=True)]
    assert "Здравствуйте" in texts[0]
    assert texts[1] == "Language of messages: English."
    assert "/reset — Forget" in texts[2] and "/stats" not in texts[2], "after /lang en the bot speaks English"
    assert texts[3].startswith("Unknown command")
    assert any(m.kind == MessageKind.other and m.update_id == 987654 for m in _rows(bot, Message)), "kept too"
    menus = {json.loads(key)[1]: [c["command"] for c in commands] for key, commands in tg.commands.items()
             if json.loads(key)[0] == {"type": "default"}}
    assert set(menus) == {"", "en"} and {"ask", "reset", "sources", "lang"} <= set(menus[""])


async def test_a_question_left_unanswered_by_a_stopped_bot_is_answered_after_restart(
        bot_factory: Callable[..., Any], tg: BotApiEmulator) -> None:
    from bot.store import repo
    from bot.store.db import session_scope

    first = await bot_factory()
    alice = tg.user(ALICE_ID, "Alice")
    await stop_bot(first)  # the bot is down; a question was stored but never answered
    with session_scope(first.container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=ALICE_ID)
        user = repo.get_or_create_user(session, telegram_id=ALICE_ID, full_name="Alice")
        repo.add_message(session, chat_id=chat.id or 0, user_id=user.id, text=VACATION, update_id=4242,
                         telegram_message_id=77, status=MessageStatus.answering)
    tg.private_chat(alice)

    second = await bot_factory()
    reply = await second.final_reply(ALICE_ID)
    await eventually(lambda: _rows(second, Message)[0].status == MessageStatus.done)
    await stop_bot(second)
    assert "Vacation and Leave Policy" in reply.text
    assert _rows(second, Message)[0].status == MessageStatus.done


async def test_stale_or_forged_buttons_are_answered_and_never_reach_the_admins(bot: BotUnderTest,
                                                                              tg: BotApiEmulator) -> None:
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, "What colour are flamingos?")
    reply = await bot.final_reply(ALICE_ID)
    for data in ("fb:987654:1", "human:99999", "foo:bar"):  # a missing answer, a missing question, unknown data
        since = tg.mark()
        await tg.inject_callback_query(reply, alice, data)
        answered = await tg.wait_for_call("answerCallbackQuery", since=since)
        assert "больше не действует" in str(answered.params.get("text")), data
    await bot.settled()  # every press handled: an error would have reached the admins by now
    assert not tg.messages_in(ADMIN_CHAT_ID, from_bot=True), "no error reaches the admin chat"
    assert not _rows(bot, Escalation)
    assert tg.unanswered_callback_queries == []


async def test_a_failing_handler_apologises_to_the_user_and_alerts_admins(bot: BotUnderTest,
                                                                          tg: BotApiEmulator) -> None:
    from telegram.ext import CommandHandler

    async def boom(update: object, context: object) -> None:
        raise RuntimeError(f"token {tg.token} leaked?\n[SQL: SELECT secret]")

    bot.app.add_handler(CommandHandler("boom", boom), group=1)
    alice = tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, "/boom")

    alert = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID)
    apology = await tg.wait_for(lambda c: c.method == "sendMessage" and "Что-то пошло не так" in str(c.params["text"]))
    assert "Ошибка при обработке обновления" in alert.params["text"] and "RuntimeError" in alert.params["text"]
    assert int(apology.params["chat_id"]) == ALICE_ID
    assert tg.token.split(":")[1] not in alert.params["text"] and "SQL" not in alert.params["text"]


async def test_admin_status_reports_gpu_model_server_queue_and_versions(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    admin, alice = tg.user(ADMIN_ID, "Admin"), tg.user(ALICE_ID, "Alice")
    await tg.inject_message(tg.private_chat(alice), alice, "/status")
    refused = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE_ID)
    await tg.inject_message(tg.private_chat(admin), admin, "/status")
    status = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_ID, 30)

    text = status.params["text"]
    assert "только для администраторов" in refused.params["text"]
    assert "LLM OK" in text and "'dialog-keeper'" in text
    if HAS_NVIDIA_DRIVER:
        assert "GPU 0 " in text, "a GPU host's status shows its NVML reading"
    else:
        assert "no GPU" in text, "without a GPU the status says so instead of failing"
    assert "queue stt:" in text and "waiting" in text
    assert "python-telegram-bot 22.8" in text
