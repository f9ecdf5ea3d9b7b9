"""Input the bot used to drop or handle too late: «/…» texts that are no commands, files of a refused type."""

from __future__ import annotations

from pathlib import Path

from bot.store.models import Message, MessageStatus
from tests.support.bot_api_emulator import BotApiEmulator
from tests.telegram.conftest import ADMIN_ID, ALICE_ID, eventually, rows, stop_bot
from tests.telegram.test_buttons_e2e import light_bot


async def test_a_private_text_starting_with_a_slash_is_text_unless_it_is_a_command(tg: BotApiEmulator,
                                                                                    tmp_path: Path) -> None:
    """«/? привет» and «/спасибо» go the way of any text (here: small talk, no model needed); /foo is a command."""
    bot = await light_bot(tg, tmp_path)
    try:
        alice = tg.user(ALICE_ID, "Alice")
        chat = tg.private_chat(alice)
        replies = []
        for text in ("/? привет", "/спасибо!", "/foo bar"):
            since = tg.mark()
            sent = await tg.inject_message(chat, alice, text)
            call = await tg.wait_for(lambda c: c.method == "sendMessage" and int(c.params["chat_id"]) == ALICE_ID,
                                     15, since=since)
            replies.append((call.params["text"], sent["message"]["message_id"], call.result))
        await eventually(lambda: [m.status for m in rows(bot, Message)] == [MessageStatus.done] * 2
                         + [MessageStatus.kept])
    finally:
        await stop_bot(bot)
    (hello, asked, reply), (thanks, _, _), (unknown, _, _) = replies
    assert hello.startswith("Здравствуйте! Чем могу помочь?"), "answered, not dropped"
    assert reply["reply_to_message"]["message_id"] == asked
    assert thanks == "Пожалуйста! Обращайтесь."
    assert unknown.startswith("Неизвестная команда")


async def test_a_document_of_a_refused_type_is_never_downloaded(tg: BotApiEmulator, tmp_path: Path) -> None:
    bot = await light_bot(tg, tmp_path)
    try:
        admin = tg.user(ADMIN_ID, "Admin")
        chat = tg.private_chat(admin)
        await tg.inject_document(chat, admin, b"MZ\x90\x00 not a document", "setup.exe", "application/x-msdownload")
        await tg.inject_document(chat, admin, b"MZ\x90\x00 in disguise", "report.pdf", "application/x-msdownload")
        await eventually(lambda: sum("не поддерживается" in (m.text or "")
                                     for m in tg.messages_in(ADMIN_ID, from_bot=True)) == 2, timeout=30)
    finally:
        await stop_bot(bot)
    refusals = [m.text or "" for m in tg.messages_in(ADMIN_ID, from_bot=True)]
    assert any("setup.exe" in r for r in refusals) and any("report.pdf" in r for r in refusals)
    assert tg.calls_to("getFile") == [], "refused by name and MIME type before any download"
    assert [m.status for m in rows(bot, Message)] == [MessageStatus.done] * 2
