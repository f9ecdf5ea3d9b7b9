"""Buttons act only for whom they are meant: callback data is untrusted, the presser and the chat are not.

PTB polls the Bot API emulator; presses are injected as a Telegram client would send them (any data, under any
bot message the presser can see). A refused press gets a toast and changes nothing anywhere else.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlmodel import Session

from bot.store.models import AnswerRecord, Escalation, MessageStatus, User
from tests.conftest import free_port, make_settings
from tests.support.bot_api_emulator import BotApiEmulator
from tests.support.bot_api_state import ApiCall, StoredMessage
from tests.telegram.conftest import (
    ADMIN_CHAT_ID,
    ADMIN_ID,
    ALICE_ID,
    TEAM_CHAT_ID,
    BotUnderTest,
    eventually,
    rows,
    start_bot,
    stop_bot,
)

VACATION = "How many vacation days do I get per year?"
BOB_ID, CAROL_ID, EVE_ID = 702, 703, 999
HUGE = "99999999999999999999"  # past 2**64: once an OverflowError and a "⚠️ Ошибка…" to the admins per press
QUIET = {"ops": {"health_interval_s": 3600}}  # no health alert lands in the admin chat while a test watches it


async def light_bot(tg: BotApiEmulator, tmp_path: Path, **overrides: Any) -> BotUnderTest:
    """The real application without the knowledge index or a model server (for buttons that need no answer)."""
    light = SimpleNamespace(settings=make_settings(tmp_path, llm={"base_url": f"http://127.0.0.1:{free_port()}/v1"}),
                            embed_model=None)
    return await start_bot(tg, light, tmp_path, share_index=False,  # type: ignore[arg-type]  # see above
                           jobs={"ingest_in_bot": "no"}, **QUIET, **overrides)


async def bot_message_for(tg: BotApiEmulator, user: Any, text: str = "/start") -> StoredMessage:
    """A message the bot sent into the user's private chat (something to press forged buttons under)."""
    since = tg.mark()
    await tg.inject_message(tg.private_chat(user), user, text)
    call = await tg.wait_for(lambda c: c.method == "sendMessage" and c.error is None
                             and int(c.params["chat_id"]) == user.id, 10, since=since)
    return next(m for m in tg.messages_in(user.id, from_bot=True) if m.message_id == call.result["message_id"])


async def press(tg: BotApiEmulator, message: StoredMessage, user: Any, data: str) -> str:
    """Press a button; the toast (answerCallbackQuery text) the presser sees."""
    since = tg.mark()
    await tg.inject_callback_query(message, user, data)
    answered = await tg.wait_for_call("answerCallbackQuery", 10, since=since)
    return str(answered.params.get("text") or "")


async def nothing_sent(tg: BotApiEmulator, since: int, chats: set[int], within: float = 1.5) -> None:
    """No message is sent or edited in ``chats`` from ``since`` on (a bounded wait for a call that must not come)."""
    def into(call: ApiCall) -> bool:
        return call.method in ("sendMessage", "editMessageText", "sendDocument") and \
            int(call.params.get("chat_id", 0)) in chats
    with pytest.raises(TimeoutError):
        found = await tg.wait_for(into, within, since=since)
        pytest.fail(f"unexpected {found.method} to {found.params.get('chat_id')}: {found.params.get('text')}")


def asked_and_answered(bot: BotUnderTest, chat_id: int, chat_type: str, user_id: int, name: str,
                       feedback: int | None = None) -> int:
    """A question stored as the pipeline stores it, and its answer (the buttons' target); the answer's id."""
    from bot.store import repo
    from bot.store.db import session_scope

    with session_scope(bot.container.engine) as session:
        chat = repo.get_or_create_chat(session, telegram_id=chat_id, type=chat_type)
        user = repo.get_or_create_user(session, telegram_id=user_id, full_name=name)
        message = repo.add_message(session, chat_id=chat.id or 0, user_id=user.id, text=VACATION,
                                   update_id=7000 + user_id, telegram_message_id=user_id,
                                   status=MessageStatus.done)
        answer = AnswerRecord(message_id=message.id, question=VACATION, text="20 days.", feedback=feedback)
        session.add(answer)
        session.flush()
        return answer.id or 0


async def test_forged_feedback_and_hand_off_presses_change_nothing(tg: BotApiEmulator, tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path, telegram={"allowed_user_ids": [ALICE_ID, BOB_ID]})
    try:
        bob, eve = tg.user(BOB_ID, "Bob"), tg.user(EVE_ID, "Eve")
        tg.private_chat(tg.user(ALICE_ID, "Alice"))
        answer_id = asked_and_answered(bot, ALICE_ID, "private", ALICE_ID, "Alice", feedback=-1)
        bobs = await bot_message_for(tg, bob)  # Bob may use the bot, in his own chat
        eves = await bot_message_for(tg, eve)  # Eve never had access: her refusal
        await eventually(lambda: any("Запрос доступа" in (m.text or "")
                                     for m in tg.messages_in(ADMIN_CHAT_ID, from_bot=True)))

        since = tg.mark()
        toasts = {data: await press(tg, message, user, data) for message, user, data in [
            (eves, eve, f"fb:{answer_id}:1"), (eves, eve, f"human:{answer_id}"), (eves, eve, f"allow:{EVE_ID}"),
            (bobs, bob, f"fb:{HUGE}:1"), (bobs, bob, f"human:{HUGE}"), (bobs, bob, "fb:٣:1"),
            (bobs, bob, f"mt:{HUGE}:x"), (bobs, bob, f"tkb:add:{HUGE}")]}

        await nothing_sent(tg, since, {ALICE_ID, ADMIN_CHAT_ID, BOB_ID, EVE_ID})
    finally:
        await stop_bot(bot)
    for data in (f"fb:{answer_id}:1", f"human:{answer_id}", f"allow:{EVE_ID}"):
        assert toasts[data] == "У вас нет доступа к этому боту.", data
    for data in (f"fb:{HUGE}:1", f"human:{HUGE}", "fb:٣:1", f"mt:{HUGE}:x"):
        assert toasts[data] == "Эта кнопка больше не действует.", data
    assert toasts[f"tkb:add:{HUGE}"] == "Эта команда только для администраторов."
    assert rows(bot, AnswerRecord)[0].feedback == -1, "Alice's 👎 stays"
    assert rows(bot, Escalation) == [], "no ticket for someone else's question"
    assert tg.unanswered_callback_queries == []


async def test_bobs_presses_on_alices_answer_are_not_his(tg: BotApiEmulator, tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path, telegram={"allowed_user_ids": [ALICE_ID, BOB_ID]})
    try:
        bob = tg.user(BOB_ID, "Bob")
        tg.private_chat(tg.user(ALICE_ID, "Alice"))
        answer_id = asked_and_answered(bot, ALICE_ID, "private", ALICE_ID, "Alice", feedback=-1)
        bobs = await bot_message_for(tg, bob)
        since = tg.mark()
        toasts = [await press(tg, bobs, bob, data) for data in (f"fb:{answer_id}:1", f"human:{answer_id}")]
        await nothing_sent(tg, since, {ALICE_ID, ADMIN_CHAT_ID, BOB_ID})
    finally:
        await stop_bot(bot)
    assert toasts == ["Эта кнопка — не для вас."] * 2
    assert rows(bot, AnswerRecord)[0].feedback == -1 and rows(bot, Escalation) == []


async def test_in_a_group_a_press_counts_for_the_presser_and_only_on_that_chats_answers(
        tg: BotApiEmulator, tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path)
    try:
        team = tg.group_chat(TEAM_CHAT_ID, "Team")
        alice, bob = tg.user(ALICE_ID, "Alice"), tg.user(BOB_ID, "Bob", "bob")
        answer_id = asked_and_answered(bot, TEAM_CHAT_ID, "supergroup", CAROL_ID, "Carol")
        since = tg.mark()
        await tg.inject_message(team, bob, "/help")
        call = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == TEAM_CHAT_ID,
                                 10, since=since)
        in_team = next(m for m in tg.messages_in(TEAM_CHAT_ID, from_bot=True)
                       if m.message_id == call.result["message_id"])
        alices = await bot_message_for(tg, alice)

        since = tg.mark()
        elsewhere = await press(tg, alices, alice, f"human:{answer_id}")  # an allowed user, but another chat
        await nothing_sent(tg, since, {TEAM_CHAT_ID, ADMIN_CHAT_ID, ALICE_ID}, within=1.0)
        thanks = await press(tg, in_team, bob, f"fb:{answer_id}:1")
        since = tg.mark()
        await tg.inject_callback_query(in_team, bob, f"human:{answer_id}")
        notice = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ADMIN_CHAT_ID,
                                   10, since=since)
        [escalation] = rows(bot, Escalation)
        with Session(bot.container.engine) as session:
            requester = session.get_one(User, escalation.user_id)
    finally:
        await stop_bot(bot)
    assert elsewhere == "Эта кнопка — не для вас."
    assert "спасибо" in thanks.lower() and rows(bot, AnswerRecord)[0].feedback == 1
    assert requester.telegram_id == BOB_ID, "the one who pressed asked for a human"
    assert "Bob" in notice.params["text"] and "Carol" not in notice.params["text"]


async def test_double_tap_on_allow_is_told_and_never_reaches_the_admins_as_an_error(tg: BotApiEmulator,
                                                                                   tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path)
    try:
        admin, eve = tg.user(ADMIN_ID, "Admin"), tg.user(EVE_ID, "Eve")
        await bot_message_for(tg, eve)
        await eventually(lambda: any("Запрос доступа" in (m.text or "")
                                     for m in tg.messages_in(ADMIN_CHAT_ID, from_bot=True)))
        notice = next(m for m in tg.messages_in(ADMIN_CHAT_ID, from_bot=True) if "Запрос доступа" in (m.text or ""))
        since = tg.mark()
        first, second = (await tg.inject_callback_query(notice, admin, f"allow:{EVE_ID}"),
                         await tg.inject_callback_query(notice, admin, f"allow:{EVE_ID}"))
        await eventually(lambda: not tg.unanswered_callback_queries)
        await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == EVE_ID, 10, since=since)
        stale = [await press(tg, notice, admin, data) for data in (f"allow:{HUGE}", f"tkb:add:{HUGE}")]
        await nothing_sent(tg, since, {ADMIN_CHAT_ID})
        toasts = sorted(str(tg.callback_answers[q["callback_query"]["id"]].get("text")) for q in (first, second))
    finally:
        await stop_bot(bot)
    assert toasts == [f"Доступ разрешён: {EVE_ID}", f"Доступ уже разрешён: {EVE_ID}"]
    assert sum("открыли доступ" in (m.text or "") for m in tg.messages_in(EVE_ID, from_bot=True)) == 1
    assert notice.reply_markup is None, "the button is gone"
    assert stale == ["Эта кнопка больше не действует."] * 2, "ids past 64 bits are stale, not an OverflowError"


async def test_allow_and_deny_refuse_an_id_out_of_range_with_a_sentence(tg: BotApiEmulator, tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path)
    try:
        admin = tg.user(ADMIN_ID, "Admin")
        since = tg.mark()
        replies = [(await bot_message_for(tg, admin, f"{command} {value}")).text
                   for command in ("/allow", "/deny") for value in (HUGE, "12abc")]
        await nothing_sent(tg, since, {ADMIN_CHAT_ID}, within=1.0)
    finally:
        await stop_bot(bot)
    assert replies[0] == f"«{HUGE}» — не id пользователя или чата Telegram: укажите число, например /allow 123456789."
    assert all(r is not None and "не id пользователя" in r for r in replies)
