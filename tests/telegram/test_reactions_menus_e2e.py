"""👍/👎 reactions as feedback (groups lose the buttons), and the commands menu per scope with /help to match."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from telegram import Update

from bot.dialog.answer import Answer
from bot.dialog.reactions import reaction_value
from bot.ops.report import build_report
from bot.store.db import session_scope
from bot.store.models import AnswerRecord, Outcome
from bot.store.reaction_models import ReactionFeedback
from bot.telegram.app import ALLOWED_UPDATES
from bot.telegram.channel import TelegramChannel
from bot.telegram.menu import ADMIN_COMMANDS, USER_COMMANDS
from bot.telegram.streaming import ChatPacer
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, TEAM_CHAT_ID, BotUnderTest, eventually, rows

VACATION = "How many vacation days do I get per year?"
USER_MENU = ["ask", "meet", "reset", "sources", "lang", "help"]
ADMIN_MENU = ["health", "status", "search", "unanswered", "audit", "docs", "forget", "allow", "deny", "users", "stats"]


def _feedback(bot: BotUnderTest) -> dict[int, int]:
    return {r.user_telegram_id: r.value for r in rows(bot, ReactionFeedback)}


@pytest.mark.parametrize(("old", "new", "value"), [
    ([], ["👍"], 1), (["👍"], ["👎"], -1), (["👍"], ["👍", "👎"], -1), (["👍", "👎"], ["👍"], 1),
    (["👎"], [], None), (["👍"], ["❤"], None), ([], ["🔥", "👍"], 1)])
def test_the_reaction_just_added_wins_and_removal_clears(old: list[str], new: list[str], value: int | None) -> None:
    assert reaction_value(old, new) == value


async def test_group_answers_are_rated_by_reactions_per_user_and_the_report_counts_them(
        bot: BotUnderTest, tg: BotApiEmulator) -> None:
    assert "message_reaction" in ALLOWED_UPDATES
    # polling starts in the background: the first getUpdates names what the bot wants to receive
    await eventually(lambda: "message_reaction" in (tg.poll_allowed_updates or []))
    team = tg.group_chat(TEAM_CHAT_ID, "Team")
    bob, carol = tg.user(702, "Bob"), tg.user(703, "Carol")
    question = await tg.inject_message(team, bob, f"/ask {VACATION}")
    reply = await bot.final_reply(TEAM_CHAT_ID, timeout=240)
    buttons = [b["callback_data"] for row in reply.reply_markup["inline_keyboard"] for b in row]
    assert not [b for b in buttons if b.startswith("fb:")] and buttons[-1].startswith("human:"), "no 👍/👎 clutter"
    await eventually(lambda: bool(rows(bot, AnswerRecord)) and rows(bot, AnswerRecord)[0].reply_telegram_id)

    await tg.inject_reaction(reply, bob, ["👍"])
    await tg.inject_reaction(reply, carol, ["👎"])
    await eventually(lambda: _feedback(bot) == {702: 1, 703: -1})
    await tg.inject_reaction(reply, bob, ["👍", "👎"])  # the last reaction wins
    await eventually(lambda: _feedback(bot) == {702: -1, 703: -1})
    await tg.inject_reaction(reply, carol, [])  # taking the reaction away clears it
    await tg.inject_reaction(question, carol, ["👍"])  # a reaction on the question is no feedback
    await tg.inject_reaction(reply, bob, ["👍"])
    await eventually(lambda: _feedback(bot) == {702: 1})

    alice = tg.user(ALICE_ID, "Alice")  # private chats keep the buttons, and a reaction counts there too
    await tg.inject_message(tg.private_chat(alice), alice, VACATION)
    private = await bot.final_reply(ALICE_ID, timeout=240)
    assert any(b["callback_data"].startswith("fb:") for row in private.reply_markup["inline_keyboard"] for b in row)
    await eventually(lambda: len(rows(bot, AnswerRecord)) == 2 and rows(bot, AnswerRecord)[1].reply_telegram_id)
    await tg.inject_reaction(private, alice, ["👎"])
    await eventually(lambda: _feedback(bot) == {702: 1, ALICE_ID: -1})
    mine = rows(bot, AnswerRecord)[1]  # the private answer (message ids are per chat: the group's may be equal)
    assert mine.feedback is None, "reactions are kept apart from the buttons"

    with session_scope(bot.container.engine) as session:
        report = build_report(session, day=datetime.now(UTC).date(), tz="UTC")
    assert (report.thumbs_up, report.thumbs_down) == (1, 1) and (report.reactions_up, report.reactions_down) == (1, 1)
    assert "реакциями: 👍 1 · 👎 1" in report.summary("ru")


@pytest.mark.parametrize("keep_buttons", [False, True])
async def test_group_feedback_buttons_only_when_asked_for(tg: BotApiEmulator, keep_buttons: bool) -> None:
    tg.group_chat(TEAM_CHAT_ID, "Team")
    answer = Answer(text="Twenty days.", sources=[], outcome=Outcome.answered, language="en", answer_id=5)
    async with tg.make_bot() as bot:
        channel = TelegramChannel(bot, chat_id=TEAM_CHAT_ID, reply_to=None, lang="en", pacer=ChatPacer(),
                                  edit_interval_s=0.0, group=True, group_buttons=keep_buttons)
        stream = await channel.stream()
        await stream.push("Twenty days.")
        await stream.finish(answer)
    [message] = tg.messages_in(TEAM_CHAT_ID, from_bot=True)
    data = [b["callback_data"] for row in message.reply_markup["inline_keyboard"] for b in row]
    assert data == (["fb:5:1", "fb:5:-1", "human:5"] if keep_buttons else ["human:5"])


async def test_menus_are_set_per_scope_and_language_and_help_matches(bot: BotUnderTest, tg: BotApiEmulator) -> None:
    menus = {(json.dumps(json.loads(key)[0], sort_keys=True), json.loads(key)[1]): [c["command"] for c in commands]
             for key, commands in tg.commands.items()}
    default, admin_chat = json.dumps({"type": "default"}), json.dumps({"chat_id": ADMIN_ID, "type": "chat"})
    assert menus == {(default, ""): USER_MENU, (default, "en"): USER_MENU,
                     (admin_chat, ""): USER_MENU + ADMIN_MENU, (admin_chat, "en"): USER_MENU + ADMIN_MENU}
    russian = [c["description"] for key, c_list in tg.commands.items() if json.loads(key)[1] == "" for c in c_list]
    assert "Задать вопрос (в группах)" in russian
    assert list(USER_COMMANDS) == USER_MENU and list(ADMIN_COMMANDS) == ADMIN_MENU

    admin, alice = tg.user(ADMIN_ID, "Admin"), tg.user(ALICE_ID, "Alice", language_code="en")
    texts = {}
    for user in (admin, alice):
        since = tg.mark()
        await tg.inject_message(tg.private_chat(user), user, "/help")
        texts[user.id] = (await tg.wait_for_call("sendMessage", since=since)).params["text"]
    assert all(f"/{c}" in texts[ADMIN_ID] for c in USER_MENU + ADMIN_MENU) and "Для админов" in texts[ADMIN_ID]
    assert all(f"/{c}" in texts[ALICE_ID] for c in USER_MENU) and "/meet — Book a meeting" in texts[ALICE_ID]
    assert not any(f"/{c} " in texts[ALICE_ID] for c in ADMIN_MENU), "users see their part only"
    assert Update.MESSAGE_REACTION in ALLOWED_UPDATES
